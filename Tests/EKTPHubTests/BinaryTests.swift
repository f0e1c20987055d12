import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import EKTPHub

#if canImport(Glibc)
    import Glibc
#endif

/// The `ektp-hub` executable as an operator runs it: its admin commands on a temporary
/// SQLite file, then `serve` on a free loopback port, driven over real HTTP from key
/// generation to a clean SIGTERM shutdown; and a bad configuration refused with a clear
/// message and a non-zero exit.
@Suite("The ektp-hub binary", .serialized, .daemons)
struct BinaryTests {
    @Test("keys, sign, import, enroll-token, serve: enroll, long-poll, ack, events, views, metrics, SIGTERM", .timeLimit(.minutes(3)))
    func wholeLife() async throws {
        let dir = try TempDir("ektp-hub-bin")
        defer { dir.remove() }
        let binary = try BuiltExecutable.locate("ektp-hub")

        // A demo approval key: the trust line on stdout, the private key in a 0600 file.
        let keygen = try HubBinary.run(binary, ["keys", "generate", "--key-id", "approval-bin", "--out", dir.path("key.json")])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let trust = keygen.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(trust.hasPrefix("approval-bin:"))
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path("key.json"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try HubBinary.run(binary, ["keys", "generate", "--out", dir.path("key.json")])
        #expect(again.status == 2)
        #expect(again.stderr.contains("sudah ada; tidak ditimpa"))

        // Unsigned jobs (as PrintJob JSON) signed by the command.
        var synthetic = SyntheticJobs(regions: Fixtures.regions, signer: ApprovalSigner.generate(keyId: "unused"))
        synthetic.portraitCount = 1
        let first = try synthetic.jobs(count: 3, kecamatan: "32.16.01", prefix: "BIN", urgentEvery: 0)
        let later = try synthetic.jobs(count: 1, kecamatan: "32.16.01", prefix: "LATE", urgentEvery: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(first).write(to: dir.url("unsigned.json"))
        try encoder.encode(later).write(to: dir.url("later.json"))
        for (input, output) in [("unsigned.json", "signed.json"), ("later.json", "later-signed.json")] {
            let sign = try HubBinary.run(binary, ["sign", "--key", dir.path("key.json"), dir.path(input), dir.path(output)])
            #expect(sign.status == 0, "\(sign.stderr)")
            #expect(sign.stdout.contains("ditandatangani dengan kunci approval-bin"))
        }

        // The admin commands open the same SQLite file the server will.
        let env = [
            "EKTP_HUB_DATABASE": dir.path("hub.sqlite"), "EKTP_HUB_APPROVAL_KEYS": trust, "EKTP_HUB_REGIONS": RegionData.path(),
            "EKTP_HUB_ADMIN_TOKEN": "admin-bin-test", "EKTP_LOG_LEVEL": "info", "EKTP_HUB_MAX_WAIT_SECONDS": "3600",
        ]
        // Admin commands never make a database: in the wrong folder they say so.
        let nowhere = try HubBinary.run(binary, ["enroll-token", "32.16.01"], env: env)
        #expect(nowhere.status != 0 && nowhere.stderr.contains("tidak ada; tidak dibuat baru"), "\(nowhere.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("hub.sqlite")))
        let initialised = try HubBinary.run(binary, ["init"], env: env)
        #expect(initialised.status == 0 && initialised.stdout.contains("basis data hub siap"), "\(initialised.stderr)")
        let imported = try HubBinary.run(binary, ["import", dir.path("signed.json")], env: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("3 job disimpan, 0 sudah ada"))
        let twice = try HubBinary.run(binary, ["import", dir.path("signed.json")], env: env)
        #expect(twice.stdout.contains("0 job disimpan, 3 sudah ada"))
        // A file signed by a key the hub does not trust: refused (exit 1), nothing stored.
        let strangerFile = try SyntheticJobs(regions: Fixtures.regions, signer: ApprovalSigner.generate(keyId: "stranger")).signedFile(later)
        try strangerFile.write(to: dir.url("stranger.json"))
        let refused = try HubBinary.run(binary, ["import", dir.path("stranger.json")], env: env)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("tidak dipercaya"))
        let token = try HubBinary.run(binary, ["enroll-token", "32.16.01"], env: env)
        #expect(token.status == 0, "\(token.stderr)")
        let enrollToken = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(enrollToken.hasPrefix("ektp-en-"))
        let unknown = try HubBinary.run(binary, ["enroll-token", "99.99.99"], env: env)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("99.99.99"))

        // The server.
        let port = try LoopbackPort.free()
        let server = try HubBinary.start(binary, ["serve", "--port", String(port)], env: env, log: dir.path("hub.log"))
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        try await HubBinary.waitHealthy(port: port, server)
        let admin: HTTPFields = [.authorization: "Bearer admin-bin-test"]

        try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))) { client in
            let enrolled = try await client.call(
                .post, "/v1/stations/enroll", json: EnrollRequest(token: enrollToken, name: "Kecamatan Tarumajaya PC 1", firstSeq: 11))
            #expect(enrolled.status == .created)
            let station = try enrolled.decode(EnrollResult.self)
            let auth: HTTPFields = [.authorization: "Bearer \(station.credential)"]

            let poll = try await client.call(.get, "/v1/station/jobs?wait=0&max=10", headers: auth)
            #expect(poll.status == .ok)
            let offered = try polledJobs(poll)
            #expect(offered.map(\.id) == ["BIN-000001", "BIN-000002", "BIN-000003"])
            let verifier = JobVerifier(trusted: try HubConfig.parseKeys([trust]))
            for job in offered { #expect(try verifier.verify(job.document).job.id.rawValue == job.id) }
            let ack = try await client.call(.post, "/v1/station/ack", headers: auth, json: AckRequest(jobs: offered.map { try JobID($0.id) }))
            #expect(try ack.decode(AckResult.self).claimed.count == 3)

            // A long-poll on its own connection, woken by intake over HTTP.
            async let woken = TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))) { poller in
                try await poller.call(.get, "/v1/station/jobs?wait=30&max=10", headers: auth)
            }
            while try await HubBinary.metric(client, "ektp_hub_polls_waiting") < 1 { try await Task.sleep(for: .milliseconds(20)) }
            let intake = try await client.call(.post, "/v1/intake", headers: admin, body: try Data(contentsOf: dir.url("later-signed.json")))
            #expect(intake.status == .created)
            #expect(try polledJobs(try await woken).map(\.id) == ["LATE-000001"])

            let events = EventBatch(events: [
                SequencedEvent(seq: 11, event: .jobStored(job: try JobID("BIN-000001"), priority: .normal)),
                SequencedEvent(
                    seq: 12, event: .jobStateChanged(job: try JobID("BIN-000001"), from: .queued, to: .printed, device: try DeviceID("sim-A"), detail: nil)),
                SequencedEvent(seq: 14, event: .ledger(kind: .received, from: .supplier, to: .store, quantity: 200, job: nil, cause: nil, note: nil)),
            ])
            let ingested = try await client.call(.post, "/v1/station/events", headers: auth, json: events)
            let result = try ingested.decode(EventIngestResult.self)
            #expect(result.accepted == 3 && result.highestSeq == 14 && result.gaps == [SeqGap(from: 13, to: 13)])
            let early = try await client.call(
                .post, "/v1/station/events", headers: auth, json: EventBatch(events: [SequencedEvent(seq: 3, event: events.events[2].event)]))
            #expect(early.status == .conflict)
            let heartbeat = try await client.call(
                .post, "/v1/station/heartbeat", headers: auth,
                json: Heartbeat(devices: [DeviceReport(id: try DeviceID("sim-A"), state: DeviceState(status: .ready))], stock: [.store: 200]))
            #expect(heartbeat.status == .ok)

            let job = try await client.call(.get, "/v1/views/jobs/BIN-000001", headers: admin)
            #expect(try job.decode(JobView.self).state == .printed)
            let stations = try await client.call(.get, "/v1/views/stations", headers: admin)
            let view = try #require(try stations.decode([StationView].self).first)
            #expect(view.freshness == .online && view.firstSeq == 11 && view.highestSeq == 14)
            let alerts = try await client.call(.get, "/v1/views/alerts", headers: admin)
            #expect(try alerts.decode(AlertsView.self).alerts.contains { $0.kind == .sequenceGap })
            let stock = try await client.call(.get, "/v1/views/stock", headers: admin)
            #expect(try stock.decode(StockOverview.self).kecamatan.first?.store == 200)
            for path in ["/v1/views/devices", "/v1/views/backlog"] {
                #expect(try await client.call(.get, path, headers: admin).status == .ok, "\(path)")
                #expect(try await client.call(.get, path).status == .unauthorized, "\(path)")
            }
            let metrics = String(decoding: try await client.call(.get, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"ektp_hub_jobs{state="claimed"} 2"# + "\n"))
            #expect(metrics.contains(#"ektp_hub_jobs{state="offered"} 1"# + "\n"))
            #expect(metrics.contains(#"route="/v1/station/jobs""#))
        }

        // SIGTERM with a long-poll waiting (up to an hour): the poll is answered at once,
        // empty, and the server stops and exits 0. Without that release the poll would
        // hold the shutdown past the client's 60 s read timeout and the test would fail.
        let waiting = try await HubBinary.waitingPoll(port: port, env: env, binary: binary)
        kill(server.processIdentifier, SIGTERM)
        let status = await HubBinary.wait(server, upTo: .seconds(90))
        #expect(status == 0)
        let answer = try await waiting.value
        #expect(answer.status == .ok)
        #expect(try polledJobs(answer).isEmpty)
        let log = (try? String(contentsOfFile: dir.path("hub.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("hub mendengarkan di 127.0.0.1:\(port)"))
        // The database is whole afterwards: the CLI opens it and reads the stations.
        let after = try HubBinary.run(binary, ["enroll-token", "32.16.02"], env: env)
        #expect(after.status == 0, "\(after.stderr)")

        // Personal data at rest: every file the hub made is its own (0600), and the
        // database's bytes hold no NIK or name in clear.
        for file in ["hub.sqlite", "hub-data.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: dir.path(file))[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file): \(String(mode ?? 0, radix: 8))")
        }
        let raw = try Data(contentsOf: dir.url("hub.sqlite")) + ((try? Data(contentsOf: dir.url("hub.sqlite-wal"))) ?? Data())
        for job in first + later {
            #expect(raw.range(of: Data(job.card.nik.digits.utf8)) == nil && raw.range(of: Data(job.card.nama.utf8)) == nil, "\(job.id) in clear")
        }
        // A lost data key: the hub refuses to start, names the file and makes no new key; a
        // replaced one: refused too. With the right key back, it starts.
        let key = try Data(contentsOf: dir.url("hub-data.key"))
        try FileManager.default.removeItem(atPath: dir.path("hub-data.key"))
        let lost = try HubBinary.run(binary, ["enroll-token", "32.16.02"], env: env)
        #expect(lost.status != 0)
        #expect(lost.stderr.contains("hub-data.key") && lost.stderr.contains("tidak ada"), "\(lost.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("hub-data.key")))
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).write(to: dir.url("hub-data.key"))
        chmod(dir.path("hub-data.key"), 0o600)
        let replaced = try HubBinary.run(binary, ["enroll-token", "32.16.02"], env: env)
        #expect(replaced.status != 0)
        #expect(replaced.stderr.contains("hub-data.key") && replaced.stderr.contains("tidak cocok"), "\(replaced.stderr)")
        try key.write(to: dir.url("hub-data.key"))
        #expect(try HubBinary.run(binary, ["enroll-token", "32.16.02"], env: env).status == 0)
    }

    @Test("a bad configuration is refused with a clear message and a non-zero exit", .timeLimit(.minutes(2)))
    func badConfiguration() async throws {
        let dir = try TempDir("ektp-hub-badcfg")
        defer { dir.remove() }
        let binary = try BuiltExecutable.locate("ektp-hub")
        let base = ["EKTP_HUB_DATABASE": dir.path("hub.sqlite"), "EKTP_HUB_REGIONS": RegionData.path()]
        let cases: [(env: [String: String], args: [String], says: String)] = [
            (["EKTP_HUB_PORT": "delapan"], ["serve"], "EKTP_HUB_PORT harus bilangan bulat"),
            (["EKTP_HUB_LEASE_SECONDS": "-5"], ["serve"], "EKTP_HUB_LEASE_SECONDS harus bilangan bulat"),
            (["EKTP_HUB_APPROVAL_KEYS": "kunci-tanpa-titik-dua"], ["serve"], "kunci persetujuan harus ditulis KEYID:BASE64"),
            (["EKTP_HUB_APPROVAL_KEYS": "k:bukan-base64!"], ["serve"], "k"),
            (["EKTP_HUB_REGIONS": dir.path("tidak-ada.csv")], ["serve"], "berkas wilayah"),
            (["EKTP_HUB_DATABASE": dir.path("tidak/ada/hub.sqlite")], ["serve"], "hub.sqlite"),
            ([:], ["serve", "--port", "tujuh"], "tujuh"),
            ([:], ["import", dir.path("tidak-ada.json")], "tidak bisa dibaca"),
        ]
        for c in cases {
            let r = try HubBinary.run(binary, c.args, env: base.merging(c.env) { $1 })
            #expect(r.status != 0, "\(c.env) \(c.args)")
            #expect(r.stderr.contains(c.says), "\(c.env) \(c.args): \(r.stderr)")
        }
        // A port another process holds: the server says so and exits non-zero.
        let (port, holder) = try HubBinary.listeningSocket()
        defer { close(holder) }
        let busy = try HubBinary.run(binary, ["serve", "--port", String(port)], env: base)
        #expect(busy.status != 0)
        #expect(busy.stderr.lowercased().contains("address already in use"), "\(busy.stderr)")
    }
}

/// A temporary directory removed at the end of the test.
struct TempDir {
    let root: URL
    init(_ prefix: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    func url(_ name: String) -> URL { root.appendingPathComponent(name) }
    func path(_ name: String) -> String { url(name).path }
    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Runs the `ektp-hub` built beside the test bundle (`swift build` / `swift test` build it).
enum HubBinary {
    /// Runs a one-shot command to its end, with only `env` (and PATH) in its environment.
    static func run(_ binary: URL, _ args: [String], env: [String: String] = [:]) throws -> OneShot.Outcome {
        try OneShot.run(
            binary, args,
            environment: env.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "EKTP_LOG_LEVEL": "error"]) { a, _ in a })
    }

    /// Starts a long-running command with its standard error in `log`.
    static func start(_ binary: URL, _ args: [String], env: [String: String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.environment = env.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { a, _ in a }
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The exit status once `p` ends, or nil if it runs longer than `limit`.
    static func wait(_ p: Process, upTo limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while p.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return p.terminationStatus
    }

    static func waitHealthy(port: Int, _ server: Process) async throws {
        for _ in 0..<1500 {
            guard server.isRunning else { throw Problem("ektp-hub serve stopped while starting (status \(server.terminationStatus))") }
            let ok = try? await TestClient.withClient(host: "127.0.0.1", port: port) { try await $0.get("/health").status == .ok }
            if ok == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Problem("ektp-hub serve did not answer /health")
    }

    /// A value from `/metrics`.
    static func metric(_ client: TestClient, _ name: String) async throws -> Double {
        let text = String(decoding: try await client.call(.get, "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// A station of another kecamatan long-polling (an hour) on its own connection, once
    /// the hub reports it waiting.
    static func waitingPoll(port: Int, env: [String: String], binary: URL) async throws -> Task<Reply, any Error> {
        let token = try run(binary, ["enroll-token", "32.16.03"], env: env).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let credential = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            try await client.call(.post, "/v1/stations/enroll", json: EnrollRequest(token: token, name: "PC tunggu")).decode(EnrollResult.self).credential
        }
        let poll = Task {
            try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60))) { client in
                try await client.call(.get, "/v1/station/jobs?wait=3600", headers: [.authorization: "Bearer \(credential)"])
            }
        }
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            while try await metric(client, "ektp_hub_polls_waiting") < 1 { try await Task.sleep(for: .milliseconds(20)) }
        }
        return poll
    }

    /// A loopback port nothing listens on right now.

    /// A socket listening on a free loopback port, and the port.
    static func listeningSocket() throws -> (port: Int, fd: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Problem("socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else {
            close(fd)
            throw Problem("bind() failed")
        }
        return (Int(UInt16(bigEndian: addr.sin_port)), fd)
    }
}

extension TestClient {
    func call(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: Data? = nil) async throws -> Reply {
        let r = try await execute(TestClient.Request(uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }))
        return Reply(status: r.status, headers: r.headers, body: r.body.map { Data(buffer: $0) } ?? Data())
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], json: some Encodable) async throws -> Reply {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await call(method, uri, headers: headers, body: try WireCoding.encoder().encode(json))
    }
}
