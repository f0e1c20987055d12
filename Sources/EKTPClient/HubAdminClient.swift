import AsyncHTTPClient
import EKTPWire
import Foundation
import NIOCore
import NIOHTTP1

/// The central office's calls to the hub's admin API (`docs/hub-openapi.json`) with the
/// admin token: intake of signed jobs, enrollment tokens, revocation, the fleet views.
/// Used by the demo, the sync tests and scripts; the HTTP client belongs to the caller.
public struct HubAdminClient: Sendable {
    /// `http://HOST:PORT` or `https://…`, without a trailing slash.
    public let base: String
    private let token: String
    private let http: HTTPClient

    public init(base: String, adminToken: String, httpClient: HTTPClient) {
        self.base = base
        self.token = adminToken
        self.http = httpClient
    }

    /// One call; the body of a 2xx answer, `HubAdminError` with the hub's reason otherwise.
    @discardableResult
    public func call(_ method: HTTPMethod, _ path: String, body: Data? = nil, timeout: Duration = .seconds(60)) async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        let data = Data((try await response.body.collect(upTo: 64 * 1_048_576)).readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let message = (try? WireCoding.decoder().decode(APIErrorBody.self, from: data))?.message ?? String(decoding: data.prefix(300), as: UTF8.self)
            throw HubAdminError(status: Int(response.status.code), path: path, message: message)
        }
        return data
    }

    /// `GET path`, decoded.
    public func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try WireCoding.decoder().decode(T.self, from: try await call(.GET, path))
    }

    /// `POST /v1/intake`: a signed job file (one document or an array), sent as it is.
    public func intake(_ file: Data) async throws -> ImportResult {
        try WireCoding.decoder().decode(ImportResult.self, from: try await call(.POST, "/v1/intake", body: file))
    }

    /// `POST /v1/admin/enrollment-tokens`: a one-time token for a station of `kecamatan`.
    public func enrollmentToken(kecamatan: String) async throws -> String {
        let body = try WireCoding.encoder().encode(EnrollmentTokenRequest(kecamatan: kecamatan))
        return try WireCoding.decoder().decode(EnrollmentTokenIssued.self, from: try await call(.POST, "/v1/admin/enrollment-tokens", body: body)).token
    }

    /// `POST /v1/admin/stations/{id}/revoke`
    public func revoke(stationId: String) async throws -> RevokeResult {
        try WireCoding.decoder().decode(RevokeResult.self, from: try await call(.POST, "/v1/admin/stations/\(stationId)/revoke"))
    }
}

/// The hub refused an admin call.
public struct HubAdminError: Error, CustomStringConvertible {
    public let status: Int
    public let path: String
    public let message: String
    public var description: String { "hub menolak \(path) (\(status)): \(message)" }
}
