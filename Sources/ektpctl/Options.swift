import ArgumentParser
import EKTPClient
import EKTPDomain
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Soket daemon ektpd (bawaan: $EKTP_SOCKET, $EKTP_STATION_SOCKET, atau \(StationClient.defaultSocketPath)).", valueName: "PATH"))
    var socket: String?

    @Flag(name: .long, help: "Cetak jawaban daemon sebagai JSON (rapi, kunci terurut).")
    var json = false

    /// Runs `body` with a client on the chosen socket, shut down afterwards.
    func withClient<T: Sendable>(timeout: Duration = .seconds(30), _ body: (StationClient) async throws -> T) async throws -> T {
        try await StationClient.withClient(
            socketPath: StationClient.resolveSocketPath(option: socket), timeout: timeout, userAgent: "ektpctl", body)
    }

    /// The station's office zone, from its kecamatan (`OfficeZone`): times and months shown
    /// as the office keeps them, whatever zone the PC's clock is set to.
    func officeZone(_ client: StationClient) async throws -> OfficeZone {
        OfficeZone(regionCode: try await client.status().kecamatanCode)
    }

    /// Prints `value` as JSON with `--json`, or as the text `render` makes of it.
    func emit<T: Encodable>(_ value: T, _ render: (T) -> String) {
        print(json ? ConsoleText.json(value) : render(value))
    }
}

/// Writes a document the daemon made (a PDF) to `path`, replacing nothing silently: an
/// existing file is refused.
func writeDocument(_ data: Data, to path: String) throws {
    guard !FileManager.default.fileExists(atPath: path) else { throw ValidationError("berkas \(path) sudah ada; sebutkan nama lain") }
    do { try data.write(to: URL(fileURLWithPath: path), options: .withoutOverwriting) } catch {
        throw ValidationError("berkas \(path) tidak bisa ditulis: \(error.localizedDescription)")
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// Turns an `OperatorInput` parse into a usage error naming the argument.
func parsed<T>(_ parse: () throws -> T) throws -> T {
    do { return try parse() } catch let error as OperatorInput.Invalid { throw ValidationError(error.description) }
}

/// Rejects an empty or blank text argument.
func requireText(_ value: String?, _ option: String) throws {
    guard let value, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw ValidationError("\(option) harus diisi")
    }
}
