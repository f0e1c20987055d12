import EKTPHubRules
import EKTPInstall
import Foundation
import Testing

@testable import EKTPHub

/// The subscribers file is read whole or refused with the reason at start: an address that
/// is not http(s) or not an e-mail address, a secret too short or unreadable, a scope that
/// is no region code, e-mail without a relay.
@Suite("Alert subscribers: settings and rules")
struct AlertSubscriberTests {
    func write(_ text: String, secret: String = "rahasia-bersama-0123456789") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-hooks-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try secret.write(to: dir.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        let path = dir.appendingPathComponent("hooks.json").path
        try text.replacingOccurrences(of: "SECRET", with: dir.appendingPathComponent("secret").path).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aGoodFileIsRead() throws {
        let subscribers = try HubConfig.loadAlertSubscribers(
            path: try write(
                #"""
                [{"url": "https://bekasi.example/hook", "secretFile": "SECRET", "scope": ["32.16", "32.17.01"]},
                 {"email": ["kabid@bekasikab.example", "kasi.pi@bekasikab.example"], "scope": ["32.16"], "escalatedOnly": true}]
                """#))
        #expect(
            subscribers == [
                AlertSubscription(.webhook(url: "https://bekasi.example/hook", secret: "rahasia-bersama-0123456789"), scope: ["32.16", "32.17.01"]),
                AlertSubscription(.mail(to: ["kabid@bekasikab.example", "kasi.pi@bekasikab.example"]), scope: ["32.16"], escalatedOnly: true),
            ])
        func alert(_ kecamatan: String, escalated: Bool = false) -> AlertMessage {
            AlertMessage(kind: "outcome-unknown", stationId: "s", kecamatanCode: kecamatan, device: nil, message: "m", at: Date(), escalated: escalated)
        }
        let hook = subscribers[0]
        #expect(hook.wants(alert("32.16.05")) && hook.wants(alert("32.17.01")))
        #expect(!hook.wants(alert("32.17.02")) && !hook.wants(alert("32.160.01")))
        let mail = subscribers[1]
        #expect(!mail.wants(alert("32.16.05")), "escalations only")
        #expect(mail.wants(alert("32.16.05", escalated: true)) && !mail.wants(alert("32.17.01", escalated: true)))
    }

    @Test func mailNeedsARelayAndASender() throws {
        let path = try write(#"[{"email": ["kabid@bekasikab.example"]}]"#)
        #expect { try HubConfig.fromEnvironment(["EKTP_HUB_ALERT_SUBSCRIBERS": path]) } throws: { "\($0)".contains("EKTP_HUB_SMTP") }
        let config = try HubConfig.fromEnvironment(
            ["EKTP_HUB_ALERT_SUBSCRIBERS": path, "EKTP_HUB_SMTP": "127.0.0.1:2525", "EKTP_HUB_MAIL_FROM": "ektp-hub@bekasikab.example"])
        #expect(config.smtp == HostPort("127.0.0.1:2525") && config.mailFrom == "ektp-hub@bekasikab.example")
        #expect(try HubConfig.fromEnvironment(["EKTP_HUB_SMTP": "relay.example"]).smtp?.port == 25)
        #expect { try HubConfig.fromEnvironment(["EKTP_HUB_MAIL_FROM": "ektp hub"]) } throws: { "\($0)".contains("bukan alamat surel") }
    }

    /// The message a relay receives: headers that cannot be split by what an alert says,
    /// the Indonesian text in base64.
    @Test func anAlertAsMail() throws {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let alert = AlertMessage(
            kind: "outcome-unknown", stationId: "32.16.01-a", kecamatanCode: "32.16.01", device: "evolis-1",
            message: "job X: hasil cetak tidak diketahui\r\nBcc: orang@lain.example", at: t, escalated: true, heldBack: 2)
        let text = AlertMail.message(alert, from: "hub@bekasikab.example", to: ["kasi@bekasikab.example"], date: t, messageID: "m1@ektp-hub")
        let (head, body) = try #require(text.range(of: "\r\n\r\n").map { (text[..<$0.lowerBound], text[$0.upperBound...]) })
        #expect(!head.contains("Bcc") && head.contains("Subject: =?UTF-8?B?") && head.contains("Date: Fri, 15 Jan 2027 15:00:00 +0700"))
        let decoded = String(decoding: try #require(Data(base64Encoded: String(body), options: .ignoreUnknownCharacters)), as: UTF8.self)
        #expect(decoded.contains("Stasiun   : 32.16.01-a") && decoded.contains("15-01-2027 15:00 WIB") && decoded.contains("2 peringatan sejenis"))
        #expect(decoded.contains("eskalasi"))
        #expect(!text.split(separator: "\r\n").contains { $0.hasPrefix(".") }, "no line the relay would read as the end")
        #expect(AlertMail.isAddress("kasi.pi@bekasikab.go.id") && !AlertMail.isAddress("a@b") && !AlertMail.isAddress("x\r\n@y.id"))
        #expect(!AlertMail.isAddress("<a@b.id>") && !AlertMail.isAddress("a b@c.id"))
    }

    @Test(arguments: [
        (#"[{"url": "ftp://x.example/h", "secretFile": "SECRET"}]"#, "http"),
        (#"[{"url": "https://x.example/h", "secretFile": "/tidak/ada"}]"#, "tidak terbaca"),
        (#"[{"url": "https://x.example/h", "secretFile": "SECRET", "scope": ["Bekasi"]}]"#, "kode wilayah"),
        (#"{"url": "https://x.example/h"}"#, "daftar penerima"),
        (#"[{"url": "https://x.example/h", "secretFile": "SECRET", "email": ["a@b.id"]}]"#, "tidak keduanya"),
        (#"[{"email": ["bukan alamat"]}]"#, "bukan alamat surel"),
        (#"[{"email": []}]"#, "kosong"),
    ])
    func aBadFileIsRefusedWithTheReason(text: String, why: String) throws {
        let path = try write(text)
        #expect { try HubConfig.loadAlertSubscribers(path: path) } throws: { "\($0)".contains(why) }
    }

    @Test func aShortSecretIsRefused() throws {
        let path = try write(#"[{"url": "https://x.example/h", "secretFile": "SECRET"}]"#, secret: "pendek")
        #expect { try HubConfig.loadAlertSubscribers(path: path) } throws: { "\($0)".contains("16 byte") }
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
        var escalated = a
        escalated.escalated = true
        #expect(c.admit(escalated, now: t.addingTimeInterval(40)) != nil, "an escalation is not held back by the alert it escalates")
        #expect(c.admit(a, now: t.addingTimeInterval(601))?.heldBack == 2)
        #expect(AlertRetry.delay(before: 2) == .seconds(1) && AlertRetry.delay(before: 5) == .seconds(8) && AlertRetry.delay(before: 20) == .seconds(300))
        #expect(AlertRetry.retries(httpStatus: 503) && AlertRetry.retries(httpStatus: 429) && !AlertRetry.retries(httpStatus: 400))
        #expect(AlertRetry.retries(smtpReply: 451) && !AlertRetry.retries(smtpReply: 550))
    }
}
