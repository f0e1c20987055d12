import EKTPDomain
import EKTPRendering
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation

/// The documents an office files or hands out, each built once from the store and shown
/// either as a page (`html`) or as a PDF (`OfficeDocument.pdf`): the tanda terima, the PT Pos
/// manifest and the monthly blangko report with place, date, names and NIP. The pages and
/// the local API (`ektpctl`) serve the same documents.
struct OfficeDocuments {
    let station: Station

    var kecamatanName: String { station.regions?.kecamatan(station.config.kecamatan)?.name ?? station.config.kecamatan }
    var office: String { "Kecamatan \(kecamatanName) (\(station.config.kecamatan))" }
    var placeAndDate: String { "\(kecamatanName), \(WebFormat.longDate(station.store.today()))" }

    /// The receipt the person collecting a card signs.
    func receipt(_ id: JobID) throws -> OfficeDocument {
        let d = try station.store.jobDetail(id)
        guard d.summary.state == .handedOver, let recipient = d.collectedBy else {
            throw StationError(.conflict, "\(id) belum diambil di kecamatan: belum ada tanda terima")
        }
        let handed = d.history.last { $0.action.hasSuffix("→ handed-over") }
        let old = try station.store.oldCardCollected(id)
        return OfficeDocument(
            title: "Tanda terima KTP-el", heading: [office, "Nomor job \(id.rawValue)"],
            fields: [
                ("Nama pada kartu", d.nama ?? "—"), ("NIK", "\(d.summary.maskedNIK) (dicocokkan dengan NIK pengambil)"), ("Diambil oleh", recipient),
                ("Waktu", handed.map { station.store.zone.time($0.at) } ?? "—"),
                ("KTP-el lama", old ? "ditarik oleh petugas untuk dimusnahkan" : "tidak ada / tidak ditarik"),
            ],
            placeAndDate: placeAndDate,
            signatures: [.init(role: "Yang menerima", name: recipient), .init(role: "Petugas", name: handed?.actor ?? "")])
    }

    /// The list of cards handed to PT Pos under one manifest number, for both to sign.
    func manifest(_ number: String, by officer: String) throws -> OfficeDocument {
        let ids = try station.store.jobsHandedToPos(receipt: number)
        guard !ids.isEmpty else { throw StationError(.notFound, "tidak ada kartu yang diserahkan ke PT Pos dengan resi \(number.prefix(40))") }
        let rows = try ids.enumerated().map { i, id -> [String] in
            let d = try station.store.jobDetail(id)
            let address = d.delivery.map { $0.hasPrefix("PT Pos: ") ? String($0.dropFirst(8)) : $0 } ?? ""
            return [String(i + 1), id.rawValue, d.summary.maskedNIK, d.nama ?? "", address]
        }
        return OfficeDocument(
            title: "Manifest penyerahan KTP-el ke PT Pos", heading: [office, "Resi/manifest \(number) · \(ids.count) kartu"],
            table: .init(headers: ["No", "Job", "NIK", "Nama", "Alamat antar"], rows: rows, numeric: [0], weights: [0.5, 1.6, 1.5, 2, 3.4]),
            placeAndDate: placeAndDate, signatures: [.init(role: "Petugas kecamatan", name: officer), .init(role: "Petugas PT Pos", name: "")])
    }

    /// The monthly blangko report, signed by the operator and the kecamatan head.
    func monthly(_ report: MonthlyBlangkoReport, kepala: String, nip: String?) -> OfficeDocument {
        OfficeDocument(
            title: "Laporan bulanan blangko KTP-el", heading: [office, WebFormat.month(report.month)],
            table: .init(
                headers: ["Uraian", "Lembar"], rows: KepalaPages.lines(report).map { [$0.0, WebFormat.number($0.1)] }, numeric: [1], weights: [4, 1]),
            notes: [report.balances ? "Seimbang: \(MonthlyBlangkoReport.formula)." : "TIDAK SEIMBANG: periksa buku blangko."],
            placeAndDate: placeAndDate, signatures: [.init(role: "Operator", name: ""), .init(role: "Kepala kecamatan", name: kepala, nip: nip)])
    }

    /// The berita acara pemusnahan of one destruction: how, before whom, and which spoiled
    /// cards it took (`DestructionList`).
    func destruction(entry: Int64) throws -> OfficeDocument {
        let (record, cards) = try station.store.destruction(entry: entry)
        let witnesses = record.witnesses.hasPrefix("saksi: ") ? String(record.witnesses.dropFirst(7)) : record.witnesses
        let rows = cards.enumerated().map { i, c in
            [
                String(i + 1), station.store.zone.time(c.at), c.job ?? "—", c.maskedNIK ?? "—",
                c.cause.map { SpoilCause(rawValue: $0)?.label ?? $0 } ?? "rusak setelah tercetak", String(c.quantity),
            ]
        }
        return OfficeDocument(
            title: "Berita acara pemusnahan blangko KTP-el", heading: [office, "Nomor \(record.record)"],
            fields: [
                ("Waktu", station.store.zone.time(record.at)), ("Jumlah", "\(record.quantity) lembar blangko rusak"),
                ("Cara pemusnahan", record.method ?? "tidak dicatat"), ("Saksi", witnesses), ("Dicatat oleh", record.by),
            ],
            table: .init(
                headers: ["No", "Rusak sejak", "Job", "NIK", "Sebab", "Lembar"], rows: rows, numeric: [0, 5], weights: [0.5, 1.8, 1.7, 1.6, 1.6, 0.8]),
            notes: ["Kartu rusak dimusnahkan menurut urutan masuknya ke kotak rusak: yang paling lama lebih dulu."],
            placeAndDate: "\(kecamatanName), \(WebFormat.longDate(station.store.zone.today(record.at)))",
            signatures: [.init(role: "Kepala kecamatan", name: record.by)]
                + witnesses.split(separator: ",").map { .init(role: "Saksi", name: $0.trimmingCharacters(in: .whitespaces)) })
    }

    /// A NIP as typed: eighteen digits, spaces allowed between them; nil when empty.
    static func nip(_ text: String?) throws -> String? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let digits = text.filter { $0 != " " }
        guard digits.count == 18, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            throw StationError(.invalid, "NIP harus 18 angka")
        }
        return digits
    }
}
