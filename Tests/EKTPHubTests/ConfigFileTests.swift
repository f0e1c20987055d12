import Foundation
import Testing

@testable import EKTPHub

/// The hub's TOML file, read like the station's: the file, then `EKTP_HUB_*` over it; an
/// unknown key or section is refused by name.
@Suite struct ConfigFileTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theFileThenTheEnvironment() throws {
        let path = try file(
            """
            [hub]
            port = 9000
            database = "/srv/hub.sqlite"
            lease_seconds = 45
            retention_days = 10
            idle_timeout_seconds = 0
            [postgres]
            host = "db.example"
            database = "ektp_prov"
            connections = 8
            keepalive_seconds = 0
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try HubConfig.load(file: path, environment: ["EKTP_HUB_PORT": "9100"])
        #expect(c.port == 9100, "the environment goes over the file")
        #expect(c.databasePath == "/srv/hub.sqlite" && c.leaseSeconds == 45 && c.retentionDays == 10)
        #expect(c.postgres?.host == "db.example" && c.postgres?.database == "ektp_prov" && c.postgres?.connections == 8)
        #expect(c.postgres?.keepAliveSeconds == 0)
        #expect(c.idleTimeoutSeconds == 0 && HubConfig().idleTimeoutSeconds == 60)
        let defaults = try HubConfig.fromEnvironment(["EKTP_HUB_POSTGRES_HOST": "db"]).postgres
        #expect(defaults?.connections == 20 && defaults?.keepAliveSeconds == 30)
    }

    @Test func unknownKeysAndBadValuesAreRefusedByName() throws {
        for (text, says) in [
            ("[hub]\nprot = 9000\n", "hub.prot"), ("[gudang]\nx = 1\n", "[gudang]"), ("[hub]\nport = \"delapan\"\n", "EKTP_HUB_PORT"),
            ("[hub\nport = 1", "bukan TOML"), ("[postgres]\nhost = \"db\"\nconnections = 0\n", "EKTP_HUB_POSTGRES_CONNECTIONS"),
        ] {
            let path = try file(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: HubConfig.Problem.self) { try HubConfig.load(file: path, environment: [:]) }
            do { _ = try HubConfig.load(file: path, environment: [:]) } catch { #expect("\(error)".contains(says), "\(error)") }
        }
        #expect(throws: HubConfig.Problem.self) { try HubConfig.load(file: "/tidak/ada.toml", environment: [:]) }
    }

    /// An empty file (the bench's hubs run with `EKTP_HUB_CONFIG=/dev/null`) is the defaults.
    @Test func anEmptyFileIsTheDefaults() throws {
        let c = try HubConfig.load(file: "/dev/null", environment: ["EKTP_HUB_PORT": "9100"])
        #expect(c.port == 9100 && c.leaseSeconds == HubConfig().leaseSeconds && c.postgres == nil)
    }

    /// The store's settings are settings the file and the environment know.
    @Test func theStoreSettingsAreSettings() {
        #expect(HubConfig.storeSettingNames.isSubset(of: HubConfig.settingNames))
        #expect(HubConfig.storeSettingNames.contains("POSTGRES_HOST") && HubConfig.storeSettingNames.contains("DATA_KEY"))
    }
}
