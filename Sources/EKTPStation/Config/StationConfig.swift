import Configuration
import EKTPChip
import EKTPDomain
import EKTPInstall
import EKTPWire
import Foundation
import TOMLKit

/// The daemon's settings, layered (highest first): command-line flags, environment
/// variables `EKTP_*` (`EKTP_STATION_KECAMATAN` for `station.kecamatan`), the TOML config
/// file, defaults. See `docs/configuration.md`.
public struct StationConfig: Sendable {
    /// The kecamatan this station prints for, `PP.KK.CC`.
    public var kecamatan: String
    /// Database, key file and simulator state live here.
    public var stateDirectory: String
    /// The local API's Unix socket.
    public var socketPath: String
    /// Printer URIs: `sim://…`, `cups://…`, `usb://…`.
    public var printers: [String]
    /// Trusted approval keys, `KEYID:BASE64`.
    public var approvalKeys: [ApprovalKey]
    /// Where printer model profiles are.
    public var driversDirectory: String?
    /// `wilayah.csv` for kecamatan names and code checks.
    public var regionsFile: String?
    /// Days personal data is kept after hand-over.
    public var retentionDays: Int
    /// How often an idle printer is asked for its state.
    public var pollMilliseconds: Int
    /// How often the USB bus is looked at for printers plugged in or out; 0: never.
    public var hotplugSeconds: Int = 2
    /// How the station talks to the hub once enrolled (`[hub]`).
    public var hub: HubSyncSettings = HubSyncSettings()
    /// `HOST:PORT` for Prometheus `GET /metrics` over TCP (`metrics.listen`); nil: only on
    /// the local socket.
    public var metricsListen: String?
    /// The web pages on the office LAN (`[web]`).
    public var web = StationWebSettings()
    /// The `[chip]` section: encoding printers, their readers, the personalisation module.
    public var chip = ChipSettings()

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(
        kecamatan: String, stateDirectory: String, socketPath: String, printers: [String], approvalKeys: [ApprovalKey], driversDirectory: String? = nil,
        regionsFile: String? = nil, retentionDays: Int = 30, pollMilliseconds: Int = 250
    ) {
        self.kecamatan = kecamatan
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
        self.printers = printers
        self.approvalKeys = approvalKeys
        self.driversDirectory = driversDirectory
        self.regionsFile = regionsFile
        self.retentionDays = retentionDays
        self.pollMilliseconds = pollMilliseconds
    }

    public var databasePath: String { stateDirectory + "/station.sqlite" }
    public var keyPath: String { stateDirectory + "/ektpd.key" }

    /// Reads the layers. `flags` holds values given on the command line, by config key.
    public static func load(file: String?, flags: [String: ConfigContent], environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> StationConfig
    {
        var providers: [any ConfigProvider] = []
        providers.append(
            InMemoryProvider(
                name: "flags",
                values: Dictionary(
                    uniqueKeysWithValues: flags.map {
                        (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue($0.value, isSecret: false))
                    })))
        let ours = Dictionary(uniqueKeysWithValues: environment.filter { $0.key.hasPrefix("EKTP_") }.map { (String($0.key.dropFirst(5)), $0.value) })
        providers.append(EnvironmentVariablesProvider(environmentVariables: ours))
        if let file {
            providers.append(try TOMLFile.provider(path: file))
        }
        let reader = ConfigReader(providers: providers)
        guard let kecamatan = reader.string(forKey: "station.kecamatan") else {
            throw Problem(description: "kecamatan stasiun belum diatur (station.kecamatan di berkas konfigurasi, EKTP_STATION_KECAMATAN, atau --kecamatan)")
        }
        var keys: [ApprovalKey] = []
        for entry in reader.stringArray(forKey: "approval.keys") ?? [] {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw Problem(description: "kunci persetujuan \"\(entry.prefix(30))\" harus berbentuk KEYID:BASE64") }
            do { keys.append(try ApprovalKey(keyId: String(parts[0]), publicKeyBase64: String(parts[1]))) } catch {
                throw Problem(description: error.description)
            }
        }
        var config = StationConfig(
            kecamatan: kecamatan,
            stateDirectory: reader.string(forKey: "station.state_directory", default: "/var/lib/ektp"),
            socketPath: reader.string(forKey: "station.socket", default: "/run/ektp/ektpd.sock"),
            printers: reader.stringArray(forKey: "station.printers") ?? [],
            approvalKeys: keys,
            driversDirectory: reader.string(forKey: "station.drivers_directory"),
            regionsFile: reader.string(forKey: "station.regions"),
            retentionDays: reader.int(forKey: "station.retention_days", default: 30),
            pollMilliseconds: reader.int(forKey: "station.poll_milliseconds", default: 250))
        config.hotplugSeconds = reader.int(forKey: "station.hotplug_seconds", default: 2)
        config.hub = HubSyncSettings(
            pollWaitSeconds: reader.int(forKey: "hub.poll_wait_seconds", default: 25),
            heartbeatSeconds: reader.int(forKey: "hub.heartbeat_seconds", default: 30),
            batchSize: reader.int(forKey: "hub.batch_size", default: 200),
            retryMaxSeconds: reader.int(forKey: "hub.retry_max_seconds", default: 300),
            backlogWarning: reader.int(forKey: "hub.backlog_warning", default: 10_000),
            reconcileAfterOfflineSeconds: reader.int(forKey: "hub.reconcile_after_offline_seconds", default: 600))
        config.metricsListen = reader.string(forKey: "metrics.listen").flatMap { $0.isEmpty ? nil : $0 }
        config.web = try StationWebSettings(reader: reader)
        config.chip = try Self.chipSettings(reader)
        try config.check()
        return config
    }

    func check() throws {
        guard PrintJob.isKecamatanCode(kecamatan) else { throw Problem(description: "kode kecamatan \(kecamatan) bukan bentuk PP.KK.CC") }
        guard !approvalKeys.isEmpty else {
            throw Problem(description: "belum ada kunci persetujuan yang dipercaya (approval.keys): tidak ada job yang bisa diterima")
        }
        guard retentionDays >= 0, pollMilliseconds >= 10 else { throw Problem(description: "retention_days ≥ 0 dan poll_milliseconds ≥ 10") }
        guard (0...3600).contains(hotplugSeconds) else { throw Problem(description: "hotplug_seconds harus 0…3600") }
        try hub.check()
        if let metricsListen, HostPort(metricsListen) == nil {
            throw Problem(description: "metrics.listen harus berbentuk HOST:PORT, bukan \"\(metricsListen.prefix(40))\"")
        }
    }
}

/// The `[hub]` section: timing of the sync with the hub. Where the hub is, and the
/// station's credential, come from enrollment (`ektpctl enroll`), not from here.
public struct HubSyncSettings: Sendable {
    /// How long one long-poll for jobs waits at the hub.
    public var pollWaitSeconds = 25
    /// The heartbeat period when the hub does not ask for another.
    public var heartbeatSeconds = 30
    /// Events per upload.
    public var batchSize = 200
    /// The longest wait between retries while the hub is away (backoff with jitter).
    public var retryMaxSeconds = 300
    /// Undelivered events above which status and logs warn.
    public var backlogWarning = 10_000
    /// After this long without the hub, reconcile again when it comes back.
    public var reconcileAfterOfflineSeconds = 600

    public init(
        pollWaitSeconds: Int = 25, heartbeatSeconds: Int = 30, batchSize: Int = 200, retryMaxSeconds: Int = 300, backlogWarning: Int = 10_000,
        reconcileAfterOfflineSeconds: Int = 600
    ) {
        self.pollWaitSeconds = pollWaitSeconds
        self.heartbeatSeconds = heartbeatSeconds
        self.batchSize = batchSize
        self.retryMaxSeconds = retryMaxSeconds
        self.backlogWarning = backlogWarning
        self.reconcileAfterOfflineSeconds = reconcileAfterOfflineSeconds
    }

    func check() throws {
        guard (0...60).contains(pollWaitSeconds), heartbeatSeconds >= 1, (1...5_000).contains(batchSize), retryMaxSeconds >= 1, backlogWarning >= 1,
            reconcileAfterOfflineSeconds >= 1
        else {
            throw StationConfig.Problem(
                description: "pengaturan [hub] tidak wajar: poll_wait_seconds 0…60, heartbeat_seconds ≥ 1, batch_size 1…5000, lainnya ≥ 1")
        }
    }
}

/// A TOML config file, flattened to dotted keys for swift-configuration.
enum TOMLFile {
    static func provider(path: String) throws -> InMemoryProvider {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw StationConfig.Problem(description: "berkas konfigurasi \(path) tidak bisa dibaca")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw StationConfig.Problem(description: "berkas konfigurasi \(path) bukan TOML yang valid: \(error)")
        }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        func walk(_ t: TOMLTable, _ prefix: [String]) throws {
            for (key, value) in t {
                let path = prefix + [key]
                if let sub = value.table { try walk(sub, path); continue }
                let content: ConfigContent
                if let s = value.string {
                    content = .string(s)
                } else if let i = value.int {
                    content = .int(i)
                } else if let b = value.bool {
                    content = .bool(b)
                } else if let d = value.double {
                    content = .double(d)
                } else if let a = value.array {
                    let strings = a.compactMap(\.string)
                    guard strings.count == a.count else {
                        throw StationConfig.Problem(description: "\(path.joined(separator: ".")): hanya daftar teks yang didukung")
                    }
                    content = .stringArray(strings)
                } else {
                    throw StationConfig.Problem(description: "\(path.joined(separator: ".")): jenis nilai tidak didukung")
                }
                values[AbsoluteConfigKey(path)] = ConfigValue(content, isSecret: false)
            }
        }
        try walk(table, [])
        return InMemoryProvider(name: path, values: values)
    }
}

extension StationConfig {
    /// `chip.module` (the command, as a list), `chip.encoders` (`PRINTER-ID=PC/SC READER`),
    /// and the time limits (docs/chip.md).
    static func chipSettings(_ reader: ConfigReader) throws -> ChipSettings {
        var readers: [DeviceID: String] = [:]
        for entry in reader.stringArray(forKey: "chip.encoders") ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty, let device = try? DeviceID(parts[0]) else {
                throw Problem(description: "chip.encoders: \"\(entry.prefix(60))\" harus berbentuk ID-PRINTER=NAMA PEMBACA PC/SC")
            }
            readers[device] = parts[1]
        }
        let module = (reader.stringArray(forKey: "chip.module") ?? []).filter { !$0.isEmpty }
        let settings = ChipSettings(
            module: module.isEmpty ? nil : module, readers: readers, stepSeconds: reader.int(forKey: "chip.step_seconds", default: 20),
            sessionSeconds: reader.int(forKey: "chip.session_seconds", default: 120), cardWaitSeconds: reader.int(forKey: "chip.card_wait_seconds", default: 5),
            apduSeconds: reader.int(forKey: "chip.apdu_seconds", default: 10), restSeconds: reader.int(forKey: "chip.rest_seconds", default: 60))
        for (name, value, range) in [
            ("step_seconds", settings.stepSeconds, 1...600), ("session_seconds", settings.sessionSeconds, 5...1800),
            ("card_wait_seconds", settings.cardWaitSeconds, 1...60), ("apdu_seconds", settings.apduSeconds, 1...120),
            ("rest_seconds", settings.restSeconds, 0...3600),
        ] where !range.contains(value) {
            throw Problem(description: "chip.\(name) harus \(range.lowerBound)…\(range.upperBound), bukan \(value)")
        }
        return settings
    }
}
