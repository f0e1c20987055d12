import Crypto
import EKTPChip
import EKTPDomain
import EKTPDrivers
import EKTPInstall
import EKTPSimulator
import EKTPStationStore
import EKTPWire
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The station daemon's parts, opened from its configuration. `services()` gives what
/// `ektpd` runs in one `ServiceGroup`; tests build the same station in-process.
public struct Station: Sendable {
    public let config: StationConfig
    public let store: StationStore
    /// Held for the daemon's life: one ektpd per state directory.
    let lock: StateDirectoryLock
    public let intake: JobIntake
    public let printers: PrinterSet
    let testPrints = TestPrintDesk()
    let offered = OfferedPrinters()
    let clockHolds = ClockHolds()
    /// Holds printing when the database turns out older than what the station wrote.
    let rollback: RollbackGuard
    let registry: DriverRegistry
    public let regions: RegionDirectory?
    /// The link to the hub (idle until `ektpctl enroll`).
    public let sync: HubSync
    let metrics = StationMetrics()
    let composer: any CardComposer
    let logger: Logger

    /// Opens the store (creating the key file on first start), the printers, and turns
    /// every job that was printing when the daemon last stopped into `outcome-unknown`.
    public static func open(config: StationConfig, composer: any CardComposer, registry: DriverRegistry? = nil, logger: Logger) async throws -> Station {
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        // Before anything else touches the folder: a second daemon stops here, and never
        // removes the first one's socket or claims its jobs.
        let lock = try StateDirectoryLock(directory: config.stateDirectory)
        let store = try openStore(config)
        let regions = try config.regionsFile.map { path in
            do { return try RegionDirectory(csv: try String(contentsOfFile: path, encoding: .utf8)) } catch let e as RegionDirectory.Malformed { throw e } catch
            {
                throw StationConfig.Problem(description: "berkas wilayah \(path) tidak bisa dibaca")
            }
        }
        if let regions, regions.kecamatan(config.kecamatan) == nil {
            throw StationConfig.Problem(description: "kecamatan \(config.kecamatan) tidak ada dalam daftar Kemendagri")
        }
        let rollback = RollbackGuard(stateDirectory: config.stateDirectory, store: store, logger: logger)
        try rollback.checkAtStart()
        let interrupted = try store.recoverInterruptedJobs()
        for id in interrupted { logger.warning("job \(id) sedang dicetak saat ektpd berhenti: hasil tidak diketahui, menunggu keputusan operator") }
        let registry =
            try registry
            ?? DriverRegistry.withSimulators(profiles: ProfileCatalog.load(directory: config.driversDirectory ?? ProfileCatalog.defaultDirectory()))
        let printers = PrinterSet()
        // The configured printers, then those the operator added while a daemon ran.
        let added = AddedPrinters(stateDirectory: config.stateDirectory)
        for (uri, fromConfig) in config.printers.map({ ($0, true) }) + added.uris().map({ ($0, false) }) {
            let printer = try await registry.open(uri)
            guard printers.add(printer) else {
                if !fromConfig { continue }
                throw StationConfig.Problem(description: "dua printer dengan nomor seri yang sama: \(printer.info.id)")
            }
            try store.register(printer.info)
            logger.info("printer \(printer.info.id) (\(printer.info.model)) di \(uri)")
        }
        let intake = JobIntake(store: store, verifier: JobVerifier(trusted: config.approvalKeys), kecamatan: config.kecamatan, regions: regions)
        let sync = try HubSync(
            store: store, intake: intake, settings: config.hub, stateDirectory: config.stateDirectory,
            stationName: "Kecamatan " + (regions?.kecamatan(config.kecamatan)?.name ?? config.kecamatan), logger: logger,
            devices: { try store.devices().filter { printers.contains($0.id) } },
            hubHighest: { try rollback.checkAgainstHub(hubHighest: $0) },
            stopped: { Self.stopped(store: store, rollback: rollback) },
            ribbons: { [profiles = registry.profiles] in try Self.stockView(store, profiles: profiles).ribbons })
        return Station(
            config: config, store: store, lock: lock, intake: intake, printers: printers, rollback: rollback, registry: registry, regions: regions,
            sync: sync, composer: composer, logger: logger)
    }

    /// The store, with the key that opens its sealed personal data. A database that holds
    /// sealed data is never given a new key: without its own key the station would print
    /// nothing and could not say why.
    static func openStore(_ config: StationConfig) throws -> StationStore {
        // A damaged page found now, before printing, not halfway through a card; the check
        // reads only, so the damaged file stays as it is for whoever restores it.
        if FileManager.default.fileExists(atPath: config.databasePath) {
            let verdict: String
            do { verdict = try StationStore.quickCheck(path: config.databasePath) } catch { verdict = "\(error)" }
            guard verdict == "ok" else {
                throw StationConfig.Problem(
                    description:
                        "basis data \(config.databasePath) rusak (\(verdict.prefix(200))). ektpd tidak mencetak dari basis data rusak: pulihkan dari cadangan (docs/id/cadangan.md); berkas yang rusak tidak diubah"
                )
            }
        }
        let keyExists = FileManager.default.fileExists(atPath: config.keyPath)
        if !keyExists, FileManager.default.fileExists(atPath: config.databasePath) {
            // Look without a key: does the database hold anything sealed?
            let probe = try StationStore(path: config.databasePath, key: SymmetricKey(size: .bits256))
            if try probe.sealedCount() > 0 {
                throw StationConfig.Problem(
                    description:
                        "berkas kunci \(config.keyPath) tidak ada, padahal \(config.databasePath) menyimpan data pribadi yang tersegel dengan kunci itu. Pulihkan berkas kunci dari cadangan (docs/id/cadangan.md); ektpd tidak membuat kunci baru untuk basis data ini"
                )
            }
        }
        let key = try DataKeyFile.loadOrCreate(path: config.keyPath)
        let store: StationStore
        do { store = try StationStore(path: config.databasePath, key: key, zone: OfficeZone(regionCode: config.kecamatan)) } catch {
            throw StationConfig.Problem(
                description: "basis data \(config.databasePath) tidak bisa dibuka: \(error). Pulihkan dari cadangan (docs/id/cadangan.md)")
        }

        if let job = try store.firstUnopenableSealedJob() {
            throw StationConfig.Problem(
                description:
                    "berkas kunci \(config.keyPath) tidak cocok dengan \(config.databasePath): data pribadi job \(job) tidak bisa dibuka. Pulihkan berkas kunci yang asli dari cadangan (docs/id/cadangan.md); tidak ada yang diubah"
            )
        }
        return store
    }

    /// The print worker and the local API server.
    public func services() throws -> [any Service] {
        let worker = PrintWorker(
            store: store, printers: printers, intake: intake, composer: composer, poll: .milliseconds(config.pollMilliseconds),
            retentionDays: config.retentionDays, logger: logger, testPrints: testPrints, clockHolds: clockHolds, rollback: rollback,
            chips: config.chip.readers.isEmpty ? nil : ChipEncoder(settings: config.chip, logger: logger))
        let socket = config.socketPath
        try FileManager.default.createDirectory(atPath: (socket as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: socket) { try FileManager.default.removeItem(atPath: socket) }
        let api = Application(
            router: LocalAPI.router(self),
            configuration: .init(address: .unixDomainSocket(path: socket), serverName: "ektpd"),
            onServerRunning: { [logger] _ in
                chmod(socket, 0o660)
                logger.info("API lokal siap di \(socket)")
                SystemdNotify.ready(status: "melayani di \(socket)")
            },
            logger: logger)
        var services: [any Service] = [worker, api, SyncService(sync: sync), HotPlugService(station: self)]
        services += webServices()
        if let listen = config.metricsListen, let address = HostPort(listen) {
            services.append(StationMetrics.server(self, host: address.host, port: address.port, logger: logger))
        }
        return services
    }

    /// The store's records of the printers this station drives now (not of printers it
    /// once drove).
    func attachedDevices() throws -> [DeviceView] {
        try store.devices().filter { printers.contains($0.id) }
    }

    /// The printer with this id, if the station drives it.
    func printer(_ id: DeviceID) -> (any CardPrinter)? { printers.printer(id) }

    // MARK: Operations behind the API

    func status() async throws -> StationStatusView {
        let counts = try store.jobCounts()
        let devices = try attachedDevices()
        var held: String?
        if (counts[.queued] ?? 0) > 0 {
            let ready = devices.filter { $0.state.status.acceptsJobs }
            if devices.isEmpty {
                held = "tidak ada printer terpasang"
            } else if ready.isEmpty {
                held = "tidak ada printer yang siap (\(devices.map { "\($0.id): \($0.state.status.label)" }.joined(separator: ", ")))"
            } else if ready.allSatisfy({ $0.hopperLedger == 0 }) {
                held = "blangko habis di hopper printer yang siap"
            }
        }
        for text in Self.stopped(store: store, rollback: rollback).reversed() {
            held = held.map { "\(text); \($0)" } ?? text
        }
        let clockHeld = clockHolds.all
        if let reason = clockHeld.values.first {
            let clock = "\(clockHeld.count) job ditahan karena jam PC: \(reason)"
            held = held.map { "\($0); \(clock)" } ?? clock
        }
        return StationStatusView(
            kecamatanCode: config.kecamatan, kecamatanName: regions?.kecamatan(config.kecamatan)?.name,
            jobs: counts,
            held: held, devices: devices, blangkoOnHand: try store.unusedBlangko(),
            outboxBacklog: try store.outboxBacklog(), alerts: try store.alerts(limit: 20), sync: try await sync.status())
    }

    /// What stops all printing now, in the operator's words with what to do: the storage
    /// cannot take writes, or a rollback hold. Shown by `ektpctl status`, the pages and the hub.
    static func stopped(store: StationStore, rollback: RollbackGuard) -> [String] {
        var reasons: [String] = []
        store.probeStorage()
        if let fault = store.health.current { reasons.append(fault.message) }
        if let hold = rollback.hold {
            reasons.append(
                "pencetakan ditahan sejak \(ISO8601DateFormatter().string(from: hold.since)): \(hold.reason). Periksa kartu dan buku blangko, lalu ektpctl hold release --reason ALASAN"
            )
        }
        return reasons
    }

    func stock(_ operation: StockOperation, by: String) async throws -> StockChanged {
        switch operation {
        case .receive(let quantity, let document, let serialFirst, let serialLast):
            let id = try store.receive(quantity, document: document, serialFirst: serialFirst, serialLast: serialLast, by: by)
            return StockChanged(entry: id, pendingCount: nil, message: "\(quantity) blangko diterima di gudang")
        case .load(let device, let quantity):
            let id = try store.load(device, quantity, by: by)
            if let sim = printer(device) as? any SimulatedDevice { await sim.loadCards(quantity) }
            return StockChanged(entry: id, pendingCount: nil, message: "\(quantity) blangko dimuat ke \(device)")
        case .unload(let device, let quantity):
            let id = try store.unload(device, quantity, by: by)
            if let sim = printer(device) as? any SimulatedDevice { await sim.unloadCards(quantity) }
            return StockChanged(entry: id, pendingCount: nil, message: "\(quantity) blangko dibongkar dari \(device)")
        case .spoil(let place, let quantity, let cause, let note):
            let id = try store.spoil(at: place, quantity, cause: cause, note: note, by: by)
            if case .hopper(let d) = place, let sim = printer(d) as? any SimulatedDevice { await sim.unloadCards(quantity) }
            return StockChanged(entry: id, pendingCount: nil, message: "\(quantity) blangko rusak dicatat")
        case .destroy(let quantity, let record, let witnesses, let method):
            let id = try store.destroy(quantity, record: record, witnesses: witnesses, method: method ?? "", by: by)
            return StockChanged(entry: id, pendingCount: nil, message: "\(quantity) blangko rusak dimusnahkan")
        case .transfer(let quantity, let toKecamatan, let document):
            let destination = try transferDestination(toKecamatan)
            let id = try store.transfer(quantity, to: toKecamatan, document: document, by: by)
            return StockChanged(entry: id, pendingCount: nil, message: "\(quantity) blangko dipindahkan ke \(destination)")
        case .count(let place, let counted, let reason):
            return try store.count(place, counted: counted, reason: reason, by: by)
        case .receiveRibbon, .loadRibbon, .finishRibbon:
            return try await ribbon(operation, by: by)
        }
    }

    /// Blangko go only to another real kecamatan (`wilayah.csv`): not this one, not a code
    /// no office has. Without the region file the destination cannot be checked, so nothing
    /// is sent. Returns the destination's name and code.
    func transferDestination(_ code: String) throws -> String {
        guard code != config.kecamatan else {
            throw StationError(.invalid, "tujuan \(code) adalah kecamatan stasiun ini sendiri: blangko hanya dipindahkan ke kecamatan lain")
        }
        guard let regions else {
            throw StationError(
                .unsupported, "berkas wilayah belum diatur (station.regions): tujuan pemindahan tidak bisa diperiksa, tidak ada yang dipindahkan")
        }
        guard let kecamatan = regions.kecamatan(code) else {
            throw StationError(.invalid, "kecamatan \(code.prefix(20)) tidak ada dalam daftar Kemendagri (wilayah.csv): periksa kodenya")
        }
        return "Kecamatan \(kecamatan.name) (\(code))"
    }

    func injectFault(_ name: String, device: DeviceID) async throws {
        guard let printer = printer(device) else { throw StationError(.notFound, "printer \(device) tidak dikenal") }
        guard let sim = printer as? any SimulatedDevice else { throw StationError(.unsupported, "gangguan hanya bisa disuntikkan ke printer simulasi") }
        guard let fault = SimulatedFault(rawValue: name) else {
            throw StationError(.invalid, "gangguan \(name) tidak dikenal (\(SimulatedFault.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        await sim.inject(fault)
        try rollback.recordState(of: device, await sim.status())
    }
}
