import EKTPDomain
import EKTPDrivers
import EKTPHTTP
import EKTPStationStore
import EKTPWire
import Foundation
import Hummingbird
import NIOCore

/// The station's local API (contract in `EKTPWire/StationAPI.swift`; the commands that use
/// it in `docs/ektpctl.md`), for `ektpctl` over the Unix socket.
enum LocalAPI {
    static let maxJSONBody = 64 * 1024

    static func router(_ station: Station) -> Router<LocalRequestContext> {
        let router = Router(context: LocalRequestContext.self)
        router.add(middleware: APIErrorMiddleware(service: "ektpd"))
        let caller = LocalCaller(station: station)
        /// The person doing `act`, as the audit trail names them; refused when they may not.
        @Sendable func person(_ act: StationAct, _ context: LocalRequestContext) async throws -> String {
            try await caller.require(act, context).recordedAs
        }
        let v1 = router.group("v1")

        v1.get("status") { _, _ in try await JSONReply.response(station.status()) }
        v1.get("me") { _, context in JSONReply.response(try await caller.caller(context).view) }
        router.get("metrics") { _, _ in StationMetrics.response(try await station.metrics.render(station)) }

        // MARK: Sync with the hub
        v1.get("sync") { _, _ in
            guard let status = try await station.sync.status() else {
                throw APIError(.notFound, code: "not-enrolled", "stasiun belum terdaftar di hub (ektpctl enroll HUB_URL TOKEN)")
            }
            return JSONReply.response(status)
        }
        v1.post("sync/enroll") { request, context in
            let body: EnrollStationRequest = try await decode(request)
            let actor = try await person(.enroll, context)
            do { return JSONReply.response(try await station.sync.enroll(body, by: actor), status: .created) } catch let e as SyncProblem {
                throw APIError(
                    e.hubUnreachable ? .badGateway : .unprocessableContent, code: e.hubUnreachable ? "hub-unreachable" : "enroll-refused", e.description)
            }
        }
        v1.post("sync/reconcile") { _, context in
            _ = try await person(.reconcile, context)
            do { return JSONReply.response(try await station.sync.reconcileNow()) } catch let e as SyncProblem {
                throw APIError(e.hubUnreachable ? .badGateway : .conflict, code: e.hubUnreachable ? "hub-unreachable" : "not-enrolled", e.description)
            }
        }
        v1.get("devices") { _, _ in try JSONReply.response(station.store.devices()) }
        v1.get("devices/offered") { _, _ in
            JSONReply.response(
                station.offeredPrinters().map {
                    OfferedPrinterView(id: $0.id, uri: $0.uri, profile: $0.profile, name: $0.name, serial: $0.serial, port: $0.port)
                })
        }
        v1.post("devices/add") { request, context in
            let body: AddPrinterRequest = try await decode(request)
            return JSONReply.response(try await station.addPrinter(body.printer, by: person(.addPrinter, context)), status: .created)
        }
        v1.post("backup") { request, context in
            let body: BackupRequest = try await decode(request)
            return JSONReply.response(try station.backup(to: body.path, by: await person(.backup, context)), status: .created)
        }
        v1.post("hold/release") { request, context in
            let body: ReasonRequest = try await decode(request)
            let generation = try station.rollback.release(reason: body.reason, by: await person(.resumePrinting, context))
            return JSONReply.response(
                HoldReleased(
                    generation: generation, message: "pencetakan dilanjutkan; basis data (peristiwa sampai nomor \(generation)) menjadi catatan stasiun"))
        }
        v1.get("alerts") { _, _ in try JSONReply.response(station.store.alerts(limit: 200)) }
        v1.post("alerts/:id/ack") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError(.badRequest, code: "invalid", "nomor peringatan tidak valid") }
            return try JSONReply.response(station.store.acknowledgeAlert(id, by: await person(.acknowledgeAlert, context)))
        }
        v1.post("devices/:id/test-print") { request, context in
            JSONReply.response(try await station.testPrint(try deviceID(context), by: person(.testPrint, context)))
        }
        v1.post("devices/:id/fault") { request, context in
            let id = try deviceID(context)
            let body: FaultRequest = try await decode(request)
            _ = try await person(.injectFault, context)
            try await station.injectFault(body.fault, device: id)
            guard let view = try station.store.devices().first(where: { $0.id == id }) else {
                throw APIError(.notFound, code: "not-found", "printer \(id) tidak dikenal")
            }
            return JSONReply.response(view)
        }

        v1.get("jobs") { request, _ in
            var state: JobState?
            if let text = request.uri.queryParameters.get("state") {
                guard let s = JobState(rawValue: text) else {
                    throw APIError(
                        .badRequest, code: "invalid", "status job \"\(text)\" tidak dikenal (ada: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                state = s
            }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 10_000)
            return try JSONReply.response(station.store.jobs(state: state, limit: limit))
        }
        v1.get("jobs/find") { request, _ in
            let q = request.uri.queryParameters
            switch (q.get("nik"), q.get("nama")) {
            case (let text?, nil):
                let nik: NIK
                do { nik = try HandOver.nik(text) } catch { throw APIError(.badRequest, code: "invalid", "\(error)") }
                return try JSONReply.response(station.store.findJobs(nik: nik))
            case (nil, let name?):
                return try JSONReply.response(station.store.findJobs(name: name))
            default:
                throw APIError(.badRequest, code: "invalid", "cari dengan nik=NIK atau nama=NAMA, salah satu")
            }
        }
        v1.get("jobs/:id/receipt.pdf") { _, context in
            let pdf = try OfficeDocuments(station: station).receipt(try jobID(context)).pdf()
            return JSONReply.bytes(pdf, contentType: "application/pdf")
        }
        v1.get("jobs/:id") { _, context in try JSONReply.response(station.store.jobDetail(try jobID(context))) }
        v1.post("jobs/import") { request, context in
            let actor = try await person(.importJobs, context)
            let body = try await APIRequest.collect(request, upTo: JobIntake.maxFileBytes, what: "berkas job")
            let result = try station.intake.importFile(Data(buffer: body), actor: actor)
            return JSONReply.response(result, status: .created)
        }
        v1.post("jobs/:id/outcome") { request, context in
            let id = try jobID(context)
            let body: OutcomeRequest = try await decode(request)
            let by = try await person(.decideOutcome, context)
            return JSONReply.response(JobChanged(id: id, state: try station.recordOutcome(id, body, by: by)))
        }
        v1.post("jobs/:id/reprint") { request, context in
            let id = try jobID(context)
            let body: ReasonRequest = try await decode(request)
            let by = try await person(.approveReprint, context)
            return JSONReply.response(JobChanged(id: id, state: try station.store.reprint(id, reason: body.reason, by: by)))
        }
        v1.post("jobs/:id/release") { request, context in
            let id = try jobID(context)
            let body: ReasonRequest = try await decode(request)
            let by = try await person(.releaseNIKHold, context)
            return JSONReply.response(try station.store.releaseHold(id, reason: body.reason, by: by))
        }
        v1.post("jobs/:id/handover") { request, context in
            let id = try jobID(context)
            let body: HandoverRequest = try await decode(request)
            let by = try await person(.handOver, context)
            return JSONReply.response(JobChanged(id: id, state: try station.store.handOver(id, try HandOver(body), by: by)))
        }

        v1.get("stock") { _, _ in try JSONReply.response(station.stockView()) }
        v1.get("stock/report.pdf") { request, context in
            let q = request.uri.queryParameters
            guard let month = q.get("month") else { throw APIError(.badRequest, code: "invalid", "parameter month (YYYY-MM) wajib") }
            // Signed by the kecamatan head: named when a head asks for it, left blank to be
            // written by hand otherwise.
            let user = try await caller.caller(context).user
            let report = OfficeDocuments(station: station).monthly(
                try station.store.monthlyReport(month: month), kepala: user?.role == .kepala ? user?.fullName ?? "" : "",
                nip: try OfficeDocuments.nip(q.get("nip")))
            return JSONReply.bytes(try report.pdf(), contentType: "application/pdf")
        }
        v1.get("stock/report") { request, _ in
            guard let month = request.uri.queryParameters.get("month") else { throw APIError(.badRequest, code: "invalid", "parameter month (YYYY-MM) wajib") }
            return try JSONReply.response(station.store.monthlyReport(month: month))
        }
        v1.get("stock/shipments") { _, _ in try JSONReply.response(station.store.shipments()) }
        v1.post("stock/shipments/:id/receive") { request, context in
            let body: ShipmentReceipt = try await decode(request)
            let id = context.parameters.get("id") ?? ""
            let act = StationAct.receiving(try station.store.shipment(id), counted: body.counted)
            return JSONReply.response(
                try station.store.receiveShipment(id, counted: body.counted, reason: body.reason, by: await person(act, context)), status: .created)
        }
        v1.post("stock/counts/:id/confirm") { request, context in
            let body: CountDecision = try await decode(request)
            return try JSONReply.response(station.store.confirmCount(try countID(context), by: await person(.decideCount, context), note: body.note))
        }
        v1.post("stock/counts/:id/refuse") { request, context in
            let body: CountDecision = try await decode(request)
            return try JSONReply.response(station.store.refuseCount(try countID(context), by: await person(.decideCount, context), note: body.note))
        }
        v1.post("stock") { request, context in
            let body: StockRequest = try await decode(request)
            return JSONReply.response(try await station.stock(body.operation, by: try await person(StationAct(body.operation), context)), status: .created)
        }

        v1.get("audit/verify") { _, _ in
            // Against the hub's anchors when the hub answers; the local chain alone otherwise.
            do { return try JSONReply.response(station.store.verifyAudit(against: try await station.sync.auditAnchors())) } catch let note as SyncProblem {
                var local = try station.store.verifyAudit()
                local.hubNote = note.description
                return JSONReply.response(local)
            }
        }
        addUserRoutes(v1, station, caller)
        return router
    }

    // MARK: Helpers

    static func decode<T: Decodable>(_ request: Request) async throws -> T {
        try await APIRequest.decode(request, upTo: maxJSONBody)
    }

    static func jobID(_ context: some RequestContext) throws -> JobID {
        do { return try JobID(context.parameters.get("id") ?? "") } catch { throw APIError(.badRequest, code: "invalid", error.description) }
    }

    static func deviceID(_ context: some RequestContext) throws -> DeviceID {
        do { return try DeviceID(context.parameters.get("id") ?? "") } catch { throw APIError(.badRequest, code: "invalid", error.description) }
    }

    static func countID(_ context: some RequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError(.badRequest, code: "invalid", "nomor hitung tidak valid") }
        return id
    }
}

/// Maps the store's refusals to API errors in every handler; anything else is a 500,
/// logged with the request that caused it.
extension StationError: APIRefusal {
    public var httpStatus: HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .conflict, .illegalTransition, .stockRefused, .clock: .conflict
        case .invalid, .rejected: .unprocessableContent
        case .unsupported: .badRequest
        case .storage: .serviceUnavailable
        }
    }
    public var apiCode: String { code.rawValue }
    public var apiMessage: String { message }
    public var apiDetails: [String] { details }
}
