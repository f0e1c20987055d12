import EKTPDomain
import Testing

@Suite("Blangko ledger")
struct LedgerTests {
    let printer = try! DeviceID("sim-A")

    func m(_ k: LedgerKind, _ f: StockPlace, _ t: StockPlace, _ q: Int) throws -> LedgerMovement {
        try LedgerMovement(kind: k, from: f, to: t, quantity: q)
    }

    @Test func kindsMoveOnlyBetweenTheirPlaces() throws {
        #expect(throws: LedgerMovement.Invalid.self) { try m(.printed, .store, .issued, 1) }
        #expect(throws: LedgerMovement.Invalid.self) { try m(.received, .supplier, .hopper(printer), 1) }
        #expect(throws: LedgerMovement.Invalid.self) { try m(.destroyed, .store, .destroyed, 1) }
        #expect(throws: LedgerMovement.Invalid.self) { try m(.loaded, .store, .hopper(printer), 0) }
        #expect(throws: LedgerMovement.Invalid.self) { try m(.counted, .adjustment, .issued, 1) }
    }

    @Test func identitiesHoldForADayAtTheOffice() throws {
        let day = [
            try m(.received, .supplier, .store, 500),
            try m(.loaded, .store, .hopper(printer), 100),
            try m(.printed, .hopper(printer), .issued, 60),
            try m(.spoiled, .hopper(printer), .spoiled, 3),
            try m(.spoiled, .store, .spoiled, 1),
            try m(.spoiled, .issued, .spoiled, 1),
            try m(.unloaded, .hopper(printer), .store, 10),
            try m(.destroyed, .spoiled, .destroyed, 4),
            try m(.transferred, .store, .transferred, 50),
            try m(.counted, .store, .adjustment, 2),
        ]
        let b = StockBalances(day)
        #expect(b.balance(.store) == 500 - 100 + 10 - 1 - 50 - 2)
        #expect(b.balance(.hopper(printer)) == 27)
        #expect(b.balance(.issued) == 59)
        #expect(b.balance(.spoiled) == 1)
        let identities = b.identities()
        #expect(identities.count == 4)
        let allHold = identities.allSatisfy { $0.holds }
        #expect(allHold, "\(identities)")
    }

    @Test func monthlyReportBalances() throws {
        let before = [try m(.received, .supplier, .store, 100), try m(.loaded, .store, .hopper(printer), 50)]
        let during = [
            MonthlyBlangkoReport.Line(movement: try m(.received, .supplier, .store, 40), cause: nil),
            MonthlyBlangkoReport.Line(movement: try m(.printed, .hopper(printer), .issued, 30), cause: nil),
            MonthlyBlangkoReport.Line(movement: try m(.spoiled, .hopper(printer), .spoiled, 2), cause: .gagalCetak),
            MonthlyBlangkoReport.Line(movement: try m(.spoiled, .issued, .spoiled, 1), cause: .perubahanElemenData),
            MonthlyBlangkoReport.Line(movement: try m(.destroyed, .spoiled, .destroyed, 3), cause: nil),
        ]
        let r = MonthlyBlangkoReport.build(month: "2026-11", before: before, during: during)
        #expect(r.opening == 100)
        #expect(r.received == 40 && r.printed == 30 && r.destroyed == 3)
        #expect(r.spoiled == ["gagal-cetak": 2, "perubahan-elemen-data": 1])
        #expect(r.closing == 108)
        #expect(r.balances)
        // The printed card found bad later is on the report, but the formula's rows add
        // up: it is not taken from stock twice (page, CSV, print and CLI show these rows).
        let rows = r.rows { $0 }
        #expect(MonthlyBlangkoReport.rowsBalance(rows))
        #expect(rows.first { $0.label == "Rusak sebelum tercetak" }?.value == 2)
        #expect(rows.first { $0.label == "Kartu tercetak yang dinyatakan rusak" }?.value == 1)
        #expect(rows.contains { $0.label == "perubahan-elemen-data" && $0.indented && $0.role == .note })
        // Counted the other way (all spoiled cards as a term), it would not balance.
        var naive = rows
        naive[naive.firstIndex { $0.label == "Rusak sebelum tercetak" }!].value = r.spoiledTotal
        #expect(!MonthlyBlangkoReport.rowsBalance(naive))
    }
}
