import EKTPDomain
import EKTPWire
import Foundation

enum Fixture {
    static let jpeg = Data([
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ])
    static let signer = ApprovalSigner.generate(keyId: "test")
    static let verifier = JobVerifier(trusted: [signer.approvalKey])
    static let printer = try! DeviceID("sim-T1")

    static func job(_ n: Int, name: String = "SITI NUR-HALIZA", priority: JobPriority = .normal) -> PrintJob {
        let card = CardRecord(
            provinsi: "PROVINSI JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try! NIK(String(format: "32160145029%05d", n)),
            nama: name, tempatLahir: "BEKASI", tanggalLahir: try! CivilDate(iso: "1996-02-05"),
            jenisKelamin: .perempuan, golonganDarah: .o, alamat: "JL. MERDEKA NO. 9", rt: "005", rw: "003",
            kelurahanDesa: "SUKAMAJU", kecamatan: "TARUMAJAYA", agama: "ISLAM", statusPerkawinan: .kawin,
            pekerjaan: "WIRASWASTA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "BEKASI",
            tanggalTerbit: try! CivilDate(iso: "2026-11-20"), foto: jpeg, tandaTangan: jpeg)
        return PrintJob(
            id: try! JobID(String(format: "PRR-%04d", n)), kecamatanCode: "32.16.01", priority: priority, delivery: .pickup,
            approvedAt: "2026-11-20T08:00:00+07:00", card: card)
    }

    static func verified(_ n: Int, name: String = "SITI NUR-HALIZA", priority: JobPriority = .normal) throws -> VerifiedJob {
        try verifier.verify(bytes: try signer.sign(job(n, name: name, priority: priority)))
    }
}
