/// What every listing `ektpctl` prints fits in: an operator's terminal, 100 columns.
public enum ConsoleWidth {
    public static let columns = 100

    /// `text` in lines of at most `width` characters, broken at spaces (a word longer than
    /// the width is cut).
    static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0, text.count > width else { return [text] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var word = Substring(word)
            while word.count > width {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(width)))
                word = word.dropFirst(width)
            }
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.isEmpty ? [""] : lines
    }
}

/// A plain-text table with aligned columns, for a terminal.
///
/// Columns are separated by two spaces; numeric columns can be right-aligned. Widths
/// count characters (grapheme clusters), which is right for the Latin text and the few
/// symbols (`−`, `✓`) the station prints. A table wider than `ConsoleWidth.columns` wraps
/// its last column (free text: notes, messages) onto continuation lines.
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
        var widths = (0..<columns).map { i in all.map { cell($0, i).count }.max() ?? 0 }
        let last = columns - 1
        let before = widths.dropLast().reduce(0, +) + 2 * last
        let room = ConsoleWidth.columns - before
        if last >= 0, before + widths[last] > ConsoleWidth.columns, room >= 20 { widths[last] = room }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            var continuation: [String] = []
            for i in 0..<columns {
                var text = cell(row, i)
                if i == last, text.count > widths[i] {
                    let wrapped = ConsoleWidth.wrap(text, width: widths[i])
                    text = wrapped[0]
                    continuation = Array(wrapped.dropFirst())
                }
                let pad = String(repeating: " ", count: max(0, widths[i] - text.count))
                parts.append(rightAligned.contains(i) ? pad + text : text + pad)
            }
            var s = parts.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            for more in continuation { s += "\n" + String(repeating: " ", count: before) + more }
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
        let valueColumn = indent + width + 2
        return items.map { label, value in
            let lines = ConsoleWidth.wrap(value, width: max(20, ConsoleWidth.columns - valueColumn))
            var s = prefix + label + String(repeating: " ", count: width - label.count) + "  " + lines[0]
            for more in lines.dropFirst() { s += "\n" + String(repeating: " ", count: valueColumn) + more }
            while s.last == " " { s.removeLast() }
            return s
        }.joined(separator: "\n")
    }
}
