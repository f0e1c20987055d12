import EKTPHubRules
import Foundation
import Testing

@testable import EKTPHub

/// The webhooks file is read whole or refused with the reason at start: an address that is
/// not http(s), a secret too short or unreadable, a scope that is no region code.
@Suite("Webhook settings and rules")
struct WebhookConfigTests {
    func write(_ text: String, secret: String = "rahasia-bersama-0123456789") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-hooks-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try secret.write(to: dir.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("hooks.json").path
        try text.replacingOccurrences(of: "SECRET", with: dir.appendingPathComponent("secret").path).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aGoodFileIsRead() throws {
        let hooks = try HubConfig.loadWebhooks(
            path: try write(#"[{"url": "https://bekasi.example/hook", "secretFile": "SECRET", "scope": ["32.16", "32.17.01"]}]"#))
        #expect(hooks == [WebhookSubscription(url: "https://bekasi.example/hook", secret: "rahasia-bersama-0123456789", scope: ["32.16", "32.17.01"])])
        #expect(hooks[0].covers(kecamatan: "32.16.05") && hooks[0].covers(kecamatan: "32.17.01"))
        #expect(!hooks[0].covers(kecamatan: "32.17.02") && !hooks[0].covers(kecamatan: "32.160.01"))
    }

    @Test(arguments: [
        (#"[{"url": "ftp://x.example/h", "secretFile": "SECRET"}]"#, "http"),
        (#"[{"url": "https://x.example/h", "secretFile": "/tidak/ada"}]"#, "tidak terbaca"),
        (#"[{"url": "https://x.example/h", "secretFile": "SECRET", "scope": ["Bekasi"]}]"#, "kode wilayah"),
        (#"{"url": "https://x.example/h"}"#, "daftar webhook"),
    ])
    func aBadFileIsRefusedWithTheReason(text: String, why: String) throws {
        let path = try write(text)
        #expect { try HubConfig.loadWebhooks(path: path) } throws: { "\($0)".contains(why) }
    }

    @Test func aShortSecretIsRefused() throws {
        let path = try write(#"[{"url": "https://x.example/h", "secretFile": "SECRET"}]"#, secret: "pendek")
        #expect { try HubConfig.loadWebhooks(path: path) } throws: { "\($0)".contains("16 byte") }
    }

    @Test func floodingIsCountedNotSentAndRetriesBackOff() {
        var c = AlertCoalescer(window: 600)
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let a = AlertMessage(kind: "outcome-unknown", stationId: "s1", kecamatanCode: "32.16.01", device: nil, message: "m", at: t)
        #expect(c.admit(a, now: t)?.heldBack == 0)
        #expect(c.admit(a, now: t.addingTimeInterval(10)) == nil)
        #expect(c.admit(a, now: t.addingTimeInterval(20)) == nil)
        var other = a
        other.kind = "counter-mismatch"
        #expect(c.admit(other, now: t.addingTimeInterval(30)) != nil, "another kind is not held back")
        #expect(c.admit(a, now: t.addingTimeInterval(601))?.heldBack == 2)
        #expect(WebhookRetry.delay(before: 2) == .seconds(1) && WebhookRetry.delay(before: 5) == .seconds(8) && WebhookRetry.delay(before: 20) == .seconds(300))
        #expect(WebhookRetry.retries(status: 503) && WebhookRetry.retries(status: 429) && !WebhookRetry.retries(status: 400))
    }
}
