import Foundation
import Synchronization
import Testing

/// `@Suite(.daemons)`: the suite holds one of a few slots while its tests run.
///
/// Swift Testing starts every test of the process at once (a task each) and the Swift
/// runtime runs those tasks on as many threads as the machine has cores. Tests that start
/// daemons (ektpd, ektp-hub, cupsd, ippeveprinter, pcscd, a browser) all started together
/// then put sixty suites' processes on two cores, and a test's "within 20 s" measured the
/// whole run's load, not the code under test: CI's failures were such windows. With the
/// slots, at most `DaemonSlots.count` such suites run at a time, each on a machine it
/// shares with a bounded number of others; tests without the trait (pure logic) still run
/// beside them. The slot is the suite's, taken before any of its tests starts, so a test's
/// `.timeLimit` counts its own run and not the wait for a slot. A suite already holding a
/// slot (one inside another that both carry the trait) does not take a second one.
public struct DaemonsTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    /// A suite's scope once around all its tests; on a test function, each case's.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> DaemonsTrait? {
        test.isSuite || testCase != nil ? self : nil
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await DaemonSlots.shared.holding(function)
    }
}

extension Trait where Self == DaemonsTrait {
    /// The test starts daemons: it runs in one of `DaemonSlots.count` slots.
    public static var daemons: DaemonsTrait { DaemonsTrait() }
}

/// A counting semaphore for tests, first come first served.
public final class DaemonSlots: Sendable {
    /// `EKTP_TEST_SLOTS`, or four per core.
    public static let shared = DaemonSlots(
        count: ProcessInfo.processInfo.environment["EKTP_TEST_SLOTS"].flatMap { Int($0) }.map { max(1, $0) }
            ?? 4 * ProcessInfo.processInfo.activeProcessorCount)

    public let count: Int
    private let state: Mutex<(free: Int, waiting: [CheckedContinuation<Void, Never>])>
    @TaskLocal private static var holding = false

    public init(count: Int) {
        self.count = count
        state = Mutex((count, []))
    }

    /// Runs `body` once a slot is free, and frees it after.
    public func holding(_ body: @Sendable () async throws -> Void) async throws {
        if Self.holding { return try await body() }
        await acquire()
        defer { release() }
        try await Self.$holding.withValue(true) { try await body() }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
