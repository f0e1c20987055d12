import AsyncHTTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where a hub benchmark keeps its state: a SQLite file, or a fresh database on a
/// PostgreSQL server (`EKTP_BENCH_POSTGRES=HOST:PORT:USER[:PASSWORD]`).
enum BenchBackend: CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresServer, database: String)

    var description: String {
        switch self {
        case .sqlite: "SQLite"
        case .postgres: "PostgreSQL"
        }
    }

    /// The hub's settings for this backend, as `ektp-hub` reads them from its environment.
    var environment: [String: String] {
        switch self {
        case .sqlite(let path): ["EKTP_HUB_DATABASE": path]
        case .postgres(let s, let database):
            [
                "EKTP_HUB_POSTGRES_HOST": s.host, "EKTP_HUB_POSTGRES_PORT": String(s.port), "EKTP_HUB_POSTGRES_USER": s.user,
                "EKTP_HUB_POSTGRES_DATABASE": database, "EKTP_HUB_DATA_KEY": Self.dataKeyPath(database),
            ].merging(s.password.map { ["EKTP_HUB_POSTGRES_PASSWORD": $0] } ?? [:]) { $1 }
        }
    }

    /// The same settings for a hub in this process.
    func config(_ base: HubConfig) -> HubConfig {
        var c = base
        switch self {
        case .sqlite(let path): c.databasePath = path
        case .postgres(let s, let database):
            c.postgres = PostgresSettings(host: s.host, port: s.port, username: s.user, password: s.password, database: database)
            c.dataKeyFile = Self.dataKeyPath(database)
            c.dataKey = try? DataKeyFile.loadOrCreate(path: Self.dataKeyPath(database))
        }
        return c
    }

    /// The data key every hub process on one PostgreSQL database shares.
    static func dataKeyPath(_ database: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(database).key").path
    }

    /// A fresh, empty store of the same kind.
    static func fresh(like server: PostgresServer?, dir: URL, name: String) throws -> BenchBackend {
        guard let server else { return .sqlite(path: dir.appendingPathComponent("\(name).sqlite").path) }
        let database = "ektp_bench_\(name)_\(getpid())"
        try server.psql("DROP DATABASE IF EXISTS \(database)")
        try server.psql("CREATE DATABASE \(database)")
        return .postgres(server, database: database)
    }

    func drop() {
        if case .postgres(let s, let database) = self { try? s.psql("DROP DATABASE IF EXISTS \(database)") }
    }
}

struct PostgresServer {
    let host: String
    let port: Int
    let user: String
    let password: String?

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, let port = Int(parts[1]) else { return nil }
        (host, self.port, user, password) = (parts[0], port, parts[2], parts.count > 3 ? parts[3] : nil)
    }

    func psql(_ sql: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["psql", "-q", "-h", host, "-p", String(port), "-U", user, "-d", "postgres", "-c", sql]
        var env = ProcessInfo.processInfo.environment
        if let password { env["PGPASSWORD"] = password }
        env["PGOPTIONS"] = "--client-min-messages=warning"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchProblem("psql gagal: \(sql)") }
    }
}

struct BenchProblem: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// `ektp-hub serve` as its own process on a free loopback port, optionally pinned to a
/// CPU (`EKTP_BENCH_HUB_CPU`), so its memory is its own and the clients do not share its
/// core.
struct HubProcess {
    let process: Process
    let port: Int

    /// On `port`, or a free one; a hub started again keeps its port so its stations find it.
    static func start(binary: URL, environment: [String: String], cpu: String?, port: Int? = nil) throws -> HubProcess {
        let port = try port ?? LoopbackPort.free()
        let p = Process()
        var args = ["serve", "--host", "127.0.0.1", "--port", String(port)]
        if let cpu {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            args = ["-c", cpu, binary.path] + args
        } else {
            p.executableURL = binary
        }
        p.arguments = args
        p.environment = environment.merging(passedOn()) { bench, _ in bench }.merging(ownSettings) { $1 }
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return HubProcess(process: p, port: port)
    }

    /// What the hub takes from the bench's own environment: `PATH`, and the hub settings
    /// the bench does not set itself (`EKTP_HUB_POSTGRES_KEEPALIVE_SECONDS=0 make
    /// bench-hub` measures a hub without the keep-alive), never those that choose its store.
    static func passedOn(_ env: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        env.filter { $0.key.hasPrefix("EKTP_HUB_") && !storeSettings.contains($0.key) }.merging(["PATH": env["PATH"] ?? "/usr/bin:/bin"]) { $1 }
    }

    /// A bench hub's settings are the bench's alone: never the machine's /etc/ektp/hub.toml
    /// (`HubConfig.load` reads it when no file is named).
    static let ownSettings = ["EKTP_HUB_CONFIG": "/dev/null"]

    /// The variables a bench hub never inherits: its own settings file, and those that
    /// choose its store (`HubConfig.storeSettingNames`).
    static let storeSettings = Set(HubConfig.storeSettingNames.map { "EKTP_HUB_" + $0 }).union(["EKTP_HUB_CONFIG"])

    /// Resident memory of the hub process, MiB.
    var rssMiB: Double { ProcessMemory(pid: process.processIdentifier)?.rss ?? 0 }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

}

/// The hub's HTTP API as the simulated stations and the central office call it.
struct HubHTTP: Sendable {
    let client: HTTPClient
    let base: String

    struct Reply {
        let status: Int
        let body: ByteBuffer
        func decode<T: Decodable>(_: T.Type = T.self) throws -> T { try WireCoding.decoder().decode(T.self, from: Data(body.readableBytesView)) }
    }

    func call(_ method: HTTPMethod, _ path: String, bearer: String?, body: Data? = nil, timeout: Duration = .seconds(120)) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        return Reply(status: Int(response.status.code), body: try await response.body.collect(upTo: 64 * 1024 * 1024))
    }

    func json(_ method: HTTPMethod, _ path: String, bearer: String?, _ value: some Encodable) async throws -> Reply {
        try await call(method, path, bearer: bearer, body: try WireCoding.encoder().encode(value))
    }

    /// Waits until the hub answers `/health`.
    func waitHealthy(_ hub: HubProcess) async throws {
        for _ in 0..<600 {
            guard hub.process.isRunning else { throw BenchProblem("ektp-hub berhenti saat mulai (status \(hub.process.terminationStatus))") }
            if let r = try? await call(.GET, "/health", bearer: nil, timeout: .seconds(2)), r.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchProblem("ektp-hub tidak menjawab /health")
    }

    /// Enrolls a station for `kecamatan` over HTTP; its credential.
    func enroll(kecamatan: String, admin: String) async throws -> String {
        let issued: EnrollmentTokenIssued = try await json(.POST, "/v1/admin/enrollment-tokens", bearer: admin, EnrollmentTokenRequest(kecamatan: kecamatan))
            .decode()
        return try await json(.POST, "/v1/stations/enroll", bearer: nil, EnrollRequest(token: issued.token, name: "Bench \(kecamatan)")).decode(
            EnrollResult.self
        ).credential
    }

    /// A gauge or counter from `/metrics`.
    func metric(_ line: String) async throws -> Double {
        let text = String(buffer: try await call(.GET, "/metrics", bearer: nil).body)
        return text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }
}

/// The ids in a poll's answer (`{"jobs": [{"id": …}, …]}`); the documents are not needed.
struct PollReply: Decodable {
    struct Item: Decodable { let id: String }
    let jobs: [Item]
}

/// Synthetic jobs for the hub benchmarks, with a header-only JPEG as photo and signature:
/// intake checks the photo's header (JPEG, at least 100×120) and never decodes it, and
/// 132,289 drawn portraits would make 2.5 GB of job files for nothing.
struct BenchJobs {
    static let tinyJPEG = Data([
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ])

    let factory: SyntheticJobs

    init(regions: RegionDirectory, signer: ApprovalSigner) {
        var f = SyntheticJobs(regions: regions, signer: signer)
        f.portraitCount = 1
        factory = f
    }

    /// `count` signed documents for `kecamatan`, ids `PREFIX-000001`…
    func signed(count: Int, kecamatan: String, prefix: String, seed: UInt64) throws -> [(id: String, document: Data)] {
        try factory.jobs(count: count, kecamatan: kecamatan, prefix: prefix, seed: seed, urgentEvery: 50).map { job in
            var j = job
            j.card.foto = Self.tinyJPEG
            j.card.tandaTangan = Self.tinyJPEG
            return (j.id.rawValue, try factory.signer.sign(j))
        }
    }

    /// A job file (JSON array) of signed documents.
    static func file(_ documents: some Sequence<Data>) -> Data {
        var out = Data("[".utf8)
        for (i, d) in documents.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(d)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}

/// Order statistics of a sample, in milliseconds.
struct Percentiles {
    let count: Int
    let p50: Double
    let p99: Double
    let max: Double

    init(_ secondsSample: [Double]) {
        let sorted = secondsSample.sorted()
        count = sorted.count
        func at(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)] * 1000 }
        p50 = at(0.50)
        p99 = at(0.99)
        max = (sorted.last ?? .nan) * 1000
    }
}

/// A value several tasks update (a `Mutex` that closures can share).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}

/// A process's memory as `/proc/PID/status` gives it, MiB: resident, and the anonymous part
/// of it (what a leak grows; the rest is pages of the binary and its libraries).
struct ProcessMemory {
    let rss: Double
    let anon: Double

    init?(pid: Int32) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func mib(_ key: String) -> Double? {
            status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 / 1024 }
        }
        guard let rss = mib("VmRSS:"), let anon = mib("RssAnon:") else { return nil }
        (self.rss, self.anon) = (rss, anon)
    }
}

/// The whole machine's CPU time from `/proc/stat`, to say how busy a run's window was and
/// how much of it the hypervisor gave to other guests (steal).
enum MachineCPU {
    struct Share: Sendable {
        var busy: Double
        var steal: Double
        var idle: Double
    }

    /// The `cpu` line's counters: user, nice, system, idle, iowait, irq, softirq, steal.
    static func sample() -> [UInt64]? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        return fields.count == 8 ? fields : nil
    }

    /// Percentages of the time between two samples.
    static func share(from a: [UInt64]?, to b: [UInt64]?) -> Share? {
        guard let a, let b else { return nil }
        let d = zip(a, b).map { Double($1 &- $0) }
        let total = d.reduce(0, +)
        guard total > 0 else { return nil }
        let idle = d[3] + d[4]
        return Share(busy: 100 * (total - idle - d[7]) / total, steal: 100 * d[7] / total, idle: 100 * idle / total)
    }
}
