import ArgumentParser
import EKTPClient
import EKTPWire
import Foundation

/// `ektpctl backup FILE`
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Membuat cadangan basis data stasiun (dan kuncinya) tanpa menghentikan ektpd.",
        discussion:
            "ektpd menulis salinan utuh basis data ke FILE dan kuncinya ke FILE.key, keduanya mode 0600: simpan keduanya bersama, di tempat yang hanya bisa dibaca petugas. Folder FILE harus bisa ditulis pengguna ektpd. Lihat docs/id/cadangan.md."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Berkas cadangan (jalur lengkap), mis. /var/backups/ektp/station-2026-12-01.sqlite.", valueName: "FILE"))
    var file: String

    func validate() throws { try requireText(file, "FILE") }

    func run() async throws {
        let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let made = try await global.withClient(timeout: .seconds(600)) { try await $0.backup(BackupRequest(path: path)) }
        global.emit(made) { "cadangan: \($0.database) dan \($0.key) (\($0.jobs) job, peristiwa sampai nomor \($0.lastEvent))" }
    }
}
