import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A temporary folder removed at the end.
public final class Scratch: Sendable {
    public let url: URL
    public init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    /// Removed unless `EKTP_KEEP_SCRATCH` is set (to read the daemons' logs after a failure).
    deinit { Self.remove(url) }

    /// Whether the tests' folders are kept (`EKTP_KEEP_SCRATCH` set): every folder the
    /// harness makes, the private CUPS world's included.
    public static var keep: Bool { ProcessInfo.processInfo.environment["EKTP_KEEP_SCRATCH"] != nil }

    /// Removes a folder the harness made, unless they are kept.
    public static func remove(_ url: URL) { if !keep { try? FileManager.default.removeItem(at: url) } }
}

/// A child process, its log kept in a file for failures.
public final class Child: @unchecked Sendable {
    public let executable: URL
    public let arguments: [String]
    public let environment: [String: String]
    public let log: String
    public private(set) var process: Process?

    /// The executable is a launcher that runs the real program as its child.
    public let wraps: Bool

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], log: String, wraps: Bool = false) {
        self.wraps = wraps
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.log = log
    }

    public func start() throws {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: log) { FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        p.standardError = handle
        p.standardOutput = handle
        try p.run()
        process = p
    }

    public var isRunning: Bool { process?.isRunning ?? false }

    public func kill9() {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    public func stop() {
        guard let p = process, p.isRunning else { return }
        if wraps {
            // A launcher (umockdev-run, faketime) waits for its program: stop the program
            // (SIGTERM, as systemd does) and let the launcher end with it.
            let pkill = Process()
            pkill.executableURL = URL(fileURLWithPath: "/usr/bin/pkill")
            pkill.arguments = ["-TERM", "-P", String(p.processIdentifier)]
            try? pkill.run()
            pkill.waitUntilExit()
            let deadline = Date().addingTimeInterval(15)
            while p.isRunning && Date() < deadline { usleep(20_000) }
        }
        guard p.isRunning else { return }
        p.terminate()
        let deadline = Date().addingTimeInterval(10)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill9() }
    }

    public func tail(_ bytes: Int = 3000) -> String {
        guard let data = FileManager.default.contents(atPath: log) else { return "" }
        return String(decoding: data.suffix(bytes), as: UTF8.self)
    }

    deinit { kill9() }
}
