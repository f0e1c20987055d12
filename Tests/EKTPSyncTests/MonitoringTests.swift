import EKTPTestSlots
import Foundation
import Testing

/// The centre's monitoring as Prometheus reads it: the configuration and the alert rules
/// pass `promtool check`, and the rules' unit tests (`monitoring/ektp-alerts.test.yml`:
/// each alert fires on the series that should raise it, after its `for`, and not on the
/// healthy ones) pass `promtool test rules`. The e2e sync test checks that every series
/// they read is one the hub exposes.
@Suite(.daemons) struct MonitoringTests {
    @Test(.enabled(if: Promtool.available))
    func rulesAndConfigPassPromtool() throws {
        for arguments in [["check", "config", "prometheus.yml"], ["check", "rules", "ektp-alerts.yml"], ["test", "rules", "ektp-alerts.test.yml"]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Promtool.path)
            p.arguments = arguments
            p.currentDirectoryURL = URL(fileURLWithPath: Monitoring.path("monitoring"))
            let output = Pipe()
            p.standardOutput = output
            p.standardError = output
            try p.run()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "promtool \(arguments.joined(separator: " ")): \(said)")
        }
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Monitoring.path("monitoring/grafana-ektp.json"))))
        #expect((dashboard as? [String: Any])?["panels"] as? [Any] != nil)
    }
}
