import CMalloc
import EKTPInstall
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// What `ektp-hub serve` runs: the HTTP server in a `ServiceGroup` that turns SIGTERM and
/// SIGINT into a graceful shutdown; with PostgreSQL, the database client too.
public enum HubServer {
    /// Logs to standard error at `EKTP_LOG_LEVEL` (default `info`). Call once per process.
    public static func bootstrapLogging() { ProcessLogging.bootstrap() }

    public static func run(config: HubConfig) async throws {
        var config = config
        let logger = Logger(label: "ektp-hub")
        prepareProcess()
        if config.approvalKeys.isEmpty { logger.warning("belum ada kunci persetujuan yang dipercaya: setiap intake akan ditolak") }
        if config.adminToken == nil { logger.warning("EKTP_HUB_ADMIN_TOKEN belum diatur: intake dan tampilan pusat tidak bisa dipakai lewat HTTP") }
        let regions = try config.loadRegions()
        if let pg = config.postgres {
            // With PostgreSQL the key is checked against the documents once migrated.
            try await config.resolveDataKey()
            let client = try postgresClient(pg, serving: true, logger: logger)
            let store = PostgresHubStore(client: client, logger: logger)
            let hub = Hub(config: config, store: store, regions: regions, logger: logger)
            logger.info("ektp-hub \(BuildInfo.version): hub mendengarkan di \(config.host):\(config.port), PostgreSQL \(pg.host):\(pg.port)/\(pg.database)")
            let app = HubAPI.buildApplication(hub: hub)
            let group = ServiceGroup.daemon(
                [
                    client, JobWakeups(store: store, notifier: hub.notifier, logger: logger), MigrateThenServe(store: store, hub: hub, app: app),
                    PersonalDataPurge(hub: hub), AlertWatch(hub: hub),
                ], logger: logger)
            try await group.run()
        } else {
            let store = try SQLiteHubStore(path: config.databasePath)
            try await config.resolveDataKey(for: store)
            let hub = Hub(config: config, store: store, regions: regions, logger: logger)
            try await hub.checkDataKey()
            logger.info("ektp-hub \(BuildInfo.version): hub mendengarkan di \(config.host):\(config.port), basis data \(config.databasePath)")
            let app = HubAPI.buildApplication(hub: hub)
            let group = ServiceGroup.daemon([app, PersonalDataPurge(hub: hub), AlertWatch(hub: hub)], logger: logger)
            try await group.run()
        }
    }

    /// The process's threads and memory, set before the server starts.
    ///
    /// NIO's event loops are as many as the CPUs the process may run on (its affinity: a hub
    /// pinned with `taskset` or systemd's `CPUAffinity=` gets that many), not the machine's.
    ///
    /// glibc gives each thread that allocates under contention an arena of its own, up to
    /// eight per core, and memory freed in one arena serves only that arena again. The hub's
    /// allocations come from NIO's event loops, Dispatch's threads running the Swift tasks,
    /// GRDB's queues and PostgresNIO's; with a connection per station, a few KiB each,
    /// allocated on one thread and freed on another, the arenas each kept their own freed
    /// memory. Two arenas: the country run on SQLite went from 244.6 MiB to 225.9
    /// (one arena: 221.5), latencies unchanged (docs/hub.md, "What a connected station
    /// costs the hub in memory").
    static func prepareProcess() {
        NIOSingletons.groupLoopCountSuggestion = allowedCPUs()
        mallopt(M_ARENA_MAX, 2)
    }

    /// How many CPUs this process may run on (its affinity mask, `Cpus_allowed` in
    /// /proc/self/status), at most the machine's; the machine's when it cannot be read.
    static func allowedCPUs(status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) -> Int {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return System.coreCount }
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0.isHexDigit }
        let count = mask.reduce(0) { $0 + ($1.hexDigitValue ?? 0).nonzeroBitCount }
        return max(1, min(count, System.coreCount))
    }

    /// Runs `body` with a hub on the configured store (the CLI's one-shot commands): for
    /// PostgreSQL the client runs, and the schema is migrated, for the duration.
    /// A SQLite database that is not there is refused, never made empty: a command run in
    /// the wrong folder would otherwise print a token valid nowhere. `create` (`ektp-hub
    /// init`) makes it.
    public static func withHub<T: Sendable>(config: HubConfig, create: Bool = false, _ body: (Hub) async throws -> T) async throws -> T {
        guard let pg = config.postgres else {
            if !create, !FileManager.default.fileExists(atPath: config.databasePath) {
                throw HubConfig.Problem(
                    "basis data hub \(config.databasePath) tidak ada; tidak dibuat baru. Jalankan perintah di folder hub atau sebut --database / EKTP_HUB_DATABASE; hub baru dibuat dengan ektp-hub init"
                )
            }
            return try await body(try await Hub.open(config: config))
        }
        var config = config
        try await config.resolveDataKey()
        let logger = Logger(label: "ektp-hub")
        let client = try postgresClient(pg, logger: logger)
        let store = PostgresHubStore(client: client, logger: logger)
        let hub = Hub(config: config, store: store, regions: try config.loadRegions(), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await store.migrate()
            try await hub.checkDataKey()
            return try await body(hub)
        }
    }

    /// The PostgreSQL client. `serving` (`ektp-hub serve`): the pool opens all of
    /// `pg.connections` at start and keeps them. A connection above the pool's minimum
    /// arms an idle timer each time it goes back to the pool (a Swift task sleeping on a
    /// Dispatch timer, so a wake-up of Dispatch's timer thread per query under load); kept
    /// connections arm none. The keep-alive arms one the same way, unless it is off
    /// (`pg.keepAliveSeconds` 0). One-shot commands open connections as they need them.
    static func postgresClient(_ pg: PostgresSettings, serving: Bool = false, logger: Logger) throws -> PostgresClient {
        let tls: PostgresClient.Configuration.TLS = pg.tls ? .require(.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(
            host: pg.host, port: pg.port, username: pg.username, password: pg.password, database: pg.database, tls: tls)
        configuration.options.maximumConnections = pg.connections
        if serving { configuration.options.minimumConnections = pg.connections }
        configuration.options.keepAliveBehavior = pg.keepAliveSeconds > 0 ? .init(frequency: .seconds(pg.keepAliveSeconds)) : nil
        // No JIT: the hub's statements are short, and a server built with LLVM (Debian's)
        // compiles any whose estimated cost passes `jit_above_cost`. The NIK probe of a
        // thousand keys at intake did, 13 ms of compiling for a few of running (docs/hub.md).
        configuration.options.additionalStartupParameters = [("jit", "off")]
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}

/// Migrates the PostgreSQL schema once the client runs, then serves.
struct MigrateThenServe<App: ApplicationProtocol>: Service {
    let store: PostgresHubStore
    let hub: Hub
    let app: App

    func run() async throws {
        try await store.migrate()
        try await hub.checkDataKey()
        try await app.run()
    }
}

/// Empties the documents of jobs handed over longer ago than the retention, a minute after
/// start (the schema is migrated by then) and hourly after. Several hub processes may each
/// run it: the purge is one idempotent update.
struct PersonalDataPurge: Service {
    let hub: Hub

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let purged = try await hub.purgePersonalData()
                if purged > 0 { hub.logger.info("data pribadi \(purged) job dihapus dari hub (masa simpan \(hub.config.retentionDays) hari habis)") }
            } catch {
                hub.logger.error("gagal menghapus data pribadi: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}

/// Listens for other hub processes' new jobs (PostgreSQL `LISTEN`), reconnecting after a
/// lost connection; a missed wake-up only delays a poll until its timeout.
struct JobWakeups: Service {
    let store: PostgresHubStore
    let notifier: JobNotifier
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await store.listen(notifier: notifier) } catch {
                    if Task.isCancelled { return }
                    logger.warning("LISTEN ektp_hub_jobs terputus: \(error); mencoba lagi")
                    try? await Task.sleep(for: .seconds(2))
                }
            }
        }
    }
}
