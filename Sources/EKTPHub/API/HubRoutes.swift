import EKTPDomain
import EKTPHTTP
import EKTPHubRules
import EKTPWire
import Foundation
import Hummingbird
import NIOCore

/// A request to the hub. Station routes find their station here, set by
/// `StationAuthenticator` before any handler runs.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The station whose credential the request carries (station routes only).
    public var station: StationRecord?
    /// The connection the request came on, for the pages' own router.
    let channel: any Channel
    /// Where a long-poll leaves its wait, when its connection holds it (`LongPollParking`).
    var parking: LongPollSlot?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The same request as the pages' router sees it.
    var basic: BasicRequestContext { BasicRequestContext(source: .init(channel: channel, logger: logger)) }

    /// The authenticated station; only station routes, behind the authenticator, ask.
    func authenticatedStation() throws -> StationRecord {
        guard let station else { throw HubError(.unauthorized, "kredensial stasiun wajib dikirim (Authorization: Bearer …)") }
        return station
    }
}

/// The central office's routes: the admin token, checked once for the group.
struct AdminAuthenticator: RouterMiddleware {
    let hub: Hub

    func handle(_ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response) async throws -> Response {
        guard hub.config.adminToken != nil else {
            throw HubError(.forbidden, "token admin belum diatur di hub (EKTP_HUB_ADMIN_TOKEN)")
        }
        guard hub.isAdmin(bearer: APIRequest.bearer(request)) else {
            throw HubError(.unauthorized, "rute ini memerlukan token admin (Authorization: Bearer …)")
        }
        return try await next(request, context)
    }
}

/// A station's routes: its credential, checked once for the group, names the station.
struct StationAuthenticator: RouterMiddleware {
    let hub: Hub

    func handle(_ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.station = try await hub.authenticate(bearer: APIRequest.bearer(request))
        return try await next(request, context)
    }
}

/// `POST /v1/intake`, `/v1/admin/*`, `GET /v1/views/*`.
struct AdminRoutes {
    let hub: Hub

    func add(to group: RouterGroup<HubRequestContext>) {
        let hub = hub
        group.post("intake") { request, _ in
            let body = try await APIRequest.collect(request, upTo: hub.config.maxIntakeBytes)
            let result = try await hub.intake.importFile(Data(buffer: body))
            hub.logger.info("intake: \(result.stored.count) job disimpan, \(result.duplicates.count) sudah ada")
            return JSONReply.response(result, status: result.stored.isEmpty ? .ok : .created)
        }
        group.post("admin/enrollment-tokens") { request, _ in
            let body: EnrollmentTokenRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.issueEnrollmentToken(kecamatan: body.kecamatan), status: .created)
        }
        group.post("admin/stations/:id/revoke") { _, context in
            JSONReply.response(try await hub.revoke(stationId: context.parameters.get("id") ?? ""))
        }
        group.post("admin/jobs/:id/release") { request, context in
            let body: JobReleaseRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.releaseHold(try Self.jobID(context), body))
        }
        group.post("admin/jobs/:id/withdraw") { request, context in
            let body: CentralActRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.withdraw(try Self.jobID(context), body))
        }
        group.post("admin/jobs/:id/move") { request, context in
            let body: JobMoveRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.move(try Self.jobID(context), body))
        }
        group.post("admin/stations/:id/retire") { request, context in
            let body: CentralActRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.retire(stationId: context.parameters.get("id") ?? "", body))
        }
        group.post("admin/allocations/proposal") { request, _ in
            let body: AllocationProposalRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.allocationProposal(body))
        }
        group.post("admin/allocations") { request, _ in
            let body: AllocationRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.allocate(body), status: .created)
        }
        group.post("admin/pos-results") { request, _ in
            let csv = request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true
            if csv {
                let body = try await APIRequest.collect(request, upTo: 4 << 20)
                let by = request.uri.queryParameters.get("by") ?? ""
                return JSONReply.response(try await hub.recordPosResults(csv: String(decoding: Data(buffer: body), as: UTF8.self), by: by))
            }
            let body: PosResultsRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.recordPosResults(body))
        }
        group.get("views/shipments") { request, _ in
            let query = request.uri.queryParameters
            let limit = try HubAPI.intParameter(query.get("limit"), name: "limit", default: 500, range: 1...5000)
            return JSONReply.response(try await hub.shipments(kabupaten: query.get("kabupaten"), limit: limit))
        }
        group.get("views/audit") { request, _ in
            let query = request.uri.queryParameters
            let job = try query.get("job").map(Self.jobID)
            let limit = try HubAPI.intParameter(query.get("limit"), name: "limit", default: 100, range: 1...1000)
            return JSONReply.response(try await hub.store.audit(job: job, limit: limit))
        }
        group.get("views/stations") { _, _ in JSONReply.response(try await hub.stationViews()) }
        group.get("views/devices") { _, _ in JSONReply.response(try await hub.deviceViews()) }
        group.get("views/stock") { _, _ in JSONReply.response(try await hub.stockOverview()) }
        group.get("views/backlog") { _, _ in JSONReply.response(try await hub.backlogView()) }
        group.get("views/kabupaten/:code/report") { request, context in
            let code = context.parameters.get("code") ?? ""
            guard let month = request.uri.queryParameters.get("month") else { throw HubError(.invalid, "parameter month (YYYY-MM) wajib") }
            let r = try await hub.kabupatenRollUp(code, month: month)
            return JSONReply.response(
                KabupatenReportView(
                    kabupatenCode: code, name: hub.regions.region(code)?.name, month: r.month,
                    kecamatan: r.kecamatan.map { .init(kecamatanCode: $0.code, name: hub.regions.kecamatan($0.code)?.name, report: $0.report) }))
        }
        group.get("views/alerts") { _, _ in JSONReply.response(try await hub.alertsView()) }
        group.get("views/jobs/:id") { _, context in
            let id = try Self.jobID(context)
            guard let job = try await hub.store.job(id) else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
            return JSONReply.response(job)
        }
    }
}

extension AdminRoutes {
    static func jobID(_ context: HubRequestContext) throws -> JobID { try jobID(context.parameters.get("id") ?? "") }

    /// A job id from a path or a query, or `invalid` with the reason.
    static func jobID(_ text: String) throws -> JobID {
        do { return try JobID(text) } catch { throw HubError(.invalid, "\(error)") }
    }
}

/// `/v1/station/*`, for enrolled stations.
struct StationRoutes {
    let hub: Hub

    func add(to group: RouterGroup<HubRequestContext>) {
        let hub = hub
        group.get("jobs") { request, context in
            let station = try context.authenticatedStation()
            let query = request.uri.queryParameters
            if let asked = query.get("kecamatan"), asked != station.kecamatanCode {
                throw HubError(.forbidden, "stasiun ini hanya boleh mengambil job kecamatan \(station.kecamatanCode), bukan \(asked.prefix(20))")
            }
            let asked = try HubAPI.intParameter(query.get("wait"), name: "wait", default: 0, range: 0...Int.max)
            let max = try HubAPI.intParameter(query.get("max"), name: "max", default: 20, range: 1...hub.config.maxJobsPerPoll)
            let wait = min(asked, hub.config.maxWaitSeconds)
            let deadline = Hub.longPollDeadline(wait: wait)
            let first = try await hub.firstLook(station: station, max: max)
            guard wait > 0, first.jobs.isEmpty else { return try HubAPI.pollReply(first.jobs, hub: hub, station: station, closing: wait > 0) }
            return HubAPI.longPollReply(context: context, hub: hub, station: station, after: first, until: deadline, max: max)
        }
        group.post("ack") { request, context in
            let body: AckRequest = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.ack(station: try context.authenticatedStation(), jobs: body.jobs))
        }
        group.get("reconcile") { _, context in
            let station = try context.authenticatedStation()
            try await hub.markSeen(station)
            return JSONReply.response(try await hub.store.reconcile(station: station))
        }
        group.post("job-states") { request, context in
            let body: JobStatesReport = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.settle(station: try context.authenticatedStation(), report: body))
        }
        group.post("events") { request, context in
            let body: EventBatch = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.ingest(station: try context.authenticatedStation(), batch: body))
        }
        group.get("audit-anchors") { _, context in
            JSONReply.response(try await hub.store.auditAnchors(station: try context.authenticatedStation()))
        }
        group.post("heartbeat") { request, context in
            let body: Heartbeat = try await HubAPI.decode(request, hub)
            return JSONReply.response(try await hub.heartbeat(station: try context.authenticatedStation(), body))
        }
    }
}

extension HubError: APIRefusal {
    public var httpStatus: HTTPResponse.Status {
        switch code {
        case .invalid: .badRequest
        case .rejected: .unprocessableContent
        case .conflict: .conflict
        case .notFound: .notFound
        case .unauthorized, .credentialRevoked, .credentialExpired: .unauthorized
        case .forbidden: .forbidden
        case .tooLarge: .contentTooLarge
        }
    }
    public var apiCode: String { code.rawValue }
    public var apiMessage: String { message }
    public var apiDetails: [String] { details }
}
