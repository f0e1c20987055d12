import ArgumentParser
import EKTPClient
import EKTPWire
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `ektpctl user`: people who log in to the station's web pages.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Pengguna halaman web stasiun (operator dan kepala).", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Menambah pengguna web. Kata sandi ditanyakan (tidak tampil di layar) atau dibaca dari stdin dengan --password-stdin.",
            discussion: "Kata sandi tidak pernah diberikan sebagai argumen: argumen terlihat oleh pengguna lain lewat daftar proses.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Nama pengguna, misalnya sari.")
        var name: String
        @Option(name: .long, help: "Peran: operator atau kepala.")
        var role: String
        @Option(name: .customLong("full-name"), help: "Nama lengkap yang tampil di halaman.")
        var fullName: String
        @Flag(name: .customLong("password-stdin"), help: "Baca kata sandi dari baris pertama stdin.")
        var passwordStdin = false

        func run() async throws {
            try requireText(fullName, "--full-name")
            let password: String
            do { password = try PasswordPrompt.read(fromStandardInput: passwordStdin) } catch { throw UsageFailure(message: error.description) }
            let user = try await global.withClient { try await $0.addWebUser(WebUserRequest(name: name, fullName: fullName, role: role, password: password)) }
            global.emit(user) { "pengguna \($0.name) (\($0.role)) dibuat" }
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
                    : list.map { "\($0.name)\t\($0.role)\t\($0.fullName)\($0.disabled ? "\t(nonaktif)" : "")" }.joined(separator: "\n")
            }
        }
    }
}
