import Foundation
import Testing

@testable import EKTPStation

/// What the station trusts with the hub credential and the hub's certificate.
@Suite struct TrustTests {
    /// Plain http only to this machine, by the parsed address, never by a name's prefix.
    @Test(arguments: [
        ("http://127.0.0.1:8480", true), ("http://127.8.9.10", true), ("http://localhost:8480", true), ("http://[::1]:8480", true),
        ("http://127.0.0.1.example.invalid", false), ("http://127.evil.example", false), ("http://10.0.0.5:8480", false),
        ("http://[::2]:8480", false), ("http://128.0.0.1", false), ("http://localhost.example", false),
    ])
    func plainHTTPOnlyOnLoopback(url: String, allowed: Bool) {
        let accepted = (try? HubAddress.check(url, allowPlainHTTP: false)) != nil
        #expect(accepted == allowed, "\(url)")
    }

    @Test func httpsIsAlwaysAllowedAndOtherSchemesNever() {
        #expect((try? HubAddress.check("https://hub.dukcapil.example", allowPlainHTTP: false)) != nil)
        #expect((try? HubAddress.check("ftp://127.0.0.1", allowPlainHTTP: true)) == nil)
    }

    /// The CA file given at enrollment must be a PEM certificate.
    @Test func aCAFileThatIsNoCertificateIsRefusedByName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-ca-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in [
            ("kosong.pem", ""), ("teks.pem", "bukan sertifikat"),
            ("kunci.pem", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGq3\n-----END PRIVATE KEY-----\n"),
            ("rusak.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        ] {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            #expect {
                try HubConnection.makeClient(caFile: path)
            } throws: { error in
                "\(error)".contains(path) && "\(error)".contains("PEM")
            }
        }
    }
}
