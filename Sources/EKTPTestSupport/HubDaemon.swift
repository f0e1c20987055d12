import AsyncHTTPClient
import EKTPClient
import EKTPWire
import Foundation

/// The real `ektp-hub serve` on a free loopback port with an admin token, and the
/// central office's calls to it: on SQLite in `directory`, or, with `postgres`, one of
/// several hub processes on that PostgreSQL database (they share the admin token and the
/// data key).
public final class HubDaemon: @unchecked Sendable {
    /// A PostgreSQL database the hub runs on: its name and the `EKTP_HUB_POSTGRES_*` settings.
    public struct Postgres: Sendable {
        public let name: String
        public let environment: [String: String]
        public init(name: String, environment: [String: String]) {
            self.name = name
            self.environment = environment
        }
    }

    public let child: Child
    public let port: Int
    public let adminToken: String
    /// The SQLite file, or the PostgreSQL database's name.
    public let database: String
    /// The process-wide client: nothing to shut down, so a caller that fails before its
    /// `defer` cannot crash the process in HTTPClient's deinit check.
    public let http = HTTPClient.shared
    /// The central office's calls, with the admin token.
    public let admin: HubAdminClient
    public var url: String { "http://127.0.0.1:\(port)" }
    /// What the process runs with, for the `ektp-hub` commands run beside it (`command`).
    let environment: [String: String]
    let storeArguments: [String]

    public init(
        directory: String, trusted: [ApprovalSigner], regions: String, leaseSeconds: Int, postgres: Postgres? = nil, adminToken: String? = nil,
        environment extra: [String: String] = [:], log: String? = nil
    ) throws {
        port = try LoopbackPort.free()
        self.adminToken = adminToken ?? "admin-" + UUID().uuidString
        let path = { (name: String) in URL(fileURLWithPath: directory).appendingPathComponent(name).path }
        database = postgres?.name ?? path("hub.sqlite")
        var arguments = ["serve", "--regions", regions, "--port", String(port), "--lease-seconds", String(leaseSeconds)]
        if postgres == nil { arguments += ["--database", database] }
        for key in trusted { arguments += ["--approval-key", "\(key.keyId):\(key.publicKeyBase64)"] }
        var environment = ["EKTP_HUB_ADMIN_TOKEN": self.adminToken, "EKTP_HUB_STALE_AFTER_SECONDS": "20"].merging(extra) { $1 }
        if let postgres {
            environment.merge(postgres.environment) { $1 }
            environment["EKTP_HUB_DATA_KEY"] = path("hub-data-\(postgres.name).key")
        }
        self.environment = environment
        storeArguments = postgres == nil ? ["--database", database] : []
        child = Child(try BuiltExecutable.locate("ektp-hub"), arguments, environment: environment, log: log ?? path("ektp-hub-\(port).log"))
        admin = HubAdminClient(base: "http://127.0.0.1:\(port)", adminToken: self.adminToken, httpClient: http)
    }

    /// Starts the process and waits until `/health` answers.
    public func start() async throws {
        try child.start()
        for _ in 0..<400 {
            if (try? await admin.call(.GET, "/health")) != nil { return }
            guard child.isRunning else { throw HarnessError("ektp-hub berhenti saat mulai:\n\(child.tail())") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("ektp-hub tidak menjawab:\n\(child.tail())")
    }

    /// SIGTERM, as systemd stops it.
    public func stop() { child.stop() }

    /// Runs an `ektp-hub` command (`revoke ID`, …) on this hub's store, as an operator on
    /// the hub's machine would; its standard output, or why it failed.
    public func command(_ arguments: [String]) throws -> String {
        try OneShot.output(child.executable, arguments + storeArguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    /// A central-office user for the hub's pages, through `ektp-hub user add` (SQLite).
    public func addWebUser(name: String, fullName: String, password: String) throws {
        let p = Process()
        p.executableURL = child.executable
        p.arguments = ["user", "add", name, "--full-name", fullName, "--password-stdin", "--database", database]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        input.fileHandleForWriting.write(Data((password + "\n").utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError("ektp-hub user add gagal (status \(p.terminationStatus))") }
    }
}
