import Foundation

/// A JSON value parsed strictly, for signing.
///
/// Canonical form (what signatures cover), documented in `docs/signatures.md`:
/// - objects with keys in ascending order of their UTF-16 code units (as RFC 8785, JCS);
/// - no white space; strings in UTF-8 with only `"` `\` and control characters escaped
///   (`\b \f \n \r \t`, others as `\u00xx`);
/// - numbers are integers only, written in shortest decimal form: a job holds no
///   fractions, and refusing them removes every float-formatting ambiguity;
/// - duplicate keys are an error, so a verifier and a decoder cannot read two different
///   jobs out of one file.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        a.canonicalBytes() == b.canonicalBytes()
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }

    /// The canonical bytes of this value.
    public func canonicalBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out)
        return out
    }

    /// The canonical bytes of this object and where the value of its member `key` lies in
    /// them: a signed document and the job it signs from one walk. A member's canonical
    /// bytes inside its object are exactly its own canonical bytes.
    public func canonicalBytes(locating key: String) -> (bytes: [UInt8], member: Range<Int>?) {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        var member: Range<Int>?
        write(into: &out, locating: key, found: &member)
        return (out, member)
    }

    private func write(into out: inout [UInt8]) {
        var unused: Range<Int>?
        write(into: &out, locating: nil, found: &unused)
    }

    /// Writes the canonical form; when `locating` names a member of this (top-level)
    /// object, `found` is where that member's value was written.
    private func write(into out: inout [UInt8], locating: String?, found: inout Range<Int>?) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                item.write(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            let sorted = members.count < 2 ? members : members.sorted { $0.0.utf16.lexicographicallyPrecedes($1.0.utf16) }
            for (i, (key, value)) in sorted.enumerated() {
                if i > 0 { out.append(0x2C) }
                Self.writeString(key, into: &out)
                out.append(0x3A)
                let start = out.count
                value.write(into: &out)
                if key == locating { found = start..<out.count }
            }
            out.append(0x7D)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        // Most strings need no escape at all: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(contentsOf: s.utf8)
            out.append(0x22)
            return
        }
        for byte in s.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, 0x62]
            case 0x0C: out += [0x5C, 0x66]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0x00..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}

/// Why a JSON text was refused, with the byte offset where reading stopped.
public struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String
    public var description: String { "JSON tidak valid di byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses one JSON text strictly (RFC 8259, integers only, no duplicate keys,
    /// nesting at most 64 deep).
    public static func parse(_ data: some Collection<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = StrictJSONParser(bytes: Array(data))
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.fail("ada teks setelah nilai JSON") }
        return value
    }
}

private struct StrictJSONParser {
    let bytes: [UInt8]
    var index = 0

    func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: String) throws(JSONSyntaxError) {
        let l = Array(literal.utf8)
        guard index + l.count <= bytes.count, bytes[index..<(index + l.count)].elementsEqual(l) else {
            throw fail("diharapkan \(literal)")
        }
        index += l.count
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 64 else { throw fail("terlalu dalam bersarang") }
        skipWhitespace()
        guard index < bytes.count else { throw fail("teks berakhir sebelum waktunya") }
        switch bytes[index] {
        case 0x7B: return try object(depth: depth)
        case 0x5B:
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == 0x5D { index += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw fail("array tidak ditutup") }
                if bytes[index] == 0x2C { index += 1; continue }
                if bytes[index] == 0x5D { index += 1; return .array(items) }
                throw fail("diharapkan , atau ]")
            }
        case 0x22: return .string(try string())
        case 0x74: try expect("true"); return .bool(true)
        case 0x66: try expect("false"); return .bool(false)
        case 0x6E: try expect("null"); return .null
        case 0x2D, 0x30...0x39: return try number()
        default: throw fail("karakter tak terduga")
        }
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        index += 1
        var members: [(String, JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == 0x7D { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == 0x22 else { throw fail("diharapkan nama field") }
            let key = try string()
            guard seen.insert(key).inserted else { throw fail("field \"\(key)\" muncul dua kali") }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == 0x3A else { throw fail("diharapkan :") }
            index += 1
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            guard index < bytes.count else { throw fail("objek tidak ditutup") }
            if bytes[index] == 0x2C { index += 1; continue }
            if bytes[index] == 0x7D { index += 1; return .object(members) }
            throw fail("diharapkan , atau }")
        }
    }

    mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        if bytes[index] == 0x2D { index += 1 }
        let digitsStart = index
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        guard index > digitsStart else { throw fail("angka tidak valid") }
        if bytes[digitsStart] == 0x30 && index - digitsStart > 1 { throw fail("angka diawali nol") }
        if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x65 || bytes[index] == 0x45 {
            throw fail("hanya bilangan bulat yang diterima")
        }
        guard let n = Int64(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw fail("angka terlalu besar") }
        return .integer(n)
    }

    /// Moves past plain bytes (neither quote, backslash nor control character).
    mutating func skipPlain() {
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x22 || b == 0x5C || b < 0x20 { return }
            index += 1
        }
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        index += 1
        // Most strings (a photo's base64 is tens of kilobytes) have no escape: one scan,
        // and the string made from the bytes where they lie.
        let start = index
        skipPlain()
        if index < bytes.count, bytes[index] == 0x22 {
            defer { index += 1 }
            guard let s = String(validating: bytes[start..<index], as: UTF8.self) else { throw fail("UTF-8 tidak valid") }
            return s
        }
        var out = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw fail("string tidak ditutup") }
            let b = bytes[index]
            switch b {
            case 0x22:
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else { throw fail("UTF-8 tidak valid") }
                return s
            case 0x5C:
                index += 1
                guard index < bytes.count else { throw fail("escape tidak lengkap") }
                let e = bytes[index]
                index += 1
                switch e {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("pasangan surrogate tidak valid") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("surrogate tanpa pasangan")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("kode karakter tidak valid") }
                    out += Array(String(Character(u)).utf8)
                default: throw fail("escape tidak dikenal")
                }
            case 0x00..<0x20: throw fail("karakter kontrol di dalam string")
            default:
                let run = index
                skipPlain()
                out.append(contentsOf: bytes[run..<index])
            }
        }
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
            throw fail("escape \\u tidak valid")
        }
        index += 4
        return v
    }
}
