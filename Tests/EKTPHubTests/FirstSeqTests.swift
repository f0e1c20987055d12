import EKTPDomain
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

/// `EnrollRequest.firstSeq`: a station that ran before enrolling (or enrolls again with a
/// new credential) numbers its events from its outbox's next sequence number. The hub
/// counts gaps from there, reports `highestSeq = firstSeq - 1` until the first event, and
/// refuses an event numbered below it.
@Suite("Where a station's event sequence starts (firstSeq)")
struct FirstSeqTests {
    static let alert = StationEvent.alert(alert: Alert(kind: .outcomeUnknown, device: nil, message: "x"))
    static func batch(_ seqs: [Int64]) -> EventBatch { EventBatch(events: seqs.map { SequencedEvent(seq: $0, event: alert) }) }

    @Test("before any event: highestSeq is firstSeq - 1, no gaps, no gap alert", arguments: Backend.all)
    func beforeAnyEvent(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, credential) = try await t.enroll(firstSeq: 501)
            #expect(station.firstSeq == 501)
            let rec = try await t.hub.store.reconcile(station: station)
            #expect(rec.highestSeq == 500)
            #expect(rec.gaps.isEmpty)
            #expect(try await t.hub.alertsView().alerts.filter { $0.kind == .sequenceGap }.isEmpty)
            let view = try #require(try await t.hub.stationViews().first)
            #expect(view.firstSeq == 501 && view.highestSeq == 500)
            // A station enrolled without firstSeq starts at 1.
            let (plain, _) = try await t.enroll(name: "PC 2")
            #expect(plain.firstSeq == 1)
            #expect(try await t.hub.store.reconcile(station: plain).highestSeq == 0)
            try await t.app.test(.router) { client in
                let r = try await client.call(.get, "/v1/station/reconcile", headers: Fixtures.bearer(credential))
                #expect(try r.decode(ReconcileResult.self).highestSeq == 500)
            }
        }
    }

    @Test("gaps are counted from firstSeq, not from 1", arguments: Backend.all)
    func gapsFromFirstSeq(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll(firstSeq: 101)
            let r = try await t.hub.ingest(station: station, batch: Self.batch([101, 102, 105]))
            #expect(r.accepted == 3)
            #expect(r.highestSeq == 105)
            #expect(r.gaps == [SeqGap(from: 103, to: 104)])
            let alerts = try await t.hub.alertsView().alerts.filter { $0.kind == .sequenceGap }
            #expect(alerts.count == 1)
            #expect(alerts.first?.message.contains("2 peristiwa") == true)
            // The first batch itself may start late: the hole runs from firstSeq.
            let (late, _) = try await t.enroll(name: "PC 2", firstSeq: 10)
            let l = try await t.hub.ingest(station: late, batch: Self.batch([12, 13]))
            #expect(l.gaps == [SeqGap(from: 10, to: 11)])
            let filled = try await t.hub.ingest(station: late, batch: Self.batch([10, 11]))
            #expect(filled.gaps.isEmpty && filled.highestSeq == 13)
            let rec = try await t.hub.store.reconcile(station: try await t.hub.store.stations().first { $0.id == late.id }!)
            #expect(rec.highestSeq == 13 && rec.gaps.isEmpty)
        }
    }

    @Test("an event below firstSeq refuses the whole batch with 409; nothing is stored", arguments: Backend.all)
    func belowFirstSeqRefused(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let token = try await t.hub.issueEnrollmentToken(kecamatan: "32.16.01")
            try await t.app.test(.router) { client in
                let enrolled = try await client.call(
                    .post, "/v1/stations/enroll", json: EnrollRequest(token: token.token, name: "PC cetak", firstSeq: 40))
                #expect(enrolled.status == .created)
                let credential = try enrolled.decode(EnrollResult.self).credential
                let ledger = StationEvent.ledger(kind: .received, from: .supplier, to: .store, quantity: 100, job: nil, cause: nil, note: nil)
                let refused = try await client.call(
                    .post, "/v1/station/events", headers: Fixtures.bearer(credential),
                    json: EventBatch(events: [SequencedEvent(seq: 40, event: ledger), SequencedEvent(seq: 39, event: Self.alert)]))
                #expect(refused.status == .conflict)
                #expect(refused.error?.code == "conflict")
                #expect(refused.error?.message.contains("di bawah nomor awal") == true)
                #expect(refused.error?.details == ["peristiwa 39: sebelum nomor awal 40"])
                let rec = try await client.call(.get, "/v1/station/reconcile", headers: Fixtures.bearer(credential))
                #expect(try rec.decode(ReconcileResult.self).highestSeq == 39)
                let ok = try await client.call(
                    .post, "/v1/station/events", headers: Fixtures.bearer(credential), json: EventBatch(events: [SequencedEvent(seq: 40, event: ledger)]))
                #expect(ok.status == .ok)
                #expect(try ok.decode(EventIngestResult.self).highestSeq == 40)
            }
            // Only the accepted batch moved stock.
            #expect(try await t.hub.stockOverview().kecamatan.first?.store == 100)
        }
    }

    @Test("firstSeq below 1 is refused and the token stays usable", arguments: Backend.all)
    func invalidFirstSeq(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let token = try await t.hub.issueEnrollmentToken(kecamatan: "32.16.01")
            try await t.app.test(.router) { client in
                for bad in ["0", "-7", "\"satu\"", "1.5", "99999999999999999999"] {
                    let body = Data(#"{"token": "\#(token.token)", "name": "PC", "firstSeq": \#(bad)}"#.utf8)
                    let r = try await client.call(.post, "/v1/stations/enroll", body: body)
                    #expect(r.status == .badRequest, "firstSeq \(bad)")
                    #expect(r.error?.code == "invalid")
                }
                #expect(try await t.hub.store.stations().isEmpty)
                let r = try await client.call(.post, "/v1/stations/enroll", json: EnrollRequest(token: token.token, name: "PC", firstSeq: 7))
                #expect(r.status == .created)
            }
            #expect(try await t.hub.store.stations().map(\.firstSeq) == [7])
        }
    }

    @Test("a database from before firstSeq existed keeps its stations, counted from 1")
    func migratesOldDatabase() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-hub-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("hub.sqlite").path
        try SQLiteHubStore.createOlder(
            path: path, upTo: "v1-hub",
            sql: """
                INSERT INTO station(id, name, kecamatanCode, credentialHash, enrolledAt, highestSeq)
                VALUES ('stn-321601-aaaaaa', 'PC lama', '32.16.01', zeroblob(32), 1795000000, 3)
                """)
        let store = try SQLiteHubStore(path: path)
        let station = try #require(try await store.stations().first)
        #expect(station.firstSeq == 1 && station.highestSeq == 3)
    }
}
