import EKTPDomain
import EKTPWire
import Foundation

// What both stores share below the rules: how times and states are stored.

extension Date {
    /// Times are stored as epoch seconds in both stores.
    var epoch: Double { timeIntervalSince1970 }
}

extension HubJobState {
    init(stored text: String) throws { try self.init(stored: text, column: "job.state") }
}

extension StockPlace {
    init(stored key: String) throws { try self.init(stored: key, column: "place") }
}

extension JobState {
    init?(stored text: String?) throws {
        guard let text else { return nil }
        try self.init(stored: text, column: "job.stationState")
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements (SQL statements bind a bounded number
    /// of values).
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
