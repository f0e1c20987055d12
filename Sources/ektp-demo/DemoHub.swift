import EKTPTestSupport
import EKTPWire
import Foundation

extension HubDaemon {
    /// The hub the demo runs: the real `ektp-hub serve` on embedded SQLite in `directory`.
    static func demo(directory: URL, trusting signer: ApprovalSigner, regions: String) throws -> HubDaemon {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try HubDaemon(
            directory: directory.path, trusted: [signer], regions: regions, leaseSeconds: 15, adminToken: "demo-admin-" + UUID().uuidString.prefix(8),
            log: directory.appendingPathComponent("ektp-hub.log").path)
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
