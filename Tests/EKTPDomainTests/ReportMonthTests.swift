import Foundation
import Testing

@testable import EKTPDomain

@Suite("Report month")
struct ReportMonthTests {
    @Test func parsesYearAndMonth() throws {
        let m = try ReportMonth(parsing: "2026-03")
        #expect(m.year == 2026)
        #expect(m.month == 3)
        #expect(m.description == "2026-03")
        #expect(m.label == "Maret 2026")
    }

    @Test(arguments: ["2026-3", "2026-13", "2026-00", "26-03", "2026/03", "2026-03-01", "", "abcd-ef", "1999-12", "２０２６-03"])
    func refusesOtherForms(_ text: String) {
        #expect(throws: ReportMonth.Invalid.self) { try ReportMonth(parsing: text) }
    }

    @Test func monthContainingADateDependsOnTheTimeZone() throws {
        // 2026-01-31 20:00 UTC is already February in Jakarta (UTC+7).
        let date = Date(timeIntervalSince1970: 1_769_889_600)
        #expect(ReportMonth(containing: date, timeZone: TimeZone(identifier: "UTC")!).description == "2026-01")
        #expect(ReportMonth(containing: date, timeZone: TimeZone(identifier: "Asia/Jakarta")!).description == "2026-02")
        #expect(ReportMonth(containing: date, timeZone: TimeZone(identifier: "Asia/Jakarta")!).label == "Februari 2026")
    }
}
