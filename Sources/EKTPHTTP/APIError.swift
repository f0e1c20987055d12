import EKTPWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A refusal a service can send over HTTP. The module that owns the error says which
/// status each of its codes is; the body is always an `APIErrorBody` in Indonesian.
public protocol APIRefusal: Error {
    var httpStatus: HTTPResponse.Status { get }
    var apiCode: String { get }
    var apiMessage: String { get }
    var apiDetails: [String] { get }
}

/// Every refusal the hub API and the station's local API send: a status and an
/// `APIErrorBody` (`{code, message, details}`).
public struct APIError: HTTPResponseError {
    public let status: HTTPResponse.Status
    public let body: APIErrorBody
    /// The realm a 401 names in `WWW-Authenticate`.
    public var realm: String?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [String]? = nil) {
        self.status = status
        self.body = APIErrorBody(code: code, message: message, details: details)
    }

    public init(_ refusal: some APIRefusal) {
        self.init(refusal.httpStatus, code: refusal.apiCode, refusal.apiMessage, details: refusal.apiDetails.isEmpty ? nil : refusal.apiDetails)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONReply.response(body, status: status)
        if status == .unauthorized, let realm { response.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\"" }
        return response
    }
}

/// JSON answers, encoded the way every client of the project decodes them.
public enum JSONReply {
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? WireCoding.encoder().encode(value)) ?? Data("{}".utf8)
        return bytes(data, status: status)
    }

    public static func bytes(_ data: some Collection<UInt8>, status: HTTPResponse.Status = .ok, contentType: String = "application/json; charset=utf-8")
        -> Response
    {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Maps refusals to API errors, an oversized body to 413 with a reason, and anything else
/// to a logged 500 that names the service; reports every request's status and latency.
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public typealias Observer = @Sendable (_ method: String, _ route: String, _ status: Int, _ duration: Duration) -> Void
    let service: String
    let realm: String?
    let observe: Observer?

    /// `service` names the program in a 500's text ("hub", "ektpd"); `realm` is the
    /// bearer realm a 401 names.
    public init(service: String, realm: String? = nil, observe: Observer? = nil) {
        self.service = service
        self.realm = realm
        self.observe = observe
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer { observe?(request.method.rawValue, context.endpointPath ?? "unmatched", status, ContinuousClock.now - start) }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch {
            var refusal = Self.refusal(for: error, service: service, request: request, logger: context.logger)
            if refusal.realm == nil { refusal.realm = realm }
            status = refusal.status.code
            throw refusal
        }
    }

    static func refusal(for error: any Error, service: String, request: Request, logger: Logger) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as any APIRefusal: return APIError(error)
        case is NIOTooManyBytesError: return APIError(.contentTooLarge, code: "too-large", "isi permintaan terlalu besar; tidak ada yang diubah")
        case let error as any HTTPResponseError:
            return APIError(error.status, code: "http-\(error.status.code)", error.status.reasonPhrase)
        case is CancellationError:
            // The client went, or the server is stopping: nobody reads the answer and
            // nothing went wrong.
            logger.debug("permintaan \(request.method) \(request.uri.path) berakhir: klien pergi atau server berhenti")
            return APIError(.serviceUnavailable, code: "cancelled", "permintaan dibatalkan")
        default:
            logger.error("permintaan \(request.method) \(request.uri.path) gagal: \(String(reflecting: error))")
            return APIError(.internalServerError, code: "internal", "kesalahan di \(service); sudah dicatat")
        }
    }
}
