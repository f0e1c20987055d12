import EKTPDomain
import Foundation
import Synchronization
import Testing

@testable import EKTPStationStore

/// A station keeps its office's zone: the month a blangko movement counts in, and "today".
@Suite struct OfficeZoneStoreTests {
    /// 2026-11-30 16:30 UTC: 23:30 on 30 November in WIB, 00:30 on 1 December in WITA.
    static let lateNovember = Date(timeIntervalSince1970: 1_796_056_200)

    @Test(
        "blangko received at 16:30 UTC on 30 November count in the office's month",
        arguments: [
            (OfficeZone.wib, "2026-11", "2026-11-30"), (OfficeZone.wita, "2026-12", "2026-12-01"), (OfficeZone.wit, "2026-12", "2026-12-01"),
        ])
    func monthBoundary(_ zone: OfficeZone, month: String, today: String) throws {
        let now = Mutex(Self.lateNovember)
        let store = try StationStore.inMemory(zone: zone, clock: { now.withLock { $0 } })
        _ = try store.receive(40, document: "SJ-1", serialFirst: nil, serialLast: nil, by: "operator")
        #expect(store.today().iso == today)
        let other = month == "2026-11" ? "2026-12" : "2026-11"
        #expect(try store.monthlyReport(month: month).received == 40)
        #expect(try store.monthlyReport(month: other).received == 0)
        // The day's use is grouped on the office's day too.
        now.withLock { $0 = $0.addingTimeInterval(3600) }
        #expect(try store.dailyUsage(days: 2).map(\.day).last == zone.today(Self.lateNovember.addingTimeInterval(3600)).iso)
    }
}
