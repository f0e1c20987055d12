import Foundation

/// A calendar month as the monthly blangko report names it: `YYYY-MM`. The one parser
/// of a report's month, for ektpctl, the station's API and pages, and the hub's roll-up.
public struct ReportMonth: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    /// 1 to 12.
    public let month: Int

    /// Why a month was refused, in Indonesian.
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "bulan \"\(text.prefix(20))\" tidak valid: tulis TTTT-BB, mis. 2026-03" }
    }

    public init(year: Int, month: Int) throws(Invalid) {
        guard (2000...2999).contains(year), (1...12).contains(month) else {
            throw Invalid(text: "\(year)-\(month)")
        }
        self.year = year
        self.month = month
    }

    /// Parses exactly `YYYY-MM` (four digits, a hyphen, two digits).
    public init(parsing text: String) throws(Invalid) {
        let u = Array(text.utf8)
        let digits = [0, 1, 2, 3, 5, 6]
        guard u.count == 7, u[4] == UInt8(ascii: "-"), digits.allSatisfy({ (0x30...0x39).contains(u[$0]) }),
            let y = Int(text.prefix(4)), let m = Int(text.suffix(2))
        else { throw Invalid(text: text) }
        do { try self.init(year: y, month: m) } catch { throw Invalid(text: text) }
    }

    /// The month `date` falls in, in `timeZone`.
    public init(containing date: Date, timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month], from: date)
        year = c.year ?? 2000
        month = c.month ?? 1
    }

    public var description: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : String(month)
        return "\(y)-\(m)"
    }

    /// The month's name and year in Indonesian, e.g. `Maret 2026`.
    public var label: String {
        let names = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]
        return "\(names[month - 1]) \(year)"
    }

    public static func < (a: ReportMonth, b: ReportMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}
