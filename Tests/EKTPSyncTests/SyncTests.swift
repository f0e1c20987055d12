import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPHub
import EKTPSimulator
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Station and hub as real processes over real HTTP on loopback (issue: station ↔ hub
/// sync). The printers are simulated; everything else is the shipped code.
@Suite("station ↔ hub sync", .serialized, .daemons)
struct SyncTests {
    static let kecamatan = "32.16.07"

    /// Intake at the hub → pulled, verified, stored, acknowledged → printed at the station
    /// → outcome, stock and device state visible at the hub. A job signed with a key the
    /// station does not trust is refused, never printed, and the hub sees why.
    @Test(.timeLimit(.minutes(5)))
    func intakeToPrintedVisibleAtHub() async throws {
        let scratch = try Scratch("sync-e2e")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let other = ApprovalSigner.generate(keyId: "other-office")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval, other])
        try await hub.start()
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: Self.kecamatan, trusted: approval,
            printers: ["evolis-primacy-2?serial=E2E-A&faults=jam@3", "hid-fargo-hdp5000?serial=E2E-B&faults=power-loss@4"])
        try await station.start()
        defer { station.child.stop() }
        defer { Task { await hub.shutdown() } }

        // Stock arrives before the station is enrolled: those events go up too.
        try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 60, document: "SJ-E2E"))
            for d in try await client.devices() { _ = try await client.stock(.load(device: d.id, quantity: 20)) }
        }
        // Refused enrollments change nothing.
        await #expect(throws: StationClientError.self) {
            try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: "http://hub.example:8480", token: "x")) }
        }
        await #expect(throws: StationClientError.self) {
            try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: hub.url, token: "bukan-token")) }
        }
        #expect(!FileManager.default.fileExists(atPath: station.stateDirectory + "/hub.json"))

        let token = try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)
        let enrolled = try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: hub.url, token: token)) }
        let mode = try FileManager.default.attributesOfItem(atPath: station.stateDirectory + "/hub.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!enrolled.stationId.isEmpty)

        let regions = try RegionData.load()
        let jobs = try SyntheticJobs(regions: regions, signer: approval).jobs(count: 16, kecamatan: Self.kecamatan, prefix: "E2E")
        let foreign = try SyntheticJobs(regions: regions, signer: other).jobs(count: 1, kecamatan: Self.kecamatan, prefix: "LAIN", seed: 9)
        let intake = try await hub.admin.intake(try SyntheticJobs(regions: regions, signer: approval).signedFile(jobs))
        #expect(intake.stored.count == jobs.count)
        _ = try await hub.admin.intake(try SyntheticJobs(regions: regions, signer: other).signedFile(foreign))

        try await Operator.work(station, seconds: 180, "cetak job dari hub") { status in
            (status.jobs[.printed] ?? 0) == jobs.count && status.outboxBacklog == 0
        }

        // The hub sees every outcome, the refusal, the stock and the printers.
        try await eventually("hub melihat semua hasil") {
            for job in jobs where try await hub.job(job.id).state != .printed { return false }
            return try await hub.job(foreign[0].id).state == .returned
        }
        let station0 = try #require(try await station.withClient { try await $0.status() })
        #expect(station0.jobs[.rejected] == nil, "the refused job never entered the print queue")
        try await expectStockAgrees(hub, station)
        let devices = try await hub.admin.get([EKTPHub.DeviceView].self, "/v1/views/devices")
        #expect(Set(devices.map(\.id.rawValue)) == ["sim-E2E-A", "sim-E2E-B"])
        let alerts = try await hub.admin.get(AlertsView.self, "/v1/views/alerts").alerts
        #expect(alerts.contains { $0.message.contains(foreign[0].id.rawValue) }, "\(alerts)")
        try await expectEventsComplete(hub, station)

        // Station metrics over TCP.
        let metrics = String(
            decoding: try await hub.http.get(url: "http://127.0.0.1:\(station.metricsPort)/metrics").get().body.map { Data($0.readableBytesView) } ?? Data(),
            as: UTF8.self)
        #expect(metrics.contains("ektp_station_jobs{state=\"printed\"} 16"), "\(metrics.prefix(2000))")
        #expect(metrics.contains("ektp_station_outbox_backlog 0"))
        #expect(metrics.contains("ektp_station_hub_enrolled 1"))
        #expect(metrics.contains(#"ektp_station_cards_printed_total{device="sim-E2E-A"}"#), "per-printer counters")
        #expect(metrics.contains(#"ektp_station_printer_status{device="sim-E2E-A",status="ready"}"#))
        #expect(metrics.contains(#"ektp_build_info{program="ektpd",version=""#))
        // The hub exports what the station reported: the centre scrapes only the hub.
        let hubMetrics = String(
            decoding: try await hub.http.get(url: "\(hub.url)/metrics").get().body.map { Data($0.readableBytesView) } ?? Data(), as: UTF8.self)
        #expect(hubMetrics.contains(#"ektp_hub_printer_status{station=""#) && hubMetrics.contains(#"device="sim-E2E-A",status="#), "\(hubMetrics.prefix(3000))")
        #expect(hubMetrics.contains(#"ektp_hub_kecamatan_blangko{kecamatan="\#(Self.kecamatan)"}"#))
        // Every series the alert rules and the dashboard read is one the hub exposes.
        for file in ["monitoring/ektp-alerts.yml", "monitoring/grafana-ektp.json"] {
            let text = try String(contentsOfFile: Monitoring.path(file), encoding: .utf8)
            for name in Set(text.matches(of: /ektp_[a-z_]+/).map { String($0.output) }) {
                let base = name.replacing(/_(bucket|sum|count)$/, with: "")
                #expect(
                    hubMetrics.contains("\n\(name){") || hubMetrics.contains("\n\(name) ") || hubMetrics.contains("# TYPE \(base) "),
                    "\(file) reads \(name), which the hub does not expose")
            }
        }
        // Both pass Prometheus's own check.
        for (who, text) in [("ektpd", metrics), ("ektp-hub", hubMetrics)] where Promtool.available {
            let problems = try Promtool.checkMetrics(text)
            #expect(problems.isEmpty, "promtool check metrics (\(who)): \(problems)")
        }
    }

    /// The hub away for a long stretch: the station keeps printing what it holds, its
    /// outbox grows (and status warns), and when the hub returns everything arrives, in
    /// sequence order, nothing doubled.
    @Test(.timeLimit(.minutes(5)))
    func hubAwayStationKeepsPrintingThenCatchesUp() async throws {
        let scratch = try Scratch("sync-away")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: Self.kecamatan, trusted: approval, printers: ["evolis-primacy-2?serial=AWAY-A"])
        try await station.start()
        defer { station.child.stop() }
        defer { Task { await hub.shutdown() } }
        let token = try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)
        _ = try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: hub.url, token: token)) }
        let regions = try RegionData.load()
        let jobs = try SyntheticJobs(regions: regions, signer: approval).jobs(count: 30, kecamatan: Self.kecamatan, prefix: "AWAY")
        _ = try await hub.admin.intake(try SyntheticJobs(regions: regions, signer: approval).signedFile(jobs))
        // Held: every job stored at the station, no card yet (no blangko loaded).
        try await Operator.work(station, seconds: 60, "job tersimpan di stasiun") { ($0.jobs[.queued] ?? 0) == jobs.count }

        hub.child.stop()
        try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 100, document: "SJ-AWAY"))
            for i in 0..<40 {
                _ = try await client.stock(.spoil(place: .store, quantity: 1, cause: .rusak, note: "rusak di gudang \(i)"))
            }
            for d in try await client.devices() { _ = try await client.stock(.load(device: d.id, quantity: 40)) }
        }
        try await Operator.work(station, seconds: 120, "cetak saat hub mati") { ($0.jobs[.printed] ?? 0) == jobs.count }
        let away = try await station.withClient { try await $0.syncStatus() }
        #expect(away.outboxBacklog > 50)
        #expect(away.warning != nil)
        #expect(away.lastError != nil, "\(away)")

        try await hub.start()
        try await Operator.work(station, seconds: 60, "kirim antrean setelah hub kembali") { $0.outboxBacklog == 0 }
        try await expectEventsComplete(hub, station)
        try await expectStockAgrees(hub, station)
        // In order: a later sequence number never arrived before an earlier one.
        let arrivals = try await DatabaseQueue(path: hub.database).read { db in try Double.fetchAll(db, sql: "SELECT receivedAt FROM stationEvent ORDER BY seq")
        }
        #expect(arrivals == arrivals.sorted())
        for job in jobs { #expect(try await hub.job(job.id).state == .printed) }
    }

    /// SIGKILL of the station and of the hub at random moments, many times, during a run:
    /// no job lost, none printed twice without a recorded decision, the hub's stock equal
    /// to the station's ledger, no event lost or doubled.
    @Test(.timeLimit(.minutes(10)))
    func killsOfStationAndHub() async throws {
        let scratch = try Scratch("sync-kill")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval], leaseSeconds: 3)
        try await hub.start()
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: Self.kecamatan, trusted: approval,
            printers: ["evolis-primacy-2?serial=KILL-A", "hid-fargo-hdp5000?serial=KILL-B"], ms: 40)
        try await station.start()
        defer { station.child.stop() }
        defer { Task { await hub.shutdown() } }
        let token = try await hub.admin.enrollmentToken(kecamatan: Self.kecamatan)
        _ = try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 400, document: "SJ-KILL"))
            for d in try await client.devices() { _ = try await client.stock(.load(device: d.id, quantity: 50)) }
            return try await client.enroll(EnrollStationRequest(hubURL: hub.url, token: token))
        }
        let regions = try RegionData.load()
        let factory = SyntheticJobs(regions: regions, signer: approval)
        let jobs = try factory.jobs(count: 150, kecamatan: Self.kecamatan, prefix: "KILL")
        // Jobs arrive at the hub in five batches while the killing goes on.
        var batches = stride(from: 0, to: jobs.count, by: 30).map { Array(jobs[$0..<min($0 + 30, jobs.count)]) }
        var kills = (station: 0, hub: 0)
        while kills.station + kills.hub < 30 {
            if !batches.isEmpty, hub.child.isRunning { _ = try await hub.admin.intake(try factory.signedFile(batches.removeFirst())) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...700)))
            if Bool.random() {
                station.child.kill9()
                kills.station += 1
                try await station.start()
            } else {
                hub.child.kill9()
                kills.hub += 1
                try await hub.start()
            }
            try? await station.withClient { try await Operator.round($0, station) }
        }
        for batch in batches { _ = try await hub.admin.intake(try factory.signedFile(batch)) }
        try await Operator.work(station, seconds: 300, "semua job tercetak") { status in
            (status.jobs[.printed] ?? 0) == jobs.count && status.outboxBacklog == 0
        }
        // Invariant 2 and 1: every job printed, each card out of a printer once.
        var done: [String: Int] = [:]
        let catalog = try ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory())
        for uri in station.uris {
            let printer = try SimulatedPrinter(url: URLComponents(string: uri)!, profiles: catalog)
            for e in await printer.events where e.hasPrefix("DONE ") { done[String(e.dropFirst(5)), default: 0] += 1 }
        }
        #expect(done.count == jobs.count)
        #expect(done.values.allSatisfy { $0 == 1 }, "printed twice: \(done.filter { $0.value > 1 })")
        // Invariants 3 and 4 across the link.
        try await expectEventsComplete(hub, station)
        try await expectStockAgrees(hub, station)
        for job in jobs { #expect(try await hub.job(job.id).state == .printed, "\(job.id)") }
        print("sync kill test: \(kills.station) SIGKILLs of ektpd, \(kills.hub) of ektp-hub, \(jobs.count) cards printed once each")
    }

    // MARK: Checks

    /// Every event the station wrote is at the hub exactly once and in full: the hub's
    /// highest sequence is the station's last, with no gap, and each stored event is
    /// byte-for-byte the station's.
    func expectEventsComplete(_ hub: HubUnderTest, _ station: StationUnderTest) async throws {
        let local = try await DatabaseQueue(path: station.stateDirectory + "/station.sqlite").read { db in
            try Row.fetchAll(db, sql: "SELECT seq, event FROM outbox ORDER BY seq").map { ($0["seq"] as Int64, $0["event"] as String) }
        }
        let stations = try await hub.admin.get([StationView].self, "/v1/views/stations")
        let view = try #require(stations.first)
        #expect(view.highestSeq == local.last?.0)
        let remote = try await DatabaseQueue(path: hub.database).read { db in
            try Row.fetchAll(db, sql: "SELECT seq, event FROM stationEvent WHERE stationId = ? ORDER BY seq", arguments: [view.id]).map {
                ($0["seq"] as Int64, $0["event"] as String)
            }
        }
        #expect(remote.map(\.0) == local.map(\.0), "hub has \(remote.count) events, station wrote \(local.count)")
        let differing = zip(remote, local).filter { canonical($0.1) != canonical($1.1) }
        #expect(differing.isEmpty, "\(differing.prefix(3))")
    }

    func canonical(_ json: String) -> [UInt8] { (try? JSONValue.parse(Array(json.utf8)).canonicalBytes()) ?? Array(json.utf8) }

    /// The hub's blangko per place for the kecamatan (from events) equals the station's
    /// ledger, and both forecast the same days of stock (`StockForecast`, one definition).
    func expectStockAgrees(_ hub: HubUnderTest, _ station: StationUnderTest) async throws {
        let view = try await station.withClient { try await $0.stockView() }
        let places = view.places
        let overview = try await hub.admin.get(StockOverview.self, "/v1/views/stock")
        let kec = try #require(overview.kecamatan.first { $0.kecamatanCode == Self.kecamatan })
        let hoppers = places.filter { if case .hopper = $0.key { true } else { false } }.values.reduce(0, +)
        #expect(kec.store == places[.store] ?? 0)
        #expect(kec.hoppers == hoppers)
        #expect(kec.spoiledAwaitingDestruction == places[.spoiled] ?? 0)
        let f = view.forecast
        #expect(f.used > 0 && f.printingDays == 1, "\(f)")
        #expect(kec.printingDays == f.printingDays && kec.consumptionPerDay == f.usagePerPrintingDay && kec.daysLeft == f.daysLeft, "hub \(kec), station \(f)")
    }

}

/// Waits for `check` to hold, or fails after `seconds`.
func eventually(_ what: String, seconds: Double = 30, _ check: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await check() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw HarnessError("\(what): tidak terjadi dalam \(Int(seconds)) detik")
}
