import EKTPDomain
import EKTPSynthetic
import EKTPWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import EKTPHub

/// A clock tests move by hand: leases expire and stations go stale without sleeping.
final class ManualClock: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
    var clock: HubClock { { [self] in now.withLock { $0 } } }
    func advance(seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var current: Date { now.withLock { $0 } }
}

enum Fixtures {
    static let regions: RegionDirectory = try! RegionData.load()
    static let adminToken = "admin-token-for-tests"
    static let admin: HTTPFields = [.authorization: "Bearer \(adminToken)"]
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
}

/// A hub on an in-memory SQLite store with a manual clock and its own approval key.
struct TestHub {
    let hub: Hub
    let clock = ManualClock()
    let signer = ApprovalSigner.generate(keyId: "approval-test")

    init(_ tweak: (inout HubConfig) -> Void = { _ in }) throws {
        try self.init(store: try SQLiteHubStore.inMemory(), tweak)
    }

    init(store: any HubStore, _ tweak: (inout HubConfig) -> Void = { _ in }) throws {
        var config = HubConfig()
        config.adminToken = Fixtures.adminToken
        config.approvalKeys = [signer.approvalKey]
        tweak(&config)
        hub = Hub(config: config, store: store, regions: Fixtures.regions, clock: clock.clock)
    }

    var synthetic: SyntheticJobs {
        var s = SyntheticJobs(regions: Fixtures.regions, signer: signer)
        s.portraitCount = 2
        return s
    }

    func jobs(_ count: Int, kecamatan: String = "32.16.01", prefix: String = "PRR", urgentEvery: Int = 0, seed: UInt64 = 1) throws -> [PrintJob] {
        // Issued on the hub clock's date, which checks them.
        try synthetic.jobs(
            count: count, kecamatan: kecamatan, prefix: prefix, seed: seed, urgentEvery: urgentEvery,
            today: OfficeZone(regionCode: kecamatan).today(clock.clock()))
    }

    func file(_ jobs: [PrintJob]) throws -> Data { try synthetic.signedFile(jobs) }

    /// Stores jobs through intake, as `ektp-hub import` does.
    @discardableResult
    func importJobs(_ jobs: [PrintJob]) async throws -> IntakeResult {
        try await hub.intake.importFile(try file(jobs))
    }

    /// Enrolls a station and returns it with its credential.
    func enroll(_ kecamatan: String = "32.16.01", name: String = "PC cetak", firstSeq: Int64? = nil) async throws -> (
        station: StationRecord, credential: String
    ) {
        let token = try await hub.issueEnrollmentToken(kecamatan: kecamatan)
        let result = try await hub.enroll(EnrollRequest(token: token.token, name: name, firstSeq: firstSeq))
        return (try await hub.authenticate(bearer: result.credential), result.credential)
    }

    var app: some ApplicationProtocol { HubAPI.buildApplication(hub: hub) }
}

/// One HTTP exchange's outcome, decoded on demand.
struct Reply {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: Data

    func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T { try WireCoding.decoder().decode(T.self, from: body) }
    var error: APIErrorBody? { try? decode(APIErrorBody.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: Data? = nil) async throws -> Reply {
        try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) { r in
            Reply(status: r.status, headers: r.headers, body: Data(buffer: r.body))
        }
    }

    func call(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], json: some Encodable) async throws -> Reply {
        try await call(method, uri, headers: headers, body: try WireCoding.encoder().encode(json))
    }
}

/// The `jobs` a poll answered, with each document as bytes.
struct PolledJob {
    let id: String
    let priority: String
    let document: JSONValue
}

func polledJobs(_ reply: Reply) throws -> [PolledJob] {
    let value = try JSONValue.parse(reply.body)
    guard case .array(let items) = value["jobs"] else { throw Problem("no jobs array in \(String(decoding: reply.body.prefix(200), as: UTF8.self))") }
    return items.map { PolledJob(id: $0["id"]?.stringValue ?? "", priority: $0["priority"]?.stringValue ?? "", document: $0["document"] ?? .null) }
}

struct Problem: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
