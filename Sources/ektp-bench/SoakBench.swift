import AsyncHTTPClient
import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// `ektp-bench soak`: ektpd through a compressed office day, and its memory.
///
/// Two release `ektpd` processes run side by side for the same time. The loaded one lives a
/// day of 24 simulated hours (`EKTP_BENCH_SOAK_MINUTES` real minutes, 6 by default): every
/// hour jobs arrive through a real `ektp-hub` and print on two simulated printers that go
/// through ready, printing, a jam (a spoiled card), an open cover, unplugged (offline) and
/// back; the hub is stopped for two hours in the morning and one in the afternoon and the
/// outbox drains when it returns; `/metrics` and the pages are fetched every second. The
/// idle one (one printer, no hub, nobody) is the same run's baseline. Both report RSS at
/// start and at the end, and the growth per simulated hour over the second half of the day
/// (least squares over one sample a second), when start-up and the first jobs are behind.
enum SoakBench {
    struct Sample {
        let at: Double
        let rss: Double
        let anon: Double
    }

    static func run(_ args: [String]) async throws {
        let minutes = Double(ProcessInfo.processInfo.environment["EKTP_BENCH_SOAK_MINUTES"] ?? "") ?? 6
        guard minutes >= 1 else { throw BenchProblem("EKTP_BENCH_SOAK_MINUTES paling sedikit 1") }
        let hour = minutes * 60 / 24
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for name in ["ektpd", "ektp-hub"] where !FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent(name).path) {
            throw BenchProblem("\(bin.appendingPathComponent(name).path) tidak ada; bangun dulu (swift build -c release)")
        }
        say(String(format: "== ektpd: satu hari kantor dalam %.0f menit (1 jam simulasi = %.1f s), dibanding ektpd diam ==", minutes, hour))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-soak-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let signer = ApprovalSigner.generate(keyId: "soak")
        let regions = try RegionData.load()
        let factory = SyntheticJobs(regions: regions, signer: signer)
        let kecamatan = "32.16.01"

        // The hub, on SQLite; restarted on the same port when it comes back.
        let adminToken = "soak-admin-\(UUID().uuidString)"
        let hubPort = try LoopbackPort.free()
        let hubEnvironment = [
            "EKTP_HUB_DATABASE": root.appendingPathComponent("hub.sqlite").path, "EKTP_HUB_ADMIN_TOKEN": adminToken,
            "EKTP_HUB_APPROVAL_KEYS": "\(signer.keyId):\(signer.publicKeyBase64)", "EKTP_HUB_REGIONS": RegionData.path(), "EKTP_LOG_LEVEL": "error",
        ]
        let hubBinary = bin.appendingPathComponent("ektp-hub")
        var hub = try HubProcess.start(binary: hubBinary, environment: hubEnvironment, cpu: nil, port: hubPort)
        defer { hub.stop() }
        let office = HubAdminClient(base: "http://127.0.0.1:\(hubPort)", adminToken: adminToken, httpClient: HTTPClient.shared)
        try await waitFor("hub menjawab") { (try? await office.call(.GET, "/health")) != nil }

        // The two daemons.
        func daemon(_ name: String, printers: [String], web: Bool) throws -> (Child, String, Int) {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent("printers"), withIntermediateDirectories: true)
            let socket = dir.appendingPathComponent("s.sock").path
            let metrics = try LoopbackPort.free()
            var file = StationConfigFile(
                kecamatan: kecamatan, stateDirectory: dir.path, socket: socket, printers: printers.map { $0 + "&state=\(dir.path)/printers" },
                approvalKeys: ["\(signer.keyId):\(signer.publicKeyBase64)"])
            file["metrics", "listen"] = .string("127.0.0.1:\(metrics)")
            file["hub", "poll_wait_seconds"] = 5
            file["hub", "heartbeat_seconds"] = 5
            file["hub", "retry_max_seconds"] = 5
            file["web", "enabled"] = .bool(web)
            if web { file["web", "listen"] = .string("127.0.0.1:\(try LoopbackPort.free())") }
            let config = dir.appendingPathComponent("ektpd.toml").path
            try file.write(to: config)
            let child = Child(
                bin.appendingPathComponent("ektpd"), ["--config", config], environment: ["EKTP_LOG_LEVEL": "error"],
                log: dir.appendingPathComponent("ektpd.log").path)
            try child.start()
            return (child, socket, metrics)
        }
        let (busy, busySocket, busyMetrics) = try daemon(
            "sibuk", printers: ["sim://evolis-primacy-2?serial=SOAK-EVO&ms=150", "sim://hid-fargo-hdp5000?serial=SOAK-HDP&ms=200"], web: true)
        defer { busy.stop() }
        let (idle, idleSocket, _) = try daemon("diam", printers: ["sim://evolis-primacy-2?serial=SOAK-IDLE"], web: false)
        defer { idle.stop() }
        for socket in [busySocket, idleSocket] {
            try await waitFor("ektpd menjawab") { (try? await StationClient.withClient(socketPath: socket) { try await $0.status() }) != nil }
        }
        let station = { @Sendable (body: @Sendable (StationClient) async throws -> Void) async throws in
            try await StationClient.withClient(socketPath: busySocket, timeout: .seconds(60)) { try await body($0) }
        }
        let token = try await office.enrollmentToken(kecamatan: kecamatan)
        try await station { _ = try await $0.enroll(EnrollStationRequest(hubURL: "http://127.0.0.1:\(hubPort)", token: token)) }
        let devices = try await StationClient.withClient(socketPath: busySocket) { try await $0.devices() }.map(\.id)
        try await station { client in
            _ = try await client.stock(.receive(quantity: 5000, document: "SJ-SOAK"))
            for device in devices { _ = try await client.stock(.load(device: device, quantity: 100)) }
        }

        // Memory, and the pages and metrics polled, every second.
        let clock = ContinuousClock()
        let start = clock.now
        let samples = Locked<(busy: [Sample], idle: [Sample])>(([], []))
        let fetched = Locked(0)
        let watcher = Task {
            let http = HTTPClient.shared
            while !Task.isCancelled {
                let at = seconds(clock.now - start)
                if let b = busy.memory, let i = idle.memory {
                    samples.withLock {
                        $0.busy.append(Sample(at: at, rss: b.rss, anon: b.anon))
                        $0.idle.append(Sample(at: at, rss: i.rss, anon: i.anon))
                    }
                }
                for url in ["http://127.0.0.1:\(busyMetrics)/metrics"] {
                    if let r = try? await http.execute(HTTPClientRequest(url: url), timeout: .seconds(10)), (try? await r.body.collect(upTo: 8 << 20)) != nil {
                        fetched.withLock { $0 += 1 }
                    }
                }
                _ = try? await StationClient.withClient(socketPath: busySocket) { client in
                    _ = try await client.status()
                    _ = try await client.jobs(limit: 50)
                    _ = try await client.devices()
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { watcher.cancel() }

        // The day.
        let faults = ["jam", "clear", "cover-open", "clear", "offline", "clear"]
        var printed = 0
        for h in 0..<24 {
            let hourStart = start + .seconds(hour * Double(h))
            try await Task.sleep(until: hourStart, clock: clock)
            switch h {
            case 7, 15: hub.stop()
            case 9, 16: hub = try HubProcess.start(binary: hubBinary, environment: hubEnvironment, cpu: nil, port: hubPort)
            default: break
            }
            let hubUp = ![7, 8, 15].contains(h)
            if hubUp, (8...17).contains(h) || h % 4 == 0 {
                let jobs = try factory.jobs(count: 6, kecamatan: kecamatan, prefix: "SOAK\(h)")
                _ = try? await office.intake(try factory.signedFile(jobs))
            }
            // Office hours: the printers' faults, one every hour, and blangko topped up.
            if (8...17).contains(h) {
                let device = devices[h % devices.count]
                try await station { _ = try await $0.injectFault(device, FaultRequest(fault: faults[h % faults.count])) }
            } else {
                for device in devices { try await station { _ = try await $0.injectFault(device, FaultRequest(fault: "clear")) } }
            }
            try await station { client in
                let places = try await client.stockView().places
                for device in devices where (places[.hopper(device)] ?? 0) < 50 { _ = try await client.stock(.load(device: device, quantity: 50)) }
            }
            printed = try await StationClient.withClient(socketPath: busySocket) { try await $0.jobs(state: .printed, limit: 100_000).count }
        }
        try await Task.sleep(until: start + .seconds(hour * 24), clock: clock)
        watcher.cancel()
        _ = await watcher.result

        let all = samples.withLock { $0 }
        func report(_ label: String, _ s: [Sample]) -> (start: Double, end: Double, growth: Double, anonGrowth: Double) {
            let second = s.filter { $0.at >= hour * 12 }
            let growth = slope(second.map { ($0.at / hour, $0.rss) })
            let anon = slope(second.map { ($0.at / hour, $0.anon) })
            let (first, last) = (s.first?.rss ?? 0, s.last?.rss ?? 0)
            say(
                String(
                    format: "%@: RSS awal %5.1f MiB, akhir %5.1f MiB (anonim %5.1f → %5.1f); tumbuh %+.3f MiB/jam (anonim %+.3f) di paruh kedua", label, first,
                    last, s.first?.anon ?? 0, s.last?.anon ?? 0, growth, anon))
            return (first, last, growth, anon)
        }
        let b = report("ektpd sibuk", all.busy)
        let i = report("ektpd diam ", all.idle)
        // The night (18:00–24:00): no jobs, printers quiet, only the pages and /metrics
        // fetched every second: growth per real hour, what a station left on for months sees.
        let night = all.busy.filter { $0.at >= hour * 18 }
        say(
            String(
                format: "  malam (hanya halaman dan /metrics diambil tiap detik): tumbuh %+.2f MiB per jam sungguhan (anonim %+.2f)",
                slope(night.map { ($0.at / 3600, $0.rss) }), slope(night.map { ($0.at / 3600, $0.anon) })))
        say("  \(printed) kartu tercetak, \(fetched.withLock { $0 }) kali /metrics diambil, hub dimatikan 2 kali; sasaran: tumbuh < 1 MiB/jam, diam < 30 MiB")
        say(String(format: "  selisih pertumbuhan sibuk − diam: %+.3f MiB/jam", b.growth - i.growth))
    }

    /// Least-squares slope of y over x.
    static func slope(_ points: [(Double, Double)]) -> Double {
        guard points.count > 1 else { return 0 }
        let n = Double(points.count)
        let mx = points.map(\.0).reduce(0, +) / n
        let my = points.map(\.1).reduce(0, +) / n
        let sxy = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +)
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        return sxx == 0 ? 0 : sxy / sxx
    }

    static func waitFor(_ what: String, seconds: Double = 30, _ check: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await check() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchProblem("\(what): tidak terjadi dalam \(Int(seconds)) detik")
    }
}

extension Child {
    var memory: ProcessMemory? { process.flatMap { ProcessMemory(pid: $0.processIdentifier) } }
}
