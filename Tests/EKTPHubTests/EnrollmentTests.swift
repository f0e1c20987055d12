import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

@Suite("Station enrollment and credentials")
struct EnrollmentTests {
    @Test("an enrollment token is used once; the credential works and is stored only hashed")
    func enrollOnce() async throws {
        let t = try TestHub()
        let token = try await t.hub.issueEnrollmentToken(kecamatan: "32.16.01")
        try await t.app.test(.router) { client in
            let enrolled = try await client.call(.post, "/v1/stations/enroll", json: EnrollRequest(token: token.token, name: "Kecamatan Tarumajaya PC 1"))
            #expect(enrolled.status == .created)
            let result = try enrolled.decode(EnrollResult.self)
            #expect(result.kecamatanCode == "32.16.01")
            #expect(result.stationId.hasPrefix("stn-321601-"))
            let twice = try await client.call(.post, "/v1/stations/enroll", json: EnrollRequest(token: token.token, name: "lagi"))
            #expect(twice.status == .unauthorized)
            #expect(twice.error?.message.contains("sudah dipakai") == true)
            let rec = try await client.call(.get, "/v1/station/reconcile", headers: Fixtures.bearer(result.credential))
            #expect(rec.status == .ok)

            let store = try #require(t.hub.store as? SQLiteHubStore)
            let stored = try await store.credentialHashes()
            #expect(stored == [Credentials.hash(result.credential)])
        }
    }

    @Test("enrollment for an unknown kecamatan is refused")
    func unknownKecamatan() async throws {
        let t = try TestHub()
        await #expect { try await t.hub.issueEnrollmentToken(kecamatan: "99.99.99") } throws: { ($0 as? HubError)?.code == .invalid }
    }

    @Test("an expired enrollment token is refused", arguments: Backend.all)
    func expiredToken(_ backend: Backend) async throws {
        try await TestHub.with(backend, tweak: { $0.enrollmentTokenHours = 1 }) { t in
            let token = try await t.hub.issueEnrollmentToken(kecamatan: "32.16.01")
            t.clock.advance(seconds: 3601)
            await #expect { try await t.hub.enroll(EnrollRequest(token: token.token, name: "PC")) } throws: { ($0 as? HubError)?.code == .credentialExpired }
        }
    }

    @Test("a revoked credential is refused and its unacked jobs go back to the queue", arguments: Backend.all)
    func revoked(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(2))
            let (station, credential) = try await t.enroll()
            _ = try await t.hub.poll(station: station, wait: 0, max: 10)
            try await t.app.test(.router) { client in
                let revoke = try await client.call(.post, "/v1/admin/stations/\(station.id)/revoke", headers: Fixtures.admin)
                #expect(revoke.status == .ok)
                #expect(try revoke.decode(RevokeResult.self).requeued == 2)
                for path in ["/v1/station/jobs?wait=0", "/v1/station/reconcile"] {
                    let r = try await client.call(.get, path, headers: Fixtures.bearer(credential))
                    #expect(r.status == .unauthorized)
                    #expect(r.error?.code == "credential-revoked")
                }
                let events = try await client.call(.post, "/v1/station/events", headers: Fixtures.bearer(credential), json: EventBatch(events: []))
                #expect(events.error?.code == "credential-revoked")
                let missing = try await client.call(.get, "/v1/station/reconcile")
                #expect(missing.status == .unauthorized)
                #expect(missing.headers[.wwwAuthenticate] != nil)
            }
            #expect(try await t.hub.store.jobCounts()[.approved] == 2)
        }
    }

    @Test("an expired credential is refused", arguments: Backend.all)
    func expiredCredential(_ backend: Backend) async throws {
        try await TestHub.with(backend, tweak: { $0.credentialDays = 30 }) { t in
            let (_, credential) = try await t.enroll()
            t.clock.advance(seconds: 31 * 86_400)
            await #expect { try await t.hub.authenticate(bearer: credential) } throws: { ($0 as? HubError)?.code == .credentialExpired }
        }
    }
}
