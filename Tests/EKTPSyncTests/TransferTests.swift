import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Blangko leave the office only for another real kecamatan, through the real `ektpd` and
/// the kepala's own `ektpctl`.
@Suite(.serialized, .daemons) struct TransferTests {
    static let decoder = WireCoding.decoder()

    @Test(.timeLimit(.minutes(2)), .enabled(if: OfficeAccount.available))
    func onlyToAnotherKecamatanInTheRegionFile() async throws {
        let scratch = try Scratch("pindah")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=PINDAH-1"],
            regions: RegionData.path())
        try await station.start()
        defer { station.child.stop() }
        _ = try await station.withClient { try await $0.stock(.receive(quantity: 100, document: "SJ-PINDAH")) }
        func store() async throws -> Int { try await station.withClient { try await $0.stockView() }.places[.store] ?? 0 }

        for (code, says) in [("32.16.01", "stasiun ini sendiri"), ("99.99.99", "tidak ada dalam daftar Kemendagri"), ("32.16.99", "tidak ada dalam daftar")] {
            let run = try await station.kepala.ektpctl(["stock", "transfer", "10", "--to", code, "--document", "ST-1"])
            #expect(run.status == 1 && run.stderr.contains(says), "\(code): \(run)")
        }
        #expect(try await store() == 100, "a refused transfer moves nothing")
        let sent: StockChanged = try await station.kepala.json(["stock", "transfer", "10", "--to", "32.16.02", "--document", "ST-2"], decoder: Self.decoder)
        #expect(sent.message.contains("Babelan") && sent.message.contains("32.16.02"), "\(sent.message)")
        #expect(try await store() == 90)
    }
}
