import AsyncHTTPClient
import EKTPAccounts
import EKTPDomain
import EKTPHub
import EKTPRendering
import EKTPStationStore
import EKTPSynthetic
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

@testable import EKTPStation

enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Screenshots of every browser run, kept as test artifacts.
    static let screenshots: URL = {
        let dir = root.appendingPathComponent(".build/web-screenshots")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()
}

/// The passwords of the test users: long enough for the rules, never used anywhere else.
enum People {
    static let operatorName = "sari"
    static let kepalaName = "budi"
    static let pusatName = "rina"
    static let password = "kata-sandi-uji-1234"
}

/// Starts `run` in the background and stops the group when done.
final class Running: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    init(_ services: [any Service], logger: Logger) {
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        self.group = group
        task = Task { try await group.run() }
    }
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// A port a server reported once it was listening.
final class PortBox: Sendable {
    let value = Mutex<Int?>(nil)
    func wait() async throws -> Int {
        for _ in 0..<300 {
            if let p = value.withLock({ $0 }) { return p }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebTestFailure("server did not start")
    }
}

struct WebTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A real station (store, print worker with two simulated printers, local API on a Unix
/// socket) and its web pages on a loopback port.
struct WebStation {
    let station: Station
    let running: Running
    let port: Int
    let directory: URL
    let signer: ApprovalSigner
    var base: String { "http://127.0.0.1:\(port)" }
    var evolis: DeviceID { station.printers.all[0].info.id }
    var fargo: DeviceID { station.printers.all[1].info.id }

    static func start(faults: String = "power-loss@2") async throws -> WebStation {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let signer = ApprovalSigner.generate(keyId: "approval-web")
        var config = StationConfig(
            kecamatan: "32.16.01", stateDirectory: directory.path, socketPath: directory.appendingPathComponent("ektpd.sock").path,
            printers: [
                "sim://evolis-primacy-2?serial=WEB-EVO-01&ms=20\(faults.isEmpty ? "" : "&faults=\(faults)")&state=\(directory.path)/printers",
                "sim://hid-fargo-hdp5000?serial=WEB-HDP-01&ms=20&ribbon=500&state=\(directory.path)/printers",
            ],
            approvalKeys: [signer.approvalKey], driversDirectory: Paths.root.appendingPathComponent("drivers/profiles").path,
            regionsFile: Paths.root.appendingPathComponent("data/wilayah.csv").path, pollMilliseconds: 50)
        config.web = StationWebSettings(enabled: false, listen: "127.0.0.1:0")
        var logger = Logger(label: "ektpd-web-test")
        logger.logLevel = .warning
        let station = try await Station.open(config: config, composer: RenderingComposer(renderer: try CardRenderer.standard()), logger: logger)
        let box = PortBox()
        let web = StationWeb.application(station) { port in box.value.withLock { $0 = port } }
        let running = Running(try station.services() + [web], logger: logger)
        let port = try await box.wait()
        return WebStation(station: station, running: running, port: port, directory: directory, signer: signer)
    }

    func stop() async {
        await running.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func addUsers() async throws {
        for (name, full, role) in [(People.operatorName, "Sari Wulandari", WebRole.operator), (People.kepalaName, "Budi Santoso", .kepala)] {
            try await station.store.addWebUser(
                try WebAccounts.newUser(name: name, fullName: full, role: role, password: People.password, allowed: StationStore.webRoles, now: Date()))
        }
    }

    /// Blangko received and loaded, synthetic signed jobs imported; waits until the
    /// worker has taken every job it can.
    /// Prints `count` synthetic jobs through the real worker; returns the jobs.
    @discardableResult
    /// `deliveries`, when given, sets each job's delivery in order.
    func printSomeJobs(_ count: Int, deliveries: [Delivery] = []) async throws -> [PrintJob] {
        _ = try store.receive(300, document: "SJ/3216/2026/11/007", serialFirst: nil, serialLast: nil, by: "admin")
        for d in [evolis, fargo] {
            _ = try await station.stock(.load(device: d, quantity: 30), by: "admin")
        }
        var synthetic = SyntheticJobs(regions: try RegionData.load(), signer: signer)
        synthetic.portraitCount = 3
        var jobs = try synthetic.jobs(count: count, kecamatan: "32.16.01", seed: 7)
        for (i, delivery) in deliveries.enumerated() where i < jobs.count { jobs[i].delivery = delivery }
        _ = try station.intake.importFile(try synthetic.signedFile(jobs), actor: "admin")
        for _ in 0..<600 {
            let counts = try store.jobCounts()
            if (counts[.queued] ?? 0) == 0, (counts[.printing] ?? 0) == 0, (counts[.received] ?? 0) == 0 { return jobs }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebTestFailure("the worker did not finish: \(try store.jobCounts())")
    }

    var store: StationStore { station.store }
}

/// A real hub on an SQLite file with a clock the test moves, serving its API and pages on
/// a loopback port.
struct WebHub {
    let hub: Hub
    let running: Running
    let port: Int
    let directory: URL
    var base: String { "http://127.0.0.1:\(port)" }

    final class Clock: Sendable {
        let now = Mutex(Date())
        func advance(_ s: Double) { now.withLock { $0 = $0.addingTimeInterval(s) } }
    }

    static func start(clock: Clock, signer: ApprovalSigner) async throws -> (WebHub, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-web-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = HubConfig()
        config.databasePath = directory.appendingPathComponent("hub.sqlite").path
        config.approvalKeys = [signer.approvalKey]
        config.regionsFile = Paths.root.appendingPathComponent("data/wilayah.csv").path
        var logger = Logger(label: "ektp-hub-web-test")
        logger.logLevel = .warning
        let hub = Hub(
            config: config, store: try SQLiteHubStore(path: config.databasePath), regions: try config.loadRegions(), clock: { clock.now.withLock { $0 } },
            logger: logger)
        let box = PortBox()
        let app = Application(
            router: HubAPI.router(hub), configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "ektp-hub"),
            onServerRunning: { channel in box.value.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        let running = Running([app], logger: logger)
        let port = try await box.wait()
        return (WebHub(hub: hub, running: running, port: port, directory: directory), directory)
    }

    func stop() async {
        await running.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func addUser() async throws {
        guard let accounts = hub.store as? any HubUserStore else { throw WebTestFailure("SQLite hub store keeps no users") }
        try await accounts.addWebUser(
            try WebAccounts.newUser(
                name: People.pusatName, fullName: "Rina Kusuma", role: .pusat, password: People.password, allowed: HubWebRoles.roles, now: Date()))
    }
}

/// A browser-like HTTP client for the role matrix: keeps cookies, never follows redirects,
/// and reads the CSRF token from the pages it gets.
final class Agent: @unchecked Sendable {
    let base: String
    let http: HTTPClient
    var cookies: [String: String] = [:]
    var csrf = ""
    var extraHeaders: [(String, String)] = []

    init(_ base: String) {
        self.base = base
        var c = HTTPClient.Configuration()
        c.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: c)
    }

    func close() async throws { try await http.shutdown() }

    struct Reply {
        let status: Int
        let location: String?
        let body: String
        let headers: HTTPHeaders
        /// The body as sent (a PDF).
        var bytes = Data()
    }

    @discardableResult
    func get(_ path: String) async throws -> Reply { try await send("GET", path, form: nil) }

    @discardableResult
    func post(_ path: String, _ form: [(String, String)], csrf token: String? = nil) async throws -> Reply {
        try await send("POST", path, form: form + [("_csrf", token ?? csrf)])
    }

    func send(_ method: String, _ path: String, form: [(String, String)]?) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        if !cookies.isEmpty { request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let form {
            let allowed = CharacterSet.alphanumerics.union(.init(charactersIn: "-._~"))
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 8 * 1024 * 1024)
        let text = String(buffer: buffer)
        for header in response.headers["Set-Cookie"] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if let range = text.range(of: "name=\"_csrf\" value=\"") {
            let rest = text[range.upperBound...]
            if let end = rest.firstIndex(of: "\"") { csrf = String(rest[..<end]) }
        }
        return Reply(
            status: Int(response.status.code), location: response.headers.first(name: "Location"), body: text, headers: response.headers,
            bytes: Data(buffer.readableBytesView))
    }

    /// Logs in through the form, as a browser would.
    @discardableResult
    func login(_ name: String, _ password: String = People.password) async throws -> Reply {
        try await get("/masuk")
        let reply = try await post("/masuk", [("nama", name), ("sandi", password)])
        if reply.status == 303 { try await get(reply.location ?? "/") }
        return reply
    }
}
