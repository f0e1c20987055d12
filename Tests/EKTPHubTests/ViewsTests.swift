import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

@Suite("Fleet views and alerts")
struct ViewsTests {
    @Test("stock per kecamatan and kabupaten by StockForecast: use per printing day on the station's days, every kecamatan shown", arguments: Backend.all)
    func stockDaysLeft(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (a, _) = try await t.enroll("32.16.01")
            let (b, _) = try await t.enroll("32.16.02")
            try await t.importJobs(try t.jobs(3, kecamatan: "32.16.03", prefix: "TANPA"))
            func ledger(_ kind: LedgerKind, _ from: String, _ to: String, _ q: Int) -> StationEvent {
                .ledger(kind: kind, from: StockPlace(key: from)!, to: StockPlace(key: to)!, quantity: q, job: nil, cause: nil, note: nil)
            }
            let now = t.clock.clock()
            let fourDaysAgo = now.addingTimeInterval(-4 * 86_400)
            _ = try await t.hub.ingest(
                station: a,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 1, event: ledger(.received, "supplier", "store", 1000)),
                    SequencedEvent(seq: 2, event: ledger(.loaded, "store", "hopper:sim-A", 100)),
                    // Used four days ago by the station's clock, sent today: counted on its day.
                    SequencedEvent(seq: 3, event: ledger(.printed, "hopper:sim-A", "issued", 63), at: fourDaysAgo),
                    SequencedEvent(seq: 4, event: ledger(.spoiled, "hopper:sim-A", "spoiled", 7)),
                    // A printed card found bad later is not a second blangko used.
                    SequencedEvent(seq: 5, event: ledger(.spoiled, "issued", "spoiled", 1)),
                    // A station clock a week ahead is the hub's today.
                    SequencedEvent(seq: 6, event: ledger(.printed, "hopper:sim-A", "issued", 10), at: now.addingTimeInterval(7 * 86_400)),
                ]))
            _ = try await t.hub.ingest(station: b, batch: EventBatch(events: [SequencedEvent(seq: 1, event: ledger(.received, "supplier", "store", 70))]))
            let stock = try await t.hub.stockOverview()
            #expect(stock.windowDays == StockForecast.windowDays)
            let tarumajaya = try #require(stock.kecamatan.first { $0.kecamatanCode == "32.16.01" })
            #expect(tarumajaya.name == "Tarumajaya")
            #expect(tarumajaya.onHand == 920)
            #expect(tarumajaya.spoiledAwaitingDestruction == 8)
            // 80 blangko on two printing days, not 80 over thirty calendar days.
            #expect(tarumajaya.printingDays == 2 && tarumajaya.consumptionPerDay == 40)
            #expect(tarumajaya.daysLeft == 23)
            #expect(tarumajaya.stations == 1 && tarumajaya.backlog == 0 && tarumajaya.needForBacklog == 0)
            #expect(stock.kecamatan.first { $0.kecamatanCode == "32.16.02" }?.daysLeft == nil)
            // A kecamatan with jobs and no station or stock is shown, with the blangko its
            // backlog needs; so is one with nothing at all.
            let unserved = try #require(stock.kecamatan.first { $0.kecamatanCode == "32.16.03" })
            #expect(unserved.stations == 0 && unserved.onHand == 0 && unserved.backlog == 3 && unserved.needForBacklog == 3, "\(unserved)")
            let regions = t.hub.regions
            #expect(Set(stock.kecamatan.map(\.kecamatanCode)) == Set(regions.kecamatan(under: "32.16").map(\.code)))
            let bekasi = try #require(stock.kabupaten.first)
            #expect(bekasi.kabupatenCode == "32.16" && bekasi.kecamatan == regions.kecamatan(under: "32.16").count)
            #expect(bekasi.onHand == 990)
            #expect(bekasi.daysLeft == 990.0 / 40)
            // Outside the window the rate falls to nothing.
            t.clock.advance(seconds: Double(StockForecast.windowDays + 5) * 86_400)
            #expect(try await t.hub.stockOverview().kecamatan.first { $0.kecamatanCode == "32.16.01" }?.consumptionPerDay == 0)
        }
    }

    @Test(
        "use is counted on each office's own day: two cards an hour apart across WIT midnight are two printing days in Papua, one in Jawa",
        arguments: Backend.all)
    func officeDays(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (jawa, _) = try await t.enroll("32.16.01")
            let (papua, _) = try await t.enroll("94.01.01")
            // Yesterday 14:30 and 15:30 UTC: 21:30 and 22:30 WIB, 23:30 and 00:30 WIT.
            let midnight = (t.clock.clock().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
            let first = Date(timeIntervalSince1970: midnight - 86_400 + 14.5 * 3600)
            for station in [jawa, papua] {
                _ = try await t.hub.ingest(
                    station: station,
                    batch: EventBatch(events: [
                        SequencedEvent(seq: 1, event: .ledger(kind: .received, from: .supplier, to: .store, quantity: 100, job: nil, cause: nil, note: nil)),
                        SequencedEvent(
                            seq: 2, event: .ledger(kind: .printed, from: .store, to: .issued, quantity: 6, job: nil, cause: nil, note: nil), at: first),
                        SequencedEvent(
                            seq: 3, event: .ledger(kind: .printed, from: .store, to: .issued, quantity: 4, job: nil, cause: nil, note: nil),
                            at: first.addingTimeInterval(3600)),
                    ]))
            }
            let stock = try await t.hub.stockOverview().kecamatan
            let wib = try #require(stock.first { $0.kecamatanCode == "32.16.01" })
            let wit = try #require(stock.first { $0.kecamatanCode == "94.01.01" })
            #expect(wib.printingDays == 1 && wib.consumptionPerDay == 10, "\(wib)")
            #expect(wit.printingDays == 2 && wit.consumptionPerDay == 5, "\(wit)")
        }
    }

    @Test(
        "the kabupaten's monthly roll-up: each kecamatan's report from its stations' ledger events, the month in the kecamatan's own zone",
        arguments: Backend.all)
    func kabupatenRollUp(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (a, _) = try await t.enroll("32.16.01")
            let (b, _) = try await t.enroll("32.16.02")
            let (c, _) = try await t.enroll("51.71.01")
            func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }
            func ledger(_ seq: Int64, _ kind: LedgerKind, _ from: String, _ to: String, _ q: Int, _ when: String, cause: SpoilCause? = nil) -> SequencedEvent {
                SequencedEvent(
                    seq: seq,
                    event: .ledger(kind: kind, from: StockPlace(key: from)!, to: StockPlace(key: to)!, quantity: q, job: nil, cause: cause, note: nil),
                    at: at(when))
            }
            _ = try await t.hub.ingest(
                station: a,
                batch: EventBatch(events: [
                    ledger(1, .received, "supplier", "store", 100, "2026-10-15T03:00:00Z"),
                    ledger(2, .loaded, "store", "hopper:sim-A", 50, "2026-11-10T03:00:00Z"),
                    ledger(3, .printed, "hopper:sim-A", "issued", 30, "2026-11-10T04:00:00Z"),
                    ledger(4, .spoiled, "hopper:sim-A", "spoiled", 2, "2026-11-10T05:00:00Z", cause: .gagalCetak),
                    // 23:30 WIB on 30 November: still November in Bekasi.
                    ledger(5, .printed, "hopper:sim-A", "issued", 1, "2026-11-30T16:30:00Z"),
                    ledger(6, .printed, "hopper:sim-A", "issued", 4, "2026-12-01T02:00:00Z"),
                ]))
            _ = try await t.hub.ingest(
                station: b,
                batch: EventBatch(events: [
                    ledger(1, .received, "supplier", "store", 40, "2026-11-05T03:00:00Z"),
                    ledger(2, .transferred, "store", "transferred", 5, "2026-11-06T03:00:00Z"),
                ]))
            // 00:30 WITA on 1 December in Denpasar: December there.
            _ = try await t.hub.ingest(station: c, batch: EventBatch(events: [ledger(1, .received, "supplier", "store", 10, "2026-11-30T16:30:00Z")]))

            let november = try await t.hub.kabupatenRollUp("32.16", month: "2026-11")
            #expect(november.kecamatan.map(\.code) == ["32.16.01", "32.16.02"], "only the kabupaten's kecamatan, with events")
            let tarumajaya = try #require(november.kecamatan.first?.report)
            #expect(KabupatenRollUp.figures(tarumajaya) == [100, 0, 31, 2, 0, 0, 67] && tarumajaya.spoiledUnused == ["gagal-cetak": 2])
            #expect(KabupatenRollUp.figures(try #require(november.kecamatan.last?.report)) == [0, 40, 0, 0, 5, 0, 35])
            #expect(november.totals == [100, 40, 31, 2, 5, 0, 102] && november.kecamatan.allSatisfy { $0.report.balances })
            #expect(
                KabupatenRollUp.figures(try #require(try await t.hub.kabupatenRollUp("32.16", month: "2026-12").kecamatan.first?.report)) == [
                    67, 0, 4, 0, 0, 0, 63,
                ])
            #expect(try await t.hub.kabupatenRollUp("51.71", month: "2026-11").kecamatan.first?.report.received == 0)
            #expect(try await t.hub.kabupatenRollUp("51.71", month: "2026-12").kecamatan.first?.report.received == 10)
            await #expect(throws: HubError.self) { try await t.hub.kabupatenRollUp("32.16.01", month: "2026-11") }
            await #expect(throws: HubError.self) { try await t.hub.kabupatenRollUp("32.16", month: "2026-13") }
        }
    }

    @Test("backlog per kecamatan: waiting, urgent, at the station, oldest", arguments: Backend.all)
    func backlog(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(4, urgentEvery: 2))
            try await t.importJobs(try t.jobs(1, kecamatan: "32.16.02", prefix: "BAB"))
            let (station, _) = try await t.enroll()
            _ = try await t.hub.poll(station: station, wait: 0, max: 1)
            _ = try await t.hub.ack(station: station, jobs: [try JobID("PRR-000002")])
            let view = try await t.hub.backlogView()
            #expect(view.totalWaiting == 4)
            let row = try #require(view.kecamatan.first { $0.kecamatanCode == "32.16.01" })
            #expect(row.waiting == 3 && row.urgent == 1 && row.atStation == 1)
            #expect(row.oldestApprovedAt != nil)
        }
    }

    @Test("alerts: device in error too long, station silent, stock low, counter mismatch", arguments: Backend.all)
    func alerts(_ backend: Backend) async throws {
        try await TestHub.with(
            backend,
            tweak: {
                $0.deviceErrorMinutes = 15; $0.silentMinutes = 30; $0.stockLowDays = 14
            }
        ) { t in
            let (station, _) = try await t.enroll()
            let jam = DeviceState(status: .error, reasons: [.mediaJam])
            _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: [DeviceReport(id: try DeviceID("sim-A"), state: jam)]))
            _ = try await t.hub.ingest(
                station: station,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 1, event: .ledger(kind: .received, from: .supplier, to: .store, quantity: 20, job: nil, cause: nil, note: nil)),
                    SequencedEvent(seq: 2, event: .ledger(kind: .spoiled, from: .store, to: .spoiled, quantity: 7, job: nil, cause: .rusak, note: nil)),
                    SequencedEvent(
                        seq: 3,
                        event: .alert(alert: Alert(kind: .counterMismatch, device: try DeviceID("sim-A"), message: "penghitung printer naik 3, buku blangko 1"))
                    ),
                ]))
            var kinds = Set(try await t.hub.alertsView().alerts.map(\.kind))
            #expect(kinds == [.stockLow, .counterMismatch])  // the jam is new, the station just called
            t.clock.advance(seconds: 16 * 60)
            // Still jammed at the next heartbeat: the error started 16 minutes ago.
            _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: [DeviceReport(id: try DeviceID("sim-A"), state: jam)]))
            kinds = Set(try await t.hub.alertsView().alerts.map(\.kind))
            #expect(kinds == [.stockLow, .counterMismatch, .deviceError])
            t.clock.advance(seconds: 31 * 60)
            kinds = Set(try await t.hub.alertsView().alerts.map(\.kind))
            #expect(kinds.contains(.stationSilent))
            // Cleared: no device alert any more.
            _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: [DeviceReport(id: try DeviceID("sim-A"), state: DeviceState(status: .ready))]))
            kinds = Set(try await t.hub.alertsView().alerts.map(\.kind))
            #expect(!kinds.contains(.deviceError) && !kinds.contains(.stationSilent))
        }
    }

    /// Found by schemathesis: events numbered up to Int64.max made the count of missing
    /// events overflow, and the alerts view trapped the hub.
    @Test("a printer's chip encodings, as its station's heartbeat says, kept until the next count; negative counts refused", arguments: Backend.all)
    func chipCounts(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let id = try DeviceID("sim-ENC")
            let counts = ChipCounts(verified: 7, refused: 1, failed: 1, interrupted: 0)
            _ = try await t.hub.heartbeat(
                station: station, Heartbeat(devices: [DeviceReport(id: id, state: DeviceState(status: .ready), chip: counts)]))
            #expect(try await t.hub.store.devices().first { $0.id == id }?.chip == counts)
            // A heartbeat that says nothing of chips leaves the last count.
            _ = try await t.hub.heartbeat(station: station, Heartbeat(devices: [DeviceReport(id: id, state: DeviceState(status: .printing))]))
            #expect(try await t.hub.store.devices().first { $0.id == id }?.chip == counts)
            await #expect(throws: HubError.self) {
                _ = try await t.hub.heartbeat(
                    station: station, Heartbeat(devices: [DeviceReport(id: id, state: DeviceState(status: .ready), chip: ChipCounts(failed: -1))]))
            }
            #expect(try await t.hub.store.devices().first { $0.id == id }?.chip == counts)
        }
    }

    @Test("alerts: gaps up to Int64.max are counted without overflow", arguments: Backend.all)
    func gapsAtTheEndOfTheRange(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let note = StationEvent.ledger(kind: .received, from: .supplier, to: .store, quantity: 1, job: nil, cause: nil, note: nil)
            _ = try await t.hub.ingest(
                station: station,
                batch: EventBatch(events: [
                    SequencedEvent(seq: 1, event: note), SequencedEvent(seq: Int64.max / 2, event: note), SequencedEvent(seq: Int64.max, event: note),
                ]))
            let gaps = try await t.hub.alertsView().alerts.filter { $0.kind == .sequenceGap }
            #expect(gaps.count == 1)
            // 2…max/2−1 and max/2+1…max−1: every number but the three received.
            #expect(gaps.first?.message.hasPrefix("\(Int64.max - 3) peristiwa") == true, "\(gaps)")
        }
    }

    @Test("views need the admin token and answer JSON", arguments: Backend.all)
    func viewsOverHTTP(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.app.test(.router) { client in
                for view in ["stations", "devices", "stock", "backlog", "alerts"] {
                    #expect(try await client.call(.get, "/v1/views/\(view)").status == .unauthorized)
                    let r = try await client.call(.get, "/v1/views/\(view)", headers: Fixtures.admin)
                    #expect(r.status == .ok, "\(view)")
                    #expect(r.json != nil)
                }
            }
        }
    }
}
