import EKTPDomain
import EKTPWire
import Foundation
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
            #expect(text.contains(#"ektp_hub_jobs_count{state="approved"} 2.0"#))
            #expect(text.contains(#"ektp_hub_jobs_count{state="offered"} 1.0"#))
            #expect(text.contains(#"ektp_hub_stations_count{freshness="online"} 1.0"#))
            #expect(text.contains("ektp_hub_request_duration_seconds_bucket"))
            #expect(text.contains(#"route="/v1/station/reconcile""#))
        }
    }
}
