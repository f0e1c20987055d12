import Foundation

/// Prometheus text exposition (format 0.0.4), written directly: the daemons compute their
/// figures from their stores at scrape time, so each family is declared once with its
/// type and help and then its samples. `promtool check metrics` accepts what this writes
/// (counters end in `_total`, nothing else does; no `_count` on gauges; units in names).
public struct MetricsText {
    public enum Kind: String { case counter, gauge }

    private var text = ""
    private var declared: Set<String> = []

    public init() {}

    /// Declares a family (once) and adds one sample.
    public mutating func add(_ name: String, _ kind: Kind, _ help: String, _ labels: [(String, String)] = [], _ value: Double) {
        if declared.insert(name).inserted {
            text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        }
        // Appended piece by piece: a hub's answer has a sample per station and device, and
        // each sample's label text built apart was as many short-lived strings again.
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, label) in labels.enumerated() {
                if i > 0 { text += "," }
                text += label.0
                text += "=\""
                text += Self.escapeLabel(label.1)
                text += "\""
            }
            text += "}"
        }
        text += " "
        text += Self.number(value)
        text += "\n"
    }

    /// `NAME_build_info{program, version} 1`: which build answers.
    public mutating func buildInfo(program: String) {
        add("ektp_build_info", .gauge, "Versi program yang menjawab (nilai selalu 1)", [("program", program), ("version", BuildInfo.version)], 1)
    }

    public var rendered: String { text }

    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    static func escapeLabel(_ s: String) -> String {
        // Nearly every label (ids, codes, states) has nothing to escape.
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else { return s }
        return s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
