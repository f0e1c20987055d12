import EKTPDomain
import Foundation

/// How both stores write a device's row, from a heartbeat's report or a `deviceState`
/// event: one upsert that works out the error time against the row it replaces, so a
/// heartbeat needs no read first. A device that goes into error has been in error since
/// now; one that stays in error keeps the time it went in; any other status has none (the
/// tables' CHECK says the same). The fleet page's "in error for" reads it.
///
/// A heartbeat that says nothing new about a device leaves its row alone until the row is
/// `refreshSeconds` old: thousands of stations report every 30 s, mostly the same, and
/// each rewrite is a new row version on PostgreSQL. The fleet page's "updated" is then at
/// most that old for a device whose state holds.
enum DeviceRow {
    static let refreshSeconds: Double = 60

    /// Whether the report `new` changes nothing in the row `old`: its status and state,
    /// and its model and chip counts where the report has them. `isNot` is the engine's
    /// null-safe inequality (`IS DISTINCT FROM`, SQLite's `IS NOT`).
    static func sameReport(old: String, new: String, isNot: String) -> String {
        """
        NOT (\(new).status \(isNot) \(old).status OR \(new).state \(isNot) \(old).state
             OR (\(new).model IS NOT NULL AND \(new).model \(isNot) \(old).model) OR (\(new).chip IS NOT NULL AND \(new).chip \(isNot) \(old).chip))
        """
    }

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
