import EKTPInstall
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real PC/SC stack for one test or the demo: Debian's `pcscd` with the `vsmartcard-vpcd`
/// reader driver, and `scripts/chip/ektp-test-card`, a blank test chip built on Debian's
/// `python3-virtualsmartcard` that enters and leaves the reader's field on command.
///
/// pcscd 1.9.9 always listens on `/run/pcscd/pcscd.comm`; each stack runs its own pcscd in
/// a private mount namespace with that folder bound to the stack's directory, so several
/// stacks (and a system pcscd) live side by side. Clients reach it by
/// `PCSCLITE_CSOCK_NAME=<socketPath>`, which libpcsclite honours.
public final class SmartCardStack: @unchecked Sendable {
    /// One chip as it left the field: what the test applet's memory held.
    public struct Chip: Decodable, Sendable {
        public var serial: String
        public var mode: String
        public var written: Bool
        /// Hex of the memory up to its last non-zero byte.
        public var data: String
    }

    public let directory: URL
    public let port: Int
    public let readerName: String
    private var pcscd: pid_t = 0
    private let card: Child

    public var socketPath: String { directory.appendingPathComponent("pcscd.comm").path }
    public var controlPath: String { directory.appendingPathComponent("card.sock").path }
    public var recordPath: String { directory.appendingPathComponent("chips.jsonl").path }
    /// What a client process needs in its environment to reach this stack's pcscd.
    public var environment: [String: String] { ["PCSCLITE_CSOCK_NAME": socketPath] }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/pcscd") && FileManager.default.fileExists(atPath: "/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
            && FileManager.default.fileExists(atPath: "/usr/lib/python3/site-packages/virtualsmartcard")
    }

    /// `scripts/chip/NAME` of the source tree or the installed share folder.
    public static func script(_ name: String) -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("scripts/chip/" + name)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/scripts/chip/" + name
    }

    /// Starts pcscd with one vpcd reader named `label` and the test chip's program; waits
    /// until the reader is listed and the chip program answers.
    public static func start(in directory: URL, label: String = "ektp encoder") async throws -> SmartCardStack {
        guard available else {
            throw HarnessError("pcscd, vsmartcard-vpcd atau python3-virtualsmartcard tidak terpasang (scripts/install-deps.sh)")
        }
        let stack = try SmartCardStack(directory: directory, label: label)
        do {
            try await stack.startDaemon()
            try await stack.startCard()
        } catch {
            stack.stop()
            throw error
        }
        return stack
    }

    /// A stack this process itself talks to. libpcsclite reads `PCSCLITE_CSOCK_NAME` once
    /// per process and keeps the path, so every such stack of a process lives in the same
    /// folder, one after another; this sets the variable for the process.
    public static func startForThisProcess(label: String = "ektp encoder") async throws -> SmartCardStack {
        let directory = URL(fileURLWithPath: "/tmp/ektp-pcsc-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        setenv("PCSCLITE_CSOCK_NAME", directory.appendingPathComponent("pcscd.comm").path, 1)
        return try await start(in: directory, label: label)
    }

    private init(directory: URL, label: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("reader.conf.d"), withIntermediateDirectories: true)
        // vpcd listens on PORT for its first slot and PORT+1 for its second.
        port = try Self.freePair()
        readerName = "\(label) 00 00"
        try """
        FRIENDLYNAME "\(label)"
        DEVICENAME   /dev/null:\(port)
        LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
        CHANNELID    \(port)

        """.write(to: directory.appendingPathComponent("reader.conf.d/vpcd"), atomically: true, encoding: .utf8)
        card = Child(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [
                Self.script("ektp-test-card"), "--port", "\(port)", "--control", directory.appendingPathComponent("card.sock").path, "--record",
                directory.appendingPathComponent("chips.jsonl").path,
            ],
            log: directory.appendingPathComponent("card.log").path)
    }

    private static func freePair() throws -> Int {
        for _ in 0..<50 {
            let port = try LoopbackPort.free()
            if port < 65535, LoopbackPort.canBind(port + 1) { return port }
        }
        throw HarnessError("tidak ada dua port berurutan yang bebas")
    }

    private func startDaemon() async throws {
        try FileManager.default.createDirectory(atPath: "/run/pcscd", withIntermediateDirectories: true)
        let dir = directory.path
        pcscd = try ChildProcess.spawn(
            "/usr/bin/unshare",
            ["--mount", "/bin/sh", "-c", "mount --bind '\(dir)' /run/pcscd && exec /usr/sbin/pcscd --foreground --config '\(dir)/reader.conf.d'"],
            output: directory.appendingPathComponent("pcscd.log").path, append: false)
        for _ in 0..<200 {
            if FileManager.default.fileExists(atPath: socketPath), !LoopbackPort.canBind(port) { return }
            guard kill(pcscd, 0) == 0 else { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("pcscd tidak siap:\n\((try? String(contentsOf: directory.appendingPathComponent("pcscd.log"), encoding: .utf8)) ?? "")")
    }

    private func startCard() async throws {
        try card.start()
        for _ in 0..<200 {
            if (try? command("status")) != nil { return }
            guard card.isRunning else { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("ektp-test-card tidak siap:\n\(card.tail())")
    }

    /// Sends one control command to the test chip's program; its answer without "ok".
    @discardableResult
    public func command(_ line: String) throws -> String {
        let text: String
        do { text = try UnixSocket.exchangeLine(controlPath, line) } catch { throw HarnessError("ektp-test-card: \(error)") }
        guard text.hasPrefix("ok") else { throw HarnessError("ektp-test-card: \(text)") }
        return String(text.dropFirst(2)).trimmingCharacters(in: .whitespaces)
    }

    /// Every chip that has left the field, oldest first.
    public func chips() -> [Chip] {
        guard let text = try? String(contentsOfFile: recordPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Chip.self, from: Data($0.utf8)) }
    }

    /// Stops pcscd alone: the reader vanishes from under whoever uses it.
    public func stopDaemon() {
        guard pcscd > 0 else { return }
        kill(pcscd, SIGKILL)
        _ = ChildProcess.wait(pcscd)
        pcscd = 0
    }

    public func stop() {
        // Nothing to flush: each chip's record is written as it leaves the field.
        card.kill9()
        stopDaemon()
    }
}
