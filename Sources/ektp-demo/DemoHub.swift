import EKTPTestSupport
import EKTPWire
import Foundation

extension HubDaemon {
    /// The hub the demo runs: the real `ektp-hub serve` on embedded SQLite in `directory`.
    /// The demo's hub on SQLite in `directory`, pushing alerts to `webhook` (the
    /// kabupaten's receiver) signed with its secret, and escalations by e-mail through
    /// `mail`: a station's alert nobody took on within 10 seconds, a printer in error.
    static func demo(
        directory: URL, trusting signer: ApprovalSigner, regions: String, webhook: WebhookReceiver, mail: MailCatcher, scope: String
    ) throws -> HubDaemon {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let hooks = directory.appendingPathComponent("alert-subscribers.json").path
        try #"""
        [\#(try webhook.subscriber(scope: scope, secretIn: directory.path)),
         {"email": ["kabid.pi@dukcapil.example"], "scope": ["\#(scope)"], "escalatedOnly": true}]
        """#.write(toFile: hooks, atomically: true, encoding: .utf8)
        return try HubDaemon(
            directory: directory.path, trusted: [signer], regions: regions, leaseSeconds: 15, adminToken: "demo-admin-" + UUID().uuidString.prefix(8),
            environment: [
                "EKTP_HUB_ALERT_SUBSCRIBERS": hooks, "EKTP_HUB_SMTP": mail.relay, "EKTP_HUB_MAIL_FROM": "ektp-hub@dukcapil.example",
                "EKTP_HUB_ESCALATE_SECONDS": "10", "EKTP_HUB_ALERT_CHECK_SECONDS": "2", "EKTP_HUB_DEVICE_ERROR_MINUTES": "1",
            ], log: directory.appendingPathComponent("ektp-hub.log").path)
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
