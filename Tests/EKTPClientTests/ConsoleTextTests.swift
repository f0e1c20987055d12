import EKTPDomain
import EKTPWire
import Foundation
import Testing

@testable import EKTPClient

@Suite("Console text")
struct ConsoleTextTests {
    /// 2026-03-05 07:07 UTC, 14:07 in Jakarta.
    let at = Date(timeIntervalSince1970: 1_772_694_420)

    @Test func tableAlignsColumnsAndNumbers() {
        var t = TextTable(headers: ["PRINTER", "HOPPER"], rightAligned: [1])
        t.append(["sim-SIM0001", "5/100"])
        t.append(["evolis-PRI1", "100/100"])
        #expect(
            t.render() == """
                PRINTER       HOPPER
                sim-SIM0001    5/100
                evolis-PRI1  100/100
                """)
    }

    @Test func tableKeepsEachRowOnOneLineAndDropsTrailingSpaces() {
        var t = TextTable(headers: ["A", "CATATAN"])
        t.append(["x", "baris satu\nbaris dua"])
        t.append(["yy", ""])
        #expect(t.render() == "A   CATATAN\nx   baris satu baris dua\nyy")
    }

    @Test func datesAreLocalTime() {
        #expect(ConsoleText.date(at, zone: .wib) == "2026-03-05 14:07")
        #expect(ConsoleText.date(at, zone: .wita) == "2026-03-05 15:07")
        #expect(ConsoleText.date(at, zone: .wit) == "2026-03-05 16:07")
    }

    @Test func decimalsUseTheIndonesianComma() {
        #expect(ConsoleText.decimal(12.46) == "12,5")
        #expect(ConsoleText.decimal(0) == "0,0")
        #expect(ConsoleText.decimal(-0.25) == "-0,3")
        #expect(ConsoleText.decimal(.infinity) == "-")
    }

    @Test func jobListShowsLabelsAndMaskedNIK() throws {
        let job = JobSummary(
            id: try JobID("J-0001"), state: .outcomeUnknown, priority: .urgent, maskedNIK: "3216********0001",
            device: try DeviceID("sim-SIM0001"), attempts: 1, receivedAt: at, updatedAt: at)
        let text = ConsoleText.jobs([job], zone: .wib)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("JOB     STATUS                 PRIORITAS"))
        #expect(lines[1].contains("hasil tidak diketahui"))
        #expect(lines[1].contains("mendesak"))
        #expect(lines[1].contains("3216********0001"))
        #expect(lines[1].hasSuffix("2026-03-05 14:07  2026-03-05 14:07"))
        #expect(ConsoleText.jobs([], zone: .wib) == "(tidak ada job)")
    }

    @Test func devicesShowStateReasonsAndSupplies() throws {
        let state = DeviceState(
            status: .error, reasons: [.mediaJam], vendorDetail: "E-JAM",
            supplies: Supplies(ribbonRemaining: 420, ribbonCapacity: 500, hopperLevel: 3))
        let d = DeviceView(
            id: try DeviceID("sim-SIM0001"), uri: "sim://evolis-primacy-2", model: "Evolis Primacy 2", serial: "SIM0001",
            state: state, hopperLedger: 5, hopperCapacity: 100, printed: 40, spoiled: 2)
        let row = ConsoleText.devices([d]).split(separator: "\n")[1]
        #expect(row.contains("gangguan"))
        #expect(row.contains("5/100 (printer: 3)"))
        #expect(row.contains("420/500"))
        #expect(row.hasSuffix("kartu macet, E-JAM"))
    }

    @Test func statusListsJobStatesInLifeOrder() {
        let s = StationStatusView(
            kecamatanCode: "32.16.01", kecamatanName: "Tarumajaya", jobs: [.handedOver: 1, .printed: 10, .queued: 3],
            held: "tidak ada blangko di printer yang siap", devices: [], blangkoOnHand: 0, outboxBacklog: 4,
            alerts: [AlertView(id: 1, at: at, alert: Alert(kind: .stockLow, device: nil, message: "stok 2 hari lagi"))])
        let text = ConsoleText.status(s, zone: .wib)
        #expect(text.contains("Kecamatan         32.16.01 Tarumajaya"))
        #expect(text.contains("Cetak tertahan    tidak ada blangko di printer yang siap"))
        #expect(text.contains("4 kejadian belum terkirim"))
        let antre = try! #require(text.range(of: "antre"))
        let tercetak = try! #require(text.range(of: "tercetak"))
        let handedOver = try! #require(text.range(of: JobState.handedOver.label))
        #expect(antre.lowerBound < tercetak.lowerBound && tercetak.lowerBound < handedOver.lowerBound)
        #expect(text.contains("1  2026-03-05 14:07  stok menipis  -        stok 2 hari lagi"))
    }

    /// `ektpctl alerts`: the number to take one on with, and who has taken one on.
    @Test func alertsShowTheirNumberAndWhoTookThemOn() {
        let text = ConsoleText.alerts(
            [
                AlertView(
                    id: 12, at: at, alert: Alert(kind: .duplicateNIK, device: nil, message: "job B ditahan"), acknowledgedBy: "kepala", acknowledgedAt: at),
                AlertView(id: 9, at: at, alert: Alert(kind: .outcomeUnknown, device: nil, message: "job A tidak diketahui")),
            ], zone: .wib)
        let lines = text.split(separator: "\n")
        #expect(lines[1].hasPrefix("12  2026-03-05 14:07  NIK ganda") && lines[1].hasSuffix("(ditangani kepala) job B ditahan"), "\(text)")
        #expect(lines[2].hasPrefix(" 9  ") && lines[2].hasSuffix("job A tidak diketahui"))
        #expect(ConsoleText.alerts([], zone: .wib) == "(tidak ada peringatan terbuka)")
    }

    /// What a station says when everything goes wrong at once still fits an operator's
    /// terminal: 100 columns, every word kept.
    @Test func statusFitsInAHundredColumns() {
        let full =
            "disk penuh: basis data /var/lib/ektp/station.sqlite tidak bisa ditulis, jadi tidak ada job yang diambil atau dicetak. Yang sudah tersimpan aman. Kosongkan ruang di /var/lib/ektp (periksa dengan df -h /var/lib/ektp); pencetakan lanjut sendiri"
        let long = "penghitung kartu printer evolis-PRI0123456 bertambah 13, buku blangko mencatat 0: ada kartu yang lewat printer di luar sistem"
        let s = StationStatusView(
            kecamatanCode: "32.16.01", kecamatanName: "Tarumajaya", jobs: [.queued: 3], held: full, devices: [], blangkoOnHand: 0, outboxBacklog: 0,
            alerts: [AlertView(id: 1, at: at, alert: Alert(kind: .counterMismatch, device: try! DeviceID("evolis-PRI0123456"), message: long))])
        let text = ConsoleText.status(s, zone: .wib)
        for line in text.split(separator: "\n") { #expect(line.count <= 100, "\(line.count): \(line)") }
        let words = { (t: String) in t.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
        #expect(words(text).contains(words(full)), "every word of the reason is there")
        #expect(words(text).contains(words(long)))
    }

    @Test func stockChangedPointsToTheCountDecision() {
        let text = ConsoleText.stockChanged(StockChanged(entry: nil, pendingCount: 12, message: "Selisih 2 blangko di gudang."))
        #expect(
            text == """
                Selisih 2 blangko di gudang.
                Selisih hitung no. 12 menunggu keputusan kepala kecamatan:
                  ektpctl stock confirm-count 12   atau   ektpctl stock refuse-count 12
                """)
    }

    @Test func stockShowOrdersPlacesAndFlagsBrokenIdentities() {
        let v = StockView(
            places: [.hopper(try! DeviceID("sim-SIM0001")): 20, .issued: 70, .store: 100, .supplier: -200, .spoiled: 10],
            identities: [
                IdentityView(name: "gudang", lhs: 100, rhs: 100, holds: true),
                IdentityView(name: "stasiun", lhs: 200, rhs: 199, holds: false),
            ],
            pendingCounts: [PendingCountView(id: 3, place: "store", expected: 100, counted: 98, reason: "2 hilang", by: "budi")],
            // 26 cards on two printing days of the window (day 11 printed nothing; day -40 is outside it).
            forecast: StockForecast(onHand: 120, usedByDay: [10: 13, 12: 13, -40: 500], backlog: 130, today: 12))
        let text = ConsoleText.stock(v)
        let keys = ["store ", "hopper:sim-SIM0001", "spoiled ", "issued"].map { text.range(of: $0)!.lowerBound }
        #expect(keys == keys.sorted())
        #expect(!text.contains("supplier"))
        #expect(text.contains("13,0 kartu per hari cetak (26 kartu dalam 2 hari cetak, 30 hari terakhir)"), "\(text)")
        #expect(text.contains("9,2 hari cetak"))
        #expect(text.contains("130 job; kurang 10 blangko"))
        #expect(text.contains("-2  2 hilang"))
        #expect(text.contains("✗   200    199  stasiun"))
        #expect(text.contains("PERHATIAN"))
    }

    @Test func monthlyReportNamesTheMonthAndCauses() {
        var r = MonthlyBlangkoReport(month: "2026-03")
        r.opening = 100; r.received = 500; r.printed = 300; r.spoiled = ["gagal-cetak": 8, "rusak": 3]
        r.spoiledUnused = ["gagal-cetak": 8, "rusak": 2]; r.spoiledPrinted = ["rusak": 1]
        r.spoiledFromUnused = 10; r.closing = 290
        let text = ConsoleText.report(r)
        #expect(text.hasPrefix("Laporan blangko Maret 2026 (2026-03)"))
        #expect(text.contains("  gagal cetak"))
        #expect(text.contains("\nStok akhir                               290\n"), "\(text)")
        #expect(text.contains("\nKartu tercetak yang dinyatakan rusak       1\n"), "\(text)")
        #expect(text.hasSuffix("✓"))
        r.closing = 289
        #expect(ConsoleText.report(r).hasSuffix("PERHATIAN: neraca tidak seimbang ✗"))
    }

    @Test func auditBrokenNamesTheEntry() {
        let broken = AuditVerification(entries: 120, valid: false, brokenAt: 57, message: "hash tidak cocok")
        #expect(ConsoleText.audit(broken) == "RANTAI AUDIT RUSAK mulai catatan no. 57 (120 catatan diperiksa): hash tidak cocok")
        let ok = AuditVerification(entries: 120, valid: true, brokenAt: nil, message: "")
        #expect(ConsoleText.audit(ok) == "Rantai audit utuh: 120 catatan diperiksa.")
    }

    @Test func jsonIsPrettyWithSortedKeys() throws {
        let text = ConsoleText.json(JobChanged(id: try JobID("J-1"), state: .queued))
        #expect(text == "{\n  \"id\" : \"J-1\",\n  \"state\" : \"queued\"\n}")
    }

    @Test func errorTextAppendsTheCodeToTheFirstLine() {
        let e = StationClientError.fromAnswer(
            status: 409, body: Data(#"{"code":"stock-negative","message":"stok gudang kurang 5","details":["a"]}"#.utf8),
            socketPath: "/s")
        #expect(ConsoleText.error(e) == "stok gudang kurang 5 [stock-negative]\n  - a")
    }
}

@Suite("Exit statuses and operator input")
struct OperatorInputTests {
    @Test(arguments: [(400, 1), (404, 1), (409, 1), (422, 1), (499, 1), (500, 4), (503, 4), (302, 4)])
    func statusMapsToExitCode(status: Int, exit: Int32) {
        let e = StationClientError.fromAnswer(status: status, body: Data("{}".utf8), socketPath: "/s")
        #expect(e.exitCode == exit)
    }

    @Test func unreachableAndNoAnswerExitThree() {
        #expect(StationClientError.unreachable(reason: nil, socketPath: "/s").exitCode == 3)
        let noAnswer = StationClientError.noAnswer(changing: true, reason: "waktu habis", socketPath: "/s")
        #expect(noAnswer.exitCode == 3)
        #expect(noAnswer.description.contains("perubahan mungkin sudah tercatat"))
        #expect(!StationClientError.noAnswer(changing: false, reason: "x", socketPath: "/s").description.contains("perubahan"))
    }

    @Test func socketPathOptionBeatsEnvironmentBeatsDefault() {
        #expect(StationClient.resolveSocketPath(option: "/a.sock", environment: ["EKTP_SOCKET": "/b.sock"]) == "/a.sock")
        #expect(StationClient.resolveSocketPath(option: nil, environment: ["EKTP_SOCKET": "/b.sock"]) == "/b.sock")
        #expect(StationClient.resolveSocketPath(option: nil, environment: ["EKTP_SOCKET": ""]) == "/run/ektp/ektpd.sock")
        #expect(StationClient.resolveSocketPath(option: nil, environment: ["EKTP_STATION_SOCKET": "/c.sock"]) == "/c.sock")
        #expect(StationClient.resolveSocketPath(option: nil, environment: ["EKTP_SOCKET": "/b.sock", "EKTP_STATION_SOCKET": "/c.sock"]) == "/b.sock")
    }

    @Test func placesAcceptStoreSpoiledAndPrinterIds() throws {
        #expect(try OperatorInput.physicalPlace("store") == .store)
        #expect(try OperatorInput.physicalPlace("gudang") == .store)
        #expect(try OperatorInput.physicalPlace("spoiled") == .spoiled)
        let sim = try DeviceID("sim-SIM0001")
        #expect(try OperatorInput.physicalPlace("sim-SIM0001") == .hopper(sim))
        #expect(try OperatorInput.physicalPlace("hopper:sim-SIM0001") == .hopper(sim))
        for bad in ["issued", "supplier", "hopper:", "a b", "x:y"] {
            #expect(throws: OperatorInput.Invalid.self) { try OperatorInput.physicalPlace(bad) }
        }
    }

    @Test func jobStatesAndCausesByWireNameOrLabel() throws {
        #expect(try OperatorInput.jobState("outcome-unknown") == .outcomeUnknown)
        #expect(try OperatorInput.jobState("antre") == .queued)
        #expect(try OperatorInput.spoilCause("gagal-encode") == .gagalEncode)
        #expect(try OperatorInput.spoilCause("perubahan elemen data") == .perubahanElemenData)
        #expect(throws: OperatorInput.Invalid.self) { try OperatorInput.jobState("lost") }
    }

    @Test func queryValuesArePercentEncoded() {
        #expect(StationClient.queryString([]) == "")
        #expect(StationClient.queryString([("month", "2026-03"), ("q", "a b&c")]) == "?month=2026-03&q=a%20b%26c")
    }
}
