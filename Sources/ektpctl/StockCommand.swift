import ArgumentParser
import EKTPClient
import EKTPDomain
import EKTPWire
import Foundation

/// `ektpctl stock …`: blangko movements, counts, balances and the monthly report.
///
/// The command line checks the shape of what is typed; the daemon alone decides what the
/// ledger allows (balances, capacities, who may confirm a count), so there is one rule book.
struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "Stok blangko: terima, muat, bongkar, rusak, hitung, musnahkan, pindahkan, laporan.",
        subcommands: [
            Show.self, Shipments.self, AcceptShipment.self, Receive.self, Load.self, Unload.self, Spoil.self, Count.self, ConfirmCount.self,
            RefuseCount.self, Destroy.self, Transfer.self, Report.self, ReceiveRibbon.self, LoadRibbon.self, FinishRibbon.self,
        ],
        defaultSubcommand: Show.self)

    /// Sends one stock operation and prints what it did.
    static func send(_ operation: StockOperation, _ global: GlobalOptions) async throws {
        let changed = try await global.withClient { try await $0.stock(operation) }
        global.emit(changed) { ConsoleText.stockChanged($0) }
    }

    static func positive(_ n: Int, _ name: String = "JUMLAH") throws {
        guard n >= 1 else { throw ValidationError("\(name) harus 1 atau lebih") }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stok per tempat, pemakaian per hari, hitung fisik yang menunggu, dan pemeriksaan neraca.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let view = try await global.withClient { try await $0.stockView() }
            global.emit(view) { ConsoleText.stock($0) }
        }
    }

    struct Shipments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kiriman blangko ke kecamatan ini: yang masih dalam perjalanan, lalu yang sudah diterima.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (list, zone) = try await global.withClient { (try await $0.shipments(), try await global.officeZone($0)) }
            global.emit(list) { ConsoleText.shipments($0, zone: zone) }
        }
    }

    struct AcceptShipment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept-shipment",
            abstract: "Menerima kiriman blangko menurut surat jalannya: jumlah yang dihitung masuk gudang. Selisih hanya oleh kepala, dengan alasan.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Nomor surat jalan (lihat 'ektpctl stock shipments').", valueName: "SURAT-JALAN")) var id: String
        @Option(help: ArgumentHelp("Jumlah blangko yang dihitung saat tiba.", valueName: "JUMLAH")) var count: Int
        @Option(help: ArgumentHelp("Alasan selisih, bila jumlahnya tidak sama dengan surat jalan.", valueName: "ALASAN")) var reason: String?

        func validate() throws {
            try requireText(id, "SURAT-JALAN")
            guard count >= 0 else { throw ValidationError("jumlah yang dihitung tidak boleh negatif") }
        }

        func run() async throws {
            let changed = try await global.withClient { try await $0.receiveShipment(id, ShipmentReceipt(counted: count, reason: reason)) }
            global.emit(changed) { ConsoleText.stockChanged($0) }
        }
    }

    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mencatat blangko yang diterima dari kabupaten ke gudang.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Jumlah blangko.", valueName: "JUMLAH")) var quantity: Int
        @Option(help: ArgumentHelp("Nomor surat jalan / dokumen pengiriman.", valueName: "NO")) var document: String
        @Option(name: .customLong("serial-first"), help: ArgumentHelp("Nomor seri blangko pertama.", valueName: "SERI"))
        var serialFirst: String?
        @Option(name: .customLong("serial-last"), help: ArgumentHelp("Nomor seri blangko terakhir.", valueName: "SERI"))
        var serialLast: String?

        func validate() throws {
            try StockCommand.positive(quantity)
            try requireText(document, "--document")
            if (serialFirst == nil) != (serialLast == nil) {
                throw ValidationError("--serial-first dan --serial-last harus diisi bersama")
            }
        }

        func run() async throws {
            let operation = StockOperation.receive(quantity: quantity, document: document, serialFirst: serialFirst, serialLast: serialLast)
            try await StockCommand.send(operation, global)
        }
    }

    struct ReceiveRibbon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "receive-ribbon", abstract: "Mencatat gulungan ribbon yang diterima ke gudang.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Jumlah gulungan.", valueName: "JUMLAH")) var rolls: Int
        @Option(help: ArgumentHelp("Nomor surat jalan / dokumen pengiriman.", valueName: "NO")) var document: String

        func validate() throws {
            try StockCommand.positive(rolls)
            try requireText(document, "--document")
        }

        func run() async throws { try await StockCommand.send(.receiveRibbon(rolls: rolls, document: document), global) }
    }

    struct LoadRibbon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-ribbon", abstract: "Memasang satu gulung ribbon dari gudang ke printer; gulungan lama dicatat habis.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer.", valueName: "PRINTER")) var device: String

        func validate() throws { _ = try parsed { try OperatorInput.device(device) } }

        func run() async throws { try await StockCommand.send(.loadRibbon(device: try parsed { try OperatorInput.device(device) }), global) }
    }

    struct FinishRibbon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "finish-ribbon", abstract: "Mencatat ribbon di printer habis dan dilepas.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer.", valueName: "PRINTER")) var device: String

        func validate() throws { _ = try parsed { try OperatorInput.device(device) } }

        func run() async throws { try await StockCommand.send(.finishRibbon(device: try parsed { try OperatorInput.device(device) }), global) }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Memindahkan blangko dari gudang ke hopper printer.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer.", valueName: "PRINTER")) var device: String
        @Argument(help: ArgumentHelp("Jumlah blangko.", valueName: "JUMLAH")) var quantity: Int

        func validate() throws {
            _ = try parsed { try OperatorInput.device(device) }
            try StockCommand.positive(quantity)
        }

        func run() async throws {
            let deviceID = try parsed { try OperatorInput.device(device) }
            try await StockCommand.send(.load(device: deviceID, quantity: quantity), global)
        }
    }

    struct Unload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mengembalikan blangko dari hopper printer ke gudang.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id printer.", valueName: "PRINTER")) var device: String
        @Argument(help: ArgumentHelp("Jumlah blangko.", valueName: "JUMLAH")) var quantity: Int

        func validate() throws {
            _ = try parsed { try OperatorInput.device(device) }
            try StockCommand.positive(quantity)
        }

        func run() async throws {
            let deviceID = try parsed { try OperatorInput.device(device) }
            try await StockCommand.send(.unload(device: deviceID, quantity: quantity), global)
        }
    }

    struct Spoil: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mencatat blangko rusak yang bukan bagian dari job (mis. rusak di gudang atau tertekuk di hopper).",
            discussion: "Kartu rusak saat mencetak job dicatat dengan 'ektpctl jobs outcome', bukan di sini.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Jumlah blangko.", valueName: "JUMLAH")) var quantity: Int
        @Option(help: ArgumentHelp("store (gudang) atau id printer (hopper-nya).", valueName: "TEMPAT")) var place: String
        @Option(
            help: ArgumentHelp(
                "Sebab: \(SpoilCause.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "SEBAB"))
        var cause: String
        @Option(help: ArgumentHelp("Catatan.", valueName: "TEKS")) var note: String?

        func validate() throws {
            try StockCommand.positive(quantity)
            _ = try spoilPlace()
            _ = try parsed { try OperatorInput.spoilCause(cause) }
        }

        func spoilPlace() throws -> StockPlace {
            let p = try parsed { try OperatorInput.physicalPlace(place) }
            guard p != .spoiled else { throw ValidationError("--place harus store atau id printer") }
            return p
        }

        func run() async throws {
            let operation = StockOperation.spoil(
                place: try spoilPlace(), quantity: quantity, cause: try parsed { try OperatorInput.spoilCause(cause) }, note: note)
            try await StockCommand.send(operation, global)
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mencatat hitung fisik; selisih menunggu konfirmasi kepala kecamatan dan perlu alasan.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("store, spoiled, atau id printer (hopper-nya).", valueName: "TEMPAT")) var place: String
        @Argument(help: ArgumentHelp("Jumlah yang dihitung.", valueName: "JUMLAH")) var quantity: Int
        @Option(help: ArgumentHelp("Alasan selisih, bila ada.", valueName: "ALASAN")) var reason: String?

        func validate() throws {
            _ = try parsed { try OperatorInput.physicalPlace(place) }
            guard quantity >= 0 else { throw ValidationError("jumlah yang dihitung tidak boleh negatif") }
        }

        func run() async throws {
            let operation = StockOperation.count(place: try parsed { try OperatorInput.physicalPlace(place) }, counted: quantity, reason: reason)
            try await StockCommand.send(operation, global)
        }
    }

    struct ConfirmCount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm-count",
            abstract: "Kepala kecamatan menyetujui selisih hitung fisik; stok dikoreksi.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Nomor hitung yang menunggu (lihat 'ektpctl stock show').", valueName: "ID")) var id: Int64
        @Option(help: ArgumentHelp("Catatan.", valueName: "TEKS")) var note: String?

        func run() async throws {
            let decision = CountDecision(note: note)
            let changed = try await global.withClient { try await $0.confirmCount(id, decision) }
            global.emit(changed) { ConsoleText.stockChanged($0) }
        }
    }

    struct RefuseCount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refuse-count",
            abstract: "Kepala kecamatan menolak selisih hitung fisik; stok tidak berubah.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Nomor hitung yang menunggu (lihat 'ektpctl stock show').", valueName: "ID")) var id: Int64
        @Option(help: ArgumentHelp("Catatan, mis. minta hitung ulang.", valueName: "TEKS")) var note: String?

        func run() async throws {
            let decision = CountDecision(note: note)
            let changed = try await global.withClient { try await $0.refuseCount(id, decision) }
            global.emit(changed) { ConsoleText.stockChanged($0) }
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mencatat pemusnahan blangko rusak dengan berita acara pemusnahan dan saksi.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Jumlah blangko rusak yang dimusnahkan.", valueName: "JUMLAH")) var quantity: Int
        @Option(help: ArgumentHelp("Nomor berita acara pemusnahan.", valueName: "NO-BA")) var record: String
        @Option(help: ArgumentHelp("Nama saksi; ulangi untuk tiap saksi.", valueName: "NAMA")) var witness: [String] = []
        @Option(help: ArgumentHelp("Cara pemusnahan (mis. dipotong, dibakar).", valueName: "CARA")) var method: String

        func validate() throws {
            try StockCommand.positive(quantity)
            try requireText(record, "--record")
            try requireText(method, "--method")
            let names = witness.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard !names.isEmpty else { throw ValidationError("sebutkan saksi dengan --witness NAMA (ulangi untuk tiap saksi)") }
            guard !names.contains(where: \.isEmpty) else { throw ValidationError("nama saksi tidak boleh kosong") }
            guard Set(names.map { $0.lowercased() }).count == names.count else { throw ValidationError("saksi yang sama disebut dua kali") }
        }

        func run() async throws {
            let operation = StockOperation.destroy(
                quantity: quantity, record: record, witnesses: witness.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }, method: method)
            try await StockCommand.send(operation, global)
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mencatat blangko yang dipindahkan dari gudang ke kecamatan lain.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Jumlah blangko.", valueName: "JUMLAH")) var quantity: Int
        @Option(help: ArgumentHelp("Kode kecamatan tujuan, mis. 32.16.05.", valueName: "KODE")) var to: String
        @Option(help: ArgumentHelp("Nomor surat / dokumen serah terima.", valueName: "NO")) var document: String

        func validate() throws {
            try StockCommand.positive(quantity)
            guard PrintJob.isKecamatanCode(to) else {
                throw ValidationError("kode kecamatan \"\(to.prefix(20))\" tidak valid: tulis PP.KK.CC, mis. 32.16.05")
            }
            try requireText(document, "--document")
        }

        func run() async throws {
            try await StockCommand.send(.transfer(quantity: quantity, toKecamatan: to, document: document), global)
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Laporan blangko bulanan: stok awal, diterima, tercetak, rusak per sebab, dimusnahkan, stok akhir.")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Bulan laporan (bawaan: bulan ini).", valueName: "TTTT-BB")) var month: String?

        @Option(help: ArgumentHelp("Tulis laporan sebagai PDF untuk ditandatangani ke berkas ini.", valueName: "BERKAS")) var pdf: String?

        @Option(help: ArgumentHelp("NIP kepala kecamatan di bawah tanda tangan (dengan --pdf).", valueName: "NIP")) var nip: String?

        func validate() throws {
            if let month { _ = try parseMonth(month) }
            if nip != nil, pdf == nil { throw ValidationError("--nip hanya dipakai bersama --pdf") }
            if let pdf { try requireText(pdf, "--pdf") }
        }

        func parseMonth(_ text: String) throws -> ReportMonth {
            do { return try ReportMonth(parsing: text) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let (report, document) = try await global.withClient { client in
                // "This month" is the office's, whatever zone the PC's clock is set to.
                let m: ReportMonth
                if let month { m = try parseMonth(month) } else { m = ReportMonth(containing: Date(), timeZone: try await global.officeZone(client).timeZone) }
                return (try await client.monthlyReport(month: m), try await pdf.asyncMap { _ in try await client.monthlyReportPDF(month: m, nip: nip) })
            }
            if let pdf, let document { try writeDocument(document, to: pdf) }
            global.emit(report) { ConsoleText.report($0) + (pdf.map { "\nPDF untuk ditandatangani: \($0)" } ?? "") }
        }
    }
}
