import Foundation

/// An internet date-time (RFC 3339, the profile of ISO 8601 the approval system writes):
/// `2026-11-23T08:15:00Z`, `2026-11-20T08:00:00+07:00`, with or without fractional seconds.
///
/// Read by hand rather than with `ISO8601DateFormatter`, which builds an ICU formatter each
/// time: the hub reads one of these per job at intake, 130,000 in a kabupaten's backlog.
public enum InternetTime {
    /// The moment `text` names, or nil when it is not an RFC 3339 date-time (a valid
    /// calendar date, hours 00–23, minutes and seconds 00–59, `Z` or an offset `±HH:MM`).
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard (20...40).contains(b.count) else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                guard (0x30...0x39).contains(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D, let day = number(8, 2), b[10] == 0x54,
            let hour = number(11, 2), b[13] == 0x3A, let minute = number(14, 2), b[16] == 0x3A, let second = number(17, 2),
            CivilDate.isValid(year: year, month: month, day: day), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var fraction = 0.0
        if b[i] == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, (0x30...0x39).contains(b[i]) {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        switch b[i] {
        case 0x5A:
            i += 1
        case 0x2B, 0x2D:
            guard let hours = number(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let minutes = number(i + 4, 2), hours <= 23, minutes <= 59
            else { return nil }
            offset = (b[i] == 0x2B ? 1 : -1) * (hours * 3600 + minutes * 60)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = CivilDate(uncheckedYear: year, month: month, day: day).daysSinceEpoch
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction)
    }
}

extension CivilDate {
    /// Days since 1970-01-01 in the proleptic Gregorian calendar (negative before it).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
