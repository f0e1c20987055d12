import AsyncHTTPClient
import EKTPClient
import EKTPHub
import EKTPTestSupport
import EKTPWire
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The hub the demo runs: the real `ektp-hub serve` on embedded SQLite, on a free
/// loopback port, and the central office's calls to it (admin token).
final class DemoHub: @unchecked Sendable {
    let process = Process()
    let port: Int
    let adminToken = "demo-admin-" + UUID().uuidString.prefix(8)
    let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
    /// The central office's calls, with the admin token.
    let admin: HubAdminClient
    let database: String
    var url: String { "http://127.0.0.1:\(port)" }

    init(directory: URL, trusting signer: ApprovalSigner, regions: String) throws {
        port = try LoopbackPort.free()
        database = directory.appendingPathComponent("hub.sqlite").path
        admin = HubAdminClient(base: "http://127.0.0.1:\(port)", adminToken: adminToken, httpClient: http)
        process.executableURL = try BuiltExecutable.locate("ektp-hub")
        process.arguments = [
            "serve", "--database", database, "--regions", regions, "--port", String(port),
            "--approval-key", "\(signer.keyId):\(signer.publicKeyBase64)", "--lease-seconds", "15",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["EKTP_HUB_ADMIN_TOKEN": adminToken, "EKTP_HUB_STALE_AFTER_SECONDS": "20"]) {
            $1
        }
        let log = directory.appendingPathComponent("ektp-hub.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = process.standardError
    }

    func start() async throws {
        try process.run()
        for _ in 0..<400 {
            if (try? await admin.call(.GET, "/health")) != nil { return }
            guard process.isRunning else { throw DemoFailure("ektp-hub berhenti saat mulai; lihat log") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw DemoFailure("ektp-hub tidak menjawab")
    }

    func stop() async {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? await http.shutdown()
    }

    /// A central-office user for the hub's pages, through `ektp-hub user add`.
    func addWebUser(name: String, fullName: String, password: String) throws {
        let p = Process()
        p.executableURL = process.executableURL
        p.arguments = ["user", "add", name, "--full-name", fullName, "--password-stdin", "--database", database]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        input.fileHandleForWriting.write(Data((password + "\n").utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw DemoFailure("ektp-hub user add gagal (status \(p.terminationStatus))") }
    }

}

/// An executable built beside this one.

struct DemoFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
