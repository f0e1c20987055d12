import EKTPDomain
import EKTPWire
import Foundation

/// The kabupaten's monthly blangko roll-up: each kecamatan's monthly report, built from the
/// ledger events its stations sent, by the same rule the station uses for its own report
/// (`MonthlyBlangkoReport.build`), and the month taken in each kecamatan's own zone
/// (`OfficeZone`). A station's report and the hub's row for it therefore agree, figure for
/// figure, once the hub has every event.
public struct KabupatenRollUp: Sendable {
    /// One ledger event a station sent, with when the station recorded it.
    public struct Movement: Sendable {
        public var kecamatan: String
        public var at: Date
        public var line: MonthlyBlangkoReport.Line

        public init(kecamatan: String, at: Date, line: MonthlyBlangkoReport.Line) {
            self.kecamatan = kecamatan
            self.at = at
            self.line = line
        }
    }

    public var kabupaten: String
    public var month: String
    /// Each kecamatan with ledger events, by code.
    public var kecamatan: [(code: String, report: MonthlyBlangkoReport)]

    /// A stored event, as both backends keep it: the ledger movement it records, or nil
    /// for any other event (or one that no longer reads as a movement).
    public static func movement(kecamatan: String, at: Date, json: String) -> Movement? {
        guard
            case .ledger(let kind, let from, let to, let quantity, _, let cause, _)? = try? WireCoding.decoder().decode(
                StationEvent.self, from: Data(json.utf8)),
            let movement = try? LedgerMovement(kind: kind, from: from, to: to, quantity: quantity)
        else { return nil }
        return Movement(kecamatan: kecamatan, at: at, line: .init(movement: movement, cause: cause))
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// The roll-up of `month` (`YYYY-MM`) over `movements` (every ledger event of the
    /// kabupaten's stations, in the order they were recorded per station).
    public static func build(kabupaten: String, month text: String, movements: [Movement]) throws(Invalid) -> KabupatenRollUp {
        let reportMonth: ReportMonth
        do { reportMonth = try ReportMonth(parsing: text) } catch { throw Invalid(description: error.description) }
        let month = reportMonth.description
        let byKecamatan = Dictionary(grouping: movements, by: \.kecamatan)
        let rows = byKecamatan.keys.sorted().map { code -> (code: String, report: MonthlyBlangkoReport) in
            let (start, end) = OfficeZone(regionCode: code).bounds(reportMonth)
            let list = byKecamatan[code] ?? []
            return (
                code,
                MonthlyBlangkoReport.build(
                    month: month, before: list.filter { $0.at < start }.map(\.line.movement), during: list.filter { $0.at >= start && $0.at < end }.map(\.line))
            )
        }
        return KabupatenRollUp(kabupaten: kabupaten, month: month, kecamatan: rows)
    }

    /// The columns of the roll-up's table, the terms of `MonthlyBlangkoReport.formula`.
    public static let columns = ["Stok awal", "Diterima", "Tercetak", "Rusak sebelum tercetak", "Dipindahkan", "Koreksi hitung", "Stok akhir"]

    public static func figures(_ r: MonthlyBlangkoReport) -> [Int] {
        [r.opening, r.received, r.printed, r.spoiledFromUnused, r.transferred, r.countCorrectionUnused, r.closing]
    }

    /// The column sums over every kecamatan.
    public var totals: [Int] {
        kecamatan.reduce(into: Array(repeating: 0, count: Self.columns.count)) { sum, row in
            for (i, v) in Self.figures(row.report).enumerated() { sum[i] += v }
        }
    }
}
