import Foundation

/// How long a kecamatan's blangko last, one definition for the kepala's page, `ektpctl
/// stock show` and the central office's views, so the station and the hub show the same
/// figure from the same ledger:
///
/// - use per printing day: blangko used (printed or spoiled out of the store or a hopper)
///   in the last `windowDays` office days, divided by the days in that window on which any
///   was used — an office that prints two days a week is not diluted by the five it does
///   not, and a station installed last week is not divided by thirty;
/// - days left: unused blangko (store and hoppers) over the use per printing day; none
///   when nothing was used in the window;
/// - need for the backlog: the PRR jobs still to print for the kecamatan that the unused
///   blangko do not cover, one blangko each.
public struct StockForecast: Codable, Sendable, Equatable {
    /// The window, in office days up to and including today.
    public static let windowDays = 30

    public var windowDays: Int
    /// Unused blangko: the store and every hopper.
    public var onHand: Int
    /// Blangko used in the window.
    public var used: Int
    /// Days in the window on which any blangko was used.
    public var printingDays: Int
    public var usagePerPrintingDay: Double
    public var daysLeft: Double?
    /// Jobs still to print for the kecamatan.
    public var backlog: Int
    /// Blangko the backlog needs beyond those on hand.
    public var needForBacklog: Int

    /// From the use per office day (`OfficeZone.day(of:)`), of which only the window ending `today`
    /// counts.
    public init(onHand: Int, usedByDay: [Int: Int], backlog: Int, today: Int) {
        let window = Self.window(endingOn: today)
        let inWindow = usedByDay.filter { window.contains($0.key) && $0.value > 0 }
        self.windowDays = Self.windowDays
        self.onHand = onHand
        self.used = inWindow.values.reduce(0, +)
        self.printingDays = inWindow.count
        self.usagePerPrintingDay = printingDays > 0 ? Double(used) / Double(printingDays) : 0
        self.daysLeft = usagePerPrintingDay > 0 ? Double(max(onHand, 0)) / usagePerPrintingDay : nil
        self.backlog = backlog
        self.needForBacklog = max(0, backlog - max(onHand, 0))
    }

    /// The office days of the window that ends on `today`.
    public static func window(endingOn today: Int) -> ClosedRange<Int> { (today - windowDays + 1)...today }

    /// The first moment of the window ending on the office day of `now`, for a query's
    /// lower bound.
    public static func windowStart(_ now: Date, zone: OfficeZone) -> Date {
        zone.start(ofDay: window(endingOn: zone.day(of: now)).lowerBound)
    }
}
