import Foundation

/// A command run to its end with its output collected: how the harness runs the one-shot
/// tools it did not write (poppler) and the project's own commands beside a daemon.
public enum OneShot {
    public struct Outcome: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` with `arguments`, in `environment` (nil: the test process's own),
    /// with `stdin` as its standard input (nil: none; an empty input). Standard error is
    /// read on its own thread, so a chatty command cannot fill its pipe while standard
    /// output is being read.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil) throws -> Outcome {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let environment { p.environment = environment }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let errors = Drain(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: errors.wait(), as: UTF8.self))
    }

    /// Its standard output, or a `HarnessError` with what it said on standard error.
    public static func output(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let outcome = try run(executable, arguments, environment: environment)
        guard outcome.status == 0 else {
            throw HarnessError(
                "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) keluar \(outcome.status): \(outcome.stderr)")
        }
        return outcome.stdout
    }

    /// `output`, run on a thread of its own while the calling task waits: the command
    /// blocks its thread until it exits, and a test's concurrent suites share only a few
    /// threads for their tasks.
    public static func outputOnThread(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        try await onThread { try output(executable, arguments, environment: environment) }
    }

    /// Runs blocking `work` on a thread of its own while the calling task waits, so it
    /// holds none of the few threads the tests' tasks share.
    public static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// A pipe read to its end on a thread of its own.
    private final class Drain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread {
                self.data = handle.readDataToEndOfFile()
                self.done.signal()
            }.start()
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
