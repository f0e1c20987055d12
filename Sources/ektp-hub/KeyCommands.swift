import ArgumentParser
import EKTPHub
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Kunci persetujuan (demo).", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate", abstract: "Membuat pasangan kunci persetujuan demo dan mencetak baris kunci publik KEYID:BASE64.",
            discussion:
                "Kunci produksi ada di sistem persetujuan, bukan di hub. Baris yang dicetak dipakai di --approval-key / EKTP_HUB_APPROVAL_KEYS hub dan approval.keys stasiun."
        )

        @Option(name: .long, help: "Id kunci.")
        var keyId = "approval-demo"
        @Option(name: .long, help: "Berkas kunci privat yang ditulis (JSON, mode 0600).")
        var out = "approval-key.json"

        func run() async throws {
            try await reportingErrors {
                guard !FileManager.default.fileExists(atPath: out) else { throw HubConfig.Problem("berkas \(out) sudah ada; tidak ditimpa") }
                let file = ApprovalKeyFile.generate(keyId: keyId)
                guard FileManager.default.createFile(atPath: out, contents: try file.encoded(), attributes: [.posixPermissions: 0o600]) else {
                    throw HubConfig.Problem("berkas \(out) tidak bisa ditulis")
                }
                print(file.trustLine)
            }
        }
    }
}

struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Menandatangani berkas job tanpa tanda tangan (satu job atau daftar) dengan kunci persetujuan demo.")

    @Option(name: .long, help: "Berkas kunci dari `ektp-hub keys generate`.")
    var key: String
    @Argument(help: "Berkas job tanpa tanda tangan (JSON: objek PrintJob atau daftarnya).")
    var input: String
    @Argument(help: "Berkas job bertanda tangan yang ditulis.")
    var output: String

    func run() async throws {
        try await reportingErrors {
            let file = try ApprovalKeyFile.load(path: key)
            guard let data = FileManager.default.contents(atPath: input) else { throw HubConfig.Problem("berkas \(input) tidak bisa dibaca") }
            let signed = try JobFileSigner.sign(data, with: try file.signer())
            guard FileManager.default.createFile(atPath: output, contents: signed.file) else { throw HubConfig.Problem("berkas \(output) tidak bisa ditulis") }
            print("\(signed.count) job ditandatangani dengan kunci \(file.keyId) → \(output)")
        }
    }
}
