import ArgumentParser
import EKTPDomain
import EKTPHub
import EKTPHubRules
import EKTPWire
import Foundation

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Membuat basis data hub dan kunci data pribadinya bila belum ada (serve juga membuatnya).")

    @OptionGroup var options: HubOptions

    func run() async throws {
        try await reportingErrors {
            let config = try options.config()
            let counts = try await options.withHub(create: true) { try await $0.store.jobCounts() }
            let place = config.postgres.map { "PostgreSQL \($0.host):\($0.port)/\($0.database)" } ?? config.databasePath
            print("basis data hub siap: \(place) (\(counts.values.reduce(0, +)) job); kunci data: \(config.dataKeyPath ?? "-")")
        }
    }
}

struct EnrollTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-token", abstract: "Membuat token pendaftaran sekali pakai untuk stasiun sebuah kecamatan.")

    @OptionGroup var options: HubOptions
    @Argument(help: "Kode kecamatan, misalnya 32.16.01.")
    var kecamatan: String

    func run() async throws {
        try await reportingErrors {
            let issued = try await options.withHub { try await $0.issueEnrollmentToken(kecamatan: kecamatan) }
            print(issued.token)
            FileHandle.standardError.write(
                Data(
                    "token untuk kecamatan \(issued.kecamatanCode), berlaku sampai \(ISO8601DateFormatter().string(from: issued.expiresAt)); hanya ditampilkan sekali\n"
                        .utf8))
        }
    }
}

struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Mencabut kredensial stasiun; job yang ditawarkan tetapi belum diakui kembali ke antrean.")

    @OptionGroup var options: HubOptions
    @Argument(help: "Id stasiun, misalnya stn-321601-3fa29c.")
    var station: String

    func run() async throws {
        try await reportingErrors {
            let result = try await options.withHub { try await $0.revoke(stationId: station) }
            print("kredensial \(result.stationId) dicabut; \(result.requeued) job kembali ke antrean")
        }
    }
}

// MARK: - The centre acts (docs/sync.md, "The centre acts"), each in the hub's audit trail

/// The person and the reason every central act records.
struct CentralActOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Alasan (dicatat di jejak audit hub).", valueName: "ALASAN")) var reason: String
    @Option(help: ArgumentHelp("Nama petugas pusat yang memutuskan.", valueName: "NAMA")) var by: String
    var request: CentralActRequest { CentralActRequest(reason: reason, by: by) }

    /// A job id as typed, or `invalid` with the reason.
    static func job(_ text: String) throws -> JobID {
        do { return try JobID(text) } catch { throw HubError(.invalid, "\(error)") }
    }
}

struct WithdrawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw",
        abstract: "Menarik job yang belum masuk printer: langsung bila belum dipegang stasiun; bila dipegang, stasiun menariknya dan mengonfirmasi.")

    @OptionGroup var options: HubOptions
    @Argument(help: "Id job.") var job: String
    @OptionGroup var act: CentralActOptions

    func run() async throws {
        try await reportingErrors {
            let id = try CentralActOptions.job(job)
            print(try await options.withHub { try await $0.withdraw(id, act.request) }.message)
        }
    }
}

struct MoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Memindahkan job yang tidak dipegang stasiun ke satu stasiun lain di kecamatannya.")

    @OptionGroup var options: HubOptions
    @Argument(help: "Id job.") var job: String
    @Option(help: ArgumentHelp("Id stasiun tujuan.", valueName: "STASIUN")) var station: String
    @OptionGroup var act: CentralActOptions

    func run() async throws {
        try await reportingErrors {
            let id = try CentralActOptions.job(job)
            let request = JobMoveRequest(station: station, reason: act.reason, by: act.by)
            print(try await options.withHub { try await $0.move(id, request) }.message)
        }
    }
}

struct RetireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: "Stasiun yang hilang/rusak untuk seterusnya: kredensial dicabut, job yang belum masuk printer kembali ke antrean.")

    @OptionGroup var options: HubOptions
    @Argument(help: "Id stasiun.") var station: String
    @OptionGroup var act: CentralActOptions

    func run() async throws {
        try await reportingErrors {
            let result = try await options.withHub { try await $0.retire(stationId: station, act.request) }
            print("stasiun \(result.stationId) dicabut; \(result.requeued.count) job kembali ke antrean")
            if !result.outcomeUnknown.isEmpty {
                print(
                    "\(result.outcomeUnknown.count) job hasilnya tidak diketahui (sedang dicetak saat stasiun hilang): \(result.outcomeUnknown.map(\.rawValue).joined(separator: ", ")); putuskan setelah memeriksa kartunya"
                )
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Jejak audit hub: tindakan petugas pusat, terbaru dahulu.")

    @OptionGroup var options: HubOptions
    @Option(help: ArgumentHelp("Hanya job ini.", valueName: "ID")) var job: String?
    @Option(help: "Paling banyak sekian baris.") var limit = 50

    func run() async throws {
        try await reportingErrors {
            let id = try job.map(CentralActOptions.job)
            let entries = try await options.withHub { try await $0.store.audit(job: id, limit: max(1, min(limit, 1000))) }
            let time = ISO8601DateFormatter()
            for e in entries { print("\(time.string(from: e.at))\t\(e.actor)\t\(e.action)\t\(e.job?.rawValue ?? "-")\t\(e.detail)") }
        }
    }
}
