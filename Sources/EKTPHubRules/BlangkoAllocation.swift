import Foundation

/// How a kabupaten's shipment of blangko from the ministry is split between its kecamatan:
/// the proposal the central office starts from and may edit (docs/hub.md, "Alokasi
/// blangko"). Pure: the hub feeds it each kecamatan's figures.
///
/// The rule, in three rounds, each taken only as far as the blangko go:
/// 1. **Pemula first.** Each kecamatan's need is its backlog beyond the blangko it has or
///    has coming (`need = max(0, backlog − onHand − inTransit)`); the first-time
///    applicants' share of that need (`min(pemula, need)`) is served first.
/// 2. **The rest of the backlog.** Then the remaining need.
/// 3. **Days of stock.** What is left over after every backlog is covered is split in
///    proportion to each kecamatan's use per printing day, so every office gains the same
///    number of days of stock; where no office used any, it is split evenly.
///
/// Within a round that cannot be met in full, the blangko are shared in proportion to what
/// each asks, in whole cards by the largest remainder; a tie goes to the kecamatan with
/// fewer days of stock left, then to the lower code. Only kecamatan with a live station
/// take part: nobody else can confirm a shipment's arrival.
public enum BlangkoAllocation {
    public struct Kecamatan: Sendable, Equatable {
        public var code: String
        /// Jobs still to print: waiting at the hub and at its stations.
        public var backlog: Int
        /// Of `backlog`, first-time applicants.
        public var pemula: Int
        /// Unused blangko at the office (store and hoppers).
        public var onHand: Int
        /// Blangko in shipments on their way to it.
        public var inTransit: Int
        /// Blangko used per printing day (`StockForecast`).
        public var usePerDay: Double
        /// Days the blangko on hand last at that use; nil without use.
        public var daysLeft: Double?

        public init(code: String, backlog: Int, pemula: Int, onHand: Int, inTransit: Int, usePerDay: Double, daysLeft: Double?) {
            self.code = code
            self.backlog = backlog
            self.pemula = pemula
            self.onHand = onHand
            self.inTransit = inTransit
            self.usePerDay = usePerDay
            self.daysLeft = daysLeft
        }

        /// The backlog not yet covered by blangko on hand or coming.
        public var need: Int { max(0, backlog - onHand - inTransit) }
        public var pemulaNeed: Int { min(max(0, pemula), need) }
    }

    /// Cards per kecamatan code, summing to `total`; every kecamatan given is in the answer
    /// (some with 0).
    public static func propose(_ total: Int, among kecamatan: [Kecamatan]) -> [String: Int] {
        var given = Dictionary(uniqueKeysWithValues: kecamatan.map { ($0.code, 0) })
        guard total > 0, !kecamatan.isEmpty else { return given }
        var left = total
        let rounds: [(Kecamatan) -> Double] = [
            { Double($0.pemulaNeed) },
            { Double($0.need - $0.pemulaNeed) },
        ]
        for weight in rounds where left > 0 {
            let asks = kecamatan.map { ($0, weight($0)) }
            let asked = asks.reduce(0) { $0 + Int($1.1) }
            let share = min(left, asked)
            for (code, n) in split(share, asks) { given[code, default: 0] += n }
            left -= share
        }
        if left > 0 {
            let used = kecamatan.reduce(0) { $0 + max(0, $1.usePerDay) }
            let asks = kecamatan.map { ($0, used > 0 ? max(0, $0.usePerDay) : 1) }
            for (code, n) in split(left, asks) { given[code, default: 0] += n }
        }
        return given
    }

    /// `quantity` in proportion to the weights, in whole cards (largest remainder).
    static func split(_ quantity: Int, _ asks: [(Kecamatan, Double)]) -> [String: Int] {
        let sum = asks.reduce(0) { $0 + $1.1 }
        guard quantity > 0, sum > 0 else { return [:] }
        var shares: [String: Int] = [:]
        var remainders: [(kecamatan: Kecamatan, fraction: Double)] = []
        var given = 0
        for (k, w) in asks {
            let exact = Double(quantity) * w / sum
            let whole = Int(exact.rounded(.down))
            shares[k.code] = whole
            given += whole
            if w > 0 { remainders.append((k, exact - Double(whole))) }
        }
        remainders.sort { a, b in
            if a.fraction != b.fraction { return a.fraction > b.fraction }
            let da = a.kecamatan.daysLeft ?? .infinity
            let db = b.kecamatan.daysLeft ?? .infinity
            if da != db { return da < db }
            return a.kecamatan.code < b.kecamatan.code
        }
        for r in remainders.prefix(quantity - given) { shares[r.kecamatan.code, default: 0] += 1 }
        return shares
    }

    /// Why an edited split cannot be sent, in Indonesian; nil when it can.
    public static func problem(total: Int, split: [String: Int], eligible: Set<String>) -> String? {
        guard total > 0 else { return "jumlah kiriman harus lebih dari nol" }
        guard total <= 10_000_000 else { return "jumlah kiriman \(total) tidak wajar" }
        if let negative = split.first(where: { $0.value < 0 }) { return "jumlah untuk \(negative.key) tidak boleh negatif" }
        if let stranger = split.filter({ $0.value > 0 }).keys.sorted().first(where: { !eligible.contains($0) }) {
            return "kecamatan \(stranger) tidak termasuk kabupaten ini atau belum punya stasiun aktif"
        }
        let sum = split.values.reduce(0, +)
        guard sum == total else { return "pembagian berjumlah \(sum), padahal kiriman \(total) lembar: harus sama" }
        return nil
    }
}

/// The hub's numbers for the papers that travel with blangko: one series per kabupaten
/// and year, counted by the store (`documentNumber`). A surat jalan is `SJ-3216-2026-00007`;
/// an allotment (the ministry's shipment as the kabupaten received it) `ALK-3216-2026-007`.
/// Dashes, not slashes: the number goes into paths and file names.
public enum ShipmentNumbers {
    public static func suratJalanSeries(kabupaten: String) -> String { "SJ-\(digits(kabupaten))" }
    public static func allotmentSeries(kabupaten: String) -> String { "ALK-\(digits(kabupaten))" }

    public static func suratJalan(kabupaten: String, year: Int, _ n: Int) -> String {
        "\(suratJalanSeries(kabupaten: kabupaten))-\(year)-\(String(format: "%05d", n))"
    }
    public static func allotment(kabupaten: String, year: Int, _ n: Int) -> String {
        "\(allotmentSeries(kabupaten: kabupaten))-\(year)-\(String(format: "%03d", n))"
    }

    /// The kabupaten `PP.KK` of a kecamatan or kabupaten code.
    public static func kabupaten(of code: String) -> String { String(code.prefix(5)) }

    private static func digits(_ code: String) -> String { String(kabupaten(of: code).filter(\.isNumber)) }
}
