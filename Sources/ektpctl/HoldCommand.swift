import ArgumentParser
import EKTPClient
import EKTPWire

/// `ektpctl hold release --reason TEXT`
struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Penahanan cetak setelah basis data ternyata lebih lama (dipulihkan dari cadangan atau rusak).",
        subcommands: [Release.self])

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Melanjutkan pencetakan setelah kartu di printer, antrean dan buku blangko diperiksa.",
            discussion:
                "Basis data yang ada sekarang menjadi catatan stasiun. Job yang sudah dicetak sesudah cadangan dibuat harus lebih dulu dicatat (ektpctl jobs outcome / stock count), atau kartunya tercetak dua kali. Lihat docs/id/cadangan.md."
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: "Apa yang sudah diperiksa sebelum pencetakan dilanjutkan.")
        var reason: String

        func validate() throws { try requireText(reason, "--reason") }

        func run() async throws {
            let released = try await global.withClient { try await $0.releaseHold(ReasonRequest(reason: reason)) }
            global.emit(released) { $0.message }
        }
    }
}
