@preconcurrency import Crypto
import EKTPDomain
import EKTPSynthetic
import EKTPWire
import Foundation
import Testing

@testable import EKTPHub

/// The hub keeps the personal part of every job (NIK, name, address, photo) sealed at rest,
/// hands the station the signed document it was given, and empties it once the card has
/// been handed over and the retention has passed.
@Suite struct PersonalDataTests {
    @Test("documents are sealed in the store and open for the station's lease", arguments: Backend.all)
    func sealedAtRestOpenOnLease(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(2)
            try await t.importJobs(jobs)
            let stored = try #require(try await t.hub.store.sampleDocument())
            #expect(DocumentSealer.isSealed(stored.document))
            for job in jobs {
                for clear in [job.card.nik.digits, job.card.nama, job.card.alamat] {
                    #expect(stored.document.range(of: Data(clear.utf8)) == nil, "\(clear) readable in the stored document")
                }
            }
            let (station, _) = try await t.enroll()
            let leased = try await t.hub.poll(station: station, wait: 0, max: 10)
            #expect(leased.count == 2)
            for lease in leased {
                // The station gets the signed document as approved: its signature verifies.
                let verified = try JobVerifier(trusted: [t.signer.approvalKey]).verify(try JSONValue.parse(lease.document))
                #expect(verified.job.id == lease.id)
            }
        }
    }

    @Test("a hub whose data key does not open its documents refuses to start", arguments: Backend.all)
    func aReplacedKeyIsRefused(_ backend: Backend) async throws {
        try await TestHub.with(backend, tweak: { $0.dataKey = SymmetricKey(size: .bits256) }) { t in
            try await t.importJobs(try t.jobs(1))
            try await t.hub.checkDataKey()
            var other = t.hub.config
            other.dataKey = SymmetricKey(size: .bits256)
            let stranger = Hub(config: other, store: t.hub.store, regions: t.hub.regions)
            await #expect(throws: HubConfig.Problem.self) { try await stranger.checkDataKey() }
        }
    }

    @Test("a handed-over job's document is emptied after the retention; its id and masked NIK stay", arguments: Backend.all)
    func purgedAfterRetention(_ backend: Backend) async throws {
        try await TestHub.with(backend, tweak: { $0.retentionDays = 30 }) { t in
            let jobs = try t.jobs(2)
            try await t.importJobs(jobs)
            let (station, _) = try await t.enroll()
            _ = try await t.hub.poll(station: station, wait: 0, max: 10)
            _ = try await t.hub.ack(station: station, jobs: jobs.map(\.id))
            let handed = jobs[0].id
            let events: [StationEvent] = [
                .jobStateChanged(job: handed, from: .queued, to: .printing, device: nil, detail: nil),
                .jobStateChanged(job: handed, from: .printing, to: .printed, device: nil, detail: nil),
                .jobStateChanged(job: handed, from: .printed, to: .handedOver, device: nil, detail: nil),
            ]
            _ = try await t.hub.ingest(
                station: station, batch: EventBatch(events: events.enumerated().map { SequencedEvent(seq: Int64($0.offset + 1), event: $0.element) }))
            #expect(try await t.hub.store.job(handed)?.state == .handedOver)
            #expect(try await t.hub.purgePersonalData() == 0, "not before the retention")
            t.clock.advance(seconds: 31 * 86_400)
            #expect(try await t.hub.purgePersonalData() == 1)
            #expect(try await t.hub.purgePersonalData() == 0)
            let kept = try #require(try await t.hub.store.job(handed))
            #expect(kept.maskedNik == jobs[0].card.nik.masked)
            // The other job, not handed over, keeps its document.
            #expect(try await t.hub.store.sampleDocument()?.id == jobs[1].id)
        }
    }
}
