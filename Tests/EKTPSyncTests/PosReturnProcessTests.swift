import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// PT Pos's results through the real `ektp-hub` (SQLite, and PostgreSQL when the tests have a
/// server) and the real `ektpd`: the office gives two cards to PT Pos with the real
/// `ektpctl`; the central office sends PT Pos's result file (one delivered, one returned);
/// the returned card is back on the station's shelf on the next heartbeat, now for pickup,
/// and its owner collects it with their NIK; the hub follows each step.
@Suite(.serialized, .daemons) struct PosReturnProcessTests {
    typealias Engine = VanishedStationTests.Engine
    static let decoder = WireCoding.decoder()

    @Test(.timeLimit(.minutes(3)), .enabled(if: OfficeAccount.available), arguments: Engine.available)
    func aReturnedCardIsPickedUpAtTheOffice(engine: Engine) async throws {
        let kecamatan = "32.16.03"
        let scratch = try Scratch("pos-\(engine.rawValue)")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try await SettleTests.hub(engine, scratch, approval)
        try await hub.start()
        defer { hub.stop() }
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=POS-\(engine.rawValue)"])
        try await station.start()
        defer { station.child.stop() }
        _ = try await SettleTests.enroll(station, on: hub, kecamatan: kecamatan)
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        var jobs = try factory.jobs(count: 3, kecamatan: kecamatan, prefix: "POS-\(engine.rawValue)")
        jobs[0].delivery = .pos(address: "JL. RAYA CIBITUNG NO. 1")
        jobs[1].delivery = .pos(address: "JL. RAYA CIBITUNG NO. 2")
        jobs[2].delivery = .pickup
        let (delivered, returned, pickup) = (jobs[0], jobs[1], jobs[2])
        _ = try await hub.admin.intake(try factory.signedFile(jobs))
        let device = try #require(try await station.withClient { try await $0.devices() }.first).id
        try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-POS"))
            _ = try await client.stock(.load(device: device, quantity: 5))
        }
        try await eventually("tiga kartu tercetak", seconds: 60) { try await station.withClient { try await $0.status() }.jobs[.printed] == 3 }
        let operatorPC = OfficeAccount(uid: 0, socket: station.socket)
        for job in [delivered, returned] {
            let run = try await operatorPC.ektpctl(["jobs", "handover", job.id.rawValue, "--pos-receipt", "MANIFEST-POS-1"])
            #expect(run.status == 0, "\(run)")
        }
        try await eventually("hub mencatat kedua kartu diserahkan ke PT Pos", seconds: 30) {
            let first = try await hub.job(delivered.id).state
            let second = try await hub.job(returned.id).state
            return first == .handedOver && second == .handedOver
        }

        // A file naming the pickup card is refused whole.
        let header = "job,hasil,tanggal,keterangan\n"
        do {
            _ = try await hub.admin.posResults(csv: header + "\(delivered.id.rawValue),terkirim,,\n\(pickup.id.rawValue),terkirim,,\n", by: "rina")
            Issue.record("a pickup card's PT Pos result was accepted")
        } catch {
            #expect("\(error)".contains("bukan kartu PT Pos"), "\(error)")
        }
        let answer = try await hub.admin.posResults(
            csv: header + "\(delivered.id.rawValue),terkirim,2026-12-01,\n\(returned.id.rawValue),dikembalikan,2026-12-01,\"rumah kosong, pindah\"\n",
            by: "rina")
        #expect(answer.delivered == 1 && answer.backOnShelf == [returned.id], "\(answer)")

        // Back on the shelf at the station, for pickup; the hub hears it.
        try await eventually("kartu yang dikembalikan kembali di rak stasiun", seconds: 30) {
            let summary = try await station.withClient { try await $0.job(returned.id) }.summary
            return summary.state == .printed && summary.delivery == .pickup
        }
        let history = try await station.withClient { try await $0.job(returned.id) }.history
        #expect(history.contains { $0.actor == "PT Pos" && $0.detail.contains("rumah kosong, pindah") }, "\(history)")
        #expect(try await station.withClient { try await $0.job(delivered.id) }.summary.state == .handedOver)
        try await eventually("hub mencatat kartu kembali tercetak", seconds: 30) { try await hub.job(returned.id).state == .printed }

        // Now its owner collects it at the office with their NIK; it is not PT Pos's again.
        let toPos = try await operatorPC.ektpctl(["jobs", "handover", returned.id.rawValue, "--pos-receipt", "MANIFEST-POS-2"])
        #expect(toPos.status == 1 && toPos.stderr.contains("diambil di kecamatan"), "\(toPos)")
        let collected = try await operatorPC.ektpctl([
            "jobs", "handover", returned.id.rawValue, "--recipient", returned.card.nama, "--nik", returned.card.nik.digits,
        ])
        #expect(collected.status == 0, "\(collected)")
        try await eventually("hub mencatat kartu diambil", seconds: 30) { try await hub.job(returned.id).state == .handedOver }
    }
}
