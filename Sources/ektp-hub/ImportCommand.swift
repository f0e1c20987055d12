import ArgumentParser
import EKTPHub
import EKTPHubRules
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Memasukkan berkas job bertanda tangan (satu dokumen atau daftar) ke antrean kecamatan.",
        discussion:
            "Semua atau tidak sama sekali: satu job yang ditolak membatalkan seluruh berkas. Stasiun yang sedang menunggu akan menerimanya pada tanya berikutnya."
    )

    @OptionGroup var options: HubOptions
    @Argument(help: "Berkas job (JSON).")
    var file: String
    @Flag(name: .long, help: "Cetak hasilnya sebagai JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else { throw HubConfig.Problem("berkas \(file) tidak bisa dibaca") }
            // A kabupaten's backlog takes a while to verify: say so before, and how long after.
            let started = ContinuousClock.now
            FileHandle.standardError.write(Data("memeriksa tanda tangan dan data di \(file) (\(data.count / 1024) KiB)…\n".utf8))
            let result = try await options.withHub { hub in
                guard data.count <= hub.config.maxIntakeBytes else { throw HubError(.tooLarge, "berkas \(file) lebih dari \(hub.config.maxIntakeBytes) byte") }
                return try await hub.intake.importFile(data)
            }
            FileHandle.standardError.write(
                Data("selesai dalam \((ContinuousClock.now - started).formatted(.units(allowed: [.seconds, .milliseconds])))\n".utf8))
            if json {
                try printJSON(result)
                return
            }
            print("\(result.stored.count) job disimpan, \(result.duplicates.count) sudah ada sebelumnya")
            for w in result.warnings { print("  peringatan: \(w)") }
        }
    }
}
