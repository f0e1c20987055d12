import EKTPDomain
import EKTPRendering
import EKTPSynthetic
import Foundation

/// Cards for the tests: a plain Kabupaten Bekasi record with synthetic photo and signature.
enum Fixture {
    static let renderer: CardRenderer = {
        do { return try CardRenderer.standard() } catch { fatalError("renderer: \(error)") }
    }()
    static let photo: Data = { try! SyntheticPortrait.jpeg(seed: 7) }()
    static let signature: Data = { try! SyntheticSignature.png(seed: 7) }()

    static let evolis = PanelGeometry(width: 1016, height: 648)
    static let magicard = PanelGeometry(width: 1016, height: 642)

    static func card(
        nama: String = "SITI NURHALIZA",
        alamat: String = "JL. MERDEKA NO. 17",
        female: Bool = true,
        foto: Data? = nil,
        tandaTangan: Data? = nil,
        change: (inout CardRecord) -> Void = { _ in }
    ) -> CardRecord {
        var card = CardRecord(
            provinsi: "JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI",
            nik: try! NIK(female ? "3216015205900002" : "3216011205900001"), nama: nama,
            tempatLahir: "BEKASI", tanggalLahir: try! CivilDate(year: 1990, month: 5, day: 12),
            jenisKelamin: female ? .perempuan : .lakiLaki, golonganDarah: .o, alamat: alamat, rt: "003", rw: "011",
            kelurahanDesa: "SETIA MEKAR", kecamatan: "TAMBUN SELATAN", agama: "ISLAM", statusPerkawinan: .kawin,
            pekerjaan: "KARYAWAN SWASTA", kewarganegaraan: .wni, berlakuHingga: .lifetime,
            tempatTerbit: "KAB. BEKASI", tanggalTerbit: try! CivilDate(year: 2024, month: 3, day: 4),
            foto: foto ?? photo, tandaTangan: tandaTangan ?? signature)
        change(&card)
        return card
    }
}
