import AsyncHTTPClient
import EKTPClient
import EKTPDomain
import EKTPWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The station's calls to the hub's station API (`docs/hub-openapi.json`), over HTTPS
/// with the station's credential. The station is always the caller: stations sit behind
/// NAT. No call is retried here; the sync loops decide when to call again.
struct HubConnection: Sendable {
    let hub: HubHTTP
    /// The connection's own HTTP client, shut down when the connection is replaced.
    let http: HTTPClient

    init(base: String, credential: String?, http: HTTPClient) {
        hub = HubHTTP(base: base, bearer: credential, userAgent: "ektpd", http: http)
        self.http = http
    }

    /// How long the station keeps an unused connection to the hub: less than a heartbeat
    /// period, and less than the hub's own idle time-out (`EKTP_HUB_IDLE_TIMEOUT_SECONDS`).
    static let idleSeconds: Int64 = 10

    /// An HTTP client trusting the system's CAs, or only those in `caFile`.
    static func makeClient(caFile: String?) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else { throw SyncProblem("berkas CA \(caFile) tidak bisa dibaca") }
            // Only PEM certificates: anything else (a key, a DER file, a text) is refused here,
            // with the file named, rather than failing later at every call as a TLS error.
            let text = (try? String(contentsOfFile: caFile, encoding: .utf8)) ?? ""
            guard text.contains("-----BEGIN CERTIFICATE-----"), let certificates = try? NIOSSLCertificate.fromPEMFile(caFile), !certificates.isEmpty else {
                throw SyncProblem("berkas CA \(caFile) bukan sertifikat PEM (-----BEGIN CERTIFICATE-----); minta berkas CA hub kepada admin pusat")
            }
            tls.trustRoots = .file(caFile)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        configuration.redirectConfiguration = .disallow
        // A hub that is down should fail the call at once: the sync loops back off and
        // retry themselves, and status shows the hub away instead of a call hanging.
        configuration.connectionPool.retryConnectionEstablishment = false
        // Between two heartbeats (30 s) no connection is kept beside the long-poll: a
        // second connection per station, idle, would hold memory at the hub (or balancer)
        // for every station of the country at once. Closed by the station, well before the
        // hub's own idle time-out, so no request is sent on a connection the hub is closing.
        configuration.connectionPool.idleTimeout = .seconds(HubConnection.idleSeconds)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func call(_ method: HTTPMethod, _ path: String, body: Data? = nil, timeout: Duration = .seconds(30)) async throws(HubCallError) -> Data {
        try await hub.call(method, path, body: body, timeout: timeout)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws(HubCallError) -> T { try hub.decode(type, data) }

    func encode(_ value: some Encodable) -> Data {
        // The protocol's types always encode.
        (try? WireCoding.encoder().encode(value)) ?? Data()
    }

    // MARK: The station API

    func enroll(_ request: EnrollRequest) async throws(HubCallError) -> EnrollResult {
        try decode(EnrollResult.self, try await call(.POST, "/v1/stations/enroll", body: encode(request)))
    }

    /// Long-poll: waits up to `wait` seconds at the hub for jobs of this station's kecamatan.
    func poll(wait: Int, max: Int) async throws(HubCallError) -> [OfferedJob] {
        let data = try await call(.GET, "/v1/station/jobs?wait=\(wait)&max=\(max)", timeout: .seconds(wait + 30))
        return try OfferedJob.parseList(data)
    }

    func ack(_ jobs: [JobID]) async throws(HubCallError) -> AckResult {
        try decode(AckResult.self, try await call(.POST, "/v1/station/ack", body: encode(AckRequest(jobs: jobs))))
    }

    /// Sends a batch built by the store (`OutboxBatch.body`).
    func events(_ body: Data) async throws(HubCallError) -> EventIngestResult {
        try decode(EventIngestResult.self, try await call(.POST, "/v1/station/events", body: body, timeout: .seconds(60)))
    }

    func heartbeat(_ heartbeat: Heartbeat) async throws(HubCallError) -> HeartbeatResult {
        try decode(HeartbeatResult.self, try await call(.POST, "/v1/station/heartbeat", body: encode(heartbeat)))
    }

    func auditAnchors() async throws(HubCallError) -> [AuditAnchor] {
        try decode([AuditAnchor].self, try await call(.GET, "/v1/station/audit-anchors", timeout: .seconds(60)))
    }

    func jobStates(_ report: JobStatesReport) async throws(HubCallError) -> JobStatesResult {
        try decode(JobStatesResult.self, try await call(.POST, "/v1/station/job-states", body: encode(report), timeout: .seconds(60)))
    }

    func reconcile() async throws(HubCallError) -> ReconcileResult {
        try decode(ReconcileResult.self, try await call(.GET, "/v1/station/reconcile", timeout: .seconds(60)))
    }
}

/// A job the hub offers, with its signed document exactly as signed.
struct OfferedJob: Sendable {
    let id: String
    let document: JSONValue

    /// Reads `{"jobs":[{"id":…,"document":{…},…}]}` strictly (duplicate keys refused), so
    /// each document's canonical bytes are what the approval key signed.
    static func parseList(_ data: Data) throws(HubCallError) -> [OfferedJob] {
        let root: JSONValue
        do { root = try JSONValue.parse(data) } catch { throw .badAnswer("daftar job dari hub bukan JSON yang valid: \(error)") }
        guard case .array(let items)? = root["jobs"] else { throw .badAnswer("daftar job dari hub tanpa \"jobs\"") }
        var offers: [OfferedJob] = []
        for item in items {
            guard let id = item["id"]?.stringValue, let document = item["document"] else {
                throw .badAnswer("job dari hub tanpa id atau dokumen")
            }
            offers.append(OfferedJob(id: id, document: document))
        }
        return offers
    }
}
