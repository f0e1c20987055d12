import EKTPDomain
import Foundation
import Testing

@Suite("Card record")
struct CardRecordTests {
    /// A minimal well-formed JPEG header: SOI, SOF0 with 300×400, EOI.
    static let jpeg = Data([
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ])

    static func record() throws -> CardRecord {
        CardRecord(
            provinsi: "PROVINSI JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try NIK("3216014502960003"),
            nama: "SITI NUR-HALIZA", tempatLahir: "BEKASI", tanggalLahir: try CivilDate(iso: "1996-02-05"),
            jenisKelamin: .perempuan, golonganDarah: .o, alamat: "JL. MERDEKA NO. 9", rt: "005", rw: "003",
            kelurahanDesa: "SUKAMAJU", kecamatan: "TARUMAJAYA", agama: "ISLAM", statusPerkawinan: .kawin,
            pekerjaan: "WIRASWASTA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "BEKASI",
            tanggalTerbit: try CivilDate(iso: "2026-11-20"), foto: jpeg, tandaTangan: jpeg)
    }

    static let today = try! CivilDate(iso: "2026-11-23")

    @Test func aGoodRecordPasses() throws {
        let (problem, warnings) = try Self.record().validate(today: Self.today)
        #expect(problem == nil)
        #expect(warnings.isEmpty)
    }

    @Test func refusesWithTheFieldNamed() throws {
        var r = try Self.record()
        r.jenisKelamin = .lakiLaki
        #expect(r.validate(today: Self.today).problem?.field == "Jenis Kelamin")
        r = try Self.record(); r.rt = "5"
        #expect(r.validate(today: Self.today).problem?.field == "RT")
        r = try Self.record(); r.agama = "LAINNYA"
        #expect(r.validate(today: Self.today).problem?.field == "Agama")
        r = try Self.record(); r.berlakuHingga = .until(try CivilDate(iso: "2030-01-01"))
        #expect(r.validate(today: Self.today).problem?.field == "Berlaku Hingga")
        r = try Self.record(); r.nama = ""
        #expect(r.validate(today: Self.today).problem?.field == "Nama")
        r = try Self.record(); r.foto = Data(repeating: 0xFF, count: 600 * 1024)
        #expect(r.validate(today: Self.today).problem?.message.contains("terlalu besar") == true)
        r = try Self.record(); r.foto = Self.jpeg.dropLast(2)
        #expect(r.validate(today: Self.today).problem?.field == "Foto")
        r = try Self.record(); r.foto = Data("not an image".utf8)
        #expect(r.validate(today: Self.today).problem?.field == "Foto")
    }

    @Test func readsImageHeaders() throws {
        let info = try ImageInfo(data: Self.jpeg)
        #expect(info.format == .jpeg && info.width == 300 && info.height == 400)
    }
}
