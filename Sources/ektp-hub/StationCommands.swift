import ArgumentParser
import EKTPHub
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
