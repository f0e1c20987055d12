/// Where a blangko can be. The ledger is double-entry: every entry moves a quantity from
/// one place to another, so nothing appears or vanishes without an entry saying how.
///
/// Physical places hold cards that can be counted (`store`, each printer's `hopper`, and
/// `spoiled` cards waiting for destruction); the others are the world outside the station
/// (`supplier`), where cards end (`issued`, `destroyed`, `transferred`), and count
/// corrections confirmed by the kecamatan head (`adjustment`).
public enum StockPlace: Hashable, Sendable, Comparable, CustomStringConvertible {
    case supplier
    case store
    case hopper(DeviceID)
    case issued
    case spoiled
    case destroyed
    case transferred
    case adjustment

    /// Places whose balance is cards you can hold in your hand, never below zero.
    public var isPhysical: Bool {
        switch self {
        case .store, .hopper, .spoiled: true
        default: false
        }
    }

    /// Stable text form, used in storage and on the wire: `store`, `hopper:EVOLIS-E1234`.
    public var key: String {
        switch self {
        case .supplier: "supplier"
        case .store: "store"
        case .hopper(let d): "hopper:\(d.rawValue)"
        case .issued: "issued"
        case .spoiled: "spoiled"
        case .destroyed: "destroyed"
        case .transferred: "transferred"
        case .adjustment: "adjustment"
        }
    }

    public init?(key: String) {
        switch key {
        case "supplier": self = .supplier
        case "store": self = .store
        case "issued": self = .issued
        case "spoiled": self = .spoiled
        case "destroyed": self = .destroyed
        case "transferred": self = .transferred
        case "adjustment": self = .adjustment
        default:
            guard key.hasPrefix("hopper:"), let d = try? DeviceID(String(key.dropFirst(7))) else { return nil }
            self = .hopper(d)
        }
    }

    public var description: String {
        switch self {
        case .supplier: "pemasok (kabupaten)"
        case .store: "gudang"
        case .hopper(let d): "hopper \(d.rawValue)"
        case .issued: "tercetak"
        case .spoiled: "rusak (menunggu pemusnahan)"
        case .destroyed: "dimusnahkan"
        case .transferred: "dipindahkan ke kecamatan lain"
        case .adjustment: "koreksi hitung"
        }
    }

    public static func < (a: StockPlace, b: StockPlace) -> Bool { a.key < b.key }

    /// Blangko not yet used: in the store or in a hopper.
    public var isUnused: Bool {
        switch self {
        case .store, .hopper: true
        default: false
        }
    }
}

/// A place is its `key` as a dictionary key too (`{"store": 120, "hopper:evolis-1": 20}`).
extension StockPlace: CodingKeyRepresentable {
    public var codingKey: any CodingKey { PlaceKey(stringValue: key) }
    public init?<T: CodingKey>(codingKey: T) { self.init(key: codingKey.stringValue) }

    private struct PlaceKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// On the wire and in storage a place is its `key`; an unknown key is refused on decoding.
extension StockPlace: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let key = try container.decode(String.self)
        guard let place = StockPlace(key: key) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "tempat blangko tidak dikenal: \(key.prefix(40))")
        }
        self = place
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(key)
    }
}

/// The kinds of ledger entry, with the movements each may make.
public enum LedgerKind: String, Codable, Sendable, CaseIterable {
    case received, loaded, unloaded, printed, spoiled, destroyed, transferred, counted

    /// Whether this kind may move cards from `from` to `to`.
    public func allows(from: StockPlace, to: StockPlace) -> Bool {
        switch (self, from, to) {
        case (.received, .supplier, .store): true
        case (.loaded, .store, .hopper): true
        case (.unloaded, .hopper, .store): true
        case (.printed, .hopper, .issued): true
        case (.spoiled, .hopper, .spoiled), (.spoiled, .store, .spoiled), (.spoiled, .issued, .spoiled): true
        case (.destroyed, .spoiled, .destroyed): true
        case (.transferred, .store, .transferred): true
        case (.counted, .adjustment, let p) where p.isPhysical: true
        case (.counted, let p, .adjustment) where p.isPhysical: true
        default: false
        }
    }
}

/// One movement of blangko. Entries are appended and never changed.
public struct LedgerMovement: Hashable, Sendable {
    public let kind: LedgerKind
    public let from: StockPlace
    public let to: StockPlace
    public let quantity: Int

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(kind: LedgerKind, from: StockPlace, to: StockPlace, quantity: Int) throws(Invalid) {
        guard quantity > 0 else { throw Invalid(reason: "jumlah harus lebih dari nol") }
        guard quantity <= 100_000 else { throw Invalid(reason: "jumlah \(quantity) tidak wajar untuk satu catatan") }
        guard kind.allows(from: from, to: to) else {
            throw Invalid(reason: "\(kind.rawValue) tidak bisa memindahkan blangko dari \(from) ke \(to)")
        }
        self.kind = kind
        self.from = from
        self.to = to
        self.quantity = quantity
    }
}

/// Balances derived from a sequence of movements, and the identities DESIGN.md states
/// (invariant 3). Pure: the store feeds it what it has written and compares.
public struct StockBalances: Equatable, Sendable {
    public private(set) var onHand: [StockPlace: Int] = [:]
    /// Totals by (kind, from, to), the terms of the identities.
    public private(set) var flows: [Flow: Int] = [:]

    public struct Flow: Hashable, Sendable {
        public let kind: LedgerKind
        public let from: StockPlace
        public let to: StockPlace
    }

    public init() {}

    public init(_ movements: some Sequence<LedgerMovement>) {
        for m in movements { apply(m) }
    }

    public mutating func apply(_ m: LedgerMovement) {
        onHand[m.from, default: 0] -= m.quantity
        onHand[m.to, default: 0] += m.quantity
        flows[Flow(kind: m.kind, from: m.from, to: m.to), default: 0] += m.quantity
    }

    /// Cards now in a place (0 if it never held any).
    public func balance(_ place: StockPlace) -> Int { onHand[place] ?? 0 }

    private func total(_ kind: LedgerKind, from: StockPlace? = nil, to: StockPlace? = nil) -> Int {
        flows.reduce(0) { sum, item in
            let (flow, q) = item
            guard flow.kind == kind, from.map({ $0 == flow.from }) ?? true, to.map({ $0 == flow.to }) ?? true else { return sum }
            return sum + q
        }
    }

    /// Printers that have ever had a hopper entry.
    public var devices: [DeviceID] {
        Set(onHand.keys.compactMap { if case .hopper(let d) = $0 { d } else { nil } }).sorted()
    }

    /// A statement of one identity, with both sides, for reports and checks.
    public struct Identity: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public let lhs: Int
        public let rhs: Int
        public var holds: Bool { lhs == rhs }
        public var description: String { "\(name): \(lhs) = \(rhs) \(holds ? "✓" : "✗")" }
    }

    /// The identities from DESIGN.md, computed from flows by kind:
    /// - store: received − loaded + unloaded − transferred − spoiled here ± counted = on hand;
    /// - each printer: loaded = printed + spoiled + in the hopper + unloaded (± counted);
    /// - spoiled: spoiled − destroyed = awaiting destruction;
    /// - whole station: received = on hand everywhere + issued + destroyed + transferred ± counted.
    public func identities() -> [Identity] {
        var result: [Identity] = []
        let storeIn = total(.received) + total(.unloaded) + total(.counted, to: .store)
        let storeOut = total(.loaded) + total(.transferred) + total(.spoiled, from: .store) + total(.counted, from: .store)
        result.append(Identity(name: "gudang: diterima − dimuat + dibongkar − dipindah − rusak ± hitung = stok", lhs: storeIn - storeOut, rhs: balance(.store)))
        for d in devices {
            let h = StockPlace.hopper(d)
            let loaded = total(.loaded, to: h) + total(.counted, to: h)
            let out = total(.printed, from: h) + total(.spoiled, from: h) + total(.unloaded, from: h) + total(.counted, from: h)
            result.append(Identity(name: "printer \(d.rawValue): dimuat = tercetak + rusak + di hopper + dibongkar", lhs: loaded, rhs: out + balance(h)))
        }
        let spoiledIn = total(.spoiled) + total(.counted, to: .spoiled)
        let spoiledOut = total(.destroyed) + total(.counted, from: .spoiled)
        result.append(Identity(name: "rusak: rusak − dimusnahkan = menunggu pemusnahan", lhs: spoiledIn - spoiledOut, rhs: balance(.spoiled)))
        let physical = onHand.filter { $0.key.isPhysical }.values.reduce(0, +)
        let adjustments = total(.counted, from: .adjustment) - total(.counted, to: .adjustment)
        result.append(
            Identity(
                name: "stasiun: diterima ± hitung = stok fisik + tercetak + dimusnahkan + dipindah",
                lhs: total(.received) + adjustments,
                rhs: physical + balance(.issued) + balance(.destroyed) + balance(.transferred)))
        return result
    }
}
