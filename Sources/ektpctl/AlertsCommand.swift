import ArgumentParser
import EKTPClient

/// `ektpctl alerts [list]`, `ektpctl alerts ack NO`
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Peringatan yang masih terbuka, dan menandai peringatan sedang ditangani.",
        discussion:
            "Peringatan selesai sendiri ketika keadaannya hilang (hasil cetak diputuskan, selisih hitung diputuskan kepala, printer ditambahkan, rekonsiliasi tidak lagi menemukan selisih). Menandai 'ditangani' mencatat nama Anda di stasiun dan di hub.",
        subcommands: [List.self, Acknowledge.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Peringatan terbuka, terbaru dahulu.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (alerts, zone) = try await global.withClient { (try await $0.alerts(), try await global.officeZone($0)) }
            global.emit(alerts) { ConsoleText.alerts($0, zone: zone) }
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Menandai peringatan sedang Anda tangani (operator atau kepala).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Nomor peringatan (kolom NO di ektpctl alerts).")
        var number: Int64

        func run() async throws {
            let alert = try await global.withClient { try await $0.acknowledgeAlert(number) }
            global.emit(alert) { "peringatan \($0.id) ditangani \($0.acknowledgedBy ?? "")" }
        }
    }
}
