import EKTPDomain
import Foundation

/// How both stores write a device's row, from a heartbeat's report or a `deviceState`
/// event: one upsert that works out the error time against the row it replaces, so a
/// heartbeat needs no read first. A device that goes into error has been in error since
/// now; one that stays in error keeps the time it went in; any other status has none (the
/// tables' CHECK says the same). The fleet page's "in error for" reads it.
enum DeviceRow {
    /// The error time the upsert offers: now, for a device reported in error.
    static func errorSince(_ state: DeviceState, now: Date) -> Double? {
        state.status == .error ? now.epoch : nil
    }

    /// The upsert's assignment of the error time in `table`, whose error time column is
    /// `column`: kept while the device stays in error, else the offered one.
    static func keepErrorSince(table: String, column: String) -> String {
        "\(column) = CASE WHEN excluded.status = 'error' AND \(table).status = 'error' THEN COALESCE(\(table).\(column), excluded.\(column)) ELSE excluded.\(column) END"
    }
}
