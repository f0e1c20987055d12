import AsyncHTTPClient
import EKTPDomain
import EKTPHub
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The hub benchmarks, on SQLite and, when `EKTP_BENCH_POSTGRES=HOST:PORT:USER` names a
/// server, on PostgreSQL. `ektp-hub serve` runs as its own process; simulated stations call
/// it over real HTTP from this one.
///
/// 1. backlog: Kabupaten Bekasi's 2020 backlog, 132,289 signed jobs over its 23 kecamatan,
///    from the first intake request until 23 stations (long-poll, ack) have acknowledged
///    every job: jobs/s, against the floor measured in the same run (every signature
///    checked on every core, the same rows bulk-inserted into the same schema).
///    The approval system keeps `--senders N` files in flight (2; 1 sends one file after
///    the other). `--jobs N` takes fewer, `--backend sqlite|postgres` one backend, `--json` one JSON
///    object per backend on standard output (`jobsPerSecond`, `floorJobsPerSecond`,
///    `ratio`, …), the words on standard error.
/// 2. country: 7,285 stations (every kecamatan in wilayah.csv) each holding a long-poll and
///    sending a heartbeat every 30 s, measured over two periods: hub RSS, and intake-to-
///    delivery latency p50/p99 for jobs posted meanwhile; against the idle hub's RSS and
///    the latency with one station connected, in the same run. The hub is pinned to
///    `EKTP_BENCH_HUB_CPU` when set.
/// 3. scale (PostgreSQL only, not run by default): the backlog end to end through one hub
///    process, then through three on the same database behind HAProxy.
enum HubBench {
    /// With `--json` the words go to standard error, the figures alone to standard output.
    nonisolated(unsafe) static var wordsToStandardError = false

    static func say(_ line: String) {
        (wordsToStandardError ? FileHandle.standardError : FileHandle.standardOutput).write(Data((line + "\n").utf8))
    }

    /// What `ektp-bench hub` was asked.
    struct Options {
        var which: Set<String> = []
        var jobs = Int(ProcessInfo.processInfo.environment["EKTP_BENCH_BACKLOG_JOBS"] ?? "") ?? 132_289
        var backend: String?
        var json = false
        /// How many intake requests the approval system keeps in flight in the backlog.
        var senders = 2

        init(_ args: [String]) throws {
            var rest = args[...]
            while let arg = rest.popFirst() {
                switch arg {
                case "backlog", "country", "scale": which.insert(arg)
                case "--json": json = true
                case "--jobs":
                    guard let n = rest.popFirst().flatMap({ Int($0) }), n >= 23 else { throw BenchProblem("--jobs perlu angka, paling sedikit 23") }
                    jobs = n
                case "--backend":
                    guard let b = rest.popFirst(), ["sqlite", "postgres"].contains(b) else { throw BenchProblem("--backend perlu sqlite atau postgres") }
                    backend = b
                case "--senders":
                    guard let n = rest.popFirst().flatMap({ Int($0) }), (1...8).contains(n) else { throw BenchProblem("--senders perlu angka 1 sampai 8") }
                    senders = n
                default: throw BenchProblem("pilihan \"\(arg)\" tidak dikenal untuk ektp-bench hub")
                }
            }
            if which.isEmpty { which = ["backlog", "country"] }
        }
    }

    /// One JSON object on its own line of standard output (`--json`).
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }

    static func run(_ args: [String]) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let env = ProcessInfo.processInfo.environment
        let options = try Options(args)
        let which = options.which
        wordsToStandardError = options.json
        // 7,285 long-polls are as many sockets here and in the hub (which inherits this
        // limit): raise the soft limit on open files to the hard one.
        var files = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files) == 0, files.rlim_cur < files.rlim_max {
            files.rlim_cur = files.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &files)
        }
        if which.contains("country"), getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files) == 0, files.rlim_cur < 16_384 {
            throw BenchProblem("batas berkas terbuka \(files.rlim_cur) terlalu kecil untuk 7.285 stasiun; naikkan dengan ulimit -n (paling sedikit 16384)")
        }
        let postgres = env["EKTP_BENCH_POSTGRES"].flatMap(PostgresServer.init)
        let servers: [PostgresServer?]
        switch options.backend {
        case "sqlite": servers = [nil]
        case "postgres":
            guard let postgres else { throw BenchProblem("--backend postgres perlu EKTP_BENCH_POSTGRES=HOST:PORT:USER (make bench-hub memulainya)") }
            servers = [postgres]
        default: servers = postgres == nil ? [nil] : [nil, postgres]
        }
        let hubBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ektp-hub")
        guard FileManager.default.isExecutableFile(atPath: hubBinary.path) else { throw BenchProblem("\(hubBinary.path) tidak ada; bangun dulu") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-hub-bench-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let regions = try RegionData.load()
        let signer = ApprovalSigner.generate(keyId: "bench-hub")
        var client = HTTPClient.Configuration()
        client.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: 16_000)
        client.timeout = .init(connect: .seconds(10), read: .seconds(120))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: client)
        let setup = Setup(
            hubBinary: hubBinary, root: root, regions: regions, signer: signer, http: http, cpu: env["EKTP_BENCH_HUB_CPU"].flatMap { $0.isEmpty ? nil : $0 })
        do {
            if which.contains("backlog") {
                let backlog = try Backlog(setup: setup, total: options.jobs, senders: options.senders)
                for server in servers {
                    let figures = try await backlog.run(server)
                    if options.json { try printJSON(figures) }
                }
            }
            if which.contains("scale") {
                guard let postgres, options.backend != "sqlite" else { throw BenchProblem("hub scale perlu PostgreSQL (EKTP_BENCH_POSTGRES)") }
                let figures = try await Backlog(setup: setup, total: options.jobs, senders: options.senders).scale(postgres)
                if options.json { try printJSON(figures) }
            }
            if which.contains("country") {
                for server in servers { try await Country(setup: setup).run(server) }
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    struct Setup {
        let hubBinary: URL
        let root: URL
        let regions: RegionDirectory
        let signer: ApprovalSigner
        let http: HTTPClient
        let cpu: String?
        let adminToken = "bench-admin-\(UUID().uuidString)"

        var hubConfig: HubConfig {
            var c = HubConfig()
            c.adminToken = adminToken
            c.approvalKeys = [signer.approvalKey]
            c.regionsFile = RegionData.path()
            return c
        }

        func environment(_ backend: BenchBackend) -> [String: String] {
            [
                "EKTP_HUB_ADMIN_TOKEN": adminToken, "EKTP_HUB_APPROVAL_KEYS": "\(signer.keyId):\(signer.publicKeyBase64)",
                "EKTP_HUB_REGIONS": RegionData.path(), "EKTP_LOG_LEVEL": "error",
            ].merging(backend.environment) { $1 }
        }

        /// `ektp-hub serve` on `backend`, pinned to `cpu` unless `pinned` is false.
        func startHub(_ backend: BenchBackend, pinned: Bool = true) async throws -> (HubProcess, HubHTTP) {
            let hub = try HubProcess.start(binary: hubBinary, environment: environment(backend), cpu: pinned ? cpu : nil)
            let api = HubHTTP(client: http, base: "http://127.0.0.1:\(hub.port)")
            do { try await api.waitHealthy(hub) } catch {
                hub.stop()
                throw error
            }
            return (hub, api)
        }
    }
}

// MARK: - 1. The Kabupaten Bekasi backlog

/// 132,289 jobs over the 23 kecamatan of Kabupaten Bekasi (32.16.01–32.16.23), against the
/// floor of the work the hub cannot avoid, measured in the same run on the same machine:
/// every signature checked on every core (`HubIntake.check`: parse, verify, validate, seal)
/// and the same rows bulk-inserted into a fresh store of the same schema.
struct Backlog {
    static let batch = 1000
    /// Jobs per long-poll, the hub's default `maxJobsPerPoll`.
    static let pollMax = HubConfig().maxJobsPerPoll
    let setup: HubBench.Setup
    let total: Int
    /// Intake requests in flight at once, each sender posting the next file when its last
    /// is answered, as an approval system with that many connections does.
    let senders: Int
    let kecamatan: [String]
    /// Jobs per kecamatan.
    let quota: [String: Int]
    /// The signed documents, kecamatan interleaved.
    let documents: [Data]
    /// Intake files of `batch` jobs.
    let files: [Data]

    /// What one backend measured.
    struct Figures: Encodable {
        let backend: String
        let jobs: Int
        let senders: Int
        let jobsPerSecond: Double
        let floorJobsPerSecond: Double
        let ratio: Double
        let seconds: Double
        /// When the last intake request was answered.
        let intakeSeconds: Double
        let floorVerifySeconds: Double
        let floorInsertSeconds: Double
        let cores: Int
    }

    init(setup: HubBench.Setup, total: Int, senders: Int) throws {
        self.setup = setup
        self.total = total
        self.senders = senders
        kecamatan = setup.regions.kecamatan(under: "32.16").map(\.code).sorted()
        guard kecamatan.count == 23 else { throw BenchProblem("Kabupaten Bekasi harus punya 23 kecamatan, ada \(kecamatan.count)") }
        let clock = ContinuousClock()
        let start = clock.now
        let jobs = BenchJobs(regions: setup.regions, signer: setup.signer)
        var quota: [String: Int] = [:]
        var perKecamatan: [[Data]] = []
        for (i, code) in kecamatan.enumerated() {
            let n = total / 23 + (i < total % 23 ? 1 : 0)
            quota[code] = n
            perKecamatan.append(try jobs.signed(count: n, kecamatan: code, prefix: "BKS\(code.suffix(2))", seed: UInt64(i + 1)).map(\.document))
        }
        self.quota = quota
        var interleaved: [Data] = []
        interleaved.reserveCapacity(total)
        for j in 0..<(perKecamatan.map(\.count).max() ?? 0) {
            for list in perKecamatan where j < list.count { interleaved.append(list[j]) }
        }
        documents = interleaved
        files = stride(from: 0, to: interleaved.count, by: Self.batch).map { BenchJobs.file(interleaved[$0..<min($0 + Self.batch, interleaved.count)]) }
        HubBench.say(
            String(
                format:
                    "== hub, backlog Kabupaten Bekasi: %d job bertanda tangan untuk %d kecamatan (%.1f s membuat dan menandatangani; foto: header JPEG 23 byte; %d berkas intake sekaligus) ==",
                interleaved.count, kecamatan.count, seconds(clock.now - start), senders))
    }

    func run(_ server: PostgresServer?) async throws -> Figures {
        let viaHTTP = try await endToEnd(server)
        let floor = try await floor(server)
        let label = server == nil ? "SQLite" : "PostgreSQL"
        let rate = Double(total) / viaHTTP.seconds
        let floorRate = Double(total) / (floor.verify + floor.insert)
        let pad = label.padding(toLength: 10, withPad: " ", startingAt: 0)
        HubBench.say(pad + String(format: " HTTP ujung ke ujung : %8.0f job/s (%.1f s; intake selesai pada %.1f s)", rate, viaHTTP.seconds, viaHTTP.intake))
        HubBench.say(
            pad
                + String(
                    format: " lantai             : %8.0f job/s (periksa tanda tangan di %d inti %.1f s + simpan massal %.1f s)", floorRate,
                    ProcessInfo.processInfo.activeProcessorCount, floor.verify, floor.insert))
        HubBench.say(pad + String(format: " rasio              : %8.2f (HTTP / lantai; sasaran ≥ 0,50)", rate / floorRate))
        return Figures(
            backend: server == nil ? "sqlite" : "postgres", jobs: total, senders: senders, jobsPerSecond: rate, floorJobsPerSecond: floorRate,
            ratio: rate / floorRate, seconds: viaHTTP.seconds, intakeSeconds: viaHTTP.intake, floorVerifySeconds: floor.verify,
            floorInsertSeconds: floor.insert, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// From the first intake request until every job is acknowledged over HTTP. The hub has
    /// every core, as the floor's checks do; the 23 stations and the intake client are
    /// this process.
    ///
    /// With `processes` above one (PostgreSQL), as many `ektp-hub serve` processes share the
    /// database behind a real HAProxy (`LoadBalancer`), and every call goes through it.
    func endToEnd(_ server: PostgresServer?, processes: Int = 1) async throws -> (seconds: Double, intake: Double) {
        let backend = try BenchBackend.fresh(like: server, dir: setup.root, name: "backlog")
        defer { backend.drop() }
        var hubs: [HubProcess] = []
        defer { for hub in hubs { hub.stop() } }
        // One at a time: the first applies the migrations.
        for _ in 0..<processes { hubs.append(try await setup.startHub(backend, pinned: false).0) }
        let balancer = processes > 1 ? try LoadBalancer(directory: setup.root.path, backends: hubs.map(\.port)) : nil
        try await balancer?.start()
        defer { balancer?.stop() }
        let api = HubHTTP(client: setup.http, base: balancer?.url ?? "http://127.0.0.1:\(hubs[0].port)")
        var credentials: [(String, String)] = []
        for code in kecamatan { credentials.append((code, try await api.enroll(kecamatan: code, admin: setup.adminToken))) }
        let admin = setup.adminToken
        let files = self.files
        let quota = self.quota
        let total = self.total
        let clock = ContinuousClock()
        let start = clock.now
        let intakeDone = Locked<Duration>(.zero)
        // The files not yet sent, taken in order by whichever sender is free.
        let unsent = Locked(files[...])
        let acked = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<senders {
                group.addTask {
                    while let file = unsent.withLock({ $0.popFirst() }) {
                        let r = try await api.call(.POST, "/v1/intake", bearer: admin, body: file)
                        guard r.status == 201 else { throw BenchProblem("intake menjawab \(r.status): \(String(buffer: r.body).prefix(300))") }
                    }
                    let now = clock.now - start
                    intakeDone.withLock { $0 = max($0, now) }
                    return 0
                }
            }
            for (code, credential) in credentials {
                group.addTask {
                    var done = 0
                    while done < quota[code]! {
                        let poll = try await api.call(.GET, "/v1/station/jobs?wait=30&max=\(Self.pollMax)", bearer: credential)
                        guard poll.status == 200 else { throw BenchProblem("poll menjawab \(poll.status)") }
                        let ids = try poll.decode(PollReply.self).jobs.map { try JobID($0.id) }
                        if ids.isEmpty { continue }
                        let ack = try await api.json(.POST, "/v1/station/ack", bearer: credential, AckRequest(jobs: ids))
                        guard ack.status == 200 else { throw BenchProblem("ack menjawab \(ack.status): \(String(buffer: ack.body).prefix(500))") }
                        done += try ack.decode(AckResult.self).claimed.count
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = seconds(clock.now - start)
        let claimed = try await api.metric(#"ektp_hub_jobs{state="claimed"}"#)
        guard acked == total, Int(claimed) == total else {
            throw BenchProblem("diakui \(acked), di hub claimed \(claimed), seharusnya \(total)")
        }
        return (elapsed, seconds(intakeDone.withLock { $0 }))
    }

    /// What `scale` measured.
    struct Scale: Encodable {
        let jobs: Int
        let oneHubJobsPerSecond: Double
        let threeHubsJobsPerSecond: Double
        let ratio: Double
    }

    /// The same backlog end to end on PostgreSQL, through one hub process and through
    /// three behind HAProxy, in the same run.
    func scale(_ server: PostgresServer) async throws -> Scale {
        let one = try await endToEnd(server)
        let three = try await endToEnd(server, processes: 3)
        let (a, b) = (Double(total) / one.seconds, Double(total) / three.seconds)
        HubBench.say(String(format: "PostgreSQL 1 proses hub          : %8.0f job/s (%.1f s)", a, one.seconds))
        HubBench.say(String(format: "PostgreSQL 3 proses hub + HAProxy : %8.0f job/s (%.1f s)", b, three.seconds))
        HubBench.say(String(format: "rasio 3 / 1                       : %8.2f (%d inti di mesin ini)", b / a, ProcessInfo.processInfo.activeProcessorCount))
        return Scale(jobs: total, oneHubJobsPerSecond: a, threeHubsJobsPerSecond: b, ratio: b / a)
    }

    /// The floor, in this process: every document checked as intake checks it, on every
    /// core; then the same batches stored in a fresh store of the same kind.
    func floor(_ server: PostgresServer?) async throws -> (verify: Double, insert: Double) {
        let backend = try BenchBackend.fresh(like: server, dir: setup.root, name: "backlog_floor")
        defer { backend.drop() }
        let documents = self.documents
        return try await HubServer.withHub(config: backend.config(setup.hubConfig), create: true) { hub in
            let intake = hub.intake
            let dates = OfficeZone.dates(at: Date())
            let clock = ContinuousClock()
            let start = clock.now
            let checked = ParallelMap.mapBlocking(documents) { document in
                (try? JSONValue.parse(document)).flatMap { try? intake.check($0, dates: dates).get().0 }
            }
            let verified = clock.now
            let jobs = checked.compactMap { $0 }
            guard jobs.count == documents.count else { throw BenchProblem("lantai: \(documents.count - jobs.count) job ditolak") }
            for from in stride(from: 0, to: jobs.count, by: Self.batch) {
                _ = try await hub.store.storeApproved(Array(jobs[from..<min(from + Self.batch, jobs.count)]), now: Date())
            }
            return (seconds(verified - start), seconds(clock.now - verified))
        }
    }
}

// MARK: - 2. The country

/// Every kecamatan's station long-polling and heartbeating every 30 s against one hub.
struct Country {
    static let period: Duration = .seconds(30)
    /// Stations start spread over one period, as a fleet's heartbeats are.
    static let ramp: Duration = .seconds(30)
    /// Measured over two heartbeat periods after the ramp.
    static let window: Duration = .seconds(60)
    static let injectEvery: Duration = .milliseconds(100)
    let setup: HubBench.Setup

    /// What the stations and the injector saw.
    struct Tally {
        var injectedAt: [String: ContinuousClock.Instant] = [:]
        var latencies: [Double] = []
        var heartbeatsInWindow = 0
        var heartbeatLatencies: [Double] = []
        var errors: [String: Int] = [:]
        var rss: [Double] = []
        var machine: MachineCPU.Share?
    }

    func run(_ server: PostgresServer?) async throws {
        let label = server == nil ? "SQLite" : "PostgreSQL"
        // Every kecamatan; `EKTP_BENCH_COUNTRY_STATIONS` takes fewer for a quick try.
        let codes = Array(setup.regions.kecamatanCodes.prefix(Int(ProcessInfo.processInfo.environment["EKTP_BENCH_COUNTRY_STATIONS"] ?? "") ?? .max))
        HubBench.say("== hub, negeri (\(label)): \(codes.count) stasiun, long-poll dan heartbeat tiap \(Int(Self.period.components.seconds)) s ==")
        let backend = try BenchBackend.fresh(like: server, dir: setup.root, name: "country")
        defer { backend.drop() }
        let clock = ContinuousClock()

        // Stations enrolled before the hub starts (as the CLI does, on the same store).
        let enrollStart = clock.now
        let credentials: [(code: String, credential: String)] = try await HubServer.withHub(config: backend.config(setup.hubConfig), create: true) { hub in
            try await withThrowingTaskGroup(of: [(String, String)].self) { group in
                let slices = 8
                for s in 0..<slices {
                    group.addTask {
                        var out: [(String, String)] = []
                        for code in codes[s...].enumerated().filter({ $0.offset % slices == 0 }).map(\.element) {
                            let token = try await hub.issueEnrollmentToken(kecamatan: code)
                            out.append((code, try await hub.enroll(EnrollRequest(token: token.token, name: "Stasiun \(code)")).credential))
                        }
                        return out
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }.sorted { $0.0 < $1.0 }
            }
        }
        HubBench.say(String(format: "  %d stasiun terdaftar (%.0f s)", credentials.count, seconds(clock.now - enrollStart)))

        // Jobs to post while the fleet runs, each for a random kecamatan; and for the
        // one-station baseline.
        let jobs = BenchJobs(regions: setup.regions, signer: setup.signer)
        var rng = SystemRandomNumberGenerator()
        let injections = Int(Self.window / Self.injectEvery)
        var toInject: [(id: String, file: Data)] = []
        for i in 0..<injections {
            let code = codes.randomElement(using: &rng)!
            let (id, doc) = try jobs.signed(count: 1, kecamatan: code, prefix: "NEG\(i)", seed: UInt64(i))[0]
            toInject.append((id, BenchJobs.file([doc])))
        }
        let injected = toInject
        let soloCode = credentials[0].code
        let solo = try jobs.signed(count: 60, kecamatan: soloCode, prefix: "SOLO", seed: 7).map { ($0.id, BenchJobs.file([$0.document])) }

        let (hub, api) = try await setup.startHub(backend)
        defer { hub.stop() }
        let admin = setup.adminToken
        try await Task.sleep(for: .seconds(3))
        let idleRSS = hub.rssMiB

        // Baseline: one station alone, long-polling; intake to delivery for each job.
        var soloLatencies: [Double] = []
        let soloCredential = credentials[0].credential
        for (id, file) in solo {
            async let polled = api.call(.GET, "/v1/station/jobs?wait=60&max=20", bearer: soloCredential)
            while try await api.metric("ektp_hub_polls_waiting") < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let t0 = clock.now
            let r = try await api.call(.POST, "/v1/intake", bearer: admin, body: file)
            guard r.status == 201 else { throw BenchProblem("intake menjawab \(r.status)") }
            let got = try await polled
            let t1 = clock.now
            guard try got.decode(PollReply.self).jobs.map(\.id) == [id] else { throw BenchProblem("stasiun tunggal tidak menerima \(id)") }
            soloLatencies.append(seconds(t1 - t0))
            _ = try await api.json(.POST, "/v1/station/ack", bearer: soloCredential, AckRequest(jobs: [try JobID(id)]))
        }

        // The fleet.
        let tally = Locked(Tally())
        let start = clock.now
        let windowStart = start + Self.ramp
        let end = windowStart + Self.window
        func count(_ what: String) { tally.withLock { $0.errors[what, default: 0] += 1 } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, station) in credentials.enumerated() {
                let offset = Self.ramp * (Double(i) / Double(credentials.count))
                let heartbeat = Heartbeat(
                    devices: [
                        DeviceReport(
                            id: try DeviceID("evolis-\(station.code.filter(\.isNumber))"), model: "Evolis Primacy 2",
                            state: DeviceState(status: .ready, supplies: Supplies(ribbonRemaining: 320, ribbonCapacity: 500, cardCounter: 1200)))
                    ],
                    stock: [.store: 400, .hopper(DeviceID(vendor: "evolis", serial: station.code.filter(\.isNumber))): 80], outboxBacklog: 0, version: "bench")
                let body = try WireCoding.encoder().encode(heartbeat)
                group.addTask {
                    var next = start + offset
                    while next < end {
                        try await Task.sleep(until: next, clock: clock)
                        let t0 = clock.now
                        do {
                            let r = try await api.call(.POST, "/v1/station/heartbeat", bearer: station.credential, body: body)
                            let t1 = clock.now
                            if r.status != 200 { count("heartbeat \(r.status)") }
                            if t0 >= windowStart {
                                tally.withLock {
                                    $0.heartbeatsInWindow += 1
                                    $0.heartbeatLatencies.append(seconds(t1 - t0))
                                }
                            }
                        } catch { count("heartbeat: \(error)") }
                        next = next + Self.period
                    }
                }
                group.addTask {
                    try await Task.sleep(until: start + offset, clock: clock)
                    while clock.now < end {
                        do {
                            let r = try await api.call(.GET, "/v1/station/jobs?wait=60&max=20", bearer: station.credential)
                            let t1 = clock.now
                            guard r.status == 200 else {
                                count("poll \(r.status)")
                                try await Task.sleep(for: .seconds(1))
                                continue
                            }
                            let ids = try r.decode(PollReply.self).jobs.map(\.id)
                            if ids.isEmpty { continue }
                            tally.withLock { t in
                                for id in ids { if let t0 = t.injectedAt[id] { t.latencies.append(seconds(t1 - t0)) } }
                            }
                            let ack = try await api.json(.POST, "/v1/station/ack", bearer: station.credential, AckRequest(jobs: try ids.map { try JobID($0) }))
                            if ack.status != 200 { count("ack \(ack.status)") }
                        } catch is CancellationError {
                            return
                        } catch {
                            if clock.now < end { count("poll: \(error)") }
                        }
                    }
                }
            }
            // Jobs posted through the window, one every 100 ms.
            group.addTask {
                try await Task.sleep(until: windowStart, clock: clock)
                for (i, job) in injected.enumerated() {
                    try await Task.sleep(until: windowStart + Self.injectEvery * i, clock: clock)
                    let t0 = clock.now
                    tally.withLock { $0.injectedAt[job.id] = t0 }
                    let r = try await api.call(.POST, "/v1/intake", bearer: admin, body: job.file)
                    if r.status != 201 { count("intake \(r.status)") }
                }
            }
            group.addTask {
                try await Task.sleep(until: windowStart, clock: clock)
                let before = MachineCPU.sample()
                try await Task.sleep(until: end, clock: clock)
                tally.withLock { $0.machine = MachineCPU.share(from: before, to: MachineCPU.sample()) }
            }
            group.addTask {
                while clock.now < end {
                    try await Task.sleep(for: .seconds(1))
                    let rss = hub.rssMiB
                    if clock.now >= windowStart { tally.withLock { $0.rss.append(rss) } }
                }
            }
            // Stop when the window is over and the last injected job has had 5 s to arrive.
            try await Task.sleep(until: end + .seconds(5), clock: clock)
            group.cancelAll()
        }

        let t = tally.withLock { $0 }
        let load = Percentiles(t.latencies)
        let base = Percentiles(soloLatencies)
        let beats = Percentiles(t.heartbeatLatencies)
        let peak = t.rss.max() ?? 0
        let mean = t.rss.isEmpty ? 0 : t.rss.reduce(0, +) / Double(t.rss.count)
        HubBench.say(
            String(
                format: "  RSS hub          : puncak %.1f MiB, rata-rata %.1f MiB selama %d s; diam (0 koneksi) %.1f MiB; rasio puncak/diam %.2f", peak, mean,
                Int(Self.window.components.seconds), idleRSS, peak / idleRSS))
        HubBench.say(
            String(
                format: "  intake→stasiun   : p50 %.1f ms, p99 %.1f ms (%d/%d job tiba); 1 stasiun saja: p50 %.1f ms, p99 %.1f ms; rasio p50 %.2f, p99 %.2f",
                load.p50, load.p99, load.count, injections, base.p50, base.p99, load.p50 / base.p50, load.p99 / base.p99))
        HubBench.say(
            String(
                format: "  heartbeat        : %d dalam %d s (%.0f/s; diharapkan %.0f/s), p50 %.1f ms, p99 %.1f ms", t.heartbeatsInWindow,
                Int(Self.window.components.seconds), Double(t.heartbeatsInWindow) / seconds(Self.window), Double(credentials.count) / seconds(Self.period),
                beats.p50, beats.p99))
        if let m = t.machine {
            // On a virtual machine the host may run others on "our" cores: the figures above
            // are only comparable between runs with similar steal.
            HubBench.say(
                String(
                    format: "  mesin            : CPU sibuk %.0f %%, dicuri hypervisor (steal) %.0f %%, menganggur %.0f %% selama jendela", m.busy, m.steal,
                    m.idle))
        }
        if !t.errors.isEmpty {
            HubBench.say("  galat            : \(t.errors.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))")
        }
    }
}
