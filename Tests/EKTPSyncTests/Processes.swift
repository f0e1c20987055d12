import AsyncHTTPClient
import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The real `ektp-hub` and `ektpd` executables, started, killed and restarted by these
/// tests over real HTTP on loopback. Every process is stopped by pid at the end.

/// The hub the sync tests run (`HubDaemon`), with the tests' settings.
typealias HubUnderTest = HubDaemon

extension HubDaemon {
    /// A hub on SQLite in `scratch`, or, with `postgres`, one of several hub processes on
    /// that PostgreSQL database.
    convenience init(scratch: Scratch, trusted: [ApprovalSigner], leaseSeconds: Int = 5, postgres: TestPostgres.Database? = nil, adminToken: String? = nil)
        throws
    {
        try self.init(
            directory: scratch.url.path, trusted: trusted, regions: RegionData.path(), leaseSeconds: leaseSeconds,
            postgres: postgres.map { HubDaemon.Postgres(name: $0.name, environment: $0.hubEnvironment) }, adminToken: adminToken)
    }

    func shutdown() async { stop() }

    func job(_ id: JobID) async throws -> JobView { try await admin.get(JobView.self, "/v1/views/jobs/\(id.rawValue)") }
}

/// `ektpd` with simulated printers whose physical state survives the daemon.
final class StationUnderTest: @unchecked Sendable {
    let child: Child
    let socket: String
    let stateDirectory: String
    let printerState: String
    let uris: [String]
    let metricsPort: Int
    let config: String

    /// `launcher` runs ektpd under another program (`faketime -f -2d`), given before it.
    /// `regions`: the region file (`station.regions`), when the test needs one.
    /// `heartbeatSeconds`, `pollWaitSeconds`: `hub.heartbeat_seconds` and
    /// `hub.poll_wait_seconds` (1 and 2: the tests see the hub learn fast).
    init(
        scratch: Scratch, name: String, kecamatan: String, trusted: ApprovalSigner, printers: [String], ms: Int = 30, launcher: [String] = [],
        regions: String? = nil, heartbeatSeconds: Int = 1, pollWaitSeconds: Int = 2
    ) throws {
        let root = scratch.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        socket = root.appendingPathComponent("s.sock").path
        stateDirectory = root.appendingPathComponent("state").path
        let printerState = root.appendingPathComponent("printers").path
        self.printerState = printerState
        try FileManager.default.createDirectory(atPath: printerState, withIntermediateDirectories: true)
        let uris = printers.map { "sim://\($0)&ms=\(ms)&state=\(printerState)" }
        self.uris = uris
        metricsPort = try LoopbackPort.free()
        let config = root.appendingPathComponent("ektpd.toml").path
        var file = StationConfigFile(
            kecamatan: kecamatan, stateDirectory: stateDirectory, socket: socket, printers: uris,
            approvalKeys: ["\(trusted.keyId):\(trusted.publicKeyBase64)"])
        file["station", "poll_milliseconds"] = 20
        file["hub", "poll_wait_seconds"] = .int(pollWaitSeconds)
        file["hub", "heartbeat_seconds"] = .int(heartbeatSeconds)
        file["hub", "retry_max_seconds"] = 1
        file["hub", "backlog_warning"] = 50
        file["hub", "reconcile_after_offline_seconds"] = 2
        file["metrics", "listen"] = .string("127.0.0.1:\(metricsPort)")
        file["web", "enabled"] = false
        if let regions { file["station", "regions"] = .string(regions) }
        try file.write(to: config)
        let ektpd = try BuiltExecutable.locate("ektpd")
        child =
            launcher.isEmpty
            ? Child(ektpd, ["--config", config], environment: ["EKTP_LOG_LEVEL": "info"], log: root.appendingPathComponent("ektpd.log").path)
            : Child(
                URL(fileURLWithPath: launcher[0]), Array(launcher.dropFirst()) + [ektpd.path, "--config", config],
                environment: ["EKTP_LOG_LEVEL": "info", "FAKETIME_DONT_FAKE_MONOTONIC": "1"], log: root.appendingPathComponent("ektpd.log").path,
                wraps: true)
        self.config = config
    }

    /// Starts ektpd and, with `people` and none yet, adds the office's people
    /// (`addPeople`).
    func start(people: Bool = true) async throws {
        try child.start()
        for _ in 0..<400 {
            if (try? await withClient { try await $0.status() }) != nil {
                if people, try await withClient({ try await $0.webUsers() }).isEmpty { try await addPeople() }
                return
            }
            guard child.isRunning else { throw HarnessError("ektpd berhenti saat mulai:\n\(child.tail())") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("ektpd tidak menjawab:\n\(child.tail())")
    }

    /// The uids of the kecamatan heads' PC accounts.
    static let kepalaUID: UInt32 = 61_002
    static let secondKepalaUID: UInt32 = 61_003

    /// The kecamatan head, at their own PC account: runs the real ektpctl.
    var kepala: OfficeAccount { OfficeAccount(uid: Self.kepalaUID, socket: socket) }
    /// A second head (the acting head, `plt.`), for the four-eyes rule.
    var secondKepala: OfficeAccount { OfficeAccount(uid: Self.secondKepalaUID, socket: socket) }

    /// The office's people: `op`, an operator, is the test's own PC account (the
    /// in-process client); `kepala` and `plt` are kecamatan heads at their own accounts.
    func addPeople() async throws {
        let me = String(getuid())
        try await withClient { client in
            _ = try await client.addWebUser(WebUserRequest(name: "op", fullName: "Operator Uji", role: "operator", password: "kata-sandi-op-1", pcAccount: me))
            _ = try await client.addWebUser(
                WebUserRequest(name: "kepala", fullName: "Kepala Uji", role: "kepala", password: "kata-sandi-kepala-1", pcAccount: String(Self.kepalaUID)))
            _ = try await client.addWebUser(
                WebUserRequest(name: "plt", fullName: "Plt. Kepala Uji", role: "kepala", password: "kata-sandi-plt-1", pcAccount: String(Self.secondKepalaUID)))
        }
    }

    func withClient<T: Sendable>(_ body: (StationClient) async throws -> T) async throws -> T {
        try await StationClient.withClient(socketPath: socket, timeout: .seconds(60), userAgent: "ektp-sync-test", body)
    }
}

/// Reads a station's database directly (read-only), as an auditor would.
struct GRDBReader {
    let queue: DatabaseQueue
    init(path: String) throws {
        var config = Configuration()
        config.readonly = true
        queue = try DatabaseQueue(path: path, configuration: config)
    }
    func lastSeq() throws -> Int64 { try queue.read { try Int64.fetchOne($0, sql: "SELECT MAX(seq) FROM outbox") ?? 0 } }
}

/// The private PostgreSQL server `scripts/test.sh` starts (`EKTP_HUB_TEST_POSTGRES=HOST:PORT:USER`),
/// on which a test makes a database of its own with `psql`.
enum TestPostgres {
    static var server: (host: String, port: String, user: String)? {
        guard let text = ProcessInfo.processInfo.environment["EKTP_HUB_TEST_POSTGRES"], !text.isEmpty else { return nil }
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count >= 3 else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    struct Database: Sendable {
        let host: String
        let port: String
        let user: String
        let name: String
        /// Connections each hub process keeps (`EKTP_HUB_POSTGRES_CONNECTIONS`): fewer than
        /// in production, since the suites' hub processes share one test server.
        static let hubConnections = 6

        var hubEnvironment: [String: String] {
            [
                "EKTP_HUB_POSTGRES_HOST": host, "EKTP_HUB_POSTGRES_PORT": port, "EKTP_HUB_POSTGRES_USER": user, "EKTP_HUB_POSTGRES_DATABASE": name,
                "EKTP_HUB_POSTGRES_CONNECTIONS": String(Self.hubConnections),
            ]
        }

        /// How many server processes (connections) the database has now, by PostgreSQL's
        /// own count (`pg_stat_activity`), asked over a connection to another database.
        func connections() async throws -> Int { try await count("") }

        /// How many of its connections wait on an advisory lock now (intake's).
        func advisoryLockWaiters() async throws -> Int { try await count(" AND wait_event_type = 'Lock' AND wait_event = 'advisory'") }

        private func count(_ condition: String) async throws -> Int {
            let out = try await OneShot.outputOnThread(
                URL(fileURLWithPath: "/usr/bin/env"),
                [
                    "psql", "-qtA", "-h", host, "-p", port, "-U", user, "-d", "postgres", "-c",
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(name)'" + condition,
                ])
            guard let count = Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw HarnessError("psql menjawab \(out.prefix(200))") }
            return count
        }
    }

    /// A new empty database on the test server. The suites run side by side, each with hub
    /// processes and their pools: a connection refused for a moment (too many clients) is
    /// tried again, and what psql said is kept for the failure.
    static func createDatabase() async throws -> Database {
        guard let server else { throw HarnessError("EKTP_HUB_TEST_POSTGRES tidak diatur") }
        let name = "ektp_sync_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        var said = ""
        for attempt in 1...5 {
            // psql blocks its thread until it exits: on a thread of its own (`OneShot.onThread`).
            let outcome = try await OneShot.onThread {
                try OneShot.run(
                    URL(fileURLWithPath: "/usr/bin/env"),
                    ["psql", "-q", "-h", server.host, "-p", server.port, "-U", server.user, "-d", "postgres", "-c", "CREATE DATABASE \(name)"])
            }
            if outcome.status == 0 { return Database(host: server.host, port: server.port, user: server.user, name: String(name)) }
            said = "percobaan \(attempt), status \(outcome.status): \(outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            try await Task.sleep(for: .milliseconds(500 * attempt))
        }
        throw HarnessError("psql CREATE DATABASE \(name) gagal (\(said))")
    }
}

/// Prometheus's own `promtool` (Debian's prometheus package), to check what the daemons
/// expose as Prometheus reads it.
enum Promtool {
    static let path = "/usr/bin/promtool"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// What `promtool check metrics` finds wrong with `text` (empty: nothing).
    static func checkMetrics(_ text: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return p.terminationStatus == 0 && said.isEmpty ? "" : said.isEmpty ? "exit \(p.terminationStatus)" : said
    }
}

/// The monitoring files in the repository (`monitoring/`).
enum Monitoring {
    static func path(_ relative: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(relative).path
    }
}
