import EKTPDomain
import Foundation
import PostgresNIO
import Testing

@testable import EKTPHub

/// A transaction PostgreSQL picks as a deadlock's victim is run again, on a real server.
@Suite struct PostgresRetryTests {
    /// Opens once; every waiter, earlier or later, goes on.
    actor Latch {
        private var isOpen = false
        private var waiters: [CheckedContinuation<Void, Never>] = []
        func open() {
            isOpen = true
            for w in waiters { w.resume() }
            waiters = []
        }
        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    @Test("two transactions that lock two jobs in opposite order both commit: the deadlock's victim is run again", .enabled(if: Backend.postgresServer != nil))
    func aDeadlockVictimIsRunAgain() async throws {
        try await TestHub.with(.postgres) { t in
            let store = try #require(t.hub.store as? PostgresHubStore)
            try await t.importJobs(try t.jobs(2))
            let (a, b) = ("PRR-000001", "PRR-000002")
            let firstHolds = Latch()
            let secondHolds = Latch()
            let runs = Runs()
            async let one: Void = store.tx { c in
                await runs.add()
                try await c.query("SELECT id FROM job WHERE id = \(a) FOR UPDATE", logger: store.logger).drain()
                await firstHolds.open()
                await secondHolds.wait()
                try await c.query("UPDATE job SET updated_at = updated_at + 1 WHERE id = \(b)", logger: store.logger).drain()
            }
            async let two: Void = store.tx { c in
                await runs.add()
                try await c.query("SELECT id FROM job WHERE id = \(b) FOR UPDATE", logger: store.logger).drain()
                await secondHolds.open()
                await firstHolds.wait()
                try await c.query("UPDATE job SET updated_at = updated_at + 1 WHERE id = \(a)", logger: store.logger).drain()
            }
            try await one
            try await two
            // Each committed once; the victim ran a second time.
            #expect(await runs.count == 3)
        }
    }

    actor Runs {
        private(set) var count = 0
        func add() { count += 1 }
    }
}
