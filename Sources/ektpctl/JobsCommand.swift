import ArgumentParser
import EKTPClient
import EKTPDomain
import EKTPWire
import Foundation

/// `ektpctl jobs …`
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Job cetak: daftar, rincian, impor, hasil, cetak ulang, penyerahan.",
        subcommands: [List.self, Show.self, Find.self, Import.self, Outcome.self, Reprint.self, Release.self, Handover.self, Receipt.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Daftar job, terbaru dulu.")

        @OptionGroup var global: GlobalOptions

        @Option(
            help: ArgumentHelp(
                "Hanya job berstatus ini: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATUS"))
        var state: String?

        @Option(help: ArgumentHelp("Paling banyak N job (bawaan: ketentuan daemon).", valueName: "N"))
        var limit: Int?

        func validate() throws {
            if let state { _ = try parsed { try OperatorInput.jobState(state) } }
            if let limit, limit < 1 { throw ValidationError("--limit harus 1 atau lebih") }
        }

        func run() async throws {
            let state = try state.map { s in try parsed { try OperatorInput.jobState(s) } }
            let (jobs, zone) = try await global.withClient { (try await $0.jobs(state: state, limit: limit), try await global.officeZone($0)) }
            global.emit(jobs) { ConsoleText.jobs($0, zone: zone) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rincian satu job dengan riwayatnya.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id job.", valueName: "ID"))
        var id: String

        func validate() throws { _ = try parsed { try OperatorInput.job(id) } }

        func run() async throws {
            let jobID = try parsed { try OperatorInput.job(id) }
            let (detail, zone) = try await global.withClient { (try await $0.job(jobID), try await global.officeZone($0)) }
            global.emit(detail) { ConsoleText.job($0, zone: zone) }
        }
    }

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mencari kartu dengan NIK (ketik atau pindai) atau nama pemohon.",
            discussion: "NIK dicari lewat indeks berkunci (NIK tidak disimpan terbuka); nama dicari di antara job yang belum diserahkan.")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("NIK pemohon (16 angka; spasi dan titik boleh).", valueName: "NIK"))
        var nik: String?

        @Option(help: ArgumentHelp("Nama pemohon atau sebagian (paling sedikit 3 huruf).", valueName: "NAMA"))
        var name: String?

        func validate() throws {
            switch (nik, name) {
            case (let n?, nil): _ = try parsed { try OperatorInput.nik(n) }
            case (nil, let n?): try requireText(n, "--name")
            default: throw ValidationError("tentukan --nik NIK atau --name NAMA, salah satu")
            }
        }

        func run() async throws {
            let digits = try nik.map { n in try parsed { try OperatorInput.nik(n) }.digits }
            let found = try await global.withClient { try await $0.findJobs(nik: digits, name: name) }
            global.emit(found) { ConsoleText.matches($0) }
        }
    }

    struct Receipt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Menulis tanda terima kartu yang sudah diambil sebagai PDF, untuk dicetak dan ditandatangani.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id job.", valueName: "ID"))
        var id: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Berkas PDF yang ditulis (bawaan: tanda-terima-ID.pdf).", valueName: "BERKAS"))
        var output: String?

        func validate() throws { _ = try parsed { try OperatorInput.job(id) } }

        func run() async throws {
            let jobID = try parsed { try OperatorInput.job(id) }
            let path = output ?? "tanda-terima-\(jobID.rawValue).pdf"
            let pdf = try await global.withClient { try await $0.receiptPDF(jobID) }
            try writeDocument(pdf, to: path)
            print(global.json ? ConsoleText.json(["file": path]) : "tanda terima \(jobID): \(path)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mengimpor berkas job bertanda tangan (mis. dari flashdisk saat jaringan ke pusat putus).",
            discussion: "Semua atau tidak sama sekali: bila satu job ditolak, tidak ada yang disimpan, dan alasan tiap job dicetak.")

        /// The daemon's own limit (JobIntake.maxFileBytes), checked here for a clear message
        /// before a large file is sent.
        static let maxFileBytes = 64 * 1_048_576

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Berkas job bertanda tangan (JSON), atau - untuk stdin.", valueName: "FILE"))
        var file: String

        func run() async throws {
            let data = try readInput()
            if data.count > 1_048_576 {
                FileHandle.standardError.write(
                    Data("mengirim \(data.count / 1_048_576) MiB ke ektpd; memeriksa tanda tangan setiap job bisa makan waktu…\n".utf8))
            }
            // Verifying thousands of signed jobs takes longer than an ordinary request.
            let result = try await global.withClient(timeout: .seconds(120)) { try await $0.importJobs(data) }
            global.emit(result) { ConsoleText.importResult($0) }
        }

        func readInput() throws -> Data {
            let data: Data
            do {
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    let attributes = try FileManager.default.attributesOfItem(atPath: file)
                    if let size = attributes[.size] as? Int, size > Self.maxFileBytes {
                        throw UsageFailure(message: "berkas \(file) terlalu besar (lebih dari \(Self.maxFileBytes / 1_048_576) MiB)")
                    }
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                }
            } catch let error as UsageFailure {
                throw error
            } catch {
                let reason = FileManager.default.fileExists(atPath: file) ? "tidak bisa dibaca (izin?)" : "tidak ada"
                throw UsageFailure(message: "berkas \(file) \(reason)")
            }
            guard !data.isEmpty else { throw UsageFailure(message: "berkas \(file) kosong") }
            return data
        }
    }

    struct Outcome: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mencatat hasil kartu yang hasilnya tidak diketahui (outcome-unknown).",
            discussion: """
                KEPUTUSAN: printed (kartu jadi), spoiled (kartu rusak; perlu --cause), not-fed (kartu tidak \
                ditarik printer; job kembali ke antrean).
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id job.", valueName: "ID"))
        var id: String

        @Argument(help: ArgumentHelp("printed, spoiled atau not-fed.", valueName: "KEPUTUSAN"))
        var decision: String

        @Option(help: ArgumentHelp("Alasan atau apa yang dilihat operator.", valueName: "ALASAN"))
        var reason: String

        @Option(
            help: ArgumentHelp(
                "Sebab rusak (hanya untuk spoiled): \(SpoilCause.allCases.map(\.rawValue).joined(separator: ", ")).",
                valueName: "SEBAB"))
        var cause: String?

        func validate() throws {
            _ = try parsed { try OperatorInput.job(id) }
            let d = try parsedDecision()
            try requireText(reason, "--reason")
            switch (d, cause) {
            case (.spoiled, nil): throw ValidationError("kartu rusak perlu --cause")
            case (.spoiled, let c?): _ = try parsed { try OperatorInput.spoilCause(c) }
            case (_, _?): throw ValidationError("--cause hanya untuk keputusan spoiled")
            case (_, nil): break
            }
        }

        func parsedDecision() throws -> OutcomeRequest.Decision {
            guard let d = OutcomeRequest.Decision(rawValue: decision.lowercased()) else {
                throw ValidationError("keputusan \"\(decision.prefix(20))\" tidak dikenal; pilih printed, spoiled atau not-fed")
            }
            return d
        }

        func run() async throws {
            let jobID = try parsed { try OperatorInput.job(id) }
            let cause = try cause.map { c in try parsed { try OperatorInput.spoilCause(c) } }
            let request = OutcomeRequest(decision: try parsedDecision(), cause: cause, reason: reason)
            let changed = try await global.withClient { try await $0.recordOutcome(jobID, request) }
            global.emit(changed) { ConsoleText.jobChanged($0) }
        }
    }

    struct Reprint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kepala kecamatan: menyetujui cetak ulang kartu rusak (bukan yang mencatat kerusakannya); alasan wajib.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var decision: KepalaDecision

        func run() async throws {
            let (jobID, request) = try decision.request()
            let changed = try await global.withClient { try await $0.reprint(jobID, request) }
            global.emit(changed) { ConsoleText.jobChanged($0) }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kepala kecamatan: melepas job yang ditahan karena NIK-nya sudah punya kartu (kartu hilang, rusak, diganti); alasan wajib.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var decision: KepalaDecision

        func run() async throws {
            let (jobID, request) = try decision.request()
            let job = try await global.withClient { try await $0.releaseHold(jobID, request) }
            global.emit(job) { "job \($0.id) dilepas: dicetak bila printer dan blangko siap (\($0.state.label))" }
        }
    }

    /// A kecamatan head's decision about one job, with the reason (`reprint`, `release`).
    struct KepalaDecision: ParsableArguments {
        @Argument(help: ArgumentHelp("Id job.", valueName: "ID"))
        var id: String

        @Option(help: ArgumentHelp("Alasan keputusan (dicatat di jejak audit).", valueName: "ALASAN"))
        var reason: String

        func validate() throws {
            _ = try parsed { try OperatorInput.job(id) }
            try requireText(reason, "--reason")
        }

        /// The job and the body to send.
        func request() throws -> (JobID, ReasonRequest) {
            (try parsed { try OperatorInput.job(id) }, ReasonRequest(reason: reason))
        }
    }

    struct Handover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mencatat penyerahan kartu: diambil (--recipient dan --nik) atau diserahkan ke PT Pos (--pos-receipt).",
            discussion:
                "Kartu diserahkan sesuai job-nya: kartu ambil sendiri hanya kepada orang yang NIK-nya cocok dengan kartu, kartu layan antar hanya ke PT Pos.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("Id job.", valueName: "ID"))
        var id: String

        @Option(help: ArgumentHelp("Nama penerima yang mengambil kartu.", valueName: "NAMA"))
        var recipient: String?

        @Option(help: ArgumentHelp("NIK yang diberikan pengambil (ketik atau pindai); harus sama dengan NIK kartu.", valueName: "NIK"))
        var nik: String?

        @Flag(name: .customLong("old-card-collected"), help: "KTP-el lama ditarik dari pengambil (untuk dimusnahkan).")
        var oldCardCollected = false

        @Option(name: .customLong("pos-receipt"), help: ArgumentHelp("Nomor tanda terima PT Pos (layan antar).", valueName: "NO"))
        var posReceipt: String?

        func validate() throws {
            _ = try parsed { try OperatorInput.job(id) }
            switch (recipient, posReceipt) {
            case (nil, nil): throw ValidationError("tentukan --recipient NAMA atau --pos-receipt NO")
            case (_?, _?): throw ValidationError("--recipient dan --pos-receipt tidak bisa dipakai bersamaan")
            case (let r?, nil):
                try requireText(r, "--recipient")
                guard let nik else { throw ValidationError("--nik wajib untuk kartu yang diambil: NIK pengambil dicocokkan dengan kartu") }
                _ = try parsed { try OperatorInput.nik(nik) }
            case (nil, let p?):
                try requireText(p, "--pos-receipt")
                if nik != nil || oldCardCollected { throw ValidationError("--nik dan --old-card-collected hanya untuk kartu yang diambil") }
            }
        }

        func run() async throws {
            let jobID = try parsed { try OperatorInput.job(id) }
            let request = HandoverRequest(
                recipient: recipient, nik: try nik.map { n in try parsed { try OperatorInput.nik(n) }.digits },
                oldCardCollected: recipient == nil ? nil : oldCardCollected,
                posReceipt: posReceipt)
            let changed = try await global.withClient { try await $0.handover(jobID, request) }
            global.emit(changed) { ConsoleText.jobChanged($0) }
        }
    }
}
