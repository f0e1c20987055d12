import ArgumentParser
import EKTPHub
import EKTPHubRules
import Foundation

/// Options every command that opens the hub's database shares.
struct HubOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "Berkas konfigurasi TOML hub (bawaan: EKTP_HUB_CONFIG, atau /etc/ektp/hub.toml bila ada). Variabel EKTP_HUB_* dan opsi menimpanya.",
            valueName: "BERKAS"))
    var configFile: String?
    @Option(name: .long, help: "Berkas basis data SQLite hub (bawaan ./hub.sqlite, atau EKTP_HUB_DATABASE).")
    var database: String?
    @Option(
        name: .customLong("data-key"),
        help: "Berkas kunci data pribadi (bawaan hub-data.key di samping basis data SQLite; wajib untuk PostgreSQL; atau EKTP_HUB_DATA_KEY).")
    var dataKey: String?
    @Option(name: .long, help: "Berkas wilayah.csv (atau EKTP_HUB_REGIONS).")
    var regions: String?
    @Option(
        name: .customLong("approval-key"), help: "Kunci persetujuan yang dipercaya, KEYID:BASE64 (boleh berulang; atau EKTP_HUB_APPROVAL_KEYS, dipisah koma).")
    var approvalKeys: [String] = []

    func config() throws -> HubConfig {
        var c = try HubConfig.load(file: configFile)
        if let database { c.databasePath = database }
        if let regions { c.regionsFile = regions }
        if let dataKey { c.dataKeyFile = dataKey }
        if !approvalKeys.isEmpty { c.approvalKeys = try HubConfig.parseKeys(approvalKeys) }
        return c
    }

    /// Runs `body` with the hub on the configured store (SQLite or PostgreSQL).
    func withHub<T: Sendable>(create: Bool = false, _ body: (Hub) async throws -> T) async throws -> T {
        try await HubServer.withHub(config: try config(), create: create, body)
    }
}

/// Runs `body`, printing a refusal in Indonesian and exiting 1 (refused) or 2 (failed).
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as HubError {
        FileHandle.standardError.write(Data("ektp-hub: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as HubConfig.Problem {
        FileHandle.standardError.write(Data("ektp-hub: \(error.description)\n".utf8))
        throw ExitCode(2)
    } catch let error as ExitCode {
        throw error
    } catch let error as any Error & CustomStringConvertible {
        FileHandle.standardError.write(Data("ektp-hub: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
}

/// `--json` output of the admin commands: pretty, keys sorted, as ektpctl prints it.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
