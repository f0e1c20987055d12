import PostgresNIO
import Synchronization

/// Runs `body` while `clients` run (`PostgresClient.run()`), for tests that use a
/// PostgreSQL store in-process. The clients run in tasks of their own, cancelled after
/// `body` and waited for at most ten seconds: a client whose `run()` does not end at
/// cancellation (seen under load, every connection already closed) must not keep the
/// test, and with it the whole test process, from finishing.
public func withRunningPostgresClients<T: Sendable>(_ clients: [PostgresClient], _ body: () async throws -> T) async throws -> T {
    let ended = EndedRuns()
    let runs = clients.map { client in
        Task {
            await client.run()
            ended.count.withLock { $0 += 1 }
        }
    }
    defer {
        for run in runs { run.cancel() }
    }
    let result = try await body()
    for run in runs { run.cancel() }
    for _ in 0..<200 where ended.count.withLock({ $0 }) < runs.count {
        try? await Task.sleep(for: .milliseconds(50))
    }
    return result
}

private final class EndedRuns: Sendable {
    let count = Mutex(0)
}
