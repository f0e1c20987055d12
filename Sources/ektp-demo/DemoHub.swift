import EKTPTestSupport
import EKTPWire
import Foundation

extension HubDaemon {
    /// The hub the demo runs: the real `ektp-hub serve` on embedded SQLite in `directory`.
    /// The demo's hub on SQLite in `directory`, pushing station alerts to `webhook` (the
    /// kabupaten's receiver) signed with its secret.
    static func demo(directory: URL, trusting signer: ApprovalSigner, regions: String, webhook: WebhookReceiver, scope: String) throws -> HubDaemon {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secretFile = directory.appendingPathComponent("webhook.secret").path
        try webhook.secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let hooks = directory.appendingPathComponent("webhooks.json").path
        try #"[{"url": "\#(webhook.url)", "secretFile": "\#(secretFile)", "scope": ["\#(scope)"]}]"#.write(toFile: hooks, atomically: true, encoding: .utf8)
        return try HubDaemon(
            directory: directory.path, trusted: [signer], regions: regions, leaseSeconds: 15, adminToken: "demo-admin-" + UUID().uuidString.prefix(8),
            environment: ["EKTP_HUB_WEBHOOKS": hooks], log: directory.appendingPathComponent("ektp-hub.log").path)
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
