import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

@Suite("Station events and heartbeats")
struct EventTests {
    static func ledger(_ kind: LedgerKind, _ from: String, _ to: String, _ quantity: Int, job: JobID? = nil) -> StationEvent {
        .ledger(kind: kind, from: StockPlace(key: from)!, to: StockPlace(key: to)!, quantity: quantity, job: job, cause: nil, note: nil)
    }

    @Test("a replayed event is ignored, not doubled", arguments: Backend.all)
    func replayNotDoubled(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let batch = EventBatch(events: [
                SequencedEvent(seq: 1, event: Self.ledger(.received, "supplier", "store", 500)),
                SequencedEvent(seq: 2, event: Self.ledger(.loaded, "store", "hopper:sim-SIM0001", 100)),
            ])
            let first = try await t.hub.ingest(station: station, batch: batch)
            #expect(first.accepted == 2 && first.duplicates.isEmpty && first.gaps.isEmpty)
            let again = try await t.hub.ingest(station: station, batch: batch)
            #expect(again.accepted == 0)
            #expect(again.duplicates == [1, 2])
            #expect(again.conflicting.isEmpty)
            let stock = try await t.hub.stockOverview().kecamatan.first { $0.kecamatanCode == "32.16.01" }
            #expect(stock?.store == 400)
            #expect(stock?.hoppers == 100)
            #expect(stock?.onHand == 500)
            // The same seq with other content is still ignored, and reported.
            let forged = try await t.hub.ingest(
                station: station, batch: EventBatch(events: [SequencedEvent(seq: 1, event: Self.ledger(.received, "supplier", "store", 9999))]))
            #expect(forged.conflicting == [1])
            #expect(try await t.hub.stockOverview().kecamatan.first?.onHand == 500)
        }
    }

    @Test("gaps in the sequence are reported in the reply and in alerts until filled", arguments: Backend.all)
    func gapsReported(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let alert = StationEvent.alert(alert: Alert(kind: .outcomeUnknown, device: nil, message: "x"))
            let r = try await t.hub.ingest(station: station, batch: EventBatch(events: [1, 2, 5, 9].map { SequencedEvent(seq: $0, event: alert) }))
            #expect(r.highestSeq == 9)
            #expect(r.gaps == [SeqGap(from: 3, to: 4), SeqGap(from: 6, to: 8)])
            let alerts = try await t.hub.alertsView().alerts.filter { $0.kind == .sequenceGap }
            #expect(alerts.count == 1)
            #expect(alerts.first?.message.contains("5 peristiwa") == true)
            let filled = try await t.hub.ingest(station: station, batch: EventBatch(events: [3, 4, 6, 7, 8].map { SequencedEvent(seq: $0, event: alert) }))
            #expect(filled.gaps.isEmpty)
            #expect(try await t.hub.alertsView().alerts.filter { $0.kind == .sequenceGap }.isEmpty)
        }
    }

    @Test("job outcomes move the hub's job states; another station's job is not touched", arguments: Backend.all)
    func jobOutcomes(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(3))
            let (station, _) = try await t.enroll()
            let (other, _) = try await t.enroll(name: "PC 2")
            _ = try await t.hub.poll(station: station, wait: 0, max: 2)  // PRR-1, PRR-2
            _ = try await t.hub.ack(station: station, jobs: [try JobID("PRR-000001"), try JobID("PRR-000002")])
            _ = try await t.hub.poll(station: other, wait: 0, max: 1)  // PRR-3 to the other station
            let one = try JobID("PRR-000001"), two = try JobID("PRR-000002"), three = try JobID("PRR-000003")
            let dev = try DeviceID("sim-SIM0001")
            _ = try await t.hub.ingest(
                station: station,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 1, event: .jobStateChanged(job: one, from: .queued, to: .printing, device: dev, detail: nil)),
                    SequencedEvent(seq: 2, event: .jobStateChanged(job: one, from: .printing, to: .printed, device: dev, detail: nil)),
                    SequencedEvent(seq: 3, event: .jobStateChanged(job: two, from: .printing, to: .spoiled, device: dev, detail: "macet")),
                    SequencedEvent(seq: 4, event: .jobStateChanged(job: one, from: .printed, to: .handedOver, device: nil, detail: nil)),
                    SequencedEvent(seq: 5, event: .jobStateChanged(job: three, from: .printing, to: .printed, device: dev, detail: nil)),
                ]))
            #expect(try await t.hub.store.job(one)?.state == .handedOver)
            #expect(try await t.hub.store.job(two)?.state == .spoiledReprintNeeded)
            #expect(try await t.hub.store.job(three)?.state == .offered)
            // A reprint puts it back in the station's hands.
            _ = try await t.hub.ingest(
                station: station,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 6, event: .jobStateChanged(job: two, from: .spoiled, to: .queued, device: nil, detail: "cetak ulang"))
                ]))
            let rec = try await t.hub.store.reconcile(station: station)
            #expect(rec.jobs.first { $0.id == two }?.state == .claimed)
            #expect(rec.jobs.first { $0.id == two }?.stationState == .queued)
        }
    }

    @Test(
        "a job waiting in the queue that the station printed from a flashdisk becomes the station's; another version only raises an alert",
        arguments: Backend.all)
    func flashdiskJobsSettle(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(2)
            try await t.importJobs(jobs)
            let (station, _) = try await t.enroll()
            let verifier = JobVerifier(trusted: [t.signer.approvalKey])
            let same = try verifier.verify(bytes: try t.signer.sign(jobs[0])).contentHash
            let other = try verifier.verify(bytes: try t.signer.sign(try t.jobs(2, seed: 9)[1])).contentHash
            let dev = try DeviceID("sim-SIM0001")
            let (one, two) = (jobs[0].id, jobs[1].id)
            _ = try await t.hub.ingest(
                station: station,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 1, event: .jobStored(job: one, priority: .normal, contentHash: same)),
                    SequencedEvent(seq: 2, event: .jobStateChanged(job: one, from: .queued, to: .printing, device: dev, detail: nil, contentHash: same)),
                    SequencedEvent(seq: 3, event: .jobStateChanged(job: one, from: .printing, to: .printed, device: dev, detail: nil, contentHash: same)),
                    SequencedEvent(seq: 4, event: .jobStored(job: two, priority: .normal, contentHash: other)),
                    SequencedEvent(seq: 5, event: .jobStateChanged(job: two, from: .printing, to: .printed, device: dev, detail: nil, contentHash: other)),
                ]))
            let printed = try #require(try await t.hub.store.job(one))
            #expect(printed.state == .printed && printed.stationId == station.id && printed.stationState == .printed)
            // The other version: the hub's own stays in the queue, untouched, and says why.
            let waiting = try #require(try await t.hub.store.job(two))
            #expect(waiting.state == .approved && waiting.stationId == nil)
            #expect(try await t.hub.alertsView().alerts.filter { $0.message.contains("versi lain") }.count == 2)
            // Nothing left to offer but the job whose version differs.
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).map(\.id) == [two])
        }
    }

    @Test("heartbeats record devices and supplies; freshness follows the last heartbeat", arguments: Backend.all)
    func heartbeatAndFreshness(_ backend: Backend) async throws {
        try await TestHub.with(
            backend,
            tweak: {
                $0.staleAfterSeconds = 120; $0.offlineAfterSeconds = 600
            }
        ) { t in
            let (station, credential) = try await t.enroll()
            let hb = Heartbeat(
                devices: [
                    DeviceReport(
                        id: try DeviceID("evolis-PRI01"), model: "Evolis Primacy 2",
                        state: DeviceState(
                            status: .warning, reasons: [.markerSupplyLow], supplies: Supplies(ribbonRemaining: 40, ribbonCapacity: 500, cardCounter: 1234)))
                ],
                stock: [.store: 300, .hopper(try DeviceID("evolis-PRI01")): 50], outboxBacklog: 0)
            try await t.app.test(.router) { client in
                let r = try await client.call(.post, "/v1/station/heartbeat", headers: Fixtures.bearer(credential), json: hb)
                #expect(r.status == .ok)
                // A place no station keeps, and a place that is not on a shelf.
                let unknown = try await client.call(
                    .post, "/v1/station/heartbeat", headers: Fixtures.bearer(credential), body: Data(#"{"devices":[],"stock":{"gudang-lain":5}}"#.utf8))
                #expect(unknown.status == .badRequest)
                let notPhysical = try await client.call(
                    .post, "/v1/station/heartbeat", headers: Fixtures.bearer(credential), json: Heartbeat(devices: [], stock: [.issued: 5]))
                #expect(notPhysical.status == .badRequest)
            }
            let devices = try await t.hub.deviceViews()
            #expect(devices.map(\.id.rawValue) == ["evolis-PRI01"])
            #expect(devices.first?.supplies.ribbonRemaining == 40)
            #expect(devices.first?.status == .warning)
            #expect(try await t.hub.stationViews().first?.freshness == .online)
            t.clock.advance(seconds: 121)
            #expect(try await t.hub.stationViews().first?.freshness == .stale)
            t.clock.advance(seconds: 600)
            #expect(try await t.hub.stationViews().first?.freshness == .offline)
            #expect(try await t.hub.stockOverview().kecamatan.first?.reportedOnHand == 350)

            // A device that goes into error is in error from then on; a later heartbeat in
            // error keeps that time; out of error it has none. A report without a place takes
            // the place away; a report without stock leaves the stock alone.
            let printer = try DeviceID("evolis-PRI01")
            func beat(_ status: DeviceStatus, stock: [StockPlace: Int]?, ribbon: RibbonReport? = nil) async throws -> EKTPHub.DeviceView? {
                let state = DeviceState(status: status, reasons: status == .error ? [.coverOpen] : [])
                _ = try await t.hub.heartbeat(
                    station: station, Heartbeat(devices: [DeviceReport(id: printer, model: nil, state: state)], stock: stock, ribbon: ribbon))
                return try await t.hub.deviceViews().first
            }
            let jammedAt = t.clock.current
            #expect(try await beat(.error, stock: [.store: 280]).flatMap(\.errorSince) == jammedAt)
            t.clock.advance(seconds: 30)
            let still = try await beat(.error, stock: nil)
            #expect(still?.errorSince == jammedAt && still?.model == "Evolis Primacy 2", "\(String(describing: still))")
            #expect(try await t.hub.stockOverview().kecamatan.first?.reportedOnHand == 280)
            t.clock.advance(seconds: 30)
            #expect(try await beat(.ready, stock: [.store: 270, .hopper(printer): 10]).map { $0.errorSince == nil && $0.status == .ready } == true)
            #expect(try await t.hub.stockOverview().kecamatan.first?.reportedOnHand == 280)
            t.clock.advance(seconds: 30)
            #expect(try await beat(.error, stock: [:], ribbon: RibbonReport(storeRolls: 2, printsLeft: 640)).flatMap(\.errorSince) == t.clock.current)
            #expect(try await t.hub.stockOverview().kecamatan.first?.reportedOnHand ?? 0 == 0)
            // The ribbon the station reports stays until it reports another.
            #expect(try await t.hub.stockOverview().kecamatan.first?.ribbonPrintsLeft == 640)
            let readyAt = t.clock.current
            _ = try await beat(.ready, stock: nil)
            #expect(try await t.hub.stockOverview().kecamatan.first?.ribbonPrintsLeft == 640)

            // A report that changes nothing leaves the row alone until it is a minute old
            // (`DeviceRow.refreshSeconds`); a change is written at once.
            t.clock.advance(seconds: 30)
            #expect(try await beat(.ready, stock: nil)?.updatedAt == readyAt)
            t.clock.advance(seconds: 31)
            #expect(try await beat(.ready, stock: nil)?.updatedAt == t.clock.current)
            t.clock.advance(seconds: 5)
            let warned = try await beat(.warning, stock: nil)
            #expect(warned?.updatedAt == t.clock.current && warned?.status == .warning)
        }
    }

    @Test("a station that prints nothing says why in its heartbeat; the fleet view shows it until it clears", arguments: Backend.all)
    func stoppedStationShown(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let full = "disk penuh: basis data /var/lib/ektp/station.sqlite tidak bisa ditulis"
            _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: [], stopped: [full]))
            #expect(try await t.hub.stationViews().first?.stopped == full)
            _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: [], stopped: []))
            #expect(try await t.hub.stationViews().first?.stopped == nil)
        }
    }

    @Test("malformed event batches are refused whole", arguments: Backend.all)
    func badBatches(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let e = Self.ledger(.received, "supplier", "store", 10)
            await #expect { try await t.hub.ingest(station: station, batch: EventBatch(events: [SequencedEvent(seq: 0, event: e)])) } throws: {
                ($0 as? HubError)?.code == .invalid
            }
            await #expect {
                try await t.hub.ingest(station: station, batch: EventBatch(events: [SequencedEvent(seq: 1, event: e), SequencedEvent(seq: 1, event: e)]))
            } throws: { ($0 as? HubError)?.code == .invalid }
            // A place no station keeps is refused when the batch is read, before the hub.
            let mars = String(decoding: try WireCoding.encoder().encode(EventBatch(events: [SequencedEvent(seq: 1, event: e)])), as: UTF8.self)
                .replacingOccurrences(of: "\"store\"", with: "\"mars\"")
            #expect(mars.contains("mars"))
            #expect(throws: DecodingError.self) { try WireCoding.decoder().decode(EventBatch.self, from: Data(mars.utf8)) }
            await #expect {
                try await t.hub.ingest(
                    station: station, batch: EventBatch(events: [SequencedEvent(seq: 1, event: Self.ledger(.received, "supplier", "store", 0))]))
            } throws: { ($0 as? HubError)?.code == .invalid }
            #expect(
                try await t.hub.stockOverview().kecamatan.allSatisfy { $0.onHand == 0 && $0.store == 0 && $0.consumptionPerDay == 0 },
                "a refused batch moves no stock")
        }
    }
}
