import Foundation

/// The name of a person the station records as doing something (who loaded blangko, who
/// decided an outcome, who handed a card over): one line of printable text, 1 to 64
/// characters, surrounding spaces dropped. Newlines, NUL, other control characters and
/// bidirectional overrides are refused: a record must read the same on every screen.
public enum PersonName {
    public static let maxLength = 64

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The name, trimmed, or why it cannot stand in a record; `field` names it in the message.
    public static func check(_ text: String, field: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw Problem(description: "\(field) kosong: sebutkan siapa yang melakukannya") }
        guard name.count <= maxLength else {
            throw Problem(description: "\(field) terlalu panjang (\(name.count) huruf, paling banyak \(maxLength))")
        }
        if let bad = name.unicodeScalars.first(where: {
            $0.properties.generalCategory == .control || $0.properties.generalCategory == .format || $0.properties.generalCategory == .lineSeparator
                || $0.properties.generalCategory == .paragraphSeparator
        }) {
            throw Problem(description: "\(field) berisi karakter yang tidak boleh (U+\(String(bad.value, radix: 16, uppercase: true)))")
        }
        return name
    }
}
