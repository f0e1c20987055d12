import EKTPHubRules
import EKTPWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Every refusal the hub API sends: a status and an `APIErrorBody` (`{code, message,
/// details}`, in Indonesian). Anything else thrown by a handler is a 500, logged.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let body: APIErrorBody

    init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [String]? = nil) {
        self.status = status
        self.body = APIErrorBody(code: code, message: message, details: details)
    }

    init(_ error: HubError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .invalid: .badRequest
            case .rejected: .unprocessableContent
            case .conflict: .conflict
            case .notFound: .notFound
            case .unauthorized, .credentialRevoked, .credentialExpired: .unauthorized
            case .forbidden: .forbidden
            case .tooLarge: .contentTooLarge
            }
        self.init(status, code: error.code.rawValue, error.message, details: error.details.isEmpty ? nil : error.details)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONReply.response(body, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"ektp-hub\"" }
        return response
    }
}

enum JSONReply {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? WireCoding.encoder().encode(value)) ?? Data("{}".utf8)
        return bytes(data, status: status)
    }

    static func bytes(_ data: some Collection<UInt8>, status: HTTPResponse.Status = .ok, contentType: String = "application/json; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Maps the hub's refusals to API errors, an oversized body to 413 with a reason, and
/// anything else to a logged 500; records every request's latency.
struct HubErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HubMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            metrics.recordRequest(
                method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status, duration: ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as HubError {
            let e = APIError(error)
            status = e.status.code
            throw e
        } catch let error as APIError {
            status = error.status.code
            throw error
        } catch is NIOTooManyBytesError {
            status = 413
            throw APIError(.contentTooLarge, code: HubError.Code.tooLarge.rawValue, "isi permintaan terlalu besar")
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        } catch {
            context.logger.error("permintaan \(request.method) \(request.uri.path) gagal: \(String(reflecting: error))")
            throw APIError(.internalServerError, code: "internal", "kesalahan di hub; sudah dicatat")
        }
    }
}
