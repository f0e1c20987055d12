/// The monthly blangko report a kecamatan sends up: opening, received, printed, spoiled by
/// cause, destroyed, transferred, count corrections, closing. Pure arithmetic over the
/// entries of the month and the balance before it.
public struct MonthlyBlangkoReport: Codable, Equatable, Sendable {
    public var month: String
    public var opening: Int
    public var received: Int
    public var printed: Int
    public var spoiled: [String: Int]
    public var destroyed: Int
    public var transferred: Int
    public var countCorrection: Int
    public var closing: Int

    public var spoiledTotal: Int { spoiled.values.reduce(0, +) }
    /// opening + received − printed − spoiled − transferred ± corrections = closing, where
    /// "stock" is every unused blangko (store and hoppers). Destroyed cards were already
    /// spoiled, so they do not change unused stock.
    public var balances: Bool {
        opening + received - printed - spoiledFromUnused - transferred + countCorrectionUnused == closing
    }

    /// The rows' terms add up to the closing row: the check a reader of the report can do.
    public static func rowsBalance(_ rows: [Row]) -> Bool {
        var sum = 0
        var closing: Int?
        for row in rows {
            switch row.role {
            case .term(0): closing = row.value
            case .term(let sign): sum += sign * row.value
            case .note: break
            }
        }
        return closing == sum
    }
    /// Spoiled cards that came out of unused stock (not printed cards found bad later).
    public var spoiledFromUnused: Int
    public var countCorrectionUnused: Int

    /// One line of the report as every form of it shows it (page, CSV, print, `ektpctl`).
    public struct Row: Equatable, Sendable {
        public enum Role: Sendable, Equatable {
            /// A term of the balance: added (+1), taken away (−1), or the result (0).
            case term(Int)
            /// Shown for the record; not part of the balance.
            case note
        }
        public var label: String
        public var value: Int
        public var role: Role
        /// A breakdown of the line above it.
        public var indented: Bool
        public init(_ label: String, _ value: Int, _ role: Role, indented: Bool = false) {
            self.label = label
            self.value = value
            self.role = role
            self.indented = indented
        }
    }

    /// The balance as the report prints it, in the words of its rows.
    public static let formula =
        "stok awal + diterima − tercetak − rusak sebelum tercetak − dipindahkan ± koreksi hitung = stok akhir"

    /// The report's lines, in order. The terms of `formula` are rows of their own, so the
    /// printed figures add up under the printed formula: a printed card declared spoiled
    /// later is shown, but is not taken from stock twice.
    public func rows(causeLabel: (String) -> String) -> [Row] {
        var out: [Row] = [
            Row("Stok awal (blangko belum tercetak)", opening, .term(+1)), Row("Diterima", received, .term(+1)), Row("Tercetak", printed, .term(-1)),
            Row("Rusak sebelum tercetak", spoiledFromUnused, .term(-1)),
        ]
        for (cause, n) in spoiledUnused.sorted(by: { $0.key < $1.key }) where n > 0 { out.append(Row(causeLabel(cause), n, .note, indented: true)) }
        out += [Row("Dipindahkan ke kecamatan lain", transferred, .term(-1)), Row("Koreksi hitung", countCorrectionUnused, .term(+1))]
        out.append(Row("Stok akhir", closing, .term(0)))
        out.append(Row("Kartu tercetak yang dinyatakan rusak", spoiledTotal - spoiledFromUnused, .note))
        for (cause, n) in spoiledPrinted.sorted(by: { $0.key < $1.key }) where n > 0 { out.append(Row(causeLabel(cause), n, .note, indented: true)) }
        out.append(Row("Rusak (semua)", spoiledTotal, .note))
        out.append(Row("Dimusnahkan", destroyed, .note))
        if countCorrection != countCorrectionUnused { out.append(Row("Koreksi hitung kartu rusak", countCorrection - countCorrectionUnused, .note)) }
        return out
    }

    /// Spoiled cards by cause, from unused stock and from printed cards.
    public var spoiledUnused: [String: Int] = [:]
    public var spoiledPrinted: [String: Int] = [:]

    public init(month: String) {
        self.month = month
        opening = 0; received = 0; printed = 0; spoiled = [:]; destroyed = 0; transferred = 0
        countCorrection = 0; closing = 0; spoiledFromUnused = 0; countCorrectionUnused = 0
    }

    /// A movement as the report needs it.
    public struct Line: Sendable {
        public let movement: LedgerMovement
        public let cause: SpoilCause?
        public init(movement: LedgerMovement, cause: SpoilCause?) {
            self.movement = movement
            self.cause = cause
        }
    }

    /// Builds the report from all movements before the month and those within it.
    public static func build(month: String, before: [LedgerMovement], during: [Line]) -> MonthlyBlangkoReport {
        func unused(_ b: StockBalances) -> Int {
            b.onHand.filter { if case .hopper = $0.key { true } else { $0.key == .store } }.values.reduce(0, +)
        }
        var balances = StockBalances(before)
        var r = MonthlyBlangkoReport(month: month)
        r.opening = unused(balances)
        for line in during {
            let m = line.movement
            switch m.kind {
            case .received: r.received += m.quantity
            case .printed: r.printed += m.quantity
            case .spoiled:
                let cause = (line.cause ?? .rusak).rawValue
                r.spoiled[cause, default: 0] += m.quantity
                if m.from != .issued {
                    r.spoiledFromUnused += m.quantity
                    r.spoiledUnused[cause, default: 0] += m.quantity
                } else {
                    r.spoiledPrinted[cause, default: 0] += m.quantity
                }
            case .destroyed: r.destroyed += m.quantity
            case .transferred: r.transferred += m.quantity
            case .counted:
                let sign = m.from == .adjustment ? 1 : -1
                r.countCorrection += sign * m.quantity
                if m.from == .store || m.to == .store || { if case .hopper = m.from { true } else if case .hopper = m.to { true } else { false } }() {
                    r.countCorrectionUnused += sign * m.quantity
                }
            case .loaded, .unloaded: break
            }
            balances.apply(m)
        }
        r.closing = unused(balances)
        return r
    }
}
