import ArgumentParser
import Configuration
import EKTPInstall
import EKTPRendering
import EKTPStation
import Foundation
import Logging
import ServiceLifecycle

/// The station daemon: prints approved KTP-el jobs and accounts for every blangko.
@main
struct Ektpd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ektpd",
        abstract: "Daemon stasiun cetak KTP-el: mencetak job yang disetujui dan mencatat setiap blangko.",
        discussion: "Pengaturan dibaca dari opsi, lalu variabel lingkungan EKTP_*, lalu berkas konfigurasi (TOML). Lihat docs/configuration.md.",
        version: BuildInfo.version)

    @Option(name: .long, help: "Berkas konfigurasi TOML.")
    var config: String?
    @Option(name: .long, help: "Kode kecamatan stasiun, misalnya 32.16.01.")
    var kecamatan: String?
    @Option(name: .long, help: "Folder data (basis data, kunci).")
    var stateDirectory: String?
    @Option(name: .long, help: "Soket Unix API lokal.")
    var socket: String?
    @Option(name: .customLong("printer"), help: "URI printer (boleh berulang): sim://…, cups://…, usb://….")
    var printers: [String] = []
    @Option(name: .long, help: "Selang tanya status printer (milidetik).")
    var pollMilliseconds: Int?

    static func main() async { await runWithIndonesianRefusals() }

    func run() async throws {
        ProcessLogging.bootstrap()
        let logger = Logger(label: "ektpd")
        logger.info("ektpd \(BuildInfo.version) mulai")
        var flags: [String: ConfigContent] = [:]
        if let kecamatan { flags["station.kecamatan"] = .string(kecamatan) }
        if let stateDirectory { flags["station.state_directory"] = .string(stateDirectory) }
        if let socket { flags["station.socket"] = .string(socket) }
        if !printers.isEmpty { flags["station.printers"] = .stringArray(printers) }
        if let pollMilliseconds { flags["station.poll_milliseconds"] = .int(pollMilliseconds) }
        do {
            let settings = try StationConfig.load(file: config, flags: flags)
            let station = try await Station.open(config: settings, composer: RenderingComposer(renderer: try CardRenderer.standard()), logger: logger)
            let group = ServiceGroup.daemon(try station.services(), logger: logger)
            try await group.run()
        } catch let error as CustomStringConvertible & Error {
            logger.critical("ektpd berhenti: \(error.description)")
            throw ExitCode(1)
        }
    }
}
