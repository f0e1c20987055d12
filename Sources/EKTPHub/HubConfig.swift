@preconcurrency import Crypto
import EKTPDomain
import EKTPHubRules
import EKTPInstall
import EKTPWire
import Foundation
import TOMLKit

/// The hub's settings. Read from the environment (`EKTP_HUB_*`), then overridden by
/// command-line flags; defaults suit a single kabupaten or the demo. See `docs/hub.md`.
public struct HubConfig: Sendable {
    /// SQLite database file (used unless `postgres` is set).
    public var databasePath = "./hub.sqlite"
    /// A PostgreSQL server instead of SQLite (a province or the country, several hubs).
    public var postgres: PostgresSettings?
    public var host = "127.0.0.1"
    public var port = 8480
    /// Bearer token for intake, enrollment and the central-office views. Without it those
    /// routes refuse every request.
    public var adminToken: String?
    /// Trusted approval keys; a job signed by any other key is rejected at intake.
    public var approvalKeys: [ApprovalKey] = []
    /// `wilayah.csv`; nil: looked up like the station does (`EKTP_REGIONS`, `./data`, …).
    public var regionsFile: String?
    /// How long a job offered to a station stays reserved for it without an ack.
    public var leaseSeconds = 60
    /// Longest long-poll a station may ask for.
    public var maxWaitSeconds = 60
    /// A connection with no request for this long is closed (0: never): one a client
    /// forgot, or one opened and never used. A request under way, a long-poll waiting
    /// included, is never cut. Long, since the first request on a connection may be slow
    /// to arrive over a station's network; the stations close their own unused connections
    /// sooner (`HubConnection.idleSeconds`).
    public var idleTimeoutSeconds = 60
    /// Most jobs handed out by one poll.
    public var maxJobsPerPoll = 100
    /// Largest intake body (a job file with photos).
    public var maxIntakeBytes = 64 * 1024 * 1024
    /// Largest JSON body on every other route.
    public var maxJSONBytes = 4 * 1024 * 1024
    /// Lifetime of a one-time enrollment token.
    public var enrollmentTokenHours = 72
    /// Lifetime of a station credential; nil: until revoked.
    public var credentialDays: Int? = 365
    /// A station is online while its last heartbeat is younger than this, then stale.
    public var staleAfterSeconds = 120
    /// …and offline once its last heartbeat is older than this (or it never sent one).
    public var offlineAfterSeconds = 600
    /// Alert when a device has been in error longer than this.
    public var deviceErrorMinutes = 30
    /// Alert when a station has not called for longer than this.
    public var silentMinutes = 30
    /// Alert when a kecamatan has fewer days of blangko left than this.
    public var stockLowDays = 14
    /// Who is told of alerts, and how (`EKTP_HUB_ALERT_SUBSCRIBERS`: a JSON file).
    public var alertSubscribers: [AlertSubscription] = []
    /// At most one alert of a kind from a station per this many seconds to each
    /// subscriber; those in between are counted on the next (`AlertCoalescer`).
    public var alertWindowSeconds = 600
    /// A station's alert nobody took on for this long is pushed again, escalated.
    public var escalateSeconds = 3600
    /// How often the hub looks for alerts to push that no request brings: escalations and
    /// what the hub finds itself (a silent station, a printer long in error, low stock).
    public var alertCheckSeconds = 60
    /// The SMTP relay e-mail goes through (`host` or `host:port`, port 25 by default):
    /// the hub host's own MTA or the office's relay, without authentication.
    public var smtp: HostPort?
    /// The sender of alert e-mail.
    public var mailFrom: String?
    /// The key that seals each job's personal data at rest (`DocumentSealer`): 32 bytes,
    /// mode 0600, made on first start. nil: `hub-data.key` beside the SQLite database; with
    /// PostgreSQL it must be given, the same file for every hub process.
    public var dataKeyFile: String?
    /// The key itself once read (`resolveDataKey`); in-process hubs without one share a
    /// random key for the life of the process.
    public var dataKey: SymmetricKey?
    /// Days a handed-over job's document (NIK, name, address, photo) is kept; then only its
    /// id, masked NIK and hashes remain.
    public var retentionDays = 30

    public init() {}

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The settings as `ektp-hub` reads them: the TOML file (`--config`, `EKTP_HUB_CONFIG`,
    /// or `/etc/ektp/hub.toml` when it exists), then `EKTP_HUB_*` variables over it; the
    /// command's flags go over both. A key the file names that the hub does not know is
    /// refused with its name.
    public static func load(file: String?, environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> HubConfig {
        let path = file ?? env["EKTP_HUB_CONFIG"] ?? (FileManager.default.fileExists(atPath: defaultFile) ? defaultFile : nil)
        guard let path else { return try fromEnvironment(env) }
        return try fromEnvironment(try fileSettings(path).merging(env) { _, fromEnvironment in fromEnvironment })
    }

    public static let defaultFile = "/etc/ektp/hub.toml"

    /// Every setting, by its name in the environment; in the file `[hub] NAME` in lower case,
    /// and `[postgres] NAME` for the `POSTGRES_*` ones.
    static let settingNames: Set<String> = [
        "DATABASE", "DATA_KEY", "HOST", "PORT", "ADMIN_TOKEN", "APPROVAL_KEYS", "REGIONS", "LEASE_SECONDS", "MAX_WAIT_SECONDS", "IDLE_TIMEOUT_SECONDS",
        "MAX_INTAKE_BYTES",
        "MAX_JSON_BYTES", "ENROLLMENT_TOKEN_HOURS", "CREDENTIAL_DAYS", "STALE_AFTER_SECONDS", "OFFLINE_AFTER_SECONDS", "DEVICE_ERROR_MINUTES",
        "SILENT_MINUTES", "STOCK_LOW_DAYS", "RETENTION_DAYS", "ALERT_SUBSCRIBERS", "ALERT_WINDOW_SECONDS", "ESCALATE_SECONDS", "ALERT_CHECK_SECONDS",
        "SMTP", "MAIL_FROM", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DATABASE", "POSTGRES_TLS", "POSTGRES_CONNECTIONS", "POSTGRES_KEEPALIVE_SECONDS",
    ]

    /// The settings that choose the store and hold its secrets (a subset of `settingNames`):
    /// which database, where, as whom, and the personal-data key. A tool starting a hub of
    /// its own sets these itself and must not inherit them.
    public static let storeSettingNames: Set<String> = [
        "DATABASE", "DATA_KEY", "POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DATABASE", "POSTGRES_TLS",
    ]

    /// The file's settings under their environment names (`EKTP_HUB_PORT`).
    static func fileSettings(_ path: String) throws -> [String: String] {
        // Read to its end through a handle: Foundation's `String(contentsOfFile:)` refuses a
        // file that reports no size (`/dev/null`, which a tool names for "no file").
        guard let handle = FileHandle(forReadingAtPath: path), let data = try? handle.readToEnd() ?? Data() else {
            throw Problem("berkas konfigurasi hub \(path) tidak bisa dibaca")
        }
        try? handle.close()
        guard let text = String(data: data, encoding: .utf8) else { throw Problem("berkas konfigurasi hub \(path) bukan teks UTF-8") }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw Problem("berkas konfigurasi hub \(path) bukan TOML yang valid: \(error)")
        }
        var settings: [String: String] = [:]
        for (section, value) in table {
            guard let entries = value.table, section == "hub" || section == "postgres" else {
                throw Problem("\(path): bagian [\(section)] tidak dikenal (ada: [hub], [postgres])")
            }
            for (key, value) in entries {
                let name = (section == "postgres" ? "POSTGRES_" : "") + key.uppercased()
                guard settingNames.contains(name) else {
                    throw Problem("\(path): kunci \(section).\(key) tidak dikenal; lihat docs/hub.md")
                }
                let text: String
                if let s = value.string {
                    text = s
                } else if let i = value.int {
                    text = String(i)
                } else if let b = value.bool {
                    text = b ? "true" : "false"
                } else if let a = value.array, a.allSatisfy({ $0.string != nil }) {
                    text = a.compactMap(\.string).joined(separator: ",")
                } else {
                    throw Problem("\(path): \(section).\(key) harus teks, bilangan, ya/tidak, atau daftar teks")
                }
                settings["EKTP_HUB_" + name] = text
            }
        }
        return settings
    }

    /// Settings from `EKTP_HUB_*` variables over the defaults.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> HubConfig {
        var c = HubConfig()
        func int(_ name: String) throws -> Int? {
            guard let text = env["EKTP_HUB_" + name] else { return nil }
            guard let v = Int(text), v >= 0 else { throw Problem("EKTP_HUB_\(name) harus bilangan bulat tidak negatif, bukan \"\(text.prefix(20))\"") }
            return v
        }
        if let v = env["EKTP_HUB_DATABASE"] { c.databasePath = v }
        if let host = env["EKTP_HUB_POSTGRES_HOST"], !host.isEmpty {
            c.postgres = PostgresSettings(
                host: host, port: try int("POSTGRES_PORT") ?? 5432, username: env["EKTP_HUB_POSTGRES_USER"] ?? "ektp",
                password: env["EKTP_HUB_POSTGRES_PASSWORD"], database: env["EKTP_HUB_POSTGRES_DATABASE"] ?? "ektp_hub",
                tls: env["EKTP_HUB_POSTGRES_TLS"].map { $0 == "1" || $0 == "true" } ?? false)
            if let v = try int("POSTGRES_CONNECTIONS") {
                guard v >= 1 else { throw Problem("EKTP_HUB_POSTGRES_CONNECTIONS harus paling sedikit 1") }
                c.postgres?.connections = v
            }
            if let v = try int("POSTGRES_KEEPALIVE_SECONDS") { c.postgres?.keepAliveSeconds = v }
        }
        if let v = env["EKTP_HUB_HOST"] { c.host = v }
        if let v = try int("PORT") { c.port = v }
        if let v = env["EKTP_HUB_ADMIN_TOKEN"], !v.isEmpty { c.adminToken = v }
        if let v = env["EKTP_HUB_APPROVAL_KEYS"] {
            c.approvalKeys = try parseKeys(v.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        if let v = env["EKTP_HUB_REGIONS"] ?? env["EKTP_REGIONS"] { c.regionsFile = v }
        if let v = try int("LEASE_SECONDS") { c.leaseSeconds = v }
        if let v = try int("MAX_WAIT_SECONDS") { c.maxWaitSeconds = v }
        if let v = try int("IDLE_TIMEOUT_SECONDS") { c.idleTimeoutSeconds = v }
        if let v = try int("MAX_INTAKE_BYTES") { c.maxIntakeBytes = v }
        if let v = try int("MAX_JSON_BYTES") { c.maxJSONBytes = v }
        if let v = try int("ENROLLMENT_TOKEN_HOURS") { c.enrollmentTokenHours = v }
        if let v = try int("CREDENTIAL_DAYS") { c.credentialDays = v == 0 ? nil : v }
        if let v = try int("STALE_AFTER_SECONDS") { c.staleAfterSeconds = v }
        if let v = try int("OFFLINE_AFTER_SECONDS") { c.offlineAfterSeconds = v }
        if let v = try int("DEVICE_ERROR_MINUTES") { c.deviceErrorMinutes = v }
        if let v = try int("SILENT_MINUTES") { c.silentMinutes = v }
        if let v = try int("STOCK_LOW_DAYS") { c.stockLowDays = v }
        if let v = try int("RETENTION_DAYS") { c.retentionDays = v }
        if let v = env["EKTP_HUB_DATA_KEY"], !v.isEmpty { c.dataKeyFile = v }
        if let v = env["EKTP_HUB_ALERT_SUBSCRIBERS"], !v.isEmpty { c.alertSubscribers = try loadAlertSubscribers(path: v) }
        if let v = try int("ALERT_WINDOW_SECONDS") { c.alertWindowSeconds = v }
        if let v = try int("ESCALATE_SECONDS") { c.escalateSeconds = v }
        if let v = try int("ALERT_CHECK_SECONDS") { c.alertCheckSeconds = max(v, 1) }
        if let v = env["EKTP_HUB_SMTP"], !v.isEmpty {
            guard let hp = HostPort(v.contains(":") ? v : v + ":25") else {
                throw Problem("EKTP_HUB_SMTP harus host atau host:port, bukan \"\(v.prefix(60))\"")
            }
            c.smtp = hp
        }
        if let v = env["EKTP_HUB_MAIL_FROM"], !v.isEmpty {
            guard AlertMail.isAddress(v) else { throw Problem("EKTP_HUB_MAIL_FROM \"\(v.prefix(60))\" bukan alamat surel") }
            c.mailFrom = v
        }
        if c.alertSubscribers.contains(where: { if case .mail = $0.channel { true } else { false } }), c.smtp == nil || c.mailFrom == nil {
            throw Problem("penerima surel ada di EKTP_HUB_ALERT_SUBSCRIBERS, tetapi EKTP_HUB_SMTP dan EKTP_HUB_MAIL_FROM belum diatur")
        }
        return c
    }

    /// The subscribers file: a JSON list of webhooks `{"url": "https://…", "secretFile":
    /// "/etc/ektp/webhook.secret"}` and e-mail `{"email": ["a@…"]}`, each with an optional
    /// `"scope": ["32.16"]` and `"escalatedOnly": true`. A webhook's secret is read from its
    /// own file (mode 0600), never from the environment or a process listing.
    public static func loadAlertSubscribers(path: String) throws -> [AlertSubscription] {
        struct Entry: Decodable {
            var url: String?
            var secretFile: String?
            var email: [String]?
            var scope: [String]?
            var escalatedOnly: Bool?
        }
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw Problem(
                "EKTP_HUB_ALERT_SUBSCRIBERS \(path): tidak terbaca sebagai daftar penerima JSON ([{\"url\", \"secretFile\"} atau {\"email\"}, dengan \"scope\"]): \(error)"
            )
        }
        return try entries.map { entry in
            let channel: AlertSubscription.Channel
            let name: String
            switch (entry.url, entry.email) {
            case (let text?, nil):
                name = "webhook \(text.prefix(80))"
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
                    throw Problem("\(name): alamat harus http:// atau https://")
                }
                guard let file = entry.secretFile else { throw Problem("\(name): secretFile wajib") }
                let secret: String
                do { secret = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                    throw Problem("\(name): berkas rahasia \(file) tidak terbaca")
                }
                guard secret.utf8.count >= 16 else { throw Problem("\(name): rahasia bersama paling sedikit 16 byte") }
                channel = .webhook(url: text, secret: secret)
            case (nil, let to?):
                name = "surel \(to.joined(separator: ",").prefix(80))"
                guard !to.isEmpty else { throw Problem("surel: daftar alamat kosong") }
                for address in to where !AlertMail.isAddress(address) { throw Problem("surel: \"\(address.prefix(60))\" bukan alamat surel") }
                channel = .mail(to: to)
            default:
                throw Problem("setiap penerima peringatan berisi url (webhook) atau email (surel), tidak keduanya")
            }
            let scope = entry.scope ?? []
            for code in scope where code.range(of: "^[0-9]{2}(\\.[0-9]{2}){0,2}$", options: .regularExpression) == nil {
                throw Problem("\(name): cakupan \"\(code.prefix(20))\" bukan kode wilayah (32, 32.16, 32.16.01)")
            }
            return AlertSubscription(channel, scope: scope, escalatedOnly: entry.escalatedOnly ?? false)
        }
    }

    /// Parses trusted keys written `KEYID:BASE64` (the line `ektp-hub keys generate` prints).
    public static func parseKeys(_ entries: [String]) throws -> [ApprovalKey] {
        try entries.map { entry in
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { throw Problem("kunci persetujuan harus ditulis KEYID:BASE64, bukan \"\(entry.prefix(40))\"") }
            do { return try ApprovalKey(keyId: String(parts[0]), publicKeyBase64: String(parts[1])) } catch {
                throw Problem("\(error)")
            }
        }
    }

    /// Where the data key is: as configured, or beside the SQLite database.
    public var dataKeyPath: String? {
        if let dataKeyFile { return dataKeyFile }
        guard postgres == nil else { return nil }
        return ((databasePath as NSString).deletingLastPathComponent.isEmpty ? "." : (databasePath as NSString).deletingLastPathComponent) + "/hub-data.key"
    }

    /// Reads the data key into `dataKey`, making it on first start; never makes a new key
    /// for a store that already holds sealed documents (they could not be read again).
    public mutating func resolveDataKey(for store: (any HubStore)? = nil) async throws {
        guard dataKey == nil else { return }
        if let store, let path = dataKeyPath, !FileManager.default.fileExists(atPath: path),
            let sample = try await store.sampleDocument(), DocumentSealer.isSealed(sample.document)
        {
            throw Problem(
                "berkas kunci data \(path) tidak ada, padahal basis data hub menyimpan data pribadi yang tersegel dengan kunci itu. Pulihkan berkas kunci dari cadangan; hub tidak membuat kunci baru untuk basis data ini"
            )
        }
        guard let path = dataKeyPath else {
            throw Problem(
                "EKTP_HUB_DATA_KEY (atau --data-key) wajib diatur untuk PostgreSQL: berkas kunci data pribadi, sama untuk semua proses hub (docs/hub.md)")
        }
        do { dataKey = try DataKeyFile.loadOrCreate(path: path) } catch { throw Problem("\(error)") }
    }

    /// Reads the region directory from `regionsFile` or the usual places.
    public func loadRegions() throws -> RegionDirectory {
        let path = regionsFile ?? Self.defaultRegionsPath()
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Problem("berkas wilayah \(path) tidak bisa dibaca (atur EKTP_HUB_REGIONS)")
        }
        do { return try RegionDirectory(csv: text) } catch { throw Problem(error.description) }
    }

    static func defaultRegionsPath() -> String { InstalledFiles.locate("data/wilayah.csv", environment: "EKTP_REGIONS") }
}

/// Where the hub's PostgreSQL database is.
public struct PostgresSettings: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// Require TLS (with the system's trust roots).
    public var tls: Bool
    /// Connections `ektp-hub serve` opens at start and keeps (the pool's minimum and
    /// maximum both; a one-shot command opens them as it needs them).
    public var connections = 20
    /// A connection idle this long runs `SELECT 1`, so one a firewall dropped silently is
    /// found before a request needs it; 0: never. On under load, it arms a timer each time
    /// a connection goes back to the pool.
    public var keepAliveSeconds = 30

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: Bool = false) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }
}
