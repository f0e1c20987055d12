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

/// An alert's life across the real `ektpd` and `ektp-hub` (SQLite, and PostgreSQL when the
/// tests have a server): raised at the station, taken on by a named person through the real
/// `ektpctl`, cleared when its condition is gone, and the same at the hub; pushed to a
/// webhook when new, and by e-mail through a real SMTP server (Debian's aiosmtpd) when
/// nobody took it on in time, or when the hub finds a printer in error itself (pushed again
/// only after the printer was back to ready).
@Suite(.serialized, .daemons) struct AlertLifeTests {
    typealias Engine = VanishedStationTests.Engine

    @Test(.timeLimit(.minutes(4)), arguments: Engine.available)
    func anAlertIsTakenOnClearedAndEscalated(engine: Engine) async throws {
        let kecamatan = "32.16.07"
        let scratch = try Scratch("alert-life-\(engine.rawValue)")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let receiver = try WebhookReceiver(secret: "rahasia-bersama-kabupaten-bekasi-2")
        let mail = try MailCatcher(directory: scratch.url.path)
        try await receiver.start()
        try await mail.start()
        defer {
            receiver.stop()
            mail.stop()
        }
        let subscribers = scratch.path("subscribers.json")
        try """
        [\(try receiver.subscriber(scope: "32.16", secretIn: scratch.url.path)),
         {"email": ["kabid.pi@bekasikab.example"], "scope": ["32.16.07"], "escalatedOnly": true}]
        """.write(toFile: subscribers, atomically: true, encoding: .utf8)
        let postgres = engine == .postgres ? try await TestPostgres.createDatabase() : nil
        let hub = try HubDaemon(
            directory: scratch.url.path, trusted: [approval], regions: RegionData.path(), leaseSeconds: 5,
            postgres: postgres.map { HubDaemon.Postgres(name: $0.name, environment: $0.hubEnvironment) },
            environment: [
                "EKTP_HUB_ALERT_SUBSCRIBERS": subscribers, "EKTP_HUB_ALERT_WINDOW_SECONDS": "0", "EKTP_HUB_ESCALATE_SECONDS": "10",
                "EKTP_HUB_ALERT_CHECK_SECONDS": "1", "EKTP_HUB_SMTP": mail.relay, "EKTP_HUB_MAIL_FROM": "ektp-hub@bekasikab.example",
                "EKTP_HUB_DEVICE_ERROR_MINUTES": "0",
            ])
        try await hub.start()
        defer { hub.stop() }
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=HIDUP-1"])
        try await station.start()
        defer { station.child.stop() }
        // Blangko in the hopper before the hub hears of the printer: an empty one is a
        // printer error too.
        let device = try #require(try await station.withClient { try await $0.devices() }.first).id
        try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 10, document: "SJ-HIDUP"))
            _ = try await client.stock(.load(device: device, quantity: 10))
        }
        try await eventually("printer siap", seconds: 30) { try await station.withClient { try await $0.devices() }.first?.state.status == .ready }
        _ = try await SettleTests.enroll(station, on: hub, kecamatan: kecamatan)

        // Two more jobs for a NIK that has a card: two duplicate-NIK alerts.
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let first = try factory.jobs(count: 1, kecamatan: kecamatan, prefix: "HIDUP")[0]
        let (taken, left) = (try JobID("HIDUP-ULANG-1"), try JobID("HIDUP-ULANG-2"))
        try await station.withClient { client in
            _ = try await client.importJobs(try factory.signedFile([first]))
            for id in [taken, left] {
                var job = first
                job.id = id
                _ = try await client.importJobs(try factory.signedFile([job]))
            }
        }
        func open() async throws -> [HubAlert] {
            try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts.filter { $0.raisedAs == Alert.Kind.duplicateNIK.rawValue }
        }
        try await eventually("kedua peringatan NIK ganda sampai di hub", seconds: 30) { try await open().count == 2 }

        // The kecamatan head takes one on with the real ektpctl, at their own PC account.
        let listed = try await station.kepala.json(["alerts"], as: [AlertView].self, decoder: WireCoding.decoder())
        let mine = try #require(listed.first { $0.alert.message.contains(taken.rawValue) })
        let ack = try await station.kepala.json(["alerts", "ack", String(mine.id)], as: AlertView.self, decoder: WireCoding.decoder())
        #expect(ack.acknowledgedBy == "kepala")
        let again = try await station.kepala.ektpctl(["alerts", "ack", String(mine.id)])
        #expect(again.status != 0 && again.stderr.contains("sudah ditangani kepala"), "\(again.stderr)")
        try await eventually("hub tahu siapa yang menangani", seconds: 30) {
            try await open().first { $0.message.contains(taken.rawValue) }?.acknowledgedBy == "kepala"
        }

        // Nobody took the other on: after the escalation time it goes out by e-mail, to the
        // address whose scope holds the kecamatan; the one taken on never does.
        let escalated = try await mail.waitFor(1, seconds: 60) { $0.text.contains(left.rawValue) }
        #expect(escalated[0].envelopeTo == ["kabid.pi@bekasikab.example"] && escalated[0].envelopeFrom == "ektp-hub@bekasikab.example")
        #expect(MailCatcher.subject(escalated[0]).contains("[eskalasi] duplicate-nik"), "\(escalated[0].headers)")
        #expect(escalated[0].text.contains("Kecamatan : \(kecamatan)"))
        #expect(!mail.messages().contains { $0.text.contains(taken.rawValue) }, "an alert taken on is not escalated")
        func hooked() throws -> [AlertMessage] { try receiver.deliveries.map { try WireCoding.decoder().decode(AlertMessage.self, from: $0.body) } }
        try await eventually("eskalasi sampai di webhook juga", seconds: 30) { try hooked().contains { $0.escalated && $0.message.contains(left.rawValue) } }
        let pushed = try hooked()
        #expect(pushed.filter { !$0.escalated && $0.kind == "duplicate-nik" }.count == 2, "both pushed when new: \(pushed)")
        #expect(!pushed.contains { $0.escalated && $0.message.contains(taken.rawValue) })

        // The head releases the held job: its alert clears at the station and at the hub.
        let release = try await station.kepala.ektpctl(["jobs", "release", left.rawValue, "--reason", "kartu lama hilang, surat kehilangan dari polsek"])
        #expect(release.status == 0, "\(release.stderr)")
        try await eventually("peringatan yang selesai hilang dari hub", seconds: 30) {
            try await open().map(\.message).allSatisfy { !$0.contains(left.rawValue) }
        }
        let atStation = try await station.withClient { try await $0.alerts() }
        #expect(!atStation.contains { $0.alert.message.contains(left.rawValue) } && atStation.contains { $0.id == mine.id })

        // The hub finds a printer in error itself: one e-mail while it lasts; back to ready,
        // the alert is gone; in error again, a new e-mail.
        func deviceMails() -> Int { mail.messages().filter { MailCatcher.subject($0).contains("device-error") }.count }
        #expect(deviceMails() == 0, "no printer error yet")
        _ = try await station.withClient { try await $0.injectFault(device, FaultRequest(fault: "cover-open")) }
        _ = try await mail.waitFor(1, seconds: 60) { MailCatcher.subject($0).contains("device-error") }
        try await Task.sleep(for: .seconds(3))
        #expect(deviceMails() == 1, "pushed once while the condition lasts")
        _ = try await station.withClient { try await $0.injectFault(device, FaultRequest(fault: "clear")) }
        try await eventually("printer siap lagi: peringatan hilang dari hub", seconds: 30) {
            try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts.allSatisfy { $0.kind != .deviceError }
        }
        try await Task.sleep(for: .seconds(2))
        _ = try await station.withClient { try await $0.injectFault(device, FaultRequest(fault: "cover-open")) }
        _ = try await mail.waitFor(2, seconds: 60) { MailCatcher.subject($0).contains("device-error") }
    }
}
