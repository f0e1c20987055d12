import AsyncHTTPClient
import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// `ektp-bench sync`: the station–hub link with the real `ektp-hub` and `ektpd`
/// processes on loopback, each figure against a baseline from the same run:
/// 1. intake at the hub → job stored at the station (long-poll), p50/p99, against the two
///    round trips the path cannot avoid: the hub's intake and the station's own import of
///    the same kind of job;
/// 2. the outbox drained after the hub was away (events/s), against the same events posted
///    to the hub directly, one batch after another.
enum SyncBench {
    static func run(_ args: [String]) async throws {
        let latencyJobs = Int(ProcessInfo.processInfo.environment["EKTP_BENCH_SYNC_JOBS"] ?? "") ?? 300
        let offlineJobs = Int(ProcessInfo.processInfo.environment["EKTP_BENCH_SYNC_OFFLINE_JOBS"] ?? "") ?? 3000
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-sync-bench-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["EKTP_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: root) } }
        let regions = try RegionData.load()
        let signer = ApprovalSigner.generate(keyId: "sync-bench")
        let jobs = BenchJobs(regions: regions, signer: signer)
        let kecamatan = "32.16.01"
        let admin = "sync-bench-admin"
        let port = try LoopbackPort.free()
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let hubEnvironment = [
            "EKTP_HUB_DATABASE": root.appendingPathComponent("hub.sqlite").path, "EKTP_HUB_ADMIN_TOKEN": admin,
            "EKTP_HUB_APPROVAL_KEYS": "\(signer.keyId):\(signer.publicKeyBase64)", "EKTP_HUB_REGIONS": RegionData.path(),
            "EKTP_HUB_PORT": String(port), "EKTP_HUB_HOST": "127.0.0.1", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ].merging(HubProcess.ownSettings) { $1 }
        func startHub() throws -> Process {
            let p = Process()
            p.executableURL = here.appendingPathComponent("ektp-hub")
            p.arguments = ["serve"]
            p.environment = hubEnvironment
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let http = HubHTTP(client: httpClient, base: "http://127.0.0.1:\(port)")
        var hub = try startHub()
        defer { if hub.isRunning { hub.terminate() } }
        try await http.waitHealthy(HubProcess(process: hub, port: port))

        // The station: no printers (the jobs are only stored), web pages off.
        let socket = root.appendingPathComponent("s.sock").path
        let state = root.appendingPathComponent("state").path
        let config = root.appendingPathComponent("ektpd.toml").path
        var file = StationConfigFile(
            kecamatan: kecamatan, stateDirectory: state, socket: socket, approvalKeys: ["\(signer.keyId):\(signer.publicKeyBase64)"])
        file["hub", "poll_wait_seconds"] = 25
        file["hub", "retry_max_seconds"] = 1
        file["web", "enabled"] = false
        try file.write(to: config)
        let station = Process()
        station.executableURL = here.appendingPathComponent("ektpd")
        station.arguments = ["--config", config]
        station.environment = ProcessInfo.processInfo.environment.merging(["EKTP_LOG_LEVEL": "error"]) { $1 }
        try station.run()
        defer { if station.isRunning { station.terminate() } }
        try await StationClient.withClient(socketPath: socket, userAgent: "ektp-bench") { client in
            for _ in 0..<400 where (try? await client.status()) == nil { try await Task.sleep(for: .milliseconds(25)) }
            let issued: EnrollmentTokenIssued = try await http.json(
                .POST, "/v1/admin/enrollment-tokens", bearer: admin, EnrollmentTokenRequest(kecamatan: kecamatan)
            ).decode()
            _ = try await client.enroll(EnrollStationRequest(hubURL: http.base, token: issued.token))
            // Measure from the first long-poll on: the station reconciles first.
            while try await client.syncStatus().lastReconcile == nil { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))

            // MARK: 1. Intake → stored at the station

            say("== sync: intake di hub → tersimpan di stasiun, \(latencyJobs) job satu per satu (long-poll) ==")
            var sent: [String: Date] = [:]
            var intakeRTT: [Double] = []
            for (id, document) in try jobs.signed(count: latencyJobs, kecamatan: kecamatan, prefix: "LAT", seed: 1) {
                let t0 = Date()
                sent[id] = t0
                let reply = try await http.call(.POST, "/v1/intake", bearer: admin, body: BenchJobs.file([document]))
                guard reply.status == 201 else { throw BenchProblem("intake: \(reply.status)") }
                intakeRTT.append(Date().timeIntervalSince(t0))
                try await Task.sleep(for: .milliseconds(Int.random(in: 10...40)))
            }
            while (try await client.status().jobs[.queued] ?? 0) < latencyJobs { try await Task.sleep(for: .milliseconds(20)) }
            let received = try await DatabaseQueue(path: state + "/station.sqlite").read { db in
                try Row.fetchAll(db, sql: "SELECT id, receivedAt FROM job WHERE id LIKE 'LAT-%'").map { ($0["id"] as String, $0["receivedAt"] as Double) }
            }
            let latency = Percentiles(received.map { $0.1 - sent[$0.0]!.timeIntervalSince1970 })
            var localRTT: [Double] = []
            for (_, document) in try jobs.signed(count: latencyJobs, kecamatan: kecamatan, prefix: "LOC", seed: 2) {
                let t0 = Date()
                _ = try await client.importJobs(BenchJobs.file([document]))
                localRTT.append(Date().timeIntervalSince(t0))
            }
            let floor = Percentiles(zip(intakeRTT, localRTT).map { $0 + $1 })
            say(String(format: "  intake → tersimpan: p50 %.1f ms, p99 %.1f ms (maks %.1f ms)", latency.p50, latency.p99, latency.max))
            say(String(format: "  dasar (intake hub + impor lokal stasiun): p50 %.1f ms, p99 %.1f ms", floor.p50, floor.p99))
            say(String(format: "  rasio p50 %.2f, p99 %.2f", latency.p50 / floor.p50, latency.p99 / floor.p99))

            // MARK: 2. Outbox drain after the hub was away

            hub.terminate()
            hub.waitUntilExit()
            let offline = try jobs.signed(count: offlineJobs, kecamatan: kecamatan, prefix: "OFF", seed: 3)
            for start in stride(from: 0, to: offline.count, by: 500) {
                _ = try await client.importJobs(BenchJobs.file(offline[start..<min(start + 500, offline.count)].map(\.document)))
            }
            let backlog = try await client.status().outboxBacklog
            let firstPending = try await DatabaseQueue(path: state + "/station.sqlite").read { db in
                try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM outbox WHERE sentAt IS NULL") ?? 0
            }
            say("== sync: antrean \(backlog) kejadian setelah hub mati, dikirim saat hub kembali ==")
            hub = try startHub()
            try await http.waitHealthy(HubProcess(process: hub, port: port))
            let clock = ContinuousClock()
            let drain = try await clock.measure {
                while try await client.status().outboxBacklog > 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            // Baseline: the same events, posted straight to the hub in batches of the same
            // size by another station, one batch after another.
            let events = try await DatabaseQueue(path: state + "/station.sqlite").read { db in
                try String.fetchAll(db, sql: "SELECT event FROM outbox WHERE seq >= ? ORDER BY seq", arguments: [firstPending])
            }
            let other = try await http.enroll(kecamatan: "32.16.02", admin: admin)
            let direct = try await clock.measure {
                for start in stride(from: 0, to: events.count, by: 200) {
                    var body = Data(#"{"events":["#.utf8)
                    for (i, event) in events[start..<min(start + 200, events.count)].enumerated() {
                        if i > 0 { body.append(UInt8(ascii: ",")) }
                        body.append(contentsOf: Array(#"{"event":\#(event),"seq":\#(start + i + 1)}"#.utf8))
                    }
                    body.append(contentsOf: Array("]}".utf8))
                    let reply = try await http.call(.POST, "/v1/station/events", bearer: other, body: body)
                    guard reply.status == 200 else { throw BenchProblem("events: \(reply.status) \(String(buffer: reply.body).prefix(200))") }
                }
            }
            let drainRate = Double(backlog) / seconds(drain)
            let directRate = Double(events.count) / seconds(direct)
            say(String(format: "  dikirim stasiun: %d kejadian dalam %.2f s = %.0f kejadian/s", backlog, seconds(drain), drainRate))
            say(String(format: "  dasar (kirim langsung, batch 200 berurutan): %.0f kejadian/s; rasio %.2f", directRate, drainRate / directRate))
        }
        station.terminate()
        station.waitUntilExit()
        hub.terminate()
        hub.waitUntilExit()
        try await httpClient.shutdown()
    }
}
