import ArgumentParser
import EKTPClient
import EKTPWire
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `ektpctl user`: the station's people (operators, the kecamatan head): their web login
/// and the PC accounts `ektpd` knows them by. Managed by the station's administrator
/// (`sudo ektpctl user …`).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Pengguna stasiun (operator dan kepala) dan akun PC mereka.", subcommands: [Add.self, Link.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract:
                "Menambah pengguna stasiun (hanya admin: sudo). Kata sandi ditanyakan (tidak tampil di layar) atau dibaca dari stdin dengan --password-stdin.",
            discussion: """
                Kata sandi tidak pernah diberikan sebagai argumen: argumen terlihat oleh pengguna lain lewat daftar proses. \
                Dengan --akun-pc, ektpctl yang dijalankan dari akun PC itu dicatat atas nama pengguna ini.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Nama pengguna, misalnya sari.")
        var name: String
        @Option(name: .long, help: "Peran: operator atau kepala.")
        var role: String
        @Option(name: .customLong("full-name"), help: "Nama lengkap yang tampil di halaman.")
        var fullName: String
        @Flag(name: .customLong("password-stdin"), help: "Baca kata sandi dari baris pertama stdin.")
        var passwordStdin = false
        @Option(name: .customLong("akun-pc"), help: ArgumentHelp("Akun login PC (atau nomor uid) tempat orang ini menjalankan ektpctl.", valueName: "LOGIN"))
        var pcAccount: String?

        func run() async throws {
            try requireText(fullName, "--full-name")
            let password: String
            do { password = try PasswordPrompt.read(fromStandardInput: passwordStdin) } catch { throw UsageFailure(message: error.description) }
            let request = WebUserRequest(name: name, fullName: fullName, role: role, password: password, pcAccount: pcAccount)
            let user = try await global.withClient { try await $0.addWebUser(request) }
            global.emit(user) { "pengguna \($0.name) (\($0.role)) dibuat\($0.pcAccounts.isEmpty ? "" : ", akun PC \($0.pcAccounts.joined(separator: ", "))")" }
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "link", abstract: "Menghubungkan satu akun PC lagi ke pengguna stasiun (hanya admin: sudo).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Nama pengguna stasiun.")
        var name: String
        @Argument(help: "Akun login PC atau nomor uid.")
        var pcAccount: String

        func run() async throws {
            let user = try await global.withClient { try await $0.linkPCAccount(name, PCAccountRequest(pcAccount: pcAccount)) }
            global.emit(user) { "akun PC \(pcAccount) sekarang milik \($0.name) (\($0.role))" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Daftar pengguna web.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let users = try await global.withClient { try await $0.webUsers() }
            global.emit(users) { list in
                list.isEmpty
                    ? "belum ada pengguna web"
                    : list.map {
                        "\($0.name)\t\($0.role)\t\($0.fullName)\takun PC: \($0.pcAccounts.isEmpty ? "-" : $0.pcAccounts.joined(separator: ","))\($0.disabled ? "\t(nonaktif)" : "")"
                    }.joined(separator: "\n")
            }
        }
    }
}

/// `ektpctl whoami`: who the station takes this PC account for, and so whose name its acts
/// are recorded under.
struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Menampilkan atas nama siapa stasiun mencatat perintah dari akun PC ini.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let me = try await global.withClient { try await $0.me() }
        global.emit(me) { me in
            var lines = ["akun PC      : \(me.pcAccount)", "dicatat sbg. : \(me.recordedAs)"]
            if let role = me.role { lines.append("peran        : \(role)\(me.fullName.map { " (\($0))" } ?? "")") }
            if let note = me.note { lines.append("catatan      : \(note)") }
            return lines.joined(separator: "\n")
        }
    }
}
