import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Ribbons through the real `ektpd`, `ektpctl` and `ektp-hub`: rolls received and loaded by
/// the operator, a print per card, the printer's own count where it tells; days of ribbon
/// beside days of blangko at the station, and the same prints at the hub.
@Suite(.serialized, .daemons) struct RibbonProcessTests {
    static let decoder = WireCoding.decoder()

    @Test(.timeLimit(.minutes(3)), .enabled(if: OfficeAccount.available))
    func rollsLoadedUsedAndSeenAtTheHub() async throws {
        let kecamatan = "32.16.04"
        let scratch = try Scratch("ribbon")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try await SettleTests.hub(.sqlite, scratch, approval)
        try await hub.start()
        defer { hub.stop() }
        // The simulated Primacy 2 tells its ribbon count (300 a roll), starting at 40 left.
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=RIBBON-1&ribbon=40"])
        try await station.start()
        defer { station.child.stop() }
        _ = try await SettleTests.enroll(station, on: hub, kecamatan: kecamatan)
        let operatorPC = OfficeAccount(uid: 0, socket: station.socket)
        let device = try #require(try await station.withClient { try await $0.devices() }.first).id

        let none = try await operatorPC.ektpctl(["stock", "load-ribbon", device.rawValue])
        #expect(none.status == 1 && none.stderr.contains("tidak ada gulungan ribbon"), "\(none)")
        _ = try await operatorPC.json(["stock", "receive-ribbon", "4", "--document", "RB-2026-01"], as: StockChanged.self, decoder: Self.decoder)
        let loaded: StockChanged = try await operatorPC.json(["stock", "load-ribbon", device.rawValue], decoder: Self.decoder)
        #expect(loaded.message.contains("300 cetakan"), "\(loaded.message)")

        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        _ = try await hub.admin.intake(try factory.signedFile(try factory.jobs(count: 3, kecamatan: kecamatan, prefix: "RIBBON")))
        try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-RIBBON"))
            _ = try await client.stock(.load(device: device, quantity: 5))
        }
        try await eventually("tiga kartu tercetak", seconds: 60) { try await station.withClient { try await $0.status() }.jobs[.printed] == 3 }

        // The printer's count (40 − 3) for its roll, 3 rolls × 300 in the store.
        let view: StockView = try await operatorPC.json(["stock", "show"], decoder: Self.decoder)
        let ribbons = try #require(view.ribbons)
        #expect(ribbons.storeRolls == 3 && ribbons.printers.map(\.remaining) == [37] && ribbons.printers.map(\.used) == [3], "\(ribbons)")
        #expect(ribbons.printsLeft == 3 * 300 + 37)
        let text = try await operatorPC.ektpctl(["stock", "show"]).stdout
        #expect(text.contains("Ribbon") && text.contains("3 gulung di gudang"), "\(text)")
        try await eventually("hub melihat sisa ribbon stasiun", seconds: 30) {
            let stock = try await hub.admin.get(ShipmentProcessTests.StockOverviewProbe.self, "/v1/views/stock")
            return stock.kecamatan.first { $0.kecamatanCode == kecamatan }?.ribbonPrintsLeft == 937
        }
    }
}
