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
