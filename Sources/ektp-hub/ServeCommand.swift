import ArgumentParser
import EKTPHub

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Menjalankan server HTTP hub.")

    @OptionGroup var options: HubOptions
    @Option(name: .long, help: "Alamat dengar (bawaan 127.0.0.1, atau EKTP_HUB_HOST).")
    var host: String?
    @Option(name: .long, help: "Port (bawaan 8480, atau EKTP_HUB_PORT).")
    var port: Int?
    @Option(name: .long, help: "Lama sewa job yang ditawarkan ke stasiun, detik (bawaan 60, atau EKTP_HUB_LEASE_SECONDS).")
    var leaseSeconds: Int?

    func run() async throws {
        HubServer.bootstrapLogging()
        try await reportingErrors {
            var config = try options.config()
            if let host { config.host = host }
            if let port { config.port = port }
            if let leaseSeconds { config.leaseSeconds = leaseSeconds }
            try await HubServer.run(config: config)
        }
    }
}
