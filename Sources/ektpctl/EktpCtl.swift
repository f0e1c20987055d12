import ArgumentParser
import EKTPClient
import EKTPInstall
import Foundation

/// `ektpctl`: the operator's and the kecamatan head's command line for the station
/// daemon `ektpd`, over its local socket.
@main
struct EktpCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ektpctl",
        abstract: "Mengendalikan stasiun cetak KTP-el (ektpd) dari baris perintah.",
        discussion: """
            Soket daemon: --socket PATH (setelah nama perintah), atau variabel EKTP_SOCKET, atau \
            \(StationClient.defaultSocketPath).

            Kode keluar: 0 berhasil, 1 ditolak daemon, 2 perintah salah, 3 daemon tidak dapat \
            dihubungi, 4 daemon gagal. Lihat docs/ektpctl.md.
            """,
        version: BuildInfo.version,
        subcommands: [
            StatusCommand.self, AlertsCommand.self, DevicesCommand.self, JobsCommand.self, StockCommand.self, AuditCommand.self, UserCommand.self,
            WhoAmICommand.self,
            EnrollCommand.self,
            SyncCommand.self, BackupCommand.self, HoldCommand.self,
        ]
    )

    /// Runs the command and maps every failure to the exit statuses in `ExitStatus`:
    /// argument-parser uses 64 (EX_USAGE) for usage errors; ektpctl documents 2.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as StationClientError {
            printError(ConsoleText.error(error))
            exit(withError: ExitCode(error.exitCode))
        } catch let error as UsageFailure {
            printError(error.message)
            exit(withError: ExitCode(ExitStatus.usage))
        } catch {
            if exitCode(for: error) == .validationFailure {
                var message = fullMessage(for: error)
                if message.hasPrefix("Error: ") { message.removeFirst(7) }
                printError(CommandLineText.indonesian(message))
                exit(withError: ExitCode(ExitStatus.usage))
            }
            exit(withError: error)
        }
    }

    /// Writes `ektpctl: TEXT` to stderr.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data("ektpctl: \(text)\n".utf8))
    }
}

/// A wrong command line found while running (an unreadable file, no operator name):
/// exit 2 with the message alone, without the usage text.
struct UsageFailure: Error {
    let message: String
}
