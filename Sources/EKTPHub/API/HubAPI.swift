import EKTPDomain
import EKTPHubRules
import EKTPInstall
import EKTPWire
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The hub's HTTP API (contract in `docs/hub-openapi.json`, reference in `docs/hub.md`).
///
/// - admin (Bearer admin token): `POST /v1/intake`, `/v1/admin/*`, `GET /v1/views/*`
/// - stations (Bearer station credential): `/v1/station/*`; enrollment with a one-time
///   token: `POST /v1/stations/enroll`
/// - open: `GET /health`, `GET /metrics`
public enum HubAPI {
    public static func router(_ hub: Hub) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: HubErrorMiddleware(metrics: hub.metrics))

        router.get("health") { _, _ in JSONReply.response(["status": "ok"]) }
        router.get("metrics") { _, _ in
            JSONReply.bytes(Array(try await hub.metrics.render(hub).utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }

        let v1 = router.group("v1")

        // MARK: Admin
        v1.post("intake") { request, _ in
            try requireAdmin(hub, request)
            let body = try await collect(request, limit: hub.config.maxIntakeBytes)
            let result = try await hub.intake.importFile(Data(buffer: body))
            hub.logger.info("intake: \(result.stored.count) job disimpan, \(result.duplicates.count) sudah ada")
            return JSONReply.response(result, status: result.stored.isEmpty ? .ok : .created)
        }
        v1.post("admin/enrollment-tokens") { request, _ in
            try requireAdmin(hub, request)
            let body: EnrollmentTokenRequest = try await decode(request, hub)
            return JSONReply.response(try await hub.issueEnrollmentToken(kecamatan: body.kecamatan), status: .created)
        }
        v1.post("admin/stations/:id/revoke") { request, context in
            try requireAdmin(hub, request)
            let id = context.parameters.get("id") ?? ""
            return JSONReply.response(try await hub.revoke(stationId: id))
        }
        v1.get("views/stations") { request, _ in
            try requireAdmin(hub, request)
            return JSONReply.response(try await hub.stationViews())
        }
        v1.get("views/devices") { request, _ in
            try requireAdmin(hub, request)
            return JSONReply.response(try await hub.deviceViews())
        }
        v1.get("views/stock") { request, _ in
            try requireAdmin(hub, request)
            return JSONReply.response(try await hub.stockOverview())
        }
        v1.get("views/backlog") { request, _ in
            try requireAdmin(hub, request)
            return JSONReply.response(try await hub.backlogView())
        }
        v1.get("views/alerts") { request, _ in
            try requireAdmin(hub, request)
            return JSONReply.response(try await hub.alertsView())
        }
        v1.get("views/jobs/:id") { request, context in
            try requireAdmin(hub, request)
            let id: JobID
            do { id = try JobID(context.parameters.get("id") ?? "") } catch { throw HubError(.invalid, "\(error)") }
            guard let job = try await hub.store.job(id) else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
            return JSONReply.response(job)
        }

        // MARK: Stations
        v1.post("stations/enroll") { request, _ in
            let body: EnrollRequest = try await decode(request, hub)
            return JSONReply.response(try await hub.enroll(body), status: .created)
        }
        v1.get("station/jobs") { request, _ in
            let station = try await hub.authenticate(bearer: bearer(request))
            let query = request.uri.queryParameters
            if let asked = query.get("kecamatan"), asked != station.kecamatanCode {
                throw HubError(.forbidden, "stasiun ini hanya boleh mengambil job kecamatan \(station.kecamatanCode), bukan \(asked.prefix(20))")
            }
            let asked = try intParameter(query.get("wait"), name: "wait", default: 0, range: 0...Int.max)
            let max = try intParameter(query.get("max"), name: "max", default: 20, range: 1...hub.config.maxJobsPerPoll)
            let wait = min(asked, hub.config.maxWaitSeconds)
            guard wait > 0 else { return try pollReply(try await hub.poll(station: station, wait: 0, max: max), hub: hub, station: station) }
            // A long-poll ends when its client goes (a restarted station, a proxy's time-out),
            // so no job is leased to a connection nobody reads; the answer closes the
            // connection, which the long-poll has consumed.
            return try await request.body.consumeWithCancellationOnInboundClose { _ in
                try pollReply(try await hub.poll(station: station, wait: wait, max: max), hub: hub, station: station, closing: true)
            }
        }
        v1.post("station/ack") { request, _ in
            let station = try await hub.authenticate(bearer: bearer(request))
            let body: AckRequest = try await decode(request, hub)
            return JSONReply.response(try await hub.ack(station: station, jobs: body.jobs))
        }
        v1.get("station/reconcile") { request, _ in
            let station = try await hub.authenticate(bearer: bearer(request))
            try await hub.store.touch(stationId: station.id, now: hub.clock())
            return JSONReply.response(try await hub.store.reconcile(station: station))
        }
        v1.post("station/events") { request, _ in
            let station = try await hub.authenticate(bearer: bearer(request))
            let body: EventBatch = try await decode(request, hub)
            return JSONReply.response(try await hub.ingest(station: station, batch: body))
        }
        v1.get("station/audit-anchors") { request, _ in
            let station = try await hub.authenticate(bearer: bearer(request))
            return JSONReply.response(try await hub.store.auditAnchors(station: station))
        }
        v1.post("station/heartbeat") { request, _ in
            let station = try await hub.authenticate(bearer: bearer(request))
            let body: Heartbeat = try await decode(request, hub)
            return JSONReply.response(try await hub.heartbeat(station: station, body))
        }
        HubWeb.mount(on: router, hub: hub)
        return router
    }

    /// The application `ektp-hub serve` runs; tests build the same one.
    public static func buildApplication(hub: Hub) -> some ApplicationProtocol {
        Application(
            router: router(hub),
            configuration: .init(address: .hostname(hub.config.host, port: hub.config.port), serverName: "ektp-hub"),
            onServerRunning: { channel in SystemdNotify.ready(status: "melayani di \(channel.localAddress.map { "\($0)" } ?? "-")") },
            logger: hub.logger)
    }

    // MARK: Helpers

    /// A poll's answer. Its jobs go back to the queue at once if the answer cannot be
    /// written (the connection is gone), rather than waiting out their lease.
    static func pollReply(_ jobs: [LeasedJob], hub: Hub, station: StationRecord, closing: Bool = false) throws -> Response {
        let bytes = try jobsDocument(jobs)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if closing { headers[.connection] = "close" }
        guard !jobs.isEmpty else { return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes))) }
        let body = ResponseBody(contentLength: bytes.count) { writer in
            do {
                try await writer.write(ByteBuffer(bytes: bytes))
                try await writer.finish(nil)
            } catch {
                await hub.returnUndelivered(jobs.map(\.id), station: station)
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The jobs a poll hands out, with each signed document embedded as it was signed
    /// (canonical JSON), so the station verifies exactly the bytes the approval key signed.
    static func jobsDocument(_ jobs: [LeasedJob]) throws -> [UInt8] {
        let iso = ISO8601DateFormatter()
        let items = try jobs.map { job -> JSONValue in
            .object([
                ("id", .string(job.id.rawValue)),
                ("priority", .string(job.priority.rawValue)),
                ("leaseExpiresAt", .string(iso.string(from: job.leaseExpiresAt))),
                ("document", try JSONValue.parse(job.document)),
            ])
        }
        return JSONValue.object([("jobs", .array(items))]).canonicalBytes()
    }

    static func bearer(_ request: Request) -> String? {
        guard let value = request.headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    static func requireAdmin(_ hub: Hub, _ request: Request) throws {
        guard hub.config.adminToken != nil else {
            throw HubError(.forbidden, "token admin belum diatur di hub (EKTP_HUB_ADMIN_TOKEN)")
        }
        guard hub.isAdmin(bearer: bearer(request)) else {
            throw HubError(.unauthorized, "rute ini memerlukan token admin (Authorization: Bearer …)")
        }
    }

    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw HubError(.tooLarge, "isi permintaan terlalu besar: \(length) byte, paling besar \(limit) byte")
        }
        var request = request
        do { return try await request.collectBody(upTo: limit) } catch is NIOTooManyBytesError {
            throw HubError(.tooLarge, "isi permintaan terlalu besar: lebih dari \(limit) byte")
        }
    }

    static func decode<T: Decodable>(_ request: Request, _ hub: Hub) async throws -> T {
        let buffer = try await collect(request, limit: hub.config.maxJSONBytes)
        let value: T
        do { value = try WireCoding.decoder().decode(T.self, from: Data(buffer: buffer)) } catch {
            throw HubError(.invalid, "isi permintaan tidak valid: \(JobVerifier.describe(error))")
        }
        // No text the hub keeps may hold NUL: PostgreSQL refuses it in TEXT, and no name,
        // model or message has a use for it.
        if containsNUL(buffer.readableBytesView) {
            throw HubError(.invalid, "isi permintaan tidak valid: karakter NUL (\\u0000) tidak diterima")
        }
        return value
    }

    /// Whether JSON text carries a NUL character: a raw 0x00 byte, or the escape `\u0000`
    /// (a `u0000` after an odd run of backslashes; `\\u0000` is a backslash and text).
    static func containsNUL(_ bytes: some Collection<UInt8>) -> Bool {
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

    static func intParameter(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw HubError(
                .invalid,
                "parameter \(name) harus bilangan bulat \(range.lowerBound)…\(range.upperBound == Int.max ? "" : String(range.upperBound)), bukan \"\(text.prefix(20))\""
            )
        }
        return v
    }
}
