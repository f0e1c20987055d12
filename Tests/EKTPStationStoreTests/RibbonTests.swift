import EKTPDomain
import Foundation
import Synchronization
import Testing

@testable import EKTPStationStore

/// Ribbon rolls in the station's store (`RibbonStock`), figures worked by hand: a print per
/// card fed on the printer since its roll went in, the printer's own count where it tells.
@Suite("Ribbons")
struct RibbonTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
        func advance(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test("received, loaded, used per card fed, replaced; days left at the office's use")
    func rolls() throws {
        let clock = Clock()
        let store = try StationStore.inMemory(clock: { clock.now.withLock { $0 } })
        let printer = Fixture.printer
        try store.register(DeviceInfo(id: printer, uri: "sim://t", model: "T", serial: "T1", hopperCapacity: 100))
        _ = try store.receive(50, document: "SJ-1", serialFirst: nil, serialLast: nil, by: "op")
        _ = try store.load(printer, 50, by: "op")

        #expect(throws: StationError.self) { try store.loadRibbon(printer, capacity: 300, by: "op") }
        #expect(throws: StationError.self) { try store.receiveRibbon(0, document: "RB-1", by: "op") }
        _ = try store.receiveRibbon(3, document: "RB-1", by: "op")
        clock.advance(60)
        _ = try store.loadRibbon(printer, capacity: 300, by: "op")
        clock.advance(60)
        // Three test cards and two failed prints take prints; two blangko found bent in the
        // hopper do not.
        _ = try store.spoil(at: .hopper(printer), 3, cause: .cetakUji, note: nil, by: "op")
        _ = try store.spoil(at: .hopper(printer), 2, cause: .gagalCetak, note: nil, by: "op")
        _ = try store.spoil(at: .hopper(printer), 2, cause: .rusak, note: nil, by: "op")
        let stock = try store.ribbonStock(printsPerStoreRoll: 250, usagePerPrintingDay: 59)
        #expect(stock.storeRolls == 2)
        #expect(stock.printers.map(\.used) == [5] && stock.printers.map(\.remaining) == [295])
        // 2 × 250 + 295 = 795 prints, at 59 a day: 13.47 days.
        #expect(stock.printsLeft == 795)
        #expect(abs((stock.daysLeft ?? 0) - 795.0 / 59) < 1e-9)

        // A new roll: the old one comes out finished; what was fed before counts no more.
        clock.advance(60)
        _ = try store.loadRibbon(printer, capacity: 300, by: "op")
        let replaced = try store.ribbonStock(printsPerStoreRoll: 250, usagePerPrintingDay: 0)
        #expect(replaced.storeRolls == 1 && replaced.printers.map(\.remaining) == [300] && replaced.daysLeft == nil)
        _ = try store.finishRibbon(printer, by: "op")
        #expect(try store.ribbonStock(printsPerStoreRoll: 250, usagePerPrintingDay: 1).printers.isEmpty)
        #expect(throws: StationError.self) { try store.finishRibbon(printer, by: "op") }
        let kinds = try store.read { try String.fetchAll($0, sql: "SELECT kind FROM ribbonLedger ORDER BY id") }
        #expect(kinds == ["received", "loaded", "finished", "loaded", "finished"])
    }

    @Test("the printer's own count, where it tells, wins")
    func printerSays() {
        let r = LoadedRibbon(device: Fixture.printer, loadedAt: Date(), capacity: 300, used: 10, printerSays: 120)
        #expect(r.remaining == 120)
        #expect(LoadedRibbon(device: Fixture.printer, loadedAt: Date(), capacity: 300, used: 400, printerSays: nil).remaining == 0)
    }
}
