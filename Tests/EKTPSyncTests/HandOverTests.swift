import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// The card to the citizen's hands, as an office does it: the real `ektpd` prints, the
/// operator finds the card with the real `ektpctl` by NIK or name, and hands it over only
/// to the person whose NIK matches, only the way the job says.
@Suite(.serialized, .daemons) struct HandOverTests {
    static let decoder = WireCoding.decoder()

    @Test(.timeLimit(.minutes(3)), .enabled(if: OfficeAccount.available))
    func pickupNeedsTheCardsNIKAndPosCardsGoOnlyToPos() async throws {
        let scratch = try Scratch("serah")
        let approval = ApprovalSigner.generate(keyId: "approval")
        // Denpasar Selatan: a WITA office.
        let kecamatan = "51.71.01"
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=SERAH-1"])
        try await station.start()
        defer { station.child.stop() }
        let operatorPC = OfficeAccount(uid: 0, socket: station.socket)

        var jobs = try SyntheticJobs(regions: try RegionData.load(), signer: approval).jobs(count: 3, kecamatan: kecamatan, prefix: "SERAH")
        jobs[0].delivery = .pickup
        jobs[1].delivery = .pickup
        jobs[2].delivery = .pos(address: "JL. BYPASS NGURAH RAI NO. 1, SANUR")
        let (pickup, other, pos) = (jobs[0], jobs[1], jobs[2])
        let device = try #require(try await station.withClient { try await $0.devices() }.first).id
        try await station.withClient { client in
            _ = try await client.importJobs(try SyntheticJobs(regions: try RegionData.load(), signer: approval).signedFile(jobs))
            _ = try await client.stock(.receive(quantity: 10, document: "SJ-SERAH"))
            _ = try await client.stock(.load(device: device, quantity: 10))
        }
        try await eventually("tiga kartu tercetak", seconds: 60) { try await station.withClient { try await $0.status() }.jobs[.printed] == 3 }

        // Found by the NIK as scanned (with separators) and by part of the name.
        let spaced = stride(from: 0, to: 16, by: 4).map { i in pickup.card.nik.digits.dropFirst(i).prefix(4) }.joined(separator: " ")
        let byNIK: [JobMatch] = try await operatorPC.json(["jobs", "find", "--nik", spaced], decoder: Self.decoder)
        #expect(byNIK.map(\.summary.id) == [pickup.id] && byNIK.first?.nama == pickup.card.nama, "\(byNIK)")
        #expect(byNIK.first?.summary.delivery == .pickup)
        let word = String(try #require(other.card.nama.split(separator: " ").max { $0.count < $1.count }))
        let byName: [JobMatch] = try await operatorPC.json(["jobs", "find", "--name", word.lowercased()], decoder: Self.decoder)
        #expect(byName.contains { $0.summary.id == other.id }, "\(byName)")
        let badNIK = try await operatorPC.ektpctl(["jobs", "find", "--nik", "12345"])
        #expect(badNIK.status == 2 && badNIK.stderr.contains("16 angka"), "\(badNIK)")

        // Refused, each leaving the card printed and on the shelf.
        let wrongNIK = try await operatorPC.ektpctl(["jobs", "handover", pickup.id.rawValue, "--recipient", pickup.card.nama, "--nik", other.card.nik.digits])
        #expect(wrongNIK.status == 1 && wrongNIK.stderr.contains("tidak sama dengan NIK pada kartu"), "\(wrongNIK)")
        let noNIK = try await operatorPC.ektpctl(["jobs", "handover", pickup.id.rawValue, "--recipient", "x"])
        #expect(noNIK.status == 2 && noNIK.stderr.contains("--nik"), "\(noNIK)")
        let posPickedUp = try await operatorPC.ektpctl(["jobs", "handover", pos.id.rawValue, "--recipient", pos.card.nama, "--nik", pos.card.nik.digits])
        #expect(posPickedUp.status == 1 && posPickedUp.stderr.contains("PT Pos"), "\(posPickedUp)")
        let pickupToPos = try await operatorPC.ektpctl(["jobs", "handover", pickup.id.rawValue, "--pos-receipt", "MANIFEST-1"])
        #expect(pickupToPos.status == 1 && pickupToPos.stderr.contains("diambil di kecamatan"), "\(pickupToPos)")
        for job in jobs { #expect(try await station.withClient { try await $0.job(job.id) }.summary.state == .printed, "\(job.id)") }

        // The owner, NIK matching, giving up the old card; the PT Pos card to the courier.
        let handed: JobChanged = try await operatorPC.json(
            ["jobs", "handover", pickup.id.rawValue, "--recipient", "  \(pickup.card.nama) ", "--nik", pickup.card.nik.digits, "--old-card-collected"],
            decoder: Self.decoder)
        #expect(handed.state == .handedOver)
        let toPos: JobChanged = try await operatorPC.json(["jobs", "handover", pos.id.rawValue, "--pos-receipt", "MANIFEST-1"], decoder: Self.decoder)
        #expect(toPos.state == .handedOver)
        let detail = try await station.withClient { try await $0.job(pickup.id) }
        #expect(detail.collectedBy == pickup.card.nama)
        let record = try #require(detail.history.last { $0.action.hasSuffix("→ handed-over") })
        #expect(record.detail.contains("NIK cocok") && record.detail.contains("KTP-el lama ditarik") && !record.detail.contains(pickup.card.nama), "\(record)")
        let stock = try await station.withClient { try await $0.stockView() }
        #expect(stock.oldCardsAwaitingDestruction == 1)
        let again = try await operatorPC.ektpctl(["jobs", "handover", pickup.id.rawValue, "--recipient", pickup.card.nama, "--nik", pickup.card.nik.digits])
        #expect(again.status == 1 && again.stderr.contains("bukan tercetak"), "\(again)")

        // Name search covers open jobs only; the NIK still finds a handed-over card.
        let nameAfter: [JobMatch] = try await operatorPC.json(["jobs", "find", "--name", pickup.card.nama], decoder: Self.decoder)
        #expect(!nameAfter.contains { $0.summary.id == pickup.id })
        let nikAfter: [JobMatch] = try await operatorPC.json(["jobs", "find", "--nik", pickup.card.nik.digits], decoder: Self.decoder)
        #expect(nikAfter.first?.summary.state == .handedOver)
    }
}
