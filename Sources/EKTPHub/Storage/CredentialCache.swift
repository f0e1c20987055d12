import Foundation
import Synchronization

/// The stations found by their credential, kept by one PostgreSQL hub process so a
/// request does not begin with a round trip (every request of every station authenticates;
/// on the country's fleet that was one read in three).
///
/// It holds entries only while the process listens for invalidations (`PostgresHubStore
/// .listen`): a revocation or retirement, by any hub process or `ektp-hub` command, sends
/// the station's id on `ektp_hub_stations` in its own transaction, and every listening
/// process forgets that station when it commits. Starting or losing the listener empties
/// the cache, since a notification may have been missed meanwhile. An entry is also
/// trusted for `lifetime` at most, so even a lost notification cannot outlive it.
///
/// A read that began before an invalidation does not fill the cache (`epoch`): it may
/// have seen the row before the change.
final class CredentialCache: Sendable {
    struct Entry {
        var station: StationRecord
        var readAt: ContinuousClock.Instant
    }
    struct State {
        var listening = false
        /// Bumped by every invalidation and by the listener starting or stopping.
        var epoch: UInt64 = 0
        var entries: [Data: Entry] = [:]
        /// Each cached station's credential hash, to find its entry by id.
        var hashes: [String: Data] = [:]
    }

    static let lifetime: Duration = .seconds(300)
    /// Enough for the country's stations and then some; beyond it the cache starts over.
    static let capacity = 20_000

    private let state = Mutex(State())

    /// The station of `credentialHash` when it is cached and fresh, and the epoch a read
    /// of the database must carry to `fill` the cache.
    func lookUp(_ credentialHash: Data, now: ContinuousClock.Instant = .now) -> (station: StationRecord?, epoch: UInt64?) {
        state.withLock { s in
            guard s.listening else { return (nil, nil) }
            if let e = s.entries[credentialHash], now - e.readAt < Self.lifetime { return (e.station, nil) }
            return (nil, s.epoch)
        }
    }

    /// Keeps what a read found, unless something was invalidated since it began.
    func fill(_ credentialHash: Data, _ station: StationRecord, epoch: UInt64, readAt: ContinuousClock.Instant = .now) {
        state.withLock { s in
            guard s.listening, s.epoch == epoch else { return }
            if s.entries.count >= Self.capacity {
                s.entries.removeAll(keepingCapacity: true)
                s.hashes.removeAll(keepingCapacity: true)
            }
            if let old = s.hashes[station.id], old != credentialHash { s.entries[old] = nil }
            s.entries[credentialHash] = Entry(station: station, readAt: readAt)
            s.hashes[station.id] = credentialHash
        }
    }

    /// The station's `lastSeenAt` as this process just wrote it.
    func seen(stationId: String, at date: Date) {
        state.withLock { s in
            guard let key = s.hashes[stationId] else { return }
            s.entries[key]?.station.lastSeenAt = date
        }
    }

    /// Forgets the station (its credential revoked, the station retired).
    func forget(stationId: String) {
        state.withLock { s in
            s.epoch &+= 1
            if let key = s.hashes.removeValue(forKey: stationId) { s.entries[key] = nil }
        }
    }

    /// The listener started (true) or ended (false): either way, what is cached may have
    /// missed a notification.
    func listening(_ on: Bool) {
        state.withLock { s in
            s.epoch &+= 1
            s.listening = on
            s.entries.removeAll()
            s.hashes.removeAll()
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
