import ArgumentParser
import EKTPHub
import Foundation

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
