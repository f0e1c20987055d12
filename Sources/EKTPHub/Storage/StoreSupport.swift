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

extension HubAlert {
    /// A station's alert as stored: the hub files counter mismatches apart (the centre
    /// acts on them), every other kind as `station`, with the station's own kind beside.
    init(
        stationAlert kind: String, stationId: String, kecamatanCode: String, device: String?, message: String, at: Double,
        acknowledgedBy: String?, acknowledgedAt: Double?
    ) {
        self.init(
            kind: kind == Alert.Kind.counterMismatch.rawValue ? .counterMismatch : .station, stationId: stationId, kecamatanCode: kecamatanCode,
            device: device, message: message, since: Date(timeIntervalSince1970: at), raisedAs: kind, acknowledgedBy: acknowledgedBy,
            acknowledgedAt: acknowledgedAt.map(Date.init(timeIntervalSince1970:)))
    }
}
