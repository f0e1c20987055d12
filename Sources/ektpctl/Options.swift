import ArgumentParser
import EKTPClient
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

    /// Prints `value` as JSON with `--json`, or as the text `render` makes of it.
    func emit<T: Encodable>(_ value: T, _ render: (T) -> String) {
        print(json ? ConsoleText.json(value) : render(value))
    }
}

/// `--by NAME` on every command that changes something.
struct OperatorOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Nama operator yang dicatat (bawaan: $SUDO_USER atau $USER).", valueName: "NAMA"))
    var by: String?

    /// The operator's name, from `--by` or the environment.
    func name() throws -> String {
        do {
            return try OperatorInput.operatorName(option: by)
        } catch {
            throw UsageFailure(message: error.description)
        }
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
