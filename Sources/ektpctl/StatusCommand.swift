import ArgumentParser
import EKTPClient
import EKTPDomain

/// `ektpctl status`
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ringkasan stasiun: job per status, printer, blangko, peringatan.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status = try await global.withClient { try await $0.status() }
        global.emit(status) { ConsoleText.status($0, zone: OfficeZone(regionCode: $0.kecamatanCode)) }
    }
}
