import Foundation

/// Identifier of an approved print job, as the approval system issues it.
/// Letters, digits, `-` and `_`, 1–64 characters, so it is safe in paths, URLs and logs.
public struct JobID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "id job tidak valid: \"\(text.prefix(80))\"" }
    }

    public init(_ text: String) throws(Invalid) {
        guard (1...64).contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { throw Invalid(text: text) }
        rawValue = text
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        do { try self.init(text) } catch { throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description) }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (a: JobID, b: JobID) -> Bool { a.rawValue < b.rawValue }
}

/// Urgent cards (a hospital, an election deadline, a replacement for travel) print first.
public enum JobPriority: String, Codable, Sendable, CaseIterable, Comparable {
    case normal, urgent
    var rank: Int { self == .urgent ? 1 : 0 }
    public static func < (a: JobPriority, b: JobPriority) -> Bool { a.rank < b.rank }
}

/// How a card leaves the office, without the address: what the queue and the hand-over
/// rule need to know of `Delivery`.
public enum DeliveryMethod: String, Codable, Hashable, Sendable {
    case pickup
    case pos

    public var label: String {
        switch self {
        case .pickup: "diambil di kecamatan"
        case .pos: "PT Pos (layan antar)"
        }
    }
}

/// How the printed card reaches its holder.
public enum Delivery: Codable, Hashable, Sendable {
    public var method: DeliveryMethod {
        switch self {
        case .pickup: .pickup
        case .pos: .pos
        }
    }

    /// Picked up at the kecamatan office.
    case pickup
    /// Delivered by PT Pos (layan antar) to this address.
    case pos(address: String)

    private enum CodingKeys: String, CodingKey { case method, address }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .method) {
        case "pickup": self = .pickup
        case "pos": self = .pos(address: try c.decode(String.self, forKey: .address))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "cara pengambilan tidak dikenal: \(other)")
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .pickup: try c.encode("pickup", forKey: .method)
        case .pos(let address):
            try c.encode("pos", forKey: .method)
            try c.encode(address, forKey: .address)
        }
    }
}

/// An approved (PRR) print job: one card for one person, for one kecamatan.
public struct PrintJob: Codable, Hashable, Sendable {
    public var id: JobID
    /// The kecamatan whose station prints the card, dotted: `32.16.01`.
    public var kecamatanCode: String
    public var priority: JobPriority
    public var delivery: Delivery
    /// When the record was approved for printing (PRR), as the approval system says.
    public var approvedAt: String
    public var card: CardRecord

    public init(id: JobID, kecamatanCode: String, priority: JobPriority, delivery: Delivery, approvedAt: String, card: CardRecord) {
        self.id = id
        self.kecamatanCode = kecamatanCode
        self.priority = priority
        self.delivery = delivery
        self.approvedAt = approvedAt
        self.card = card
    }

    /// Checks the job as a whole: its kecamatan code, delivery and the card record.
    public func validate(today: CivilDate, regions: RegionDirectory? = nil) -> (problem: CardRecordProblem?, warnings: [NIK.Warning]) {
        if !Self.isKecamatanCode(kecamatanCode) {
            return (CardRecordProblem(field: "kecamatan", message: "kode \"\(kecamatanCode.prefix(20))\" bukan bentuk PP.KK.CC"), [])
        }
        if let regions, regions.kecamatan(kecamatanCode) == nil {
            return (CardRecordProblem(field: "kecamatan", message: "kode \(kecamatanCode) tidak ada dalam daftar Kemendagri"), [])
        }
        if Self.timestamp(approvedAt) == nil {
            return (CardRecordProblem(field: "approvedAt", message: "\"\(approvedAt.prefix(40))\" bukan waktu ISO 8601 (contoh 2026-11-23T08:15:00Z)"), [])
        }
        if case .pos(let address) = delivery, address.trimmingCharacters(in: .whitespaces).isEmpty || address.count > 300 {
            return (CardRecordProblem(field: "pengiriman", message: "alamat PT Pos kosong atau terlalu panjang"), [])
        }
        return card.validate(today: today, regions: regions)
    }

    /// Age below which an applicant counts as a first-time applicant (pemula): the card
    /// comes at 17 (or earlier, on marriage), so a holder not yet 18 on the day the record
    /// was approved is on a first card. The allocation serves them first when blangko are
    /// short (`BlangkoAllocation`).
    public static let pemulaBelowAge = 18

    /// Whether the holder is a first-time applicant, by `pemulaBelowAge` on the approval
    /// date in the office's zone; false when `approvedAt` cannot be read.
    public var isPemula: Bool {
        guard let approved = Self.timestamp(approvedAt) else { return false }
        return card.tanggalLahir.years(until: OfficeZone(regionCode: kecamatanCode).today(approved)) < Self.pemulaBelowAge
    }

    /// An ISO 8601 internet date-time (`2026-11-23T08:15:00Z`, fractional seconds allowed;
    /// `InternetTime`): the one reading of `approvedAt` at the hub's intake and the
    /// station's alike.
    public static func timestamp(_ text: String) -> Date? { InternetTime.parse(text) }

    public static func isKecamatanCode(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 8, u[2] == 0x2E, u[5] == 0x2E else { return false }
        return [0, 1, 3, 4, 6, 7].allSatisfy { (0x30...0x39).contains(u[$0]) }
    }
}
