import Foundation

/// Where a shipment of blangko comes from.
public enum ShipmentKind: String, Codable, Sendable, CaseIterable {
    /// The kabupaten's allocation of a ministry shipment.
    case allocation
    /// Another kecamatan's transfer.
    case transfer

    public var label: String {
        switch self {
        case .allocation: "alokasi kabupaten"
        case .transfer: "pindahan kecamatan"
        }
    }
}

/// A shipment on its way to the station's kecamatan, as the heartbeat's answer carries it:
/// what the station's operator counts against.
public struct ShipmentNotice: Codable, Sendable, Equatable {
    /// The hub's surat jalan number.
    public var id: String
    public var kind: ShipmentKind
    /// The sending kecamatan of a transfer; nil for the kabupaten's allocation.
    public var fromKecamatan: String?
    public var quantity: Int
    /// The ministry's shipment document (allocation) or the sender's letter (transfer).
    public var document: String
    public var sentAt: Date

    public init(id: String, kind: ShipmentKind, fromKecamatan: String?, quantity: Int, document: String, sentAt: Date) {
        self.id = id
        self.kind = kind
        self.fromKecamatan = fromKecamatan
        self.quantity = quantity
        self.document = document
        self.sentAt = sentAt
    }
}

/// A shipment as the hub records it, from sending to the receiver's count: where the
/// sender's ledger and the receiver's meet.
public struct ShipmentView: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case inTransit = "in-transit"
        case received
        /// Received with a count other than sent: the receiving kepala's reason says why.
        case difference

        public var label: String {
            switch self {
            case .inTransit: "dalam perjalanan"
            case .received: "diterima lengkap"
            case .difference: "diterima dengan selisih"
            }
        }
    }

    public var id: String
    public var kind: ShipmentKind
    public var fromKecamatan: String?
    public var toKecamatan: String
    public var toName: String?
    public var quantity: Int
    public var document: String
    /// The allotment (ministry shipment) an allocation was split from.
    public var allotment: String?
    public var sentBy: String
    public var sentAt: Date
    public var receivedQuantity: Int?
    public var receivedBy: String?
    public var receivedAt: Date?
    public var reason: String?

    public var status: Status {
        guard let receivedQuantity else { return .inTransit }
        return receivedQuantity == quantity ? .received : .difference
    }

    public init(
        id: String, kind: ShipmentKind, fromKecamatan: String?, toKecamatan: String, toName: String? = nil, quantity: Int, document: String,
        allotment: String?, sentBy: String, sentAt: Date, receivedQuantity: Int? = nil, receivedBy: String? = nil, receivedAt: Date? = nil,
        reason: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.fromKecamatan = fromKecamatan
        self.toKecamatan = toKecamatan
        self.toName = toName
        self.quantity = quantity
        self.document = document
        self.allotment = allotment
        self.sentBy = sentBy
        self.sentAt = sentAt
        self.receivedQuantity = receivedQuantity
        self.receivedBy = receivedBy
        self.receivedAt = receivedAt
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, fromKecamatan, toKecamatan, toName, quantity, document, allotment, sentBy, sentAt, receivedQuantity, receivedBy, receivedAt,
            reason, status
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), kind: try c.decode(ShipmentKind.self, forKey: .kind),
            fromKecamatan: try c.decodeIfPresent(String.self, forKey: .fromKecamatan), toKecamatan: try c.decode(String.self, forKey: .toKecamatan),
            toName: try c.decodeIfPresent(String.self, forKey: .toName), quantity: try c.decode(Int.self, forKey: .quantity),
            document: try c.decode(String.self, forKey: .document), allotment: try c.decodeIfPresent(String.self, forKey: .allotment),
            sentBy: try c.decode(String.self, forKey: .sentBy), sentAt: try c.decode(Date.self, forKey: .sentAt),
            receivedQuantity: try c.decodeIfPresent(Int.self, forKey: .receivedQuantity), receivedBy: try c.decodeIfPresent(String.self, forKey: .receivedBy),
            receivedAt: try c.decodeIfPresent(Date.self, forKey: .receivedAt), reason: try c.decodeIfPresent(String.self, forKey: .reason))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(fromKecamatan, forKey: .fromKecamatan)
        try c.encode(toKecamatan, forKey: .toKecamatan)
        try c.encodeIfPresent(toName, forKey: .toName)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(document, forKey: .document)
        try c.encodeIfPresent(allotment, forKey: .allotment)
        try c.encode(sentBy, forKey: .sentBy)
        try c.encode(sentAt, forKey: .sentAt)
        try c.encodeIfPresent(receivedQuantity, forKey: .receivedQuantity)
        try c.encodeIfPresent(receivedBy, forKey: .receivedBy)
        try c.encodeIfPresent(receivedAt, forKey: .receivedAt)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(status, forKey: .status)
    }
}

/// `POST /v1/allocations/proposal`: how the rule would split `quantity` blangko.
public struct AllocationProposalRequest: Codable, Sendable {
    /// `PP.KK`.
    public var kabupaten: String
    public var quantity: Int
    public init(kabupaten: String, quantity: Int) {
        self.kabupaten = kabupaten
        self.quantity = quantity
    }
}

/// One kecamatan's figures and share in an allocation proposal.
public struct AllocationRow: Codable, Sendable, Equatable {
    public var kecamatanCode: String
    public var name: String?
    public var backlog: Int
    public var pemula: Int
    public var onHand: Int
    public var inTransit: Int
    public var consumptionPerDay: Double
    public var daysLeft: Double?
    public var proposed: Int
    public init(
        kecamatanCode: String, name: String?, backlog: Int, pemula: Int, onHand: Int, inTransit: Int, consumptionPerDay: Double, daysLeft: Double?,
        proposed: Int
    ) {
        self.kecamatanCode = kecamatanCode
        self.name = name
        self.backlog = backlog
        self.pemula = pemula
        self.onHand = onHand
        self.inTransit = inTransit
        self.consumptionPerDay = consumptionPerDay
        self.daysLeft = daysLeft
        self.proposed = proposed
    }
}

public struct AllocationProposal: Codable, Sendable, Equatable {
    public var kabupaten: String
    public var quantity: Int
    public var kecamatan: [AllocationRow]
    public init(kabupaten: String, quantity: Int, kecamatan: [AllocationRow]) {
        self.kabupaten = kabupaten
        self.quantity = quantity
        self.kecamatan = kecamatan
    }
}

/// `POST /v1/allocations`: a ministry shipment received at the kabupaten, split as the
/// central office decided (the proposal or an edit of it); one shipment per kecamatan with
/// a share.
public struct AllocationRequest: Codable, Sendable {
    public var kabupaten: String
    public var quantity: Int
    /// The ministry's shipment document.
    public var document: String
    /// Cards per kecamatan code; kecamatan left out get none.
    public var split: [String: Int]
    /// The central user deciding.
    public var by: String
    public init(kabupaten: String, quantity: Int, document: String, split: [String: Int], by: String) {
        self.kabupaten = kabupaten
        self.quantity = quantity
        self.document = document
        self.split = split
        self.by = by
    }
}

public struct AllocationResult: Codable, Sendable, Equatable {
    /// The allotment's number at the hub.
    public var allotment: String
    public var shipments: [ShipmentView]
    public init(allotment: String, shipments: [ShipmentView]) {
        self.allotment = allotment
        self.shipments = shipments
    }
}
