import Foundation

/// Indonesia's three time zones, and which one an office keeps, from its region code.
///
/// The one place the mapping is written (Keppres 41/1987): the province decides.
/// - WITA (UTC+8): Bali, NTB, NTT (51–53), Kalimantan Selatan, Timur, Utara (63–65),
///   all of Sulawesi (71–76);
/// - WIT (UTC+9): Maluku and Maluku Utara (81–82), the Papua provinces (91–97);
/// - WIB (UTC+7): everything else, Kalimantan Barat and Tengah (61–62) included.
///
/// "Today", a month's boundaries, the days stock use is grouped by and every time shown
/// to people follow the office's zone. Indonesia keeps no daylight-saving time, so a zone
/// is a fixed offset.
public enum OfficeZone: String, Sendable, CaseIterable, Codable {
    case wib = "WIB"
    case wita = "WITA"
    case wit = "WIT"

    static let witaProvinces: Set<Substring> = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"]
    static let witProvinces: Set<Substring> = ["81", "82", "91", "92", "93", "94", "95", "96", "97"]

    /// The zone of the region `code` (`PP`, `PP.KK` or `PP.KK.CC`) lies in; WIB for a code
    /// whose province is not listed as WITA or WIT.
    public init(regionCode code: String) {
        let province = code.prefix(2)
        self = Self.witaProvinces.contains(province) ? .wita : Self.witProvinces.contains(province) ? .wit : .wib
    }

    public var label: String { rawValue }

    public var secondsFromGMT: Int {
        switch self {
        case .wib: 7 * 3600
        case .wita: 8 * 3600
        case .wit: 9 * 3600
        }
    }

    public var timeZone: TimeZone { TimeZone(secondsFromGMT: secondsFromGMT)! }

    /// A Gregorian calendar in this zone.
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The date at the office.
    public func today(_ now: Date = Date()) -> CivilDate {
        let c = calendar.dateComponents([.year, .month, .day], from: now)
        return CivilDate(uncheckedYear: c.year!, month: c.month!, day: c.day!)
    }

    /// The date in each zone at `now`, worked out once for work that dates many offices'
    /// jobs (the hub's intake).
    public static func dates(at now: Date) -> [OfficeZone: CivilDate] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.today(now)) })
    }

    /// `23-11-2026 14:05 WITA`: a moment as people at the office read it.
    public func time(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%02d-%02d-%04d %02d:%02d ", c.day!, c.month!, c.year!, c.hour!, c.minute!) + label
    }

    /// The office day a moment falls on, as a day number: days since 1970-01-01 in this
    /// zone. `floor((epoch + secondsFromGMT) / 86400)`, the same sum a database's `GROUP BY`
    /// makes with `dayOffsetSQL`.
    public func day(of date: Date) -> Int {
        Int(((date.timeIntervalSince1970 + Double(secondsFromGMT)) / 86_400).rounded(.down))
    }

    /// The first moment of office day number `day`.
    public func start(ofDay day: Int) -> Date {
        Date(timeIntervalSince1970: Double(day) * 86_400 - Double(secondsFromGMT))
    }

    /// The first moment of `date` at the office.
    public func start(of date: CivilDate) -> Date {
        calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
    }

    /// The first moment of `month` and of the month after, at the office.
    public func bounds(_ month: ReportMonth) -> (start: Date, end: Date) {
        let start = calendar.date(from: DateComponents(year: month.year, month: month.month, day: 1))!
        return (start, calendar.date(byAdding: .month, value: 1, to: start)!)
    }

    /// `YYYY-MM` of the month `date` falls in, at the office.
    public func monthKey(_ date: Date) -> String { ReportMonth(containing: date, timeZone: timeZone).description }

    /// An SQL expression for the UTC offset, in seconds, of the office whose region code is
    /// in `column`, for grouping by office day where rows of several zones meet (the hub).
    /// Portable between SQLite and PostgreSQL (`substr`, `CASE`).
    public static func dayOffsetSQL(codeColumn column: String) -> String {
        func list(_ set: Set<Substring>) -> String { set.sorted().map { "'\($0)'" }.joined(separator: ", ") }
        return """
            (CASE WHEN substr(\(column), 1, 2) IN (\(list(witaProvinces))) THEN \(OfficeZone.wita.secondsFromGMT) \
            WHEN substr(\(column), 1, 2) IN (\(list(witProvinces))) THEN \(OfficeZone.wit.secondsFromGMT) \
            ELSE \(OfficeZone.wib.secondsFromGMT) END)
            """
    }
}
