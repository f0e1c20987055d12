import ArgumentParser
import EKTPHub
import EKTPHubRules
import EKTPWire
import Foundation

struct PosResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pos-results", abstract: "Mencatat hasil layan antar PT Pos dari berkas CSV (terkirim, dikembalikan, tidak-terkirim).",
        discussion: """
            Berkas: baris pertama "job,hasil,tanggal,keterangan", lalu satu kartu per baris, mis. \
            "PRR-3216010002,dikembalikan,2026-12-02,alamat tidak ditemukan". Semua atau tidak sama sekali: \
            satu baris salah membatalkan seluruh berkas, setiap baris yang salah disebut. Kartu yang dikembalikan \
            atau tidak terkirim kembali ke rak stasiunnya untuk diambil di kecamatan.
            """)

    @OptionGroup var options: HubOptions
    @Argument(help: "Berkas hasil PT Pos (CSV).") var file: String
    @Option(help: "Nama petugas pusat yang mencatat.") var by: String
    @Flag(name: .long, help: "Cetak hasilnya sebagai JSON.") var json = false

    func run() async throws {
        try await reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else { throw HubConfig.Problem("berkas \(file) tidak bisa dibaca") }
            let answer = try await options.withHub { hub in try await hub.recordPosResults(csv: String(decoding: data, as: UTF8.self), by: by) }
            if json {
                try printJSON(answer)
                return
            }
            print("\(answer.recorded) hasil dicatat: \(answer.delivered) terkirim, \(answer.backOnShelf.count) kembali ke kecamatan")
            for job in answer.backOnShelf { print("  \(job): kembali di rak stasiun, diambil di kecamatan") }
        }
    }
}
