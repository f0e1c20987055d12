import EKTPWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Reading a request: its whole body within a limit, its JSON, its bearer credential.
public enum APIRequest {
    /// The whole body, or a 413 that says the limit (NIO's own error has no words).
    public static func collect(_ request: Request, upTo limit: Int, what: String = "isi permintaan") async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw tooLarge(what, limit: limit)
        }
        var request = request
        do { return try await request.collectBody(upTo: limit) } catch is NIOTooManyBytesError { throw tooLarge(what, limit: limit) }
    }

    static func tooLarge(_ what: String, limit: Int) -> APIError {
        let size = limit >= 1_048_576 ? "\(limit / 1_048_576) MiB" : "\(limit / 1024) KiB"
        return APIError(.contentTooLarge, code: "too-large", "\(what) terlalu besar (paling besar \(size)); tidak ada yang diubah")
    }

    /// The body decoded as `T`, or a 400 that says what is wrong. With `refusingNUL`, a
    /// NUL character anywhere in the text is refused too.
    public static func decode<T: Decodable>(_ request: Request, upTo limit: Int, refusingNUL: Bool = false) async throws -> T {
        let buffer = try await collect(request, upTo: limit)
        let value: T
        do { value = try WireCoding.decoder().decode(T.self, from: Data(buffer: buffer)) } catch {
            throw APIError(.badRequest, code: "invalid", "isi permintaan tidak valid: \(JobVerifier.describe(error))")
        }
        if refusingNUL, containsNUL(buffer.readableBytesView) {
            throw APIError(.badRequest, code: "invalid", "isi permintaan tidak valid: karakter NUL (\\u0000) tidak diterima")
        }
        return value
    }

    /// Whether JSON text carries a NUL character: a raw 0x00 byte, or the escape `\u0000`
    /// (a `u0000` after an odd run of backslashes; `\\u0000` is a backslash and text).
    public static func containsNUL(_ bytes: some Collection<UInt8>) -> Bool {
        var backslashes = 0
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == 0 { return true }
            if byte == UInt8(ascii: "u"), backslashes % 2 == 1, bytes[index...].dropFirst().prefix(4).elementsEqual("0000".utf8) { return true }
            backslashes = byte == UInt8(ascii: "\\") ? backslashes + 1 : 0
            index = bytes.index(after: index)
        }
        return false
    }

    /// The credential of an `Authorization: Bearer …` header.
    public static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }
}
