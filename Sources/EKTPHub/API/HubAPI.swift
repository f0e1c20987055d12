import EKTPDomain
import EKTPHTTP
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
    public static func router(_ hub: Hub) -> Router<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        router.add(
            middleware: APIErrorMiddleware(service: "hub", realm: "ektp-hub") { method, route, status, duration in
                hub.metrics.recordRequest(method: method, route: route, status: status, duration: duration)
            })

        router.get("health") { _, _ in JSONReply.response(["status": "ok"]) }
        router.get("metrics") { _, _ in
            JSONReply.bytes(Array(try await hub.metrics.render(hub).utf8), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }

        let v1 = router.group("v1")
        AdminRoutes(hub: hub).add(to: v1.group().add(middleware: AdminAuthenticator(hub: hub)))
        v1.post("stations/enroll") { request, _ in
            let body: EnrollRequest = try await decode(request, hub)
            return JSONReply.response(try await hub.enroll(body), status: .created)
        }
        StationRoutes(hub: hub).add(to: v1.group("station").add(middleware: StationAuthenticator(hub: hub)))
        HubWeb.mount(on: router, hub: hub)
        return router
    }

    /// The application `ektp-hub serve` runs; tests build the same one.
    /// Long-polls are held in each connection's pipeline (`LongPollParking`); every other
    /// request runs in a task of its own (`RequestTask`).
    public static func buildApplication(hub: Hub) -> some ApplicationProtocol {
        let responder = router(hub).buildResponder()
        let idleTimeout: TimeAmount? = hub.config.idleTimeoutSeconds > 0 ? .seconds(Int64(hub.config.idleTimeoutSeconds)) : nil
        return Application(
            responder: RequestTask(inner: responder),
            server: .http1(configuration: .init(additionalChannelHandlers: [LongPollParking(hub: hub, responder: responder)], idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(hub.config.host, port: hub.config.port), serverName: "ektp-hub"),
            onServerRunning: { channel in SystemdNotify.ready(status: "melayani di \(channel.localAddress.map { "\($0)" } ?? "-")") },
            logger: hub.logger)
    }

    // MARK: Helpers

    /// A poll's answer. Its jobs go back to the queue at once if the answer cannot be
    /// written (the connection is gone), rather than waiting out their lease.
    static func pollReply(_ jobs: [LeasedJob], hub: Hub, station: StationRecord, closing: Bool = false) throws -> Response {
        let bytes = jobsDocument(jobs)
        guard !jobs.isEmpty else { return Response(status: .ok, headers: pollHeaders(closing: closing), body: .init(byteBuffer: ByteBuffer(bytes: bytes))) }
        return Response(
            status: .ok, headers: pollHeaders(closing: closing),
            body: ResponseBody(contentLength: bytes.count) { writer in try await write(jobs, bytes, to: &writer, hub: hub, station: station) })
    }

    /// A long-poll's answer when its first look found nothing. On a connection of the hub's
    /// server, `LongPollParking` holds the wait with no task (`LongPollSlot`): the head goes
    /// at once, the body when the wait ends. Without it (the router alone, in tests) the
    /// wait runs in the answer's body. The answer closes the connection either way.
    static func longPollReply(
        context: HubRequestContext, hub: Hub, station: StationRecord, after first: Hub.PollLook, until deadline: ContinuousClock.Instant, max: Int
    ) -> Response {
        if let slot = context.parking {
            slot.hold(.init(station: station, first: first, deadline: deadline, max: max))
            return Response(status: .ok, headers: pollHeaders(closing: true))
        }
        return Response(
            status: .ok, headers: pollHeaders(closing: true),
            body: ResponseBody { writer in
                let jobs = try await hub.poll(station: station, after: first, until: deadline, max: max)
                try await write(jobs, jobsDocument(jobs), to: &writer, hub: hub, station: station)
            })
    }

    private static func pollHeaders(closing: Bool) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if closing { headers[.connection] = "close" }
        return headers
    }

    /// Once every byte is written the answer counts as sent, even when ending it fails: a
    /// proxy or load balancer closes the connection as soon as the answer is complete
    /// (`Connection: close`), which cancels the request while it finishes. The jobs stay
    /// leased; a lost answer still ends with its lease, and a station acknowledging a job
    /// that did go back is answered by `AckRule`.
    static func write(
        _ jobs: [LeasedJob], _ bytes: [UInt8], to writer: inout any ResponseBodyWriter, hub: Hub, station: StationRecord
    ) async throws {
        do {
            try await writer.write(ByteBuffer(bytes: bytes))
        } catch {
            if !jobs.isEmpty { await hub.returnUndelivered(jobs.map(\.id), station: station) }
            throw error
        }
        do { try await writer.finish(nil) } catch is CancellationError {}
    }

    /// The jobs a poll hands out, with each signed document embedded as it was signed
    /// (canonical JSON), so the station verifies exactly the bytes the approval key signed.
    ///
    /// The stored documents are canonical already (intake stores `VerifiedJob.document`,
    /// sealed and bound to the job), so they are spliced in as they are, not parsed and
    /// written again; the rest is written in canonical order (document, id, leaseExpiresAt,
    /// priority), making the whole answer canonical JSON.
    static func jobsDocument(_ jobs: [LeasedJob]) -> [UInt8] {
        let iso = ISO8601DateFormatter()
        var out: [UInt8] = []
        out.reserveCapacity(jobs.reduce(64) { $0 + $1.document.count + 128 })
        out.append(contentsOf: #"{"jobs":["#.utf8)
        for (i, job) in jobs.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: #"{"document":"#.utf8)
            out.append(contentsOf: job.document)
            out.append(contentsOf: #","id":"#.utf8)
            out.append(contentsOf: JSONValue.string(job.id.rawValue).canonicalBytes())
            out.append(contentsOf: #","leaseExpiresAt":"#.utf8)
            out.append(contentsOf: JSONValue.string(iso.string(from: job.leaseExpiresAt)).canonicalBytes())
            out.append(contentsOf: #","priority":"#.utf8)
            out.append(contentsOf: JSONValue.string(job.priority.rawValue).canonicalBytes())
            out.append(0x7D)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// A request's JSON body within the hub's limit; NUL refused, since no text the hub
    /// keeps may hold it (PostgreSQL refuses it in TEXT, and no name, model or message has
    /// a use for it).
    static func decode<T: Decodable>(_ request: Request, _ hub: Hub) async throws -> T {
        try await APIRequest.decode(request, upTo: hub.config.maxJSONBytes, refusingNUL: true)
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
