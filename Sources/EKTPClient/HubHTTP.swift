import AsyncHTTPClient
import EKTPWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// One call to the hub's API with a bearer credential: the station's calls (its
/// credential, `ektpd`) and the central office's (the admin token) both go through here.
/// No call is retried; the caller decides when to call again. The HTTP client belongs to
/// the caller.
public struct HubHTTP: Sendable {
    /// `http://HOST:PORT` or `https://…`, without a trailing slash.
    public let base: String
    let bearer: String?
    let userAgent: String
    let http: HTTPClient

    public init(base: String, bearer: String?, userAgent: String, http: HTTPClient) {
        self.base = base
        self.bearer = bearer
        self.userAgent = userAgent
        self.http = http
    }

    /// The answer's body on 2xx; `HubCallError` with the hub's reason otherwise.
    public func call(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String = "application/json", timeout: Duration
    ) async throws(HubCallError) -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "User-Agent", value: userAgent)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            status = response.status
            bytes = try await response.body.collect(upTo: 64 * 1_048_576)
        } catch {
            throw .unreachable(Self.describe(error))
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status.code) else {
            let message = (try? WireCoding.decoder().decode(APIErrorBody.self, from: data))?.message ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw .answered(status: Int(status.code), message: message)
        }
        return data
    }

    /// An answer decoded, or `badAnswer`.
    public func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws(HubCallError) -> T {
        do { return try WireCoding.decoder().decode(T.self, from: data) } catch {
            throw .badAnswer("jawaban hub tidak bisa dibaca: \(JobVerifier.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "hub tidak menjawab tepat waktu"
            default: return "hub tidak bisa dihubungi (\(e))"
            }
        }
        if let e = error as? NIOSSLError { return "TLS ke hub gagal: \(e)" }
        return "hub tidak bisa dihubungi: \(error)"
    }
}

/// Why a call to the hub failed.
public enum HubCallError: Error, CustomStringConvertible {
    /// No answer: the link or the hub is down. Try again later.
    case unreachable(String)
    /// The hub answered with an error status.
    case answered(status: Int, message: String)
    /// The hub answered something the caller cannot read.
    case badAnswer(String)

    public var description: String {
        switch self {
        case .unreachable(let m): m
        case .answered(let status, let m): "hub menjawab \(status): \(m)"
        case .badAnswer(let m): m
        }
    }

    /// The credential was refused: revoked or expired. Only a new enrollment helps.
    public var credentialRefused: Bool {
        if case .answered(let status, _) = self { return status == 401 || status == 403 }
        return false
    }
}
