import ArgumentParser
import EKTPClient

/// `ektpctl audit verify`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Jejak audit stasiun.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Memeriksa rantai hash jejak audit; keluar dengan kode 1 bila rantai rusak.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let result = try await global.withClient { try await $0.verifyAudit() }
            global.emit(result) { ConsoleText.audit($0) }
            if !result.valid { throw ExitCode(ExitStatus.refused) }
        }
    }
}
