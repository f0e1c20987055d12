import EKTPStationStore
import EKTPWire
import Foundation
import HTTPTypes
import Hummingbird

/// Every refusal the local API sends: a status and an `APIErrorBody`. Anything else thrown
/// by a handler is a 500 that Hummingbird logs.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let body: APIErrorBody

    init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [String]? = nil) {
        self.status = status
        self.body = APIErrorBody(code: code, message: message, details: details)
    }

    init(_ error: StationError) {
        let status: HTTPResponse.Status =
            switch error.code {
            case .notFound: .notFound
            case .conflict, .illegalTransition, .stockRefused, .clock: .conflict
            case .invalid, .rejected: .unprocessableContent
            case .unsupported: .badRequest
            case .storage: .serviceUnavailable
            }
        self.init(status, code: error.code.rawValue, error.message, details: error.details.isEmpty ? nil : error.details)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONReply.response(body, status: status)
    }
}

enum JSONReply {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? WireCoding.encoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
