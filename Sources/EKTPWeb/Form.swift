import Foundation

/// A submitted `application/x-www-form-urlencoded` form.
public struct WebForm: Sendable {
    public private(set) var fields: [(String, String)] = []

    public init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            fields.append((key, value))
        }
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    /// The first value of `name`, trimmed; nil when absent or blank.
    public subscript(_ name: String) -> String? {
        guard let v = fields.first(where: { $0.0 == name })?.1.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    /// Every value of `name` (checkboxes, repeated fields), blanks dropped.
    public func all(_ name: String) -> [String] {
        fields.filter { $0.0 == name }.map { $0.1.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// A whole number typed into `name`, or a refusal naming the field.
    public func int(_ name: String, label: String) throws -> Int {
        guard let text = self[name], let v = Int(text) else { throw WebRefusal("\(label) harus berupa angka") }
        return v
    }

    public func required(_ name: String, label: String) throws -> String {
        guard let v = self[name] else { throw WebRefusal("\(label) wajib diisi") }
        return v
    }
}

/// A form that cannot be acted on, with the message for the person who sent it.
public struct WebRefusal: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
