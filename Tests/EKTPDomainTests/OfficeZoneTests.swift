import EKTPDomain
import Foundation
import Testing

/// Each office keeps its own zone: WIB, WITA or WIT by its province.
@Suite struct OfficeZoneTests {
    /// The provinces by name, as the zones are decreed (Keppres 41/1987 and the Papua
    /// provinces formed since): written here by name, not by the code lists the
    /// implementation keeps, so a wrong code in either is caught.
    static let byName: [String: OfficeZone] = [
        "Bali": .wita, "Nusa Tenggara Barat": .wita, "Nusa Tenggara Timur": .wita, "Kalimantan Selatan": .wita, "Kalimantan Timur": .wita,
        "Kalimantan Utara": .wita, "Sulawesi Utara": .wita, "Sulawesi Tengah": .wita, "Sulawesi Selatan": .wita, "Sulawesi Tenggara": .wita,
        "Gorontalo": .wita, "Sulawesi Barat": .wita, "Maluku": .wit, "Maluku Utara": .wit, "Papua": .wit, "Papua Barat": .wit,
        "Papua Selatan": .wit, "Papua Tengah": .wit, "Papua Pegunungan": .wit, "Papua Barat Daya": .wit,
    ]

    @Test("every province in wilayah.csv has its decreed zone; the rest, Kalimantan Barat and Tengah among them, are WIB")
    func provinces() throws {
        var seen = 0
        for line in RegionDirectoryTests.shipped.split(whereSeparator: \.isNewline) where line.hasSuffix(",provinsi") {
            let fields = line.split(separator: ",")
            let (code, name) = (String(fields[0]), String(fields[1]))
            let expected = Self.byName[name] ?? .wib
            #expect(OfficeZone(regionCode: code) == expected, "\(code) \(name)")
            #expect(OfficeZone(regionCode: code + ".01.01") == expected, "\(code) \(name), a kecamatan")
            seen += 1
        }
        #expect(seen == 38)
        #expect(OfficeZone(regionCode: "61.01.01") == .wib && OfficeZone(regionCode: "62.01.01") == .wib)
    }

    /// 2026-11-30 16:30 UTC: still 30 November in WIB, already 1 December in WITA and WIT.
    static let lateNovember = Date(timeIntervalSince1970: 1_796_056_200)

    @Test(
        "a moment is shown, dated and counted to its day in each zone",
        arguments: [
            (OfficeZone.wib, "30-11-2026 23:30 WIB", "2026-11-30", "2026-11"),
            (OfficeZone.wita, "01-12-2026 00:30 WITA", "2026-12-01", "2026-12"),
            (OfficeZone.wit, "01-12-2026 01:30 WIT", "2026-12-01", "2026-12"),
        ])
    func moment(_ zone: OfficeZone, shown: String, date: String, month: String) throws {
        let at = Self.lateNovember
        #expect(zone.time(at) == shown)
        #expect(zone.today(at).iso == date)
        #expect(zone.monthKey(at) == month)
        // The day number agrees with the date, and the day starts at the zone's midnight.
        let day = zone.day(of: at)
        let start = zone.start(ofDay: day)
        #expect(zone.time(start).hasPrefix(date.split(separator: "-").reversed().joined(separator: "-") + " 00:00"))
        #expect(zone.day(of: start) == day && zone.day(of: start.addingTimeInterval(-1)) == day - 1)
        // December at the office begins at its midnight: the moment is in it or not.
        let (decStart, decEnd) = zone.bounds(try ReportMonth(year: 2026, month: 12))
        #expect((decStart <= at && at < decEnd) == (month == "2026-12"))
        #expect(decEnd.timeIntervalSince(decStart) == 31 * 86_400)
    }
}
