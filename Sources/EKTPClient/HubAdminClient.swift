import AsyncHTTPClient
import EKTPDomain
import EKTPWire
import Foundation
import NIOHTTP1

/// The central office's calls to the hub's admin API (`docs/hub-openapi.json`) with the
/// admin token: intake of signed jobs, enrollment tokens, revocation, the fleet views.
/// Used by the demo, the sync tests and scripts; the HTTP client belongs to the caller.
public struct HubAdminClient: Sendable {
    let hub: HubHTTP
    public var base: String { hub.base }

    public init(base: String, adminToken: String, httpClient: HTTPClient) {
        hub = HubHTTP(base: base, bearer: adminToken, userAgent: "ektp-admin", http: httpClient)
    }

    /// One call; the body of a 2xx answer, `HubCallError` with the hub's reason otherwise.
    @discardableResult
    public func call(_ method: HTTPMethod, _ path: String, body: Data? = nil, timeout: Duration = .seconds(60)) async throws -> Data {
        try await hub.call(method, path, body: body, timeout: timeout)
    }

    /// `GET path`, decoded.
    public func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try hub.decode(T.self, try await call(.GET, path))
    }

    /// `POST /v1/intake`: a signed job file (one document or an array), sent as it is.
    public func intake(_ file: Data) async throws -> ImportResult {
        try hub.decode(ImportResult.self, try await call(.POST, "/v1/intake", body: file))
    }

    /// `POST /v1/admin/enrollment-tokens`: a one-time token for a station of `kecamatan`.
    public func enrollmentToken(kecamatan: String) async throws -> String {
        let body = try WireCoding.encoder().encode(EnrollmentTokenRequest(kecamatan: kecamatan))
        return try hub.decode(EnrollmentTokenIssued.self, try await call(.POST, "/v1/admin/enrollment-tokens", body: body)).token
    }

    /// `POST /v1/admin/jobs/{id}/withdraw`
    public func withdraw(_ id: JobID, _ request: CentralActRequest) async throws -> JobActResult {
        try hub.decode(JobActResult.self, try await call(.POST, "/v1/admin/jobs/\(id.rawValue)/withdraw", body: try WireCoding.encoder().encode(request)))
    }

    /// `POST /v1/admin/jobs/{id}/move`
    public func move(_ id: JobID, _ request: JobMoveRequest) async throws -> JobActResult {
        try hub.decode(JobActResult.self, try await call(.POST, "/v1/admin/jobs/\(id.rawValue)/move", body: try WireCoding.encoder().encode(request)))
    }

    /// `POST /v1/admin/stations/{id}/retire`
    public func retire(stationId: String, _ request: CentralActRequest) async throws -> RetireResult {
        try hub.decode(RetireResult.self, try await call(.POST, "/v1/admin/stations/\(stationId)/retire", body: try WireCoding.encoder().encode(request)))
    }

    /// `POST /v1/admin/stations/{id}/revoke`
    public func revoke(stationId: String) async throws -> RevokeResult {
        try hub.decode(RevokeResult.self, try await call(.POST, "/v1/admin/stations/\(stationId)/revoke"))
    }

    /// `POST /v1/admin/allocations/proposal`
    public func allocationProposal(_ request: AllocationProposalRequest) async throws -> AllocationProposal {
        try hub.decode(AllocationProposal.self, try await call(.POST, "/v1/admin/allocations/proposal", body: try WireCoding.encoder().encode(request)))
    }

    /// `POST /v1/admin/allocations`
    public func allocate(_ request: AllocationRequest) async throws -> AllocationResult {
        try hub.decode(AllocationResult.self, try await call(.POST, "/v1/admin/allocations", body: try WireCoding.encoder().encode(request)))
    }

    /// `GET /v1/views/shipments?kabupaten=PP.KK`
    public func shipments(kabupaten: String) async throws -> [ShipmentView] {
        try await get([ShipmentView].self, "/v1/views/shipments?kabupaten=\(kabupaten)")
    }

    /// `POST /v1/admin/pos-results`: PT Pos's result file as it is (`PosResultsCSV`).
    public func posResults(csv: String, by person: String) async throws -> PosResultsAnswer {
        let by = person.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try hub.decode(
            PosResultsAnswer.self,
            try await hub.call(.POST, "/v1/admin/pos-results?by=\(by)", body: Data(csv.utf8), contentType: "text/csv; charset=utf-8", timeout: .seconds(60)))
    }
}
