import EKTPDomain
import EKTPWire
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import EKTPHub

@Suite("Bad input: a clear 4xx in Indonesian, nothing stored, the hub keeps serving")
struct BadInputTests {
    @Test("malformed JSON, wrong types, bad parameters", arguments: Backend.all)
    func malformed(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (_, credential) = try await t.enroll()
            try await t.app.test(.router) { client in
                let cases: [(String, Data)] = [
                    ("/v1/station/events", Data("{\"events\": [".utf8)),
                    ("/v1/station/events", Data(#"{"events": [{"seq": "satu", "event": {}}]}"#.utf8)),
                    ("/v1/station/ack", Data(#"{"jobs": "PRR-000001"}"#.utf8)),
                    ("/v1/station/ack", Data(#"{"jobs": ["../etc/passwd"]}"#.utf8)),
                    ("/v1/station/heartbeat", Data(#"{"devices": [{"id": "sim-A", "state": {"status": "meledak"}}]}"#.utf8)),
                ]
                for (path, body) in cases {
                    let r = try await client.call(.post, path, headers: Fixtures.bearer(credential), body: body)
                    #expect(r.status == .badRequest, "\(path) \(String(decoding: body, as: UTF8.self))")
                    #expect(r.error?.code == "invalid")
                    #expect(r.error?.message.hasPrefix("isi permintaan tidak valid") == true)
                }
                for query in ["wait=lama", "max=0", "max=100000", "wait=-1"] {
                    let r = try await client.call(.get, "/v1/station/jobs?\(query)", headers: Fixtures.bearer(credential))
                    #expect(r.status == .badRequest, "\(query)")
                    #expect(r.error?.message.contains("parameter") == true)
                }
                let intake = try await client.call(.post, "/v1/intake", headers: Fixtures.admin, body: Data("bukan json".utf8))
                #expect(intake.status == .badRequest)
                #expect(intake.error?.message.contains("bukan JSON yang valid") == true)
                let enroll = try await client.call(
                    .post, "/v1/admin/enrollment-tokens", headers: Fixtures.admin, json: EnrollmentTokenRequest(kecamatan: "32.16.99"))
                #expect(enroll.status == .badRequest)
                // Still serving.
                #expect(try await client.call(.get, "/health").status == .ok)
            }
            #expect(try await t.hub.store.jobCounts().isEmpty)
            #expect(try await t.hub.store.stations().first?.highestSeq == 0)
        }
    }

    @Test("a body over the cap is refused with 413 and a reason")
    func hugeBody() async throws {
        let t = try TestHub {
            $0.maxJSONBytes = 1024; $0.maxIntakeBytes = 4096
        }
        let (_, credential) = try await t.enroll()
        try await t.app.test(.router) { client in
            let big = Data(repeating: 0x20, count: 8192)
            for (path, headers) in [("/v1/station/events", Fixtures.bearer(credential)), ("/v1/intake", Fixtures.admin)] {
                let r = try await client.call(.post, path, headers: headers, body: big)
                #expect(r.status == .contentTooLarge, "\(path)")
                #expect(r.error?.code == "too-large")
                #expect(r.error?.message.hasPrefix("isi permintaan terlalu besar") == true)
            }
            #expect(try await client.call(.get, "/health").status == .ok)
        }
        #expect(try await t.hub.store.jobCounts().isEmpty)
    }

    @Test("a 413 also over a real socket")
    func hugeBodyLive() async throws {
        let t = try TestHub {
            $0.maxJSONBytes = 1024; $0.port = 0
        }
        let (_, credential) = try await t.enroll()
        try await t.app.test(.live) { client in
            let r = try await client.call(.post, "/v1/station/heartbeat", headers: Fixtures.bearer(credential), body: Data(repeating: 0x20, count: 64 * 1024))
            #expect(r.status == .contentTooLarge)
            #expect(r.error?.code == "too-large")
        }
    }

    @Test("unknown routes answer 404")
    func unknownRoute() async throws {
        let t = try TestHub()
        try await t.app.test(.router) { client in
            let r = try await client.call(.get, "/v1/tidak-ada")
            #expect(r.status == .notFound)
        }
    }
}

@Suite("Prometheus metrics")
struct MetricsTests {
    @Test("/metrics shows jobs by state, stations by freshness and request latencies")
    func metrics() async throws {
        let t = try TestHub()
        try await t.importJobs(try t.jobs(3))
        let (station, credential) = try await t.enroll()
        _ = try await t.hub.poll(station: station, wait: 0, max: 1)
        _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: []))
        try await t.app.test(.router) { client in
            _ = try await client.call(.get, "/v1/station/reconcile", headers: Fixtures.bearer(credential))
            let r = try await client.call(.get, "/metrics")
            #expect(r.status == .ok)
            let text = String(decoding: r.body, as: UTF8.self)
            #expect(text.contains(#"ektp_hub_jobs{state="approved"} 2"# + "\n"))
            #expect(text.contains(#"ektp_hub_jobs{state="offered"} 1"# + "\n"))
            #expect(text.contains(#"ektp_hub_stations{freshness="online"} 1"# + "\n"))
            #expect(text.contains("ektp_hub_request_duration_seconds_bucket"))
            #expect(text.contains(#"route="/v1/station/reconcile""#))
        }
    }
}

@Suite("Bad input over HTTP, on every backend")
struct BadInputHTTPTests {
    @Test("NUL characters in stored text are refused with 400 on both backends, nothing stored", arguments: Backend.all)
    func nulCharacters(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (_, credential) = try await t.enroll()
            let token = try await t.hub.issueEnrollmentToken(kecamatan: "32.16.02")
            try await t.app.test(.router) { client in
                let cases: [(String, Data, [String: String])] = [
                    ("/v1/stations/enroll", Data(#"{"token": "\#(token.token)", "name": "PC\u0000 1"}"#.utf8), [:]),
                    (
                        "/v1/station/heartbeat",
                        Data(#"{"devices": [{"id": "sim-A", "model": "Evolis\u0000", "state": {"status": "ready", "reasons": [], "supplies": {}}}]}"#.utf8),
                        ["Authorization": "Bearer \(credential)"]
                    ),
                    (
                        "/v1/station/events",
                        Data(#"{"events": [{"seq": 1, "event": {"alert": {"alert": {"kind": "outcome-unknown", "message": "macet\u0000"}}}}]}"#.utf8),
                        ["Authorization": "Bearer \(credential)"]
                    ),
                    ("/v1/station/events", Data("{\"events\": [], \"x\": \"\0\"}".utf8), ["Authorization": "Bearer \(credential)"]),
                ]
                for (path, body, headers) in cases {
                    var fields = HTTPFields()
                    for (k, v) in headers { fields[HTTPField.Name(k)!] = v }
                    let r = try await client.call(.post, path, headers: fields, body: body)
                    #expect(r.status == .badRequest, "\(path)")
                    #expect(r.error?.code == "invalid", "\(path)")
                }
                // A backslash followed by text is not a NUL.
                let fine = try await client.call(
                    .post, "/v1/station/events", headers: Fixtures.bearer(credential),
                    body: Data(#"{"events": [{"seq": 1, "event": {"alert": {"alert": {"kind": "outcome-unknown", "message": "C:\\u0000"}}}}]}"#.utf8))
                #expect(fine.status == .ok)
                #expect(try await client.call(.get, "/health").status == .ok)
            }
            #expect(try await t.hub.store.stations().count == 1)
            #expect(try await t.hub.deviceViews().isEmpty)
            #expect(try await t.hub.store.stationAlerts(limit: 10).map(\.message) == [#"C:\u0000"#])
        }
    }

    @Test("revoking a station id that cannot exist answers 404, on both backends", arguments: Backend.all)
    func revokeOddIDs(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, credential) = try await t.enroll()
            try await t.app.test(.router) { client in
                for id in ["stn%00x", "x%27%3B%20DROP%20TABLE%20station", String(repeating: "a", count: 80)] {
                    let r = try await client.call(.post, "/v1/admin/stations/\(id)/revoke", headers: Fixtures.admin)
                    #expect(r.status == .notFound, "\(id)")
                    #expect(r.error?.code == "not-found")
                }
                #expect(try await client.call(.get, "/v1/station/reconcile", headers: Fixtures.bearer(credential)).status == .ok)
            }
            #expect(try await t.hub.store.stations().first { $0.id == station.id }?.revokedAt == nil)
        }
    }

    @Test("an expired credential is refused on every station route with 401 credential-expired", arguments: Backend.all)
    func expiredOverHTTP(_ backend: Backend) async throws {
        try await TestHub.with(backend, tweak: { $0.credentialDays = 30 }) { t in
            try await t.importJobs(try t.jobs(1))
            let (_, credential) = try await t.enroll()
            t.clock.advance(seconds: 30 * 86_400 + 1)
            try await t.app.test(.router) { client in
                let auth = Fixtures.bearer(credential)
                let replies = [
                    try await client.call(.get, "/v1/station/jobs?wait=0", headers: auth),
                    try await client.call(.post, "/v1/station/ack", headers: auth, json: AckRequest(jobs: [try JobID("PRR-000001")])),
                    try await client.call(.post, "/v1/station/events", headers: auth, json: EventBatch(events: [])),
                    try await client.call(.post, "/v1/station/heartbeat", headers: auth, json: Heartbeat(devices: [])),
                    try await client.call(.get, "/v1/station/reconcile", headers: auth),
                ]
                for r in replies {
                    #expect(r.status == .unauthorized)
                    #expect(r.error?.code == "credential-expired")
                    #expect(r.error?.message.contains("kedaluwarsa") == true)
                }
            }
            #expect(try await t.hub.store.jobCounts() == [.approved: 1])
            #expect(try await t.hub.stationViews().first?.freshness == .offline)
        }
    }

    @Test("replayed events over HTTP: answered with the duplicates, applied once", arguments: Backend.all)
    func replayOverHTTP(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (_, credential) = try await t.enroll()
            let batch = EventBatch(events: [
                SequencedEvent(seq: 1, event: .ledger(kind: .received, from: .supplier, to: .store, quantity: 250, job: nil, cause: nil, note: nil))
            ])
            try await t.app.test(.router) { client in
                let first = try await client.call(.post, "/v1/station/events", headers: Fixtures.bearer(credential), json: batch)
                #expect(try first.decode(EventIngestResult.self).accepted == 1)
                for _ in 0..<3 {
                    let again = try await client.call(.post, "/v1/station/events", headers: Fixtures.bearer(credential), json: batch)
                    #expect(again.status == .ok)
                    let result = try again.decode(EventIngestResult.self)
                    #expect(result.accepted == 0 && result.duplicates == [1] && result.conflicting.isEmpty)
                }
            }
            #expect(try await t.hub.stockOverview().kecamatan.first?.store == 250)
        }
    }

    @Test("intake of an unknown kecamatan over HTTP: 422 with the reason, nothing stored", arguments: Backend.all)
    func unknownKecamatanOverHTTP(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            var jobs = try t.jobs(2)
            jobs[1].kecamatanCode = "32.16.99"
            let file = try t.file(jobs)
            try await t.app.test(.router) { client in
                let r = try await client.call(.post, "/v1/intake", headers: Fixtures.admin, body: file)
                #expect(r.status == .unprocessableContent)
                #expect(r.error?.code == "rejected")
                #expect(r.error?.details?.contains { $0.contains("PRR-000002") && $0.contains("32.16.99") } == true)
            }
            #expect(try await t.hub.store.jobCounts().isEmpty)
        }
    }

    @Test("without an admin token configured, admin routes answer 403 and change nothing")
    func noAdminToken() async throws {
        let t = try TestHub { $0.adminToken = nil }
        let file = try t.file(try t.jobs(1))
        try await t.app.test(.router) { client in
            let intake = try await client.call(.post, "/v1/intake", headers: Fixtures.admin, body: file)
            #expect(intake.status == .forbidden)
            #expect(intake.error?.message.contains("EKTP_HUB_ADMIN_TOKEN") == true)
            let token = try await client.call(
                .post, "/v1/admin/enrollment-tokens", headers: Fixtures.admin, json: EnrollmentTokenRequest(kecamatan: "32.16.01"))
            #expect(token.status == .forbidden)
            #expect(try await client.call(.get, "/v1/views/stations", headers: Fixtures.admin).status == .forbidden)
        }
        #expect(try await t.hub.store.jobCounts().isEmpty)
    }
}
