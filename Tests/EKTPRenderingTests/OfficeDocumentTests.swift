import EKTPRendering
import EKTPTestSupport
import Foundation
import Testing

/// Office documents as any PDF reader sees them (poppler), not as the renderer meant them.
@Suite struct OfficeDocumentTests {
    @Test("a long table runs over pages: every row once, the header on each page, each page numbered, long cells wrapped whole")
    func longTableBreaksPages() throws {
        let rows = (1...150).map { i in
            [
                String(i), String(format: "JOB-%06d", i), "3216********\(String(format: "%04d", i))", "NAMA PEMOHON \(i)",
                "JL. KAMPUNG BARU GANG MELATI NOMOR \(i) RT 001 RW 002 DESA SUKAMAJU KECAMATAN TARUMAJAYA KABUPATEN BEKASI UJUNG\(i)",
            ]
        }
        let doc = OfficeDocument(
            title: "Manifest penyerahan KTP-el ke PT Pos", heading: ["Kecamatan Tarumajaya (32.16.01)"],
            table: .init(headers: ["No", "Job", "NIK", "Nama", "Alamat antar"], rows: rows, numeric: [0], weights: [0.5, 1.6, 1.5, 2, 3.4]),
            placeAndDate: "Tarumajaya, 2 Desember 2026",
            signatures: [.init(role: "Petugas kecamatan", name: "SARI DEWI"), .init(role: "Kepala kecamatan", name: "DRS. BUDI", nip: "198001012005011001")])
        let (text, pages) = try PDFText.read(try doc.pdf())
        #expect(pages >= 4, "150 rows of two lines on A4: \(pages) pages")
        for i in 1...150 {
            #expect(text.components(separatedBy: String(format: "JOB-%06d", i)).count == 2, "row \(i) once")
            #expect(text.contains("UJUNG\(i)"), "the wrapped address of row \(i) is whole")
        }
        #expect(text.components(separatedBy: "Alamat antar").count - 1 == pages, "the header on every page")
        for page in 1...pages { #expect(text.contains("halaman \(page)")) }
        #expect(text.contains("Tarumajaya, 2 Desember 2026") && text.contains("DRS. BUDI") && text.contains("NIP 198001012005011001"))
        // The signatures come after the last row.
        let last = try #require(text.range(of: "JOB-000150"))
        let signer = try #require(text.range(of: "SARI DEWI"))
        #expect(last.upperBound < signer.lowerBound)
    }

    @Test("fields, Indonesian letters and a short document on one page")
    func receiptFitsOnePage() throws {
        let doc = OfficeDocument(
            title: "Tanda terima KTP-el", heading: ["Nomor job PRR-000001"],
            fields: [
                ("Nama pada kartu", "SITI NUR-HALIZA"), ("Diambil oleh", "Ni Luh Ayu Wédasari"), ("KTP-el lama", "ditarik oleh petugas untuk dimusnahkan"),
            ],
            placeAndDate: "Denpasar Selatan, 2 Desember 2026", signatures: [.init(role: "Yang menerima", name: "Ni Luh Ayu Wédasari")])
        let (text, pages) = try PDFText.read(try doc.pdf())
        #expect(pages == 1)
        for s in ["Tanda terima KTP-el", "SITI NUR-HALIZA", "Ni Luh Ayu Wédasari", "KTP-el lama", "ditarik oleh petugas untuk dimusnahkan", "Yang menerima"] {
            #expect(text.contains(s), "\(s)")
        }
    }
}
