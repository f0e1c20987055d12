import Foundation

/// The `ektpd` configuration (docs/configuration.md) of a daemon that a test, a benchmark
/// or the demo starts: the station's own settings, then any other key by section.
public struct StationConfigFile: Sendable {
    /// A TOML value.
    public enum Value: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
        case int(Int)
        case string(String)
        case bool(Bool)
        case strings([String])

        public init(integerLiteral value: Int) { self = .int(value) }
        public init(stringLiteral value: String) { self = .string(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }

        var toml: String {
            switch self {
            case .int(let n): String(n)
            case .bool(let b): b ? "true" : "false"
            case .string(let s): Self.quoted(s)
            case .strings(let list): "[" + list.map(Self.quoted).joined(separator: ", ") + "]"
            }
        }

        static func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }

    private var sections: [(name: String, entries: [(key: String, value: Value)])] = []

    /// `[station]` with its kecamatan, state directory, socket and printers, and
    /// `[approval]` with the trusted keys (`KEY_ID:BASE64`).
    public init(kecamatan: String, stateDirectory: String, socket: String, printers: [String] = [], approvalKeys: [String]) {
        self["station", "kecamatan"] = .string(kecamatan)
        self["station", "state_directory"] = .string(stateDirectory)
        self["station", "socket"] = .string(socket)
        self["station", "printers"] = .strings(printers)
        self["approval", "keys"] = .strings(approvalKeys)
    }

    /// A key of a section, in the order first set.
    public subscript(section: String, key: String) -> Value? {
        get { sections.first { $0.name == section }?.entries.first { $0.key == key }?.value }
        set {
            let s =
                sections.firstIndex { $0.name == section }
                ?? {
                    sections.append((section, [])); return sections.count - 1
                }()
            sections[s].entries.removeAll { $0.key == key }
            if let newValue { sections[s].entries.append((key, newValue)) }
        }
    }

    public var text: String {
        sections.map { section in
            (["[\(section.name)]"] + section.entries.map { "\($0.key) = \($0.value.toml)" }).joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    public func write(to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
