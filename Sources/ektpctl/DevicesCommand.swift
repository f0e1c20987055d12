import ArgumentParser
import EKTPClient
import EKTPWire

/// `ektpctl devices [list]`, `offered`, `add`, `test-print` and `fault`
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Printer kartu yang dikendalikan stasiun.",
        subcommands: [List.self, Offered.self, Add.self, TestPrint.self, Fault.self],
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

    struct Offered: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Printer yang baru terpasang di USB dan bisa dikendalikan, tetapi belum ditambahkan.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let list = try await global.withClient { try await $0.offeredPrinters() }
            global.emit(list) { ConsoleText.offered($0) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Menambahkan printer yang baru terpasang (atau URI printer) tanpa mengubah ektpd.toml dan tanpa memulai ulang.",
            discussion: "PRINTER: id dari `ektpctl devices offered` (mis. evolis-PRI0123456), atau URI seperti usb://0f49/PRI0123456.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer yang ditawarkan, atau URI printer.", valueName: "PRINTER"))
        var printer: String

        func validate() throws { try requireText(printer, "PRINTER") }

        func run() async throws {
            let view = try await global.withClient { try await $0.addPrinter(AddPrinterRequest(printer: printer)) }
            global.emit(view) { ConsoleText.devices([$0]) }
        }
    }

    struct TestPrint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-print",
            abstract: "Mencetak kartu uji pada printer baru atau yang baru diperbaiki.",
            discussion: "Kartu uji memakai satu blangko dari hopper printer; blangko itu dicatat rusak dengan penyebab cetak-uji.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer, mis. evolis-PRI0123456.", valueName: "ID"))
        var device: String

        func validate() throws { _ = try parsed { try OperatorInput.device(device) } }

        func run() async throws {
            let deviceID = try parsed { try OperatorInput.device(device) }
            let result = try await global.withClient(timeout: .seconds(180)) { try await $0.testPrint(deviceID) }
            global.emit(result) { ConsoleText.testPrint($0) }
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
