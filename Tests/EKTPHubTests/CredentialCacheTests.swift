import Foundation
import Testing

@testable import EKTPHub

/// The rules of the PostgreSQL hub's credential cache (`CredentialCache`); the behaviour
/// across real hub processes is in EKTPSyncTests' RevokedCredentialTests.
@Suite("Stations kept by credential")
struct CredentialCacheTests {
    static func station(_ id: String) -> StationRecord {
        StationRecord(
            id: id, name: id, kecamatanCode: "32.16.01", enrolledAt: Date(timeIntervalSince1970: 0), credentialExpiresAt: nil, revokedAt: nil,
            lastSeenAt: nil, lastHeartbeatAt: nil, firstSeq: 1, highestSeq: 0, heldJobs: nil, outboxBacklog: nil)
    }
    let a = Data(repeating: 1, count: 32)
    let b = Data(repeating: 2, count: 32)

    @Test("nothing is kept while nobody listens for revocations")
    func onlyWhileListening() throws {
        let cache = CredentialCache()
        let miss = cache.lookUp(a)
        #expect(miss.station == nil && miss.epoch == nil)
        cache.listening(true)
        let read = cache.lookUp(a)
        #expect(read.station == nil)
        cache.fill(a, Self.station("s1"), epoch: try #require(read.epoch))
        #expect(cache.lookUp(a).station?.id == "s1")
        cache.listening(false)
        #expect(cache.lookUp(a).station == nil && cache.count == 0)
    }

    @Test("a read that began before a revocation is not kept; the revoked station is forgotten")
    func readsOlderThanARevocation() throws {
        let cache = CredentialCache()
        cache.listening(true)
        cache.fill(b, Self.station("s2"), epoch: try #require(cache.lookUp(b).epoch))
        let begun = try #require(cache.lookUp(a).epoch)
        cache.forget(stationId: "s2")
        cache.fill(a, Self.station("s1"), epoch: begun)
        #expect(cache.lookUp(a).station == nil, "a row read before the revocation was kept")
        #expect(cache.lookUp(b).station == nil, "the revoked station is still kept")
        // A listener that starts again also drops what was read before.
        let before = try #require(cache.lookUp(a).epoch)
        cache.listening(true)
        cache.fill(a, Self.station("s1"), epoch: before)
        #expect(cache.lookUp(a).station == nil)
    }

    @Test("an entry is trusted for its lifetime at most; lastSeenAt follows the writes")
    func lifetimeAndSeen() throws {
        let cache = CredentialCache()
        cache.listening(true)
        let start = ContinuousClock.now
        cache.fill(a, Self.station("s1"), epoch: try #require(cache.lookUp(a).epoch), readAt: start)
        let seen = Date(timeIntervalSince1970: 1_800_000_000)
        cache.seen(stationId: "s1", at: seen)
        #expect(cache.lookUp(a, now: start + .seconds(1)).station?.lastSeenAt == seen)
        #expect(cache.lookUp(a, now: start + CredentialCache.lifetime).station == nil)
    }
}
