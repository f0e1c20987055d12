import EKTPClient
import EKTPDomain
import EKTPHub
import EKTPHubRules
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Alerts reach people who are not looking at a page: the real `ektpd` raises an alert
/// (a second job for a NIK that already has a card), the real `ektp-hub` pushes it to a
/// webhook receiver on loopback: signed with the shared secret, retried when the receiver
/// fails, one of a kind per window with the rest counted, and only to the receivers whose
/// regions it is in.
@Suite(.serialized, .daemons) struct AlertWebhookTests {
    @Test(.timeLimit(.minutes(3)))
    func aStationAlertReachesTheWebhookSignedOnceAndCounted() async throws {
        let kecamatan = "32.16.06"
        let scratch = try Scratch("webhook")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let secret = "rahasia-bersama-kabupaten-bekasi-1"
        let receiver = try WebhookReceiver(secret: secret, failFirst: 1)
        let elsewhere = try WebhookReceiver(secret: secret)
        try await receiver.start()
        try await elsewhere.start()
        defer {
            receiver.stop()
            elsewhere.stop()
        }
        let hooks = scratch.path("subscribers.json")
        try """
        [\(try receiver.subscriber(scope: "32.16", secretIn: scratch.url.path)),
         \(try elsewhere.subscriber(scope: "32.17", secretIn: scratch.url.path))]
        """.write(toFile: hooks, atomically: true, encoding: .utf8)
        let hub = try HubDaemon(
            directory: scratch.url.path, trusted: [approval], regions: RegionData.path(), leaseSeconds: 5,
            environment: ["EKTP_HUB_ALERT_SUBSCRIBERS": hooks, "EKTP_HUB_ALERT_WINDOW_SECONDS": "15"])
        try await hub.start()
        defer { hub.stop() }
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=KAIT-1"])
        try await station.start()
        defer { station.child.stop() }
        _ = try await SettleTests.enroll(station, on: hub, kecamatan: kecamatan)

        // A card for a person, then four more jobs for the same NIK brought by flashdisk:
        // each is held and raises a duplicate-NIK alert at the station.
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let first = try factory.jobs(count: 1, kecamatan: kecamatan, prefix: "KAIT")[0]
        let again = try (1...4).map { n in
            var job = first
            job.id = try JobID("KAIT-ULANG-\(n)")
            return job
        }
        try await station.withClient { client in
            _ = try await client.importJobs(try factory.signedFile([first]))
            _ = try await client.importJobs(try factory.signedFile([again[0]]))
        }
        // The window opens when the hub admits this first alert: no earlier than now.
        let windowEnds = Date().addingTimeInterval(15)
        let pushed = try await receiver.waitFor(1)
        #expect(receiver.refused == 1, "the first try was refused and retried")
        let one = try #require(pushed.first)
        #expect(one.signed, "signature \(one.signature) over \(one.timestamp)")
        let alert = try WireCoding.decoder().decode(AlertMessage.self, from: one.body)
        #expect(alert.kind == "duplicate-nik" && alert.kecamatanCode == kecamatan && alert.message.contains(first.id.rawValue), "\(alert)")
        #expect(alert.heldBack == 0)

        // Three more within the window: held back, and counted on the next one after it.
        try await station.withClient { client in
            for job in again[1...3] { _ = try await client.importJobs(try factory.signedFile([job])) }
        }
        try await eventually("ketiga peringatan sampai di hub", seconds: 30) {
            try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts.filter { $0.message.contains("ditahan") }.count >= 4
        }
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.deliveries.count == 1, "no flood: \(receiver.deliveries.count)")
        try await Task.sleep(for: .seconds(max(0, windowEnds.timeIntervalSinceNow) + 1))
        var fifth = first
        fifth.id = try JobID("KAIT-ULANG-5")
        _ = try await station.withClient { try await $0.importJobs(try factory.signedFile([fifth])) }
        let after = try await receiver.waitFor(2)
        let next = try WireCoding.decoder().decode(AlertMessage.self, from: after[1].body)
        #expect(next.heldBack == 3 && after[1].signed, "\(next)")
        // Another kabupaten's receiver heard nothing.
        #expect(elsewhere.deliveries.isEmpty)
    }
}
