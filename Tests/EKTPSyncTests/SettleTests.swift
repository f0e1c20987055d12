import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Hub and station tell the same story about every job, however it reached the station
/// (docs/sync.md, "Reconcile"): the real `ektp-hub` (SQLite, and PostgreSQL when the
/// tests have a server) and the real `ektpd`, with the link down while the office works
/// from a flashdisk.
@Suite(.serialized, .daemons) struct SettleTests {
    typealias Engine = VanishedStationTests.Engine

    static func hub(_ engine: Engine, _ scratch: Scratch, _ approval: ApprovalSigner) async throws -> HubUnderTest {
        switch engine {
        case .sqlite: try HubUnderTest(scratch: scratch, trusted: [approval])
        case .postgres: try HubUnderTest(scratch: scratch, trusted: [approval], postgres: try await TestPostgres.createDatabase())
        }
    }

    static func enroll(_ station: StationUnderTest, on hub: HubUnderTest, kecamatan: String) async throws -> String {
        let token = try await hub.admin.enrollmentToken(kecamatan: kecamatan)
        return try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: hub.url, token: token)) }.stationId
    }

    /// Before the station is connected to the hub (a new PC, or the link down), the office
    /// imports `jobs` from a flashdisk and prints them.
    static func printFromFlashdisk(_ station: StationUnderTest, _ factory: SyntheticJobs, _ jobs: [PrintJob]) async throws {
        try await station.withClient { client in
            #expect(try await client.importJobs(try factory.signedFile(jobs)).stored.count == jobs.count)
            _ = try await client.stock(.receive(quantity: 10, document: "SJ-FD"))
        }
        try await Operator.work(station, seconds: 90, "cetak dari flashdisk") { ($0.jobs[.printed] ?? 0) == jobs.count }
    }

    static func expectPrinted(_ jobs: [PrintJob], at hub: HubUnderTest, by stationId: String) async throws {
        try await eventually("hub mencatat semua job tercetak di stasiun ini", seconds: 60) {
            for job in jobs where try await hub.job(job.id).state != .printed { return false }
            return true
        }
        for job in jobs {
            let view = try await hub.job(job.id)
            #expect(view.stationId == stationId)
            #expect(view.stationState == .printed)
        }
    }

    /// The hub holds the jobs when the station connects: its events (the hub binds a job
    /// waiting unassigned in the queue to the station that printed it) or the hub's offer
    /// of jobs the station already has (the station reports their state), whichever comes
    /// first, end the hub where the station is.
    @Test(.timeLimit(.minutes(4)), arguments: Engine.available)
    func aFlashdiskJobAlsoQueuedAtTheHubEndsPrintedOnBoth(engine: Engine) async throws {
        let kecamatan = "32.16.04"
        let scratch = try Scratch("settle-\(engine.rawValue)")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try await Self.hub(engine, scratch, approval)
        try await hub.start()
        defer { hub.stop() }
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=FD-\(engine.rawValue)"])
        try await station.start()
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let jobs = try factory.jobs(count: 3, kecamatan: kecamatan, prefix: "FD-\(engine.rawValue)")
        _ = try await hub.admin.intake(try factory.signedFile(jobs))
        try await Self.printFromFlashdisk(station, factory, jobs)

        let stationId = try await Self.enroll(station, on: hub, kecamatan: kecamatan)
        try await Self.expectPrinted(jobs, at: hub, by: stationId)
        // Nothing is left for the hub to offer, and no one was told of a difference.
        #expect(try await hub.admin.get(BacklogView.self, "/v1/views/backlog").kecamatan.allSatisfy { $0.kecamatanCode != kecamatan })
        let report = try await station.withClient { try await $0.reconcile() }
        #expect(report.forOperator.isEmpty, "\(report.forOperator)")
        #expect(report.settled == 0, "already settled: \(report)")
    }

    /// The central office's intake of jobs the station already printed arrives after the
    /// station's events: the hub offers them, the station finds it has them and tells the
    /// hub their state at once.
    @Test(.timeLimit(.minutes(4)))
    func jobsReachingTheHubAfterTheStationPrintedThemEndPrinted() async throws {
        let kecamatan = "32.16.04"
        let scratch = try Scratch("settle-late")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { hub.stop() }
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=FD-LATE"])
        try await station.start()
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let jobs = try factory.jobs(count: 3, kecamatan: kecamatan, prefix: "FD-LATE")
        try await Self.printFromFlashdisk(station, factory, jobs)
        let stationId = try await Self.enroll(station, on: hub, kecamatan: kecamatan)
        try await eventually("semua peristiwa stasiun sampai di hub", seconds: 60) {
            try await station.withClient { try await $0.status() }.outboxBacklog == 0
        }
        _ = try await hub.admin.intake(try factory.signedFile(jobs))
        try await Self.expectPrinted(jobs, at: hub, by: stationId)
    }

    @Test(.timeLimit(.minutes(4)))
    func anotherVersionOfAJobNeverTakesTheHubsPlace() async throws {
        let kecamatan = "32.16.04"
        let scratch = try Scratch("settle-version")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { hub.stop() }
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=VERSI-1"])
        try await station.start()
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        // One id, two contents: the hub holds one version, the flashdisk brings another.
        let atHub = try factory.jobs(count: 1, kecamatan: kecamatan, prefix: "VERSI", seed: 1)[0]
        let onDisk = try factory.jobs(count: 1, kecamatan: kecamatan, prefix: "VERSI", seed: 2)[0]
        #expect(atHub.id == onDisk.id && atHub != onDisk)
        _ = try await hub.admin.intake(try factory.signedFile([atHub]))
        try await Self.printFromFlashdisk(station, factory, [onDisk])

        _ = try await Self.enroll(station, on: hub, kecamatan: kecamatan)
        try await eventually("hub diberi tahu ada versi lain", seconds: 60) {
            try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts.contains { $0.message.contains("versi lain") }
        }
        // The station's print is never recorded against the hub's version.
        _ = try await station.withClient { try await $0.reconcile() }
        let view = try await hub.job(atHub.id)
        #expect(view.state != .printed && view.stationState != .printed, "\(view.state) / \(String(describing: view.stationState))")
        let alerts = try await station.withClient { try await $0.status() }.alerts
        #expect(alerts.contains { $0.alert.kind == .syncMismatch && $0.alert.message.contains("versi lain") }, "\(alerts.map(\.alert.message))")
    }
}
