import ArgumentParser
import EKTPInstall
import Foundation

/// The central hub: takes approved jobs in, routes them to kecamatan stations, ingests
/// their events and shows the fleet.
@main
struct EktpHub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ektp-hub",
        abstract: "Hub pusat KTP-el: menerima job yang disetujui, membagikannya ke stasiun kecamatan, dan memantau armada.",
        discussion: "Pengaturan dibaca dari opsi, lalu variabel lingkungan EKTP_HUB_*. Lihat docs/hub.md.",
        version: BuildInfo.version,
        subcommands: [
            ServeCommand.self, InitCommand.self, ImportCommand.self, KeysCommand.self, SignCommand.self, EnrollTokenCommand.self, RevokeCommand.self,
            RetireCommand.self, WithdrawCommand.self, MoveCommand.self, AuditCommand.self, UserCommand.self, PosResultsCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)

    static func main() async {
        // Every file the hub makes (database, WAL, data key, exports) is readable by the hub
        // alone: the documents hold personal data.
        umask(0o077)
        await runWithIndonesianRefusals()
    }
}
