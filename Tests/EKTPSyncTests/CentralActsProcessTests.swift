import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// The centre acts on the real `ektp-hub` (SQLite, and PostgreSQL when the tests have a
/// server) and the real `ektpd` (docs/sync.md, "The centre acts"): a job withdrawn while it
/// waits at a station is not printed there and the station confirms; a station gone for
/// good gives its unprinted jobs back to the queue, and another station of the kecamatan
/// prints them; both acts are in the hub's audit trail with the person and the reason.
@Suite(.serialized, .daemons) struct CentralActsProcessTests {
    typealias Engine = VanishedStationTests.Engine

    @Test(.timeLimit(.minutes(4)), arguments: Engine.available)
    func withdrawnAtTheStationThenTheStationIsRetired(engine: Engine) async throws {
        let kecamatan = "32.16.05"
        let scratch = try Scratch("central-\(engine.rawValue)")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try await SettleTests.hub(engine, scratch, approval)
        try await hub.start()
        defer { hub.stop() }
        // Station A has no blangko: the jobs wait in its queue.
        let a = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=PUSAT-A-\(engine.rawValue)"])
        try await a.start()
        defer { a.child.stop() }
        let aId = try await SettleTests.enroll(a, on: hub, kecamatan: kecamatan)
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let jobs = try factory.jobs(count: 3, kecamatan: kecamatan, prefix: "PUSAT-\(engine.rawValue)")
        _ = try await hub.admin.intake(try factory.signedFile(jobs))
        try await eventually("stasiun A memegang ketiga job", seconds: 60) {
            for job in jobs where try await hub.job(job.id).state != .claimed { return false }
            return try await a.withClient { try await $0.jobs(state: .queued) }.count == 3
        }

        // Withdrawn while queued at A: the hub answers at once that A is asked.
        let withdrawn = jobs[0].id
        let act = try await hub.admin.withdraw(withdrawn, CentralActRequest(reason: "pemohon meninggal dunia", by: "rina"))
        #expect(act.outcome == .pending, "\(act)")
        try await eventually("stasiun A menarik job dan hub menerima konfirmasinya", seconds: 60) {
            try await hub.job(withdrawn).stationState == .rejected
        }
        let atA = try await a.withClient { try await $0.job(withdrawn) }
        #expect(atA.summary.state == .rejected)
        #expect(atA.history.contains { $0.actor == "pusat: rina" && $0.detail.contains("pemohon meninggal dunia") }, "\(atA.history)")
        #expect(try await hub.job(withdrawn).state == .returned)

        // A burns down. B, a new PC for the kecamatan, gets A's unprinted jobs.
        a.child.stop()
        let b = try StationUnderTest(
            scratch: scratch, name: "b", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=PUSAT-B-\(engine.rawValue)"])
        try await b.start()
        defer { b.child.stop() }
        let bId = try await SettleTests.enroll(b, on: hub, kecamatan: kecamatan)
        let retired = try await hub.admin.retire(stationId: aId, CentralActRequest(reason: "PC stasiun terbakar", by: "dodi"))
        #expect(Set(retired.requeued) == Set(jobs[1...].map(\.id)) && retired.outcomeUnknown.isEmpty, "\(retired)")
        _ = try await b.withClient { try await $0.stock(.receive(quantity: 10, document: "SJ-B")) }
        try await Operator.work(b, seconds: 90, "stasiun B mencetak job dari A") { ($0.jobs[.printed] ?? 0) == 2 }
        try await eventually("hub mencatat keduanya tercetak di B", seconds: 60) {
            for job in jobs[1...] {
                let view = try await hub.job(job.id)
                if view.stationId != bId || view.state != .printed { return false }
            }
            return true
        }
        // The withdrawn job went to nobody.
        #expect(try await b.withClient { try await $0.jobs(state: nil) }.allSatisfy { $0.id != withdrawn })

        let trail = try await hub.admin.get([HubAuditEntry].self, "/v1/views/audit")
        #expect(trail.contains { $0.actor == "rina" && $0.job == withdrawn && $0.detail.contains("pemohon meninggal dunia") }, "\(trail)")
        #expect(trail.contains { $0.actor == "dodi" && $0.action == "stasiun dipensiunkan" && $0.detail.contains(aId) }, "\(trail)")
        #expect(try await hub.admin.get([HubAuditEntry].self, "/v1/views/audit?job=\(withdrawn.rawValue)").count == 1)
    }
}
