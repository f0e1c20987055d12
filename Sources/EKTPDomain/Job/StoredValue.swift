/// A value read back from a database that no version of ektp wrote there: the database is
/// damaged or was edited by hand. Stores report it as it is, never replace it with a
/// guess (a job state, an alert kind, a place read wrongly would decide a card).
public struct DamagedRecord: Error, Equatable, Sendable, CustomStringConvertible {
    public let column: String
    public let value: String

    public init(column: String, value: String) {
        self.column = column
        self.value = String(value.prefix(40))
    }

    public var description: String { "basis data rusak: kolom \(column) berisi \"\(value)\" yang tidak dikenal" }
}

extension RawRepresentable where RawValue == String {
    /// The value stored in `column`, or `DamagedRecord`.
    public init(stored text: String, column: String) throws(DamagedRecord) {
        guard let value = Self(rawValue: text) else { throw DamagedRecord(column: column, value: text) }
        self = value
    }
}

extension StockPlace {
    /// The place stored in `column`, or `DamagedRecord`.
    public init(stored key: String, column: String) throws(DamagedRecord) {
        guard let place = StockPlace(key: key) else { throw DamagedRecord(column: column, value: key) }
        self = place
    }
}
