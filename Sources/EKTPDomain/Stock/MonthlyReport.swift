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
    /// Spoiled cards that came out of unused stock (not printed cards found bad later).
    public var spoiledFromUnused: Int
    public var countCorrectionUnused: Int

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
                r.spoiled[(line.cause ?? .rusak).rawValue, default: 0] += m.quantity
                if m.from != .issued { r.spoiledFromUnused += m.quantity }
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
