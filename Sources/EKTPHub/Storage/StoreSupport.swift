import EKTPDomain
import EKTPWire
import Foundation

// What both stores share below the rules: how times and states are stored.

extension Date {
    /// Times are stored as epoch seconds in both stores.
    var epoch: Double { timeIntervalSince1970 }
}

/// A value in the database that no hub wrote: the database is damaged or was edited by
/// hand. Reported as it is, never replaced by a guess.
struct DamagedRow: Error, CustomStringConvertible {
    let column: String
    let value: String
    var description: String { "basis data hub rusak: kolom \(column) berisi \"\(value.prefix(40))\" yang tidak dikenal" }
}

extension HubJobState {
    init(stored text: String) throws {
        guard let state = HubJobState(rawValue: text) else { throw DamagedRow(column: "job.state", value: text) }
        self = state
    }
}

extension StockPlace {
    init(stored key: String) throws {
        guard let place = StockPlace(key: key) else { throw DamagedRow(column: "place", value: key) }
        self = place
    }
}

extension JobState {
    init?(stored text: String?) throws {
        guard let text else { return nil }
        guard let state = JobState(rawValue: text) else { throw DamagedRow(column: "job.stationState", value: text) }
        self = state
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements (SQL statements bind a bounded number
    /// of values).
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
