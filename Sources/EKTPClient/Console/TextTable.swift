/// A plain-text table with aligned columns, for a terminal.
///
/// Columns are separated by two spaces; numeric columns can be right-aligned. Widths
/// count characters (grapheme clusters), which is right for the Latin text and the few
/// symbols (`−`, `✓`) the station prints.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]
    /// Indexes of columns aligned to the right (numbers).
    public var rightAligned: Set<Int>

    public init(headers: [String], rows: [[String]] = [], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rows = rows
        self.rightAligned = rightAligned
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The table as lines without trailing spaces, joined by newlines (no final newline).
    public func render() -> String {
        let columns = max(headers.count, rows.map(\.count).max() ?? 0)
        func cell(_ row: [String], _ i: Int) -> String {
            // A cell is one line: newlines in free text (notes, reasons) would break the grid.
            i < row.count ? row[i].replacing("\n", with: " ") : ""
        }
        let all = [headers] + rows
        let widths = (0..<columns).map { i in all.map { cell($0, i).count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for i in 0..<columns {
                let text = cell(row, i)
                let pad = String(repeating: " ", count: widths[i] - text.count)
                parts.append(rightAligned.contains(i) ? pad + text : text + pad)
            }
            var s = parts.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s
        }
        return all.map(line).joined(separator: "\n")
    }
}

/// Label and value pairs, labels padded to one width: `Kecamatan    32.16.01`.
public struct KeyValueList: Sendable {
    public var items: [(String, String)] = []
    public var indent: Int

    public init(indent: Int = 0) { self.indent = indent }

    public mutating func append(_ label: String, _ value: String) { items.append((label, value)) }

    public func render() -> String {
        let width = items.map(\.0.count).max() ?? 0
        let prefix = String(repeating: " ", count: indent)
        return items.map { label, value in
            var s = prefix + label + String(repeating: " ", count: width - label.count) + "  " + value
            while s.last == " " { s.removeLast() }
            return s
        }.joined(separator: "\n")
    }
}
