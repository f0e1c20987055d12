import EKTPDomain
import EKTPStationStore
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// The documents as the office prints them from its pages: the hand-over form, the tanda
/// terima and the monthly report, read back from the PDFs by poppler.
@Suite("Office documents from the pages")
struct DocumentPageTests {
    @Test func handOverAtTheCounterPrintsAReceipt() async throws {
        let web = try await WebStation.start(faults: "")
        defer { Task { await web.stop() } }
        try await web.addUsers()
        let jobs = try await web.printSomeJobs(2, deliveries: [.pickup, .pos(address: "JL. UJI NO. 2")])
        let (pickup, pos) = (jobs[0], jobs[1])
        let clerk = Agent(web.base)
        defer { Task { try await clerk.close() } }
        try await clerk.login(People.operatorName)

        // Found by the NIK as scanned; a wrong NIK leaves the card on the shelf.
        let found = try await clerk.get("/cari?q=\(pickup.card.nik.digits.prefix(8))%20\(pickup.card.nik.digits.dropFirst(8))")
        #expect(found.status == 200 && found.body.contains(pickup.id.rawValue) && found.body.contains(pickup.card.nama), "\(found.body.prefix(300))")
        let wrong = try await clerk.post("/job/\(pickup.id.rawValue)/serah", [("penerima", pickup.card.nama), ("nik", pos.card.nik.digits)])
        #expect(wrong.status == 303 && wrong.location?.hasPrefix("/job/") != true)
        #expect(try web.store.jobDetail(pickup.id).summary.state == .printed)
        // The job page of a PT Pos card offers no pickup.
        #expect(try await clerk.get("/job/\(pos.id.rawValue)").body.contains("name=\"nik\"") == false)

        let done = try await clerk.post(
            "/job/\(pickup.id.rawValue)/serah", [("penerima", "Ni Luh Ayu Wédasari"), ("nik", pickup.card.nik.digits), ("ktp-lama", "ya")])
        #expect(done.location == "/job/\(pickup.id.rawValue)/tanda-terima", "\(done)")
        let page = try await clerk.get("/job/\(pickup.id.rawValue)/tanda-terima")
        #expect(page.status == 200 && page.body.contains("Ni Luh Ayu Wédasari"))
        let pdf = try await clerk.get("/job/\(pickup.id.rawValue)/tanda-terima.pdf")
        #expect(pdf.status == 200 && pdf.headers.first(name: "Content-Type") == "application/pdf")
        let (text, pages) = try PDFText.read(pdf.bytes)
        #expect(pages == 1)
        for s in [
            "Tanda terima KTP-el", pickup.id.rawValue, pickup.card.nama, pickup.card.nik.masked, "Ni Luh Ayu Wédasari", "ditarik oleh petugas", "Yang menerima",
        ] {
            #expect(text.contains(s), "\(s) in\n\(text)")
        }
        #expect(!text.contains(pickup.card.nik.digits), "the receipt shows the NIK masked")

        // The kepala's monthly report, with the NIP over the signature; a bad NIP is refused.
        let head = Agent(web.base)
        defer { Task { try await head.close() } }
        try await head.login(People.kepalaName)
        let month = web.store.zone.monthKey(Date())
        let report = try await head.get("/laporan.pdf?bulan=\(month)&nip=19800101%20200501%201%20001")
        #expect(report.status == 200)
        let (reportText, _) = try PDFText.read(report.bytes)
        let printed = try web.store.monthlyReport(month: month).printed
        #expect(reportText.contains("Laporan bulanan blangko KTP-el") && reportText.contains("NIP 198001012005011001") && reportText.contains("Budi Santoso"))
        #expect(reportText.range(of: "Tercetak\\s+\(printed)\\b", options: .regularExpression) != nil, "\(reportText)")
        #expect(try await head.get("/laporan.pdf?bulan=\(month)&nip=123").status == 400)
    }

    @Test func destructionRecordListsTheCardsItTookOldestFirst() async throws {
        let web = try await WebStation.start(faults: "")
        defer { Task { await web.stop() } }
        try await web.addUsers()
        _ = try web.store.receive(20, document: "SJ-BA", serialFirst: nil, serialLast: nil, by: "sari")
        _ = try web.store.spoil(at: .store, 2, cause: .rusak, note: "sobek", by: "sari")
        _ = try web.store.spoil(at: .store, 1, cause: .gagalCetak, note: nil, by: "sari")
        let head = Agent(web.base)
        defer { Task { try await head.close() } }
        try await head.login(People.kepalaName)
        try await head.get("/pemusnahan")
        let noMethod = try await head.post("/pemusnahan", [("jumlah", "2"), ("nomor", "BA/1"), ("saksi1", "Saksi Satu"), ("saksi2", "Saksi Dua")])
        #expect(noMethod.status == 303)
        #expect(try web.store.destructionRecords().isEmpty, "no method, nothing destroyed")
        for (n, number) in [(2, "BA/1"), (1, "BA/2")] {
            try await head.post(
                "/pemusnahan",
                [("jumlah", String(n)), ("nomor", number), ("cara", "dipotong dengan gunting"), ("saksi1", "Saksi Satu"), ("saksi2", "Saksi Dua")])
        }
        let records = try web.store.destructionRecords()
        #expect(records.map(\.record) == ["BA/2", "BA/1"])
        let first = try #require(records.last)
        let pdf = try await head.get("/pemusnahan/\(first.entry)/berita-acara.pdf")
        #expect(pdf.status == 200)
        let (text, _) = try PDFText.read(pdf.bytes)
        for s in ["Berita acara pemusnahan blangko KTP-el", "BA/1", "dipotong dengan gunting", "Saksi Satu", "Saksi Dua", "rusak"] {
            #expect(text.contains(s), "\(s) in\n\(text)")
        }
        #expect(!text.contains("gagal cetak"), "the second destruction's card is not in the first's record")
        let second = try await head.get("/pemusnahan/\(try #require(records.first).entry)/berita-acara.pdf")
        let (secondText, _) = try PDFText.read(second.bytes)
        #expect(secondText.contains("gagal cetak") && secondText.contains("BA/2"), "\(secondText)")
        #expect(try await head.get("/pemusnahan/999999/berita-acara").status == 400)
    }
}
