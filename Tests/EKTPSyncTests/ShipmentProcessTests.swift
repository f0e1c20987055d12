import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Blangko from the kabupaten to the kecamatan shelf and between kecamatan, as offices do it,
/// on the real `ektp-hub` (SQLite, and PostgreSQL when the tests have a server) and two real
/// `ektpd`: the central office allocates a ministry shipment (the proposal, then an edit);
/// each station hears of its shipment on its heartbeat and counts it with the real
/// `ektpctl` (a difference only by the kepala, with a reason); a transfer is in transit until
/// the receiver counts it; the hub's record of every shipment and both kecamatan's stock
/// agree with the stations' ledgers.
@Suite(.serialized, .daemons) struct ShipmentProcessTests {
    typealias Engine = VanishedStationTests.Engine
    static let decoder = WireCoding.decoder()

    @Test(.timeLimit(.minutes(4)), .enabled(if: OfficeAccount.available), arguments: Engine.available)
    func allocatedCountedTransferredAndAgreed(engine: Engine) async throws {
        let scratch = try Scratch("kiriman-\(engine.rawValue)")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try await SettleTests.hub(engine, scratch, approval)
        try await hub.start()
        defer { hub.stop() }
        var stations: [StationUnderTest] = []
        for (name, kecamatan) in [("a", "32.16.01"), ("b", "32.16.02")] {
            let s = try StationUnderTest(
                scratch: scratch, name: name, kecamatan: kecamatan, trusted: approval,
                printers: ["evolis-primacy-2?serial=KIRIM-\(name.uppercased())-\(engine.rawValue)"], regions: RegionData.path())
            try await s.start()
            stations.append(s)
        }
        defer { for s in stations { s.child.stop() } }
        let (a, b) = (stations[0], stations[1])
        _ = try await SettleTests.enroll(a, on: hub, kecamatan: "32.16.01")
        _ = try await SettleTests.enroll(b, on: hub, kecamatan: "32.16.02")
        // Work waiting: 4 jobs at Tarumajaya (2 first-time applicants), 2 at Babelan. No
        // blangko anywhere, so nothing prints.
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let jobs =
            try factory.jobs(count: 4, kecamatan: "32.16.01", prefix: "KIRIM-A-\(engine.rawValue)", pemulaEvery: 2)
            + factory.jobs(count: 2, kecamatan: "32.16.02", prefix: "KIRIM-B-\(engine.rawValue)")
        _ = try await hub.admin.intake(try factory.signedFile(jobs))

        // The proposal: need 4 (2 pemula) and 2, the 4 left over shared evenly: 6 and 4.
        let proposal = try await hub.admin.allocationProposal(AllocationProposalRequest(kabupaten: "32.16", quantity: 10))
        let proposed = Dictionary(uniqueKeysWithValues: proposal.kecamatan.map { ($0.kecamatanCode, $0.proposed) })
        #expect(proposed["32.16.01"] == 6 && proposed["32.16.02"] == 4 && proposed.values.reduce(0, +) == 10, "\(proposal)")
        #expect(proposal.kecamatan.first { $0.kecamatanCode == "32.16.01" }?.pemula == 2)
        // Edited before sending: 7 and 3.
        let sent = try await hub.admin.allocate(
            AllocationRequest(kabupaten: "32.16", quantity: 10, document: "KEMENDAGRI-77", split: ["32.16.01": 7, "32.16.02": 3], by: "rina"))
        let (toA, toB) = (sent.shipments[0].id, sent.shipments[1].id)
        #expect(sent.shipments.map(\.toKecamatan) == ["32.16.01", "32.16.02"])

        // Each station hears of its own shipment on a heartbeat; the operator counts it.
        let operatorA = OfficeAccount(uid: 0, socket: a.socket)
        try await eventually("Tarumajaya melihat kirimannya", seconds: 30) {
            let listed: [IncomingShipment] = try await operatorA.json(["stock", "shipments"], decoder: Self.decoder)
            return listed.map(\.id) == [toA] && listed[0].inTransit && listed[0].quantity == 7
        }
        let countedA: StockChanged = try await operatorA.json(["stock", "accept-shipment", toA, "--count", "7"], decoder: Self.decoder)
        #expect(countedA.message.contains("7 lembar masuk gudang"), "\(countedA.message)")
        let twice = try await operatorA.ektpctl(["stock", "accept-shipment", toA, "--count", "7"])
        #expect(twice.status == 1 && twice.stderr.contains("sudah diterima"), "\(twice)")

        // At Babelan 2 of 3 arrive: not the operator's to record; the kepala's, with a reason.
        let operatorB = OfficeAccount(uid: 0, socket: b.socket)
        try await eventually("Babelan melihat kirimannya", seconds: 30) {
            let listed: [IncomingShipment] = try await operatorB.json(["stock", "shipments"], decoder: Self.decoder)
            return listed.map(\.id) == [toB]
        }
        let byOperator = try await operatorB.ektpctl(["stock", "accept-shipment", toB, "--count", "2", "--reason", "basah"])
        #expect(byOperator.status == 1 && byOperator.stderr.contains("kepala"), "\(byOperator)")
        let noReason = try await b.kepala.ektpctl(["stock", "accept-shipment", toB, "--count", "2"])
        #expect(noReason.status == 1 && noReason.stderr.contains("alasan"), "\(noReason)")
        #expect(try await b.withClient { try await $0.stockView() }.places[.store] ?? 0 == 0, "a refused count moves nothing")
        _ = try await b.kepala.json(
            ["stock", "accept-shipment", toB, "--count", "2", "--reason", "1 lembar basah terkena hujan"], as: StockChanged.self, decoder: Self.decoder)

        // Tarumajaya's kepala sends Babelan 3: in transit until Babelan counts them.
        _ = try await a.kepala.json(["stock", "transfer", "3", "--to", "32.16.02", "--document", "ST-TRM-1"], as: StockChanged.self, decoder: Self.decoder)
        var transfer = ""
        try await eventually("pindahan muncul di Babelan", seconds: 30) {
            let listed: [IncomingShipment] = try await operatorB.json(["stock", "shipments"], decoder: Self.decoder)
            guard let t = listed.first(where: \.inTransit) else { return false }
            transfer = t.id
            return t.kind == .transfer && t.fromKecamatan == "32.16.01" && t.quantity == 3 && t.document == "ST-TRM-1"
        }
        let inTransit = try await hub.admin.shipments(kabupaten: "32.16").first { $0.id == transfer }
        #expect(inTransit?.status == .inTransit)
        _ = try await operatorB.json(["stock", "accept-shipment", transfer, "--count", "3"], as: StockChanged.self, decoder: Self.decoder)

        // The hub's record: each shipment's sent and counted, the reason kept; both
        // kecamatan's stock as their ledgers say (7 − 3 and 2 + 3).
        try await eventually("hub mencatat semua kiriman diterima", seconds: 30) {
            try await hub.admin.shipments(kabupaten: "32.16").allSatisfy { $0.status != .inTransit }
        }
        let record = Dictionary(uniqueKeysWithValues: try await hub.admin.shipments(kabupaten: "32.16").map { ($0.id, $0) })
        #expect(record[toA]?.status == .received && record[toA]?.receivedQuantity == 7)
        #expect(record[toB]?.status == .difference && record[toB]?.receivedQuantity == 2 && record[toB]?.reason == "1 lembar basah terkena hujan")
        #expect(record[toB]?.receivedBy == "kepala")
        #expect(record[transfer]?.status == .received && record[transfer]?.sentBy == "kepala" && record[transfer]?.receivedQuantity == 3)
        #expect(try await a.withClient { try await $0.stockView() }.places[.store] == 4)
        #expect(try await b.withClient { try await $0.stockView() }.places[.store] == 5)
        try await eventually("stok di hub sama dengan buku stasiun", seconds: 30) {
            let stock = try await hub.admin.get(StockOverviewProbe.self, "/v1/views/stock").kecamatan
            return stock.first { $0.kecamatanCode == "32.16.01" }?.store == 4 && stock.first { $0.kecamatanCode == "32.16.02" }?.store == 5
        }
        // What the stations' ledgers say the month received: 7 at Tarumajaya, 2 + 3 at Babelan.
        let month = OfficeZone.wib.monthKey(Date())
        #expect(try await a.withClient { try await $0.monthlyReport(month: try ReportMonth(parsing: month)) }.received == 7)
        #expect(try await b.withClient { try await $0.monthlyReport(month: try ReportMonth(parsing: month)) }.received == 5)
    }

    /// The part of `GET /v1/views/stock` this test reads.
    struct StockOverviewProbe: Decodable {
        struct Row: Decodable {
            var kecamatanCode: String
            var store: Int
            var ribbonPrintsLeft: Int?
        }
        var kecamatan: [Row]
    }
}
