import ServiceLifecycle
import Synchronization

/// Wakes long-polling stations in this process when intake stores jobs for their
/// kecamatan. Each kecamatan has a generation number; a poller reads it before looking
/// for jobs and waits only while it is unchanged, so a job stored between the look and
/// the wait is not missed.
///
/// With several hub processes (PostgreSQL), `PostgresHubStore.listen` calls `notify` for
/// jobs stored by the other processes (`LISTEN/NOTIFY`).
///
/// A wait is a parked wake-up and nothing else: no task, no timer of its own. A country's
/// stations each hold a long-poll open at every moment, so what one wait costs is
/// multiplied by thousands; `LongPollParking` holds a connection's long-poll with no task
/// at all, and a task that does wait (`wait`) is one suspended continuation. Deadlines are
/// kept in ticks of `tick`; one sweeping task, running only while someone waits, wakes the
/// waits whose tick has come. A wait ends at most one tick after its deadline.
public final class JobNotifier: Sendable {
    /// The resolution of deadlines.
    static let tick: Duration = .milliseconds(50)

    private struct Waiter {
        let kecamatan: String
        let wake: @Sendable () -> Void
    }

    private struct State {
        var generation: [String: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var byKecamatan: [String: Set<UInt64>] = [:]
        var byTick: [Int64: [UInt64]] = [:]
        /// Every tick up to this one has been swept.
        var swept: Int64 = 0
        var sweeping = false
        var nextID: UInt64 = 0

        /// Takes a waiter out: whoever takes it wakes it, so each wakes exactly once.
        /// (Its tick's entry stays; the sweep skips ids no longer here.)
        mutating func take(_ id: UInt64) -> Waiter? {
            guard let w = waiters.removeValue(forKey: id) else { return nil }
            byKecamatan[w.kecamatan]?.remove(id)
            if byKecamatan[w.kecamatan]?.isEmpty == true { byKecamatan[w.kecamatan] = nil }
            return w
        }
    }

    private let state = Mutex(State())
    private let origin = ContinuousClock.now

    public init() {}

    public func generation(_ kecamatan: String) -> UInt64 {
        state.withLock { $0.generation[kecamatan, default: 0] }
    }

    /// Wakes every poller waiting on these kecamatan.
    public func notify(_ kecamatan: some Sequence<String>) {
        let woken = state.withLock { s -> [Waiter] in
            var woken: [Waiter] = []
            for k in Set(kecamatan) {
                s.generation[k, default: 0] &+= 1
                for id in s.byKecamatan[k] ?? [] { if let w = s.take(id) { woken.append(w) } }
            }
            return woken
        }
        for w in woken { w.wake() }
    }

    /// Parks a wake-up: `wake` runs once, when `kecamatan` moves past `generation`, the
    /// deadline passes or `interrupt` fires, whichever comes first; at once (on this
    /// thread) when one of them already has. Nothing waits in a task meanwhile.
    public func park(
        _ kecamatan: String, after generation: UInt64, until deadline: ContinuousClock.Instant, interrupt: PollInterrupt,
        wake: @escaping @Sendable () -> Void
    ) {
        let tick = ticks(deadline, roundingUp: true)
        let parked = state.withLock { s -> (id: UInt64, startSweeper: Bool)? in
            guard s.generation[kecamatan, default: 0] == generation, deadline > .now else { return nil }
            s.nextID &+= 1
            let id = s.nextID
            s.waiters[id] = Waiter(kecamatan: kecamatan, wake: wake)
            s.byKecamatan[kecamatan, default: []].insert(id)
            s.byTick[tick, default: []].append(id)
            guard !s.sweeping else { return (id, false) }
            // Every tick up to now is past: the new tick is later (deadline > now).
            s.swept = ticks(.now, roundingUp: false)
            s.sweeping = true
            return (id, true)
        }
        guard let parked else { return wake() }
        if parked.startSweeper { Task.detached { await self.sweep() } }
        interrupt.onFire { self.end(parked.id) }
    }

    /// Waits in the calling task (`park`'s form for a task): until `kecamatan` moves past
    /// `generation`, the deadline passes, the task is cancelled, `interrupt` fires, or the
    /// server begins a graceful shutdown, whichever comes first.
    public func wait(_ kecamatan: String, after generation: UInt64, until deadline: ContinuousClock.Instant, interrupt: PollInterrupt = .init()) async {
        try? await interrupt.awaiting { (resume: @escaping @Sendable (Result<Void, any Error>) -> Void) in
            park(kecamatan, after: generation, until: deadline, interrupt: interrupt) { resume(.success(())) }
        }
    }

    /// Number of pollers waiting (for tests and metrics).
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Ends one wait early, if it still waits.
    private func end(_ id: UInt64) {
        state.withLock { $0.take(id) }?.wake()
    }

    /// Resumes the waits whose deadline has come, a tick at a time, while any wait is
    /// suspended. Ids already woken (notified, cancelled) are skipped where found.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ticks(.now, roundingUp: false)
            let (due, more) = state.withLock { s -> ([Waiter], Bool) in
                var due: [Waiter] = []
                while s.swept < now {
                    s.swept += 1
                    for id in s.byTick.removeValue(forKey: s.swept) ?? [] { if let w = s.take(id) { due.append(w) } }
                }
                if s.byTick.isEmpty { s.sweeping = false }
                return (due, s.sweeping)
            }
            for w in due { w.wake() }
            guard more else { return }
        }
    }

    /// The ticks since `origin` to a moment: a deadline's rounded up and the present's
    /// down, so a wait never ends before its deadline.
    private func ticks(_ instant: ContinuousClock.Instant, roundingUp: Bool) -> Int64 {
        let d = (instant - origin).components
        let unit = Self.tick.components.attoseconds
        let whole = d.seconds * (1_000_000_000_000_000_000 / unit) + d.attoseconds / unit
        return roundingUp && d.attoseconds % unit > 0 ? whole + 1 : whole
    }
}

/// What ends a long-poll's wait from outside, as it waits: its client gone (the
/// connection closed, the task cancelled), or the server wanting its answer now (a
/// graceful shutdown). Either wakes the wait; a poll whose
/// client is gone hands back anything it leased, one asked to answer now answers.
public final class PollInterrupt: Sendable {
    private struct State {
        var gone = false
        var answerNow = false
        var action: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    public init() {}

    /// The client is gone: nobody will read the answer.
    public var isClientGone: Bool { state.withLock { $0.gone } }
    /// The client is gone or the answer is wanted now: the wait is over.
    public var hasFired: Bool { state.withLock { $0.gone || $0.answerNow } }

    public func clientGone() { fire { $0.gone = true } }
    public func answerNow() { fire { $0.answerNow = true } }

    private func fire(_ mark: (inout State) -> Void) {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            mark(&s)
            defer { s.action = nil }
            return s.action
        }
        action?()
    }

    /// Runs a parked wait in the calling task, until `park` hands over its result: the task
    /// cancelled fires it as the client gone, a graceful shutdown as the answer wanted now.
    func awaiting<T: Sendable>(_ park: (@escaping @Sendable (Result<T, any Error>) -> Void) -> Void) async throws -> T {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { c in park { c.resume(with: $0) } }
            } onCancel: {
                self.clientGone()
            }
        } onGracefulShutdown: {
            self.answerNow()
        }
    }

    /// What firing does, once (at once when it has fired already); replaces the last.
    func onFire(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            guard !s.gone, !s.answerNow else { return true }
            s.action = action
            return false
        }
        if now { action() }
    }
}
