import EKTPDomain
import EKTPStation
import EKTPStationStore
import EKTPWire
import Foundation
import Testing

/// Bad job files are refused before anything is stored, with the job and the reason named.
@Suite("Job intake")
struct IntakeTests {
    static let jpeg = Data([
        0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
    ])
    let signer = ApprovalSigner.generate(keyId: "approval")
    let today = try! CivilDate(iso: "2026-11-23")

    func job(_ n: Int, kecamatan: String = "32.16.01") throws -> PrintJob {
        let card = CardRecord(
            provinsi: "PROVINSI JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try NIK(String(format: "32160115029%05d", n)),
            nama: "A'ISYAH", tempatLahir: "BEKASI", tanggalLahir: try CivilDate(iso: "1996-02-15"),
            jenisKelamin: .lakiLaki, golonganDarah: .ab, alamat: "JL. MERDEKA NO. 9", rt: "005", rw: "003",
            kelurahanDesa: "SUKAMAJU", kecamatan: "TARUMAJAYA", agama: "ISLAM", statusPerkawinan: .belumKawin,
            pekerjaan: "PELAJAR/MAHASISWA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "BEKASI",
            tanggalTerbit: try CivilDate(iso: "2026-11-20"), foto: Self.jpeg, tandaTangan: Self.jpeg)
        return PrintJob(
            id: try JobID("PRR-\(n)"), kecamatanCode: kecamatan, priority: .normal, delivery: .pickup, approvedAt: "2026-11-20T08:00:00+07:00", card: card)
    }

    func intake() throws -> JobIntake {
        JobIntake(store: try StationStore.inMemory(), verifier: JobVerifier(trusted: [signer.approvalKey]), kecamatan: "32.16.01", regions: nil)
    }

    func file(_ docs: [Data]) -> Data { Data("[".utf8) + docs.joined(separator: Data(",".utf8)) + Data("]".utf8) }

    func expectRefused(_ data: Data, naming: String, because: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let intake = try intake()
        do {
            _ = try intake.importFile(data, actor: "op", today: today)
            Issue.record("accepted a bad file", sourceLocation: sourceLocation)
        } catch let error as StationError {
            let text = ([error.message] + error.details).joined(separator: "\n")
            #expect(text.contains(naming), "\(text)", sourceLocation: sourceLocation)
            #expect(text.contains(because), "\(text)", sourceLocation: sourceLocation)
        }
        #expect(try intake.store.jobCounts().isEmpty, "nothing may be stored", sourceLocation: sourceLocation)
    }

    @Test func aGoodFileIsStoredAndASecondCopyIsIgnored() throws {
        let intake = try intake()
        let data = file([try signer.sign(try job(1)), try signer.sign(try job(2))])
        let first = try intake.importFile(data, actor: "op", today: today)
        #expect(first.stored.count == 2)
        let again = try intake.importFile(data, actor: "op", today: today)
        #expect(again.stored.isEmpty && again.duplicates.count == 2)
    }

    @Test func tamperedField() throws {
        let signed = String(decoding: try signer.sign(try job(1)), as: UTF8.self).replacingOccurrences(of: "A'ISYAH", with: "A'ISYAM")
        try expectRefused(file([try signer.sign(try job(2)), Data(signed.utf8)]), naming: "PRR-1", because: "tanda tangan tidak cocok")
    }

    @Test func missingOrForeignSignature() throws {
        let doc = try JSONValue.parse(try signer.sign(try job(1)))
        guard case .object(let members) = doc else { return }
        try expectRefused(Data(JSONValue.object(members.filter { $0.0 != "signature" }).canonicalBytes()), naming: "PRR-1", because: "tidak bertanda tangan")
        let stranger = ApprovalSigner.generate(keyId: "approval")
        try expectRefused(try stranger.sign(try job(1)), naming: "PRR-1", because: "tanda tangan tidak cocok")
    }

    @Test func malformedJSON() throws {
        try expectRefused(Data("[{\"format\": ".utf8), naming: "JSON", because: "tidak valid")
    }

    @Test func invalidNIKSignedByTheRealKey() throws {
        var value = try JSONValue.parse(try JobSignature.canonicalBytes(of: try job(1)))
        value = Self.replacing(value, key: "nik", with: .string("3216019902960001"))
        try expectRefused(try signer.sign(jobValue: value), naming: "PRR-1", because: "NIK tidak valid")
    }

    /// The station reads `approvedAt` as the hub does (`PrintJob.timestamp`): not ISO 8601,
    /// refused, the field named, even when the approval key signed it.
    @Test(arguments: ["kemarin", "2026-13-45T99:00:00Z", "2026-11-23", "1700000000", ""])
    func approvedAtThatIsNoTimestamp(text: String) throws {
        var value = try JSONValue.parse(try JobSignature.canonicalBytes(of: try job(1)))
        value = Self.replacing(value, key: "approvedAt", with: .string(text))
        try expectRefused(try signer.sign(jobValue: value), naming: "PRR-1", because: "approvedAt")
    }

    @Test func oversizedAndUndecodablePhotos() throws {
        var big = try job(1)
        big.card.foto = Data(repeating: 0xFF, count: 700 * 1024)
        try expectRefused(try signer.sign(big), naming: "PRR-1", because: "Foto: terlalu besar")
        var broken = try job(2)
        broken.card.foto = Data("GIF89a".utf8)
        try expectRefused(try signer.sign(broken), naming: "PRR-2", because: "Foto")
    }

    @Test func anotherKecamatansJob() throws {
        try expectRefused(try signer.sign(try job(1, kecamatan: "32.16.02")), naming: "PRR-1", because: "bukan stasiun ini")
    }

    @Test func sameIdOtherContent() throws {
        let intake = try intake()
        _ = try intake.importFile(try signer.sign(try job(1)), actor: "op", today: today)
        var other = try job(1)
        other.priority = .urgent
        #expect(throws: StationError.self) { try intake.importFile(try signer.sign(other), actor: "op", today: today) }
        #expect(try intake.store.jobs(state: .queued).map(\.priority) == [.normal])
    }

    static func replacing(_ v: JSONValue, key: String, with new: JSONValue) -> JSONValue {
        switch v {
        case .object(let members): .object(members.map { ($0.0, $0.0 == key ? new : replacing($0.1, key: key, with: new)) })
        case .array(let items): .array(items.map { replacing($0, key: key, with: new) })
        default: v
        }
    }
}
