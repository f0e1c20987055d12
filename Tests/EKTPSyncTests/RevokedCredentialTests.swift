import EKTPClient
import EKTPDomain
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// A credential taken away through one hub is refused by every hub at once (docs/hub.md,
/// "Several hub processes"): real `ektp-hub serve` processes on one PostgreSQL database
/// keep the stations they found by credential, so each must hear a revocation made by
/// another process: another hub's admin API, or the `ektp-hub revoke` command run on the
/// hub's machine. Stations are plain HTTP clients with enrolled credentials.
@Suite(.serialized, .daemons) struct RevokedCredentialTests {
    static let kecamatan = "32.16.06"

    @Test(.timeLimit(.minutes(3)), .enabled(if: TestPostgres.server != nil))
    func aCredentialTakenAwayOnOneHubIsRefusedByTheOthers() async throws {
        let scratch = try Scratch("revoked-credential")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let database = try await TestPostgres.createDatabase()
        let a = try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: 30, postgres: database)
        let b = try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: 30, postgres: database, adminToken: a.adminToken)
        defer {
            a.child.stop()
            b.child.stop()
        }
        try await a.start()
        try await b.start()
        let revoked = try await PlainStation.enroll(on: a, kecamatan: Self.kecamatan, name: "PC dicabut lewat API")
        let retired = try await PlainStation.enroll(on: a, kecamatan: Self.kecamatan, name: "PC dipensiunkan")
        let byCommand = try await PlainStation.enroll(on: a, kecamatan: Self.kecamatan, name: "PC dicabut lewat perintah")
        let stays = try await PlainStation.enroll(on: a, kecamatan: Self.kecamatan, name: "PC tetap")

        // Each station is known to both hubs, twice, so each hub has found it by its
        // credential before.
        for station in [revoked, retired, byCommand, stays] {
            for hub in [a, b, a, b] { #expect(try await station.refusal(on: hub) == nil) }
        }

        _ = try await a.admin.revoke(stationId: revoked.id)
        _ = try await a.admin.retire(stationId: retired.id, CentralActRequest(reason: "PC rusak, diganti", by: "Budi (pusat)"))
        _ = try b.command(["revoke", byCommand.id])

        // The hub that acted refuses at once; the other within moments, not after
        // anything it kept has aged.
        #expect(try await revoked.refusal(on: a) == "credential-revoked")
        #expect(try await retired.refusal(on: a) == "credential-revoked")
        for station in [revoked, retired, byCommand] {
            for hub in [a, b] {
                try await eventually("hub \(hub.port) menolak kredensial \(station.id)", seconds: 5) {
                    try await station.refusal(on: hub) == "credential-revoked"
                }
            }
        }
        // The others are untouched.
        for hub in [a, b] { #expect(try await stays.refusal(on: hub) == nil) }
    }
}

extension PlainStation {
    /// `GET /v1/station/jobs?wait=0`: nil when the hub takes the credential, else the
    /// refusal's code.
    func refusal(on hub: HubUnderTest) async throws -> String? {
        let (status, body, _) = try await jobsAnswer(on: hub, wait: 0)
        if status == 200 { return nil }
        guard status == 401, let refusal = try? WireCoding.decoder().decode(APIErrorBody.self, from: body) else {
            throw HarnessError("jawaban \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        return refusal.code
    }
}
