import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The personalisation module as a child process: lines to its stdin, lines from its
/// stdout, its stderr to the journal, and a kill when it overstays.
final class ModuleProcess: @unchecked Sendable {
    enum Next: Equatable {
        case line(String)
        /// The module closed its stdout or exited.
        case ended
        case timedOut
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var buffer: [UInt8] = []
    private var ended = false
    private var waiter: (id: Int, continuation: CheckedContinuation<Next, Never>)?
    private var waits = 0
    /// A line longer than this is not the protocol: the module is treated as broken.
    static let longestLine = 1 << 20

    /// A module that dies while the station writes to it must not take ektpd with it.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    init(command: [String], log: @escaping @Sendable (String) -> Void) throws {
        Self.ignoreBrokenPipes
        guard let executable = command.first else { throw CocoaError(.fileNoSuchFile) }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.take(data)
        }
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { log(String(line.prefix(300))) }
        }
        try process.run()
    }

    private func take(_ data: Data) {
        let resume: (CheckedContinuation<Next, Never>, Next)? = lock.withLock {
            if data.isEmpty {
                ended = true
                output.fileHandleForReading.readabilityHandler = nil
            } else {
                buffer.append(contentsOf: data)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                    buffer.removeSubrange(...newline)
                }
                if buffer.count > Self.longestLine {
                    ended = true
                    buffer = []
                }
            }
            guard let waiter else { return nil }
            if !lines.isEmpty {
                self.waiter = nil
                return (waiter.continuation, .line(lines.removeFirst()))
            }
            if ended {
                self.waiter = nil
                return (waiter.continuation, .ended)
            }
            return nil
        }
        if let (continuation, next) = resume { continuation.resume(returning: next) }
    }

    /// The module's next line, waiting at most `limit`.
    func next(within limit: Duration) async -> Next {
        await withCheckedContinuation { continuation in
            let id: Int? = lock.withLock {
                if !lines.isEmpty {
                    continuation.resume(returning: .line(lines.removeFirst()))
                    return nil
                }
                if ended {
                    continuation.resume(returning: .ended)
                    return nil
                }
                waits += 1
                waiter = (waits, continuation)
                return waits
            }
            guard let id else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(max(0, limit.milliseconds)))) { [self] in
                let late: CheckedContinuation<Next, Never>? = lock.withLock {
                    guard let waiter, waiter.id == id else { return nil }
                    self.waiter = nil
                    return waiter.continuation
                }
                late?.resume(returning: .timedOut)
            }
        }
    }

    /// Writes one line to the module; false once it is gone.
    @discardableResult
    func send(_ line: Data) -> Bool {
        do {
            try input.fileHandleForWriting.write(contentsOf: line + Data([0x0A]))
            return true
        } catch {
            return false
        }
    }

    /// Ends the module: stdin closed, then SIGKILL if it has not exited within a second.
    func finish() async {
        try? input.fileHandleForWriting.close()
        for _ in 0..<20 where process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        // Foundation reaps the child; waiting here by polling keeps `waitUntilExit`'s run
        // loop off the cooperative pool. A killed process is gone within milliseconds.
        for _ in 0..<100 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
    }
}
