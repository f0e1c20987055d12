import EKTPDomain
import Foundation
import Testing

/// `InternetTime` is read by hand; Foundation's `ISO8601DateFormatter` (ICU) is the second,
/// independent reading it must agree with.
struct InternetTimeTests {
    static func foundation(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    @Test func agreesWithFoundationOnGeneratedTimes() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let year = Int.random(in: 1900...2200, using: &rng)
            let month = Int.random(in: 1...12, using: &rng)
            let day = Int.random(in: 1...28, using: &rng) + (month == 2 ? 0 : Int.random(in: 0...2, using: &rng))
            let zone = [
                "Z", "+07:00", "+08:00", "+09:00", "-03:30", "+00:00", "+14:00", "-12:00",
            ].randomElement(using: &rng)!
            let fraction = ["", ".5", ".123", ".000", ".25"].randomElement(using: &rng)!
            let text = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d%@%@", year, month, day, Int.random(in: 0...23, using: &rng), Int.random(in: 0...59, using: &rng),
                Int.random(in: 0...59, using: &rng), fraction, zone)
            let ours = InternetTime.parse(text)
            let theirs = Self.foundation(text)
            #expect((ours == nil) == (theirs == nil), "\(text)")
            if let ours, let theirs { #expect(abs(ours.timeIntervalSince(theirs)) < 0.001, "\(text): \(ours) ≠ \(theirs)") }
        }
    }

    @Test(arguments: [
        "2026-11-23T08:15:00Z", "2026-11-20T08:00:00+07:00", "2024-02-29T23:59:59.999-05:00", "1970-01-01T00:00:00Z", "2000-01-01T00:00:00.5Z",
    ])
    func readsWhatTheApprovalSystemWrites(text: String) throws {
        let ours = try #require(InternetTime.parse(text))
        let theirs = try #require(Self.foundation(text))
        #expect(abs(ours.timeIntervalSince(theirs)) < 0.001)
    }

    @Test(arguments: [
        "", "kemarin", "2026-11-23", "1700000000", "2026-13-45T99:00:00Z", "2026-02-29T08:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T08:60:00Z",
        "2026-11-23T08:15:00", "2026-11-23 08:15:00Z", "2026-11-23T08:15:00+0700", "2026-11-23T08:15:00.Z", "2026-11-23T08:15:00Zjunk",
        "2026-11-23T08:15:00+07:00:00", "२०२६-11-23T08:15:00Z", "2026-11-23T08:15:00+24:00",
    ])
    func refusesWhatIsNoInternetTime(text: String) {
        #expect(InternetTime.parse(text) == nil, "\(text)")
    }

    @Test func daysSinceEpochAgreeWithTheGregorianCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        for (y, m, d) in [(1970, 1, 1), (1969, 12, 31), (2000, 2, 29), (2026, 12, 2), (1900, 3, 1), (2100, 2, 28), (1600, 3, 1)] {
            let date = try CivilDate(year: y, month: m, day: d)
            let days = calendar.dateComponents(
                [.day], from: Date(timeIntervalSince1970: 0), to: calendar.date(from: DateComponents(year: y, month: m, day: d))!
            ).day!
            #expect(date.daysSinceEpoch == days, "\(date)")
        }
    }
}
