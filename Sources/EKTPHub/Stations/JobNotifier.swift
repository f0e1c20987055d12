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
/// A wait is one suspended continuation and nothing else: no child tasks, no timer of its
/// own. A country's stations each hold a long-poll open at every moment, so what one wait
/// costs is multiplied by thousands. Deadlines are kept in ticks of `tick`; one sweeping
/// task, running only while someone waits, resumes the waits whose tick has come. A wait
/// ends at most one tick after its deadline.
public final class JobNotifier: Sendable {
    /// The resolution of deadlines.
    static let tick: Duration = .milliseconds(50)

    private struct Waiter {
        let kecamatan: String
        let tick: Int64
        /// Nil until the waiter has suspended.
        var continuation: CheckedContinuation<Void, Never>?
        /// Cancelled or shut down before it suspended: it must not suspend.
        var ended = false
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
    }

    private let state = Mutex(State())
    private let origin = ContinuousClock.now

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
                for id in s.byKecamatan.removeValue(forKey: k) ?? [] {
                    if let c = s.waiters.removeValue(forKey: id)?.continuation { woken.append(c) }
                }
            }
            return woken
        }
        for c in woken { c.resume() }
    }

    /// Waits until `kecamatan` moves past `generation`, the deadline passes, the task is
    /// cancelled, `hangup` closes, or the server begins a graceful shutdown, whichever
    /// comes first.
    public func wait(_ kecamatan: String, after generation: UInt64, until deadline: ContinuousClock.Instant, hangup: Hangup? = nil) async {
        let tick = ticks(deadline, roundingUp: true)
        let id = state.withLock { s -> UInt64 in
            s.nextID &+= 1
            s.waiters[s.nextID] = Waiter(kecamatan: kecamatan, tick: tick)
            return s.nextID
        }
        hangup?.onClose { self.end(id) }
        defer { hangup?.onClose(nil) }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let startSweeper = state.withLock { s -> Bool? in
                        guard let w = s.waiters[id], !w.ended, !Task.isCancelled, s.generation[kecamatan, default: 0] == generation,
                            deadline > .now
                        else {
                            s.waiters[id] = nil
                            return nil
                        }
                        s.waiters[id]?.continuation = c
                        s.byKecamatan[kecamatan, default: []].insert(id)
                        s.byTick[tick, default: []].append(id)
                        guard !s.sweeping else { return false }
                        // Every tick up to now is past: the new tick is later (deadline > now).
                        s.swept = ticks(.now, roundingUp: false)
                        s.sweeping = true
                        return true
                    }
                    switch startSweeper {
                    case nil: c.resume()
                    case true?: Task.detached { await self.sweep() }
                    case false?: break
                    }
                }
            } onCancel: {
                self.end(id)
            }
        } onGracefulShutdown: {
            self.end(id)
        }
    }

    /// Number of pollers waiting (for tests and metrics).
    public var waiting: Int { state.withLock { s in s.waiters.values.count { $0.continuation != nil } } }

    /// Ends one wait: resumed if suspended, told not to suspend if not yet.
    private func end(_ id: UInt64) {
        let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard var w = s.waiters[id] else { return nil }
            guard let c = w.continuation else {
                w.ended = true
                s.waiters[id] = w
                return nil
            }
            s.waiters[id] = nil
            s.byKecamatan[w.kecamatan]?.remove(id)
            if s.byKecamatan[w.kecamatan]?.isEmpty == true { s.byKecamatan[w.kecamatan] = nil }
            return c
        }
        c?.resume()
    }

    /// Resumes the waits whose deadline has come, a tick at a time, while any wait is
    /// suspended. Ids already woken (notified, cancelled) are skipped where found.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.tick)
            let now = ticks(.now, roundingUp: false)
            let (due, more) = state.withLock { s -> ([CheckedContinuation<Void, Never>], Bool) in
                var due: [CheckedContinuation<Void, Never>] = []
                while s.swept < now {
                    s.swept += 1
                    for id in s.byTick.removeValue(forKey: s.swept) ?? [] {
                        guard let w = s.waiters.removeValue(forKey: id) else { continue }
                        s.byKecamatan[w.kecamatan]?.remove(id)
                        if s.byKecamatan[w.kecamatan]?.isEmpty == true { s.byKecamatan[w.kecamatan] = nil }
                        if let c = w.continuation { due.append(c) }
                    }
                }
                if s.byTick.isEmpty { s.sweeping = false }
                return (due, s.sweeping)
            }
            for c in due { c.resume() }
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

/// A long-poll's client gone: closed from the connection's inbound-close handler, it ends
/// the poll's wait as cancellation would, without a task of its own to cancel.
public final class Hangup: Sendable {
    private let state = Mutex<(closed: Bool, action: (@Sendable () -> Void)?)>((false, nil))

    public init() {}

    public var isClosed: Bool { state.withLock { $0.closed } }

    public func close() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.closed = true
            defer { s.action = nil }
            return s.action
        }
        action?()
    }

    /// What closing does (at once when already closed); nil forgets it.
    func onClose(_ action: (@Sendable () -> Void)?) {
        let now = state.withLock { s -> Bool in
            guard !s.closed else { return true }
            s.action = action
            return false
        }
        if now { action?() }
    }
}
