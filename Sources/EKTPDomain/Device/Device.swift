/// A printer's identity: its own serial number, never the port it hangs on. A printer
/// unplugged and plugged into another port is the same device with the same ledger.
///
/// Form: `VENDOR-SERIAL`, e.g. `evolis-PRI0123456`, `sim-SIM0001`, `cups-card1`.
public struct DeviceID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "id printer tidak valid: \"\(text.prefix(80))\"" }
    }

    public init(_ text: String) throws(Invalid) {
        guard (1...96).contains(text.utf8.count),
            text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || [0x2D, 0x5F, 0x2E].contains($0) })
        else { throw Invalid(text: text) }
        rawValue = text
    }

    /// Builds the id from a vendor tag and the serial the printer reports; characters a
    /// serial may hold that an id may not become `_`.
    public init(vendor: String, serial: String) {
        let clean = String(
            String.UnicodeScalarView(
                (vendor + "-" + serial).unicodeScalars.prefix(96).map {
                    ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "." || $0 == "_")) ? $0 : "_"
                }))
        rawValue = clean
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
    public static func < (a: DeviceID, b: DeviceID) -> Bool { a.rawValue < b.rawValue }
}

/// Canonical device state, whatever the driver (DESIGN.md, "Devices").
public enum DeviceStatus: String, Codable, Sendable, CaseIterable {
    case ready, printing, warning, error, offline

    public var label: String {
        switch self {
        case .ready: "siap"
        case .printing: "mencetak"
        case .warning: "peringatan"
        case .error: "gangguan"
        case .offline: "tidak terhubung"
        }
    }
    /// Whether the scheduler may send a card.
    public var acceptsJobs: Bool { self == .ready || self == .warning }
}

/// Why a device is in its state, in IPP `printer-state-reasons` keywords (RFC 8011, PWG
/// 5100.9) so CUPS, USB and simulated printers speak the same words.
public struct StateReason: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let mediaEmpty = StateReason(rawValue: "media-empty")
    public static let mediaLow = StateReason(rawValue: "media-low")
    public static let mediaJam = StateReason(rawValue: "media-jam")
    public static let markerSupplyEmpty = StateReason(rawValue: "marker-supply-empty")
    public static let markerSupplyLow = StateReason(rawValue: "marker-supply-low")
    public static let coverOpen = StateReason(rawValue: "cover-open")
    public static let offlineReport = StateReason(rawValue: "offline-report")
    public static let cleanerLifeAlmostOver = StateReason(rawValue: "cleaner-life-almost-over")
    public static let other = StateReason(rawValue: "other")
    /// ektp's own: the printer's chip encoder cannot take a card (no module, no reader,
    /// pcscd silent, or refusals in a row); the vendor detail says which.
    public static let chipEncoderNotReady = StateReason(rawValue: "chip-encoder-not-ready")

    public var description: String { rawValue }

    /// Indonesian text for operators.
    public var label: String {
        switch self {
        case .mediaEmpty: "hopper kosong"
        case .mediaLow: "blangko di hopper hampir habis"
        case .mediaJam: "kartu macet"
        case .markerSupplyEmpty: "ribbon habis"
        case .markerSupplyLow: "ribbon hampir habis"
        case .coverOpen: "tutup printer terbuka"
        case .offlineReport: "printer tidak menjawab"
        case .cleanerLifeAlmostOver: "perlu dibersihkan"
        case .chipEncoderNotReady: "encoder chip belum siap"
        default: rawValue
        }
    }

    /// Reasons that stop printing (IPP's `-error` severity); the rest are warnings.
    public var isError: Bool {
        [.mediaEmpty, .mediaJam, .markerSupplyEmpty, .coverOpen, .offlineReport, .chipEncoderNotReady].contains(self)
    }
}

/// Consumables as far as the printer tells them.
public struct Supplies: Codable, Hashable, Sendable {
    /// Cards (or panels) the ribbon still prints; nil when the printer does not say.
    public var ribbonRemaining: Int?
    public var ribbonCapacity: Int?
    /// Cards in the input hopper as the printer senses them, if it can.
    public var hopperLevel: Int?
    /// The printer's own lifetime card counter, if it has one.
    public var cardCounter: Int?

    public init(ribbonRemaining: Int? = nil, ribbonCapacity: Int? = nil, hopperLevel: Int? = nil, cardCounter: Int? = nil) {
        self.ribbonRemaining = ribbonRemaining
        self.ribbonCapacity = ribbonCapacity
        self.hopperLevel = hopperLevel
        self.cardCounter = cardCounter
    }
}

/// A device's state at one moment.
public struct DeviceState: Codable, Hashable, Sendable {
    public var status: DeviceStatus
    public var reasons: [StateReason]
    /// The vendor's own words, for support (an Evolis error code, a CUPS message).
    public var vendorDetail: String?
    public var supplies: Supplies

    public init(status: DeviceStatus, reasons: [StateReason] = [], vendorDetail: String? = nil, supplies: Supplies = Supplies()) {
        self.status = status
        self.reasons = reasons
        self.vendorDetail = vendorDetail
        self.supplies = supplies
    }

    /// The canonical status implied by a set of reasons while the device answers:
    /// any error reason → error; any other reason → warning; none → ready.
    public static func status(forReasons reasons: [StateReason], busy: Bool) -> DeviceStatus {
        if reasons.contains(.offlineReport) { return .offline }
        if reasons.contains(where: \.isError) { return .error }
        if busy { return .printing }
        return reasons.isEmpty ? .ready : .warning
    }

    public static let offline = DeviceState(status: .offline, reasons: [.offlineReport])
}

/// What the station knows of a printer it drives.
public struct DeviceInfo: Codable, Hashable, Sendable {
    public var id: DeviceID
    /// The driver URI it was opened with: `sim://evolis-primacy-2?serial=…`, `cups://card1`.
    public var uri: String
    public var model: String
    public var serial: String
    /// Cards the hopper holds when full.
    public var hopperCapacity: Int

    public init(id: DeviceID, uri: String, model: String, serial: String, hopperCapacity: Int) {
        self.id = id
        self.uri = uri
        self.model = model
        self.serial = serial
        self.hopperCapacity = hopperCapacity
    }
}
