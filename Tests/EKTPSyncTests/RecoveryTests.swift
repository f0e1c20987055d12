import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// What sync does when something went wrong before it: a revoked credential, a station
/// whose database was lost, a token for the wrong kecamatan.
@Suite("sync recovery", .serialized, .daemons)
struct RecoveryTests {
    static let kecamatan = "32.16.09"

    /// Revoked at the hub: the station keeps printing and holding its events, says why it
    /// cannot sync, and after enrolling again sends everything the hub has not seen —
    /// with no gap at the hub, because the new credential starts at the first
    /// undelivered event.
    @Test(.timeLimit(.minutes(3)))
    func revokedThenEnrolledAgainResumesWithoutGap() async throws {
        let scratch = try Scratch("sync-revoke")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: Self.kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=REV-A"])
        try await station.start()
        defer { station.child.stop() }
        defer { Task { await hub.shutdown() } }
        let first = try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 50, document: "SJ-REV"))
            return try await client.enroll(
                EnrollStationRequest(hubURL: hub.url, token: try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)))
        }
        try await Operator.work(station, seconds: 30, "kejadian awal terkirim") { $0.outboxBacklog == 0 }
        try await hub.admin.call(.POST, "/v1/admin/stations/\(first.stationId)/revoke")

        try await station.withClient { client in
            for d in try await client.devices() { _ = try await client.stock(.load(device: d.id, quantity: 20)) }
        }
        try await eventually("stasiun tahu kredensialnya dicabut") {
            let s = try await station.withClient { try await $0.syncStatus() }
            return s.lastError?.contains("ditolak hub") == true && s.outboxBacklog > 0
        }
        let again = try await station.withClient { client in
            try await client.enroll(EnrollStationRequest(hubURL: hub.url, token: try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)))
        }
        #expect(again.stationId != first.stationId)
        try await Operator.work(station, seconds: 30, "kejadian setelah daftar ulang terkirim") { $0.outboxBacklog == 0 }
        let views = try await hub.admin.get([StationView].self, "/v1/views/stations")
        let renewed = try #require(views.first { $0.id == again.stationId })
        let lastSeq = try lastOutboxSeq(station)
        #expect(renewed.highestSeq == lastSeq)
        #expect(renewed.firstSeq > 1)
        let alerts = try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts
        #expect(!alerts.contains { $0.kind == .sequenceGap && $0.stationId == again.stationId }, "\(alerts)")
    }

    /// The station's database is lost (a new disk) but its credential survives: the hub
    /// believes the station holds jobs it does not have. Reconcile prints nothing and puts
    /// each such job before the operator.
    @Test(.timeLimit(.minutes(3)))
    func lostDatabaseGoesToTheOperator() async throws {
        let scratch = try Scratch("sync-lost")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { Task { await hub.shutdown() } }
        let old = try StationUnderTest(
            scratch: scratch, name: "old", kecamatan: Self.kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=LOST-A"])
        try await old.start()
        _ = try await old.withClient { client in
            try await client.enroll(EnrollStationRequest(hubURL: hub.url, token: try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)))
        }
        let regions = try RegionData.load()
        let jobs = try SyntheticJobs(regions: regions, signer: approval).jobs(count: 5, kecamatan: Self.kecamatan, prefix: "LOST")
        _ = try await hub.admin.intake(try SyntheticJobs(regions: regions, signer: approval).signedFile(jobs))
        try await Operator.work(old, seconds: 30, "job tersimpan") { ($0.jobs[.queued] ?? 0) == jobs.count && $0.outboxBacklog == 0 }
        old.child.stop()

        let new = try StationUnderTest(
            scratch: scratch, name: "new", kecamatan: Self.kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=LOST-A"])
        try FileManager.default.createDirectory(atPath: new.stateDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: old.stateDirectory + "/hub.json", toPath: new.stateDirectory + "/hub.json")
        try await new.start()
        defer { new.child.stop() }
        let report = try await new.withClient { try await $0.reconcile() }
        #expect(report.forOperator.count == jobs.count, "\(report)")
        let status = try await new.withClient { try await $0.status() }
        #expect(status.jobs.isEmpty, "nothing printed or stored by reconcile")
        #expect(status.alerts.filter { $0.alert.kind == .syncMismatch }.count >= jobs.count)
    }

    /// A token for another kecamatan, or http:// to a host that is not loopback: refused,
    /// nothing written.
    @Test(.timeLimit(.minutes(2)))
    func wrongEnrollmentsStoreNothing() async throws {
        let scratch = try Scratch("sync-wrong")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { Task { await hub.shutdown() } }
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: Self.kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=WRONG-A"])
        try await station.start()
        defer { station.child.stop() }
        let otherToken = try await hub.admin.enrollmentToken(kecamatan: "32.16.10")
        for request in [
            EnrollStationRequest(hubURL: hub.url, token: otherToken),
            EnrollStationRequest(hubURL: "http://10.0.0.5:8480", token: "t"),
            EnrollStationRequest(hubURL: "ftp://hub.example", token: "t"),
            EnrollStationRequest(hubURL: "bukan url", token: "t"),
            EnrollStationRequest(hubURL: hub.url, token: "  "),
        ] {
            do {
                _ = try await station.withClient { try await $0.enroll(request) }
                Issue.record("enrollment \(request.hubURL) accepted")
            } catch let error as StationClientError {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: station.stateDirectory + "/hub.json"))
        await #expect(throws: StationClientError.self) { try await station.withClient { try await $0.syncStatus() } }
        // The daemon still serves.
        _ = try await station.withClient { try await $0.status() }
    }
}

func lastOutboxSeq(_ station: StationUnderTest) throws -> Int64 {
    let db = try GRDBReader(path: station.stateDirectory + "/station.sqlite")
    return try db.lastSeq()
}
