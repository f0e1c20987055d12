import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Another person's PC account on the station PC, for tests and the demo: runs the real
/// `ektpctl` under that uid, so `ektpd` knows the caller from the socket's peer
/// credentials (`SO_PEERCRED`) as it does in an office where each person logs in as
/// themselves. The uid needs no entry in /etc/passwd (the station maps it as a number);
/// its processes keep group 0 to reach the socket `ektpd` makes `0660` for its own group.
/// Only root can run a process as another uid (`setpriv`).
public struct OfficeAccount: Sendable {
    public let uid: UInt32
    public let socket: String

    public init(uid: UInt32, socket: String) {
        self.uid = uid
        self.socket = socket
    }

    /// Whether this machine lets the harness act as other PC accounts.
    public static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") }

    /// What one `ektpctl` run printed, and how it ended.
    public typealias Run = OneShot.Outcome

    /// Runs `ektpctl ARGUMENTS --socket SOCKET` as this account, on a thread of its own
    /// (`OneShot.onThread`): waiting for a command holds its thread, and a test process's
    /// tasks share as many threads as there are cores. With them all held, the thread that
    /// notes a child's exit never runs, and every test waiting for a child waits for ever.
    public func ektpctl(_ arguments: [String], stdin: String? = nil) async throws -> Run {
        guard Self.available else { throw HarnessError("bertindak sebagai akun PC lain perlu root dan setpriv") }
        let command = ["--reuid=\(uid)", "--regid=\(uid)", "--groups=0", "--", try BuiltExecutable.locate("ektpctl").path] + arguments + ["--socket", socket]
        return try await OneShot.onThread { try OneShot.run(URL(fileURLWithPath: "/usr/bin/setpriv"), command, stdin: stdin.map { Data($0.utf8) }) }
    }

    /// Runs `ektpctl … --json` and decodes its answer; a non-zero exit is a `HarnessError`
    /// carrying what ektpctl said.
    public func json<T: Decodable>(_ arguments: [String], as type: T.Type = T.self, decoder: JSONDecoder) async throws -> T {
        let run = try await ektpctl(arguments + ["--json"])
        guard run.status == 0 else { throw HarnessError("ektpctl \(arguments.joined(separator: " ")) (uid \(uid)) keluar \(run.status): \(run.stderr)") }
        do { return try decoder.decode(T.self, from: Data(run.stdout.utf8)) } catch {
            throw HarnessError("ektpctl \(arguments.joined(separator: " ")): jawaban JSON tidak terbaca: \(error)\n\(run.stdout)")
        }
    }
}
