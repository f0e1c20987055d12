import ArgumentParser
import EKTPAccounts
import EKTPClient
import EKTPHub
import EKTPWeb
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `ektp-hub user`: people of the central office who log in to the hub's pages.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Pengguna halaman web pusat (peran pusat).", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Menambah pengguna web pusat. Kata sandi ditanyakan (tidak tampil di layar) atau dibaca dari stdin dengan --password-stdin.",
            discussion: "Kata sandi tidak pernah diberikan sebagai argumen: argumen terlihat oleh pengguna lain lewat daftar proses.")

        @OptionGroup var options: HubOptions
        @Argument(help: "Nama pengguna, misalnya rina.")
        var name: String
        @Option(name: .customLong("full-name"), help: "Nama lengkap yang tampil di halaman.")
        var fullName: String
        @Option(name: .long, help: "Peran (hanya pusat).")
        var role = "pusat"
        @Flag(name: .customLong("password-stdin"), help: "Baca kata sandi dari baris pertama stdin.")
        var passwordStdin = false

        func run() async throws {
            guard let role = WebRole(rawValue: role) else { throw ValidationError("peran \(role) tidak dikenal (pusat)") }
            let password: String
            do { password = try PasswordPrompt.read(fromStandardInput: passwordStdin) } catch { throw ValidationError(error.description) }
            try await reportingErrors {
                do {
                    let user = try WebAccounts.newUser(
                        name: name, fullName: fullName, role: role, password: password, allowed: HubWebRoles.roles, now: Date())
                    try await options.withHub { hub in
                        guard let accounts = hub.store as? any HubUserStore else { throw ValidationError("penyimpanan hub ini tidak menyimpan pengguna web") }
                        try await accounts.addWebUser(user)
                    }
                    print("pengguna \(user.name) (\(user.role.rawValue)) dibuat")
                } catch let error as WebAccountError {
                    FileHandle.standardError.write(Data("ektp-hub: \(error.message)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Daftar pengguna web pusat.")
        @OptionGroup var options: HubOptions
        @Flag(name: .long, help: "Cetak daftarnya sebagai JSON.")
        var json = false

        func run() async throws {
            try await reportingErrors {
                let users = try await options.withHub { hub in try await (hub.store as? any HubUserStore)?.webUsers() ?? [] }
                if json {
                    let rows = users.map { ["name": $0.name, "role": $0.role.rawValue, "fullName": $0.fullName, "disabled": $0.disabled ? "true" : "false"] }
                    try printJSON(rows)
                    return
                }
                print(users.isEmpty ? "belum ada pengguna web" : users.map { "\($0.name)\t\($0.role.rawValue)\t\($0.fullName)" }.joined(separator: "\n"))
            }
        }
    }
}
