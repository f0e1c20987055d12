import Synchronization

/// Wakes long-polling stations in this process when intake stores jobs for their
/// kecamatan. Each kecamatan has a generation number; a poller reads it before looking
/// for jobs and waits only while it is unchanged, so a job stored between the look and
/// the wait is not missed.
///
/// With several hub processes (PostgreSQL), `PostgresHubStore.listen` calls `notify` for
/// jobs stored by the other processes (`LISTEN/NOTIFY`).
public final class JobNotifier: Sendable {
    private struct State {
        var generation: [String: UInt64] = [:]
        var waiters: [String: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func generation(_ kecamatan: String) -> UInt64 {
        state.withLock { $0.generation[kecamatan, default: 0] }
    }

    /// Wakes every poller waiting on these kecamatan.
    public func notify(_ kecamatan: some Sequence<String>) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for k in Set(kecamatan) {
                s.generation[k, default: 0] &+= 1
                woken += s.waiters.removeValue(forKey: k)?.values.map { $0 } ?? []
            }
            return woken
        }
        for c in woken { c.resume() }
    }

    /// Waits until `kecamatan` moves past `generation`, the deadline passes, or the task
    /// is cancelled, whichever comes first.
    public func wait(_ kecamatan: String, after generation: UInt64, until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.signal(kecamatan, after: generation) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Number of pollers waiting (for tests and metrics).
    public var waiting: Int { state.withLock { $0.waiters.values.reduce(0) { $0 + $1.count } } }

    private func signal(_ kecamatan: String, after generation: UInt64) async {
        let id = state.withLock { s -> UInt64 in
            s.nextID &+= 1
            return s.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if Task.isCancelled || s.generation[kecamatan, default: 0] != generation { return true }
                    s.waiters[kecamatan, default: [:]][id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { $0.waiters[kecamatan]?.removeValue(forKey: id) }
            c?.resume()
        }
    }
}
