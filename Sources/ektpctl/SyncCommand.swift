import ArgumentParser
import EKTPClient
import EKTPWire

/// `ektpctl enroll HUB_URL TOKEN`
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Mendaftarkan stasiun ke hub dengan token sekali pakai dari kantor pusat.",
        discussion: """
            ektpd menukar token dengan kredensial stasiun dan menyimpannya (mode 0600) di folder \
            datanya; sejak itu job diambil dari hub dan kejadian dikirim ke sana. Hub harus \
            https://, kecuali di loopback atau dengan --allow-plain-http.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Alamat hub, misalnya https://hub.dukcapil.example.") var hubURL: String
    @Argument(help: "Token pendaftaran dari kantor pusat (dibuat dengan ektp-hub enroll-token KODE-KECAMATAN).") var token: String
    @Option(help: "Nama stasiun di hub (bawaan: nama kecamatan).") var name: String?
    @Option(help: ArgumentHelp("Berkas PEM sertifikat CA yang dipercaya untuk TLS hub.", valueName: "PATH")) var caFile: String?
    @Flag(help: "Izinkan http:// ke hub selain loopback (kredensial terkirim tanpa enkripsi).") var allowPlainHttp = false

    func run() async throws {
        let request = EnrollStationRequest(hubURL: hubURL, token: token, name: name, caFile: caFile, allowPlainHTTP: allowPlainHttp)
        let (status, zone) = try await global.withClient(timeout: .seconds(90)) { (try await $0.enroll(request), try await global.officeZone($0)) }
        global.emit(status) { "Terdaftar di hub.\n" + ConsoleText.sync($0, zone: zone) }
    }
}

/// `ektpctl sync status|reconcile`
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Hubungan stasiun dengan hub: keadaan dan rekonsiliasi.",
        subcommands: [Status.self, Reconcile.self], defaultSubcommand: Status.self)

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Keadaan sinkronisasi dengan hub.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let (status, zone) = try await global.withClient { (try await $0.syncStatus(), try await global.officeZone($0)) }
            global.emit(status) { ConsoleText.sync($0, zone: zone) }
        }
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reconcile", abstract: "Mencocokkan catatan hub tentang stasiun ini dengan basis data stasiun sekarang.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            let (report, zone) = try await global.withClient(timeout: .seconds(90)) { (try await $0.reconcile(), try await global.officeZone($0)) }
            global.emit(report) { ConsoleText.reconcile($0, zone: zone) }
        }
    }
}
