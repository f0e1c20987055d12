import ArgumentParser
import EKTPClient
import EKTPWire

/// `ektpctl devices [list]` and `ektpctl devices fault ID FAULT`
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Printer kartu yang dikendalikan stasiun.",
        subcommands: [List.self, Fault.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Daftar printer dengan keadaan, hopper, ribbon dan jumlah kartu.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let devices = try await global.withClient { try await $0.devices() }
            global.emit(devices) { ConsoleText.devices($0) }
        }
    }

    struct Fault: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Menyuntikkan atau menghapus gangguan pada printer simulasi.",
            discussion: "FAULT: jam, ribbon-out, hopper-empty, cover-open, offline, power-loss, outside-print, clear. Printer sungguhan menolak.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer, mis. sim-SIM0001.", valueName: "ID"))
        var device: String

        @Argument(help: ArgumentHelp("Gangguan, atau clear untuk menghapusnya.", valueName: "FAULT"))
        var fault: String

        func validate() throws {
            _ = try parsed { try OperatorInput.device(device) }
            try requireText(fault, "FAULT")
        }

        func run() async throws {
            let deviceID = try parsed { try OperatorInput.device(device) }
            let view = try await global.withClient { try await $0.injectFault(deviceID, FaultRequest(fault: fault)) }
            global.emit(view) { ConsoleText.devices([$0]) }
        }
    }
}
