import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Invariant 1 across stations, through the real processes: a job a station stored from
/// an offer is not printed until the hub answered its acknowledgement. The station's
/// acknowledgements and events cross a relay that holds them past the lease; meanwhile the
/// hub gives the job to another station of the kecamatan, which claims it. The first station must
/// never print it (a station that printed what it had stored, as it once did, fails here);
/// its reconcile then gives the job up, no card fed, without a double-print alarm at the hub
/// (a station that kept it stored forever, as it once did, fails here too).
@Suite("an acknowledgement without answer", .serialized, .daemons)
struct UnansweredAckTests {
    static let kecamatan = "32.16.06"
    static let lease = 3
    /// How long the relay holds A's acknowledgement: long after the lease, so B is offered
    /// the job and claims it meanwhile even on a machine busy with the other suites.
    static let hold = 6 * lease

    @Test(.timeLimit(.minutes(3)))
    func aJobWhoseAckTheHubNeverAnsweredInTimeIsNotPrinted() async throws {
        let scratch = try Scratch("ack-held")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: Self.lease)
        try await hub.start()
        defer { Task { await hub.shutdown() } }
        // A's acknowledgement and its events (a stored job's event claims it too) are held.
        let relay = try DelayingProxy(
            upstreamPort: hub.port, holding: ["POST /v1/station/ack", "POST /v1/station/events"], for: .seconds(Self.hold))
        defer { relay.stop() }

        // Station A: the real ektpd, reaching the hub through the relay, with blangko loaded.
        let a = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: Self.kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=ACK-A&hopper=20"])
        try await a.start()
        defer { a.child.stop() }
        let token = try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)
        try await a.withClient { client in
            _ = try await client.stock(.receive(quantity: 20, document: "SJ-ACK"))
            for d in try await client.devices() { _ = try await client.stock(.load(device: d.id, quantity: 20)) }
            _ = try await client.enroll(EnrollStationRequest(hubURL: relay.url, token: token))
        }
        // Station B: another station of the kecamatan, at the hub directly.
        let b = try await PlainStation.enroll(on: hub, kecamatan: Self.kecamatan, name: "b")

        let regions = try RegionData.load()
        let factory = SyntheticJobs(regions: regions, signer: approval)
        let job = try factory.jobs(count: 1, kecamatan: Self.kecamatan, prefix: "ACK")[0]
        _ = try await hub.admin.intake(try factory.signedFile([job]))

        // A takes the job and sends its acknowledgement, which the relay holds.
        var stored: [JobState: Int] = [:]
        let taken = ContinuousClock.now + .seconds(30)
        while stored.isEmpty, ContinuousClock.now < taken {
            try await Task.sleep(for: .milliseconds(50))
            stored = try await a.withClient { try await $0.status().jobs }
        }
        #expect(stored == [.received: 1], "stored, waiting for the hub's answer: \(stored)")

        // The lease runs out; B is offered the job and claims it.
        var offered: [JobID] = []
        let deadline = ContinuousClock.now + .seconds(4 * Self.lease)
        while offered.isEmpty, ContinuousClock.now < deadline { offered = try await b.poll(on: hub, wait: 2).0 }
        #expect(offered == [job.id], "A:\n\(a.child.tail())\nhub:\n\(hub.child.tail())")
        try await b.ack(offered, on: hub)

        // A's acknowledgement arrives late and is refused; A has printed nothing.
        try await Task.sleep(for: .seconds(Self.hold + 2))
        let (counts, devices) = try await a.withClient { (try await $0.status().jobs, try await $0.devices()) }
        #expect(counts[.printed] == nil && counts[.printing] == nil && counts[.outcomeUnknown] == nil, "\(counts)")
        #expect(devices.allSatisfy { $0.printed == 0 && $0.hopperLedger == 20 }, "\(devices.map { ($0.id, $0.printed) })")
        #expect(relay.heldCount >= 1)
        #expect(try await hub.job(job.id).stationId == b.id)

        // A's refused acknowledgement makes it reconcile: the hub holds the job for B, so A
        // gives it up, with the reason in its history; its event tells the hub nothing new.
        try await eventually("A melepaskan job yang diberikan hub ke B", seconds: 60) {
            try await a.withClient { try await $0.job(job.id) }.summary.state == .rejected
        }
        let history = try await a.withClient { try await $0.job(job.id) }.history
        #expect(history.contains { $0.detail.contains("stasiun lain") }, "\(history)")
        try await eventually("peristiwa A sampai di hub", seconds: 60) { try await a.withClient { try await $0.status() }.sync?.outboxBacklog == 0 }
        let atHub = try await hub.job(job.id)
        #expect(atHub.stationId == b.id && atHub.state == .claimed, "\(atHub)")
        let alerts = try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts
        #expect(!alerts.contains { $0.message.contains(job.id.rawValue) }, "\(alerts.map(\.message))")
    }
}
