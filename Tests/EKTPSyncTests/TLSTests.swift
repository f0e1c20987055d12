import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// The hub behind TLS (as in production, a terminating proxy in front of `ektp-hub`) with
/// a certificate from a private CA: the station refuses it until told to trust that CA
/// (`--ca-file`), then enrolls and pulls jobs over it.
@Suite("sync over TLS", .serialized, .daemons)
struct TLSTests {
    @Test(.timeLimit(.minutes(3)))
    func privateCATrustedOnlyWhenGiven() async throws {
        let scratch = try Scratch("sync-tls")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { Task { await hub.shutdown() } }
        let ca = try PrivateCA(scratch: scratch)
        let port = try LoopbackPort.free()
        let proxy = Child(
            URL(fileURLWithPath: "/usr/bin/socat"),
            [
                "OPENSSL-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork,cert=\(ca.serverCert),key=\(ca.serverKey),verify=0",
                "TCP:127.0.0.1:\(hub.port)",
            ], log: scratch.path("socat.log"))
        try proxy.start()
        defer { proxy.stop() }
        try await Task.sleep(for: .milliseconds(300))
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: "32.16.11", trusted: approval, printers: ["evolis-primacy-2?serial=TLS-A"])
        try await station.start()
        defer { station.child.stop() }
        let hubURL = "https://localhost:\(port)"

        // The system's CAs do not know this one: refused, nothing stored.
        let token = try await hub.admin.enrollmentToken(kecamatan: "32.16.11")
        await #expect(throws: StationClientError.self) {
            try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: hubURL, token: token)) }
        }
        #expect(!FileManager.default.fileExists(atPath: station.stateDirectory + "/hub.json"))

        // Trusted through --ca-file: enrolled (the token was not used up by the refusal).
        let status = try await station.withClient {
            try await $0.enroll(EnrollStationRequest(hubURL: hubURL, token: token, caFile: ca.caCert))
        }
        #expect(status.hubURL == hubURL)
        let regions = try RegionData.load()
        let jobs = try SyntheticJobs(regions: regions, signer: approval).jobs(count: 3, kecamatan: "32.16.11", prefix: "TLS")
        _ = try await hub.admin.intake(try SyntheticJobs(regions: regions, signer: approval).signedFile(jobs))
        try await eventually("job lewat TLS") {
            (try await station.withClient { try await $0.status() }.jobs[.queued] ?? 0) == jobs.count
        }
    }
}

/// A throwaway certificate authority and a server certificate for `localhost` and
/// 127.0.0.1, made with the openssl command line.
struct PrivateCA {
    let caCert: String
    let serverCert: String
    let serverKey: String

    init(scratch: Scratch) throws {
        caCert = scratch.path("ca.pem")
        serverCert = scratch.path("server.pem")
        serverKey = scratch.path("server.key")
        let caKey = scratch.path("ca.key")
        let csr = scratch.path("server.csr")
        let ext = scratch.path("server.ext")
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            .write(toFile: ext, atomically: true, encoding: .utf8)
        try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caCert, "-days", "2", "-subj", "/CN=ektp test CA"])
        try Self.openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey, "-out", csr, "-subj", "/CN=localhost"])
        try Self.openssl([
            "x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-out", serverCert, "-days", "2", "-extfile", ext,
        ])
    }

    static func openssl(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError("openssl \(arguments.first ?? "") gagal") }
    }
}
