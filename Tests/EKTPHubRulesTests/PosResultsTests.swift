import EKTPDomain
import EKTPHubRules
import EKTPWire
import Testing

/// PT Pos's result file as docs/hub.md writes it, read by `PosResultsCSV`; and what the
/// hub may record of it (`PosResults`).
@Suite("PT Pos results")
struct PosResultsTests {
    static let a = try! JobID("PRR-3216010001")
    static let b = try! JobID("PRR-3216010002")
    static let c = try! JobID("PRR-3216010003")

    @Test("the documented file, with a quoted note, CRLF lines, a byte-order mark and a blank line")
    func reads() throws {
        let text =
            "\u{FEFF}job,hasil,tanggal,keterangan\r\n" + "PRR-3216010001,terkirim,2026-12-01,\r\n"
            + "PRR-3216010002,dikembalikan,2026-12-02,\"alamat tidak ditemukan, rumah kosong\"\r\n" + "\r\n"
            + "PRR-3216010003,undeliverable,,\"kata \"\"pindah\"\" dari tetangga\"\r\n"
        let rows = try PosResultsCSV.parse(text)
        #expect(rows.map(\.job) == [Self.a, Self.b, Self.c])
        #expect(rows.map(\.result) == [.delivered, .returned, .undeliverable])
        #expect(rows[0].date == (try CivilDate(year: 2026, month: 12, day: 1)) && rows[0].note == nil)
        #expect(rows[1].note == "alamat tidak ditemukan, rumah kosong")
        #expect(rows[2].date == nil && rows[2].note == "kata \"pindah\" dari tetangga")
    }

    @Test("a wrong file is refused whole, every wrong line named")
    func refuses() {
        func problems(_ text: String) -> [String] {
            do {
                _ = try PosResultsCSV.parse(text)
                return []
            } catch { return error.problems }
        }
        #expect(problems("id,status\nPRR-3216010001,terkirim")[0].contains("baris 1"))
        let bad = problems(
            "job,hasil,tanggal,keterangan\nPRR-3216010001,hilang,2026-12-01,\nbukan id,terkirim,,\nPRR-3216010002,terkirim,2026-13-01,\nPRR-3216010003,terkirim\n"
        )
        #expect(bad.count == 4, "\(bad)")
        #expect(bad[0].hasPrefix("baris 2") && bad[0].contains("hilang"))
        #expect(bad[1].hasPrefix("baris 3") && bad[2].hasPrefix("baris 4") && bad[3].hasPrefix("baris 5"))
        #expect(problems("job,hasil,tanggal,keterangan\n")[0].contains("tidak berisi"))
    }

    @Test("recorded only for PT Pos cards handed over, once per file, not while a return is pending")
    func rules() {
        let rows = [
            PosResultRow(job: Self.a, result: .delivered), PosResultRow(job: Self.b, result: .returned), PosResultRow(job: Self.c, result: .returned),
        ]
        let fine: [JobID: PosResults.Held] = [
            Self.a: .init(state: .handedOver, pos: true, returnPending: false), Self.b: .init(state: .handedOver, pos: true, returnPending: false),
            Self.c: .init(state: .handedOver, pos: true, returnPending: false),
        ]
        #expect(PosResults.problems(rows, held: fine).isEmpty)
        #expect(PosResults.answer(rows) == PosResultsAnswer(recorded: 3, delivered: 1, backOnShelf: [Self.b, Self.c]))
        var held = fine
        held[Self.a]?.pos = false
        held[Self.b]?.state = .printed
        held[Self.c]?.returnPending = true
        let problems = PosResults.problems(rows + [PosResultRow(job: try! JobID("PRR-3216019999"), result: .delivered), rows[0]], held: held)
        #expect(problems.count == 5, "\(problems)")
        #expect(problems[0].contains("bukan kartu PT Pos") && problems[1].contains("belum diserahkan") && problems[2].contains("sudah dikembalikan"))
        #expect(problems[3].contains("tidak dikenal") && problems[4].contains("lebih dari sekali"))
    }

    @Test("a card PT Pos brings back is on the shelf again; delivered changes nothing")
    func backOnShelf() throws {
        #expect(try JobState.handedOver.applying(.backFromPos(.returned)) == .printed)
        #expect(try JobState.handedOver.applying(.backFromPos(.undeliverable)) == .printed)
        #expect(throws: IllegalTransition.self) { try JobState.handedOver.applying(.backFromPos(.delivered)) }
        #expect(throws: IllegalTransition.self) { try JobState.printed.applying(.backFromPos(.returned)) }
    }
}
