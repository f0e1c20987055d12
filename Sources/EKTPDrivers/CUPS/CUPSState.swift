import EKTPDomain
import Foundation

/// How serious an IPP `printer-state-reasons` keyword is, from its suffix (RFC 8011
/// §5.4.12): `-error`, `-warning`, `-report`; a keyword without a suffix is an error.
public enum ReasonSeverity: String, Sendable, Comparable {
    case report, warning, error
    public static func < (a: Self, b: Self) -> Bool {
        let order: [Self] = [.report, .warning, .error]
        return order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }
}

/// The printer's state as CUPS (or the IPP printer itself) reports it, mapped to the
/// canonical `DeviceState`.
public struct CUPSPrinterState: Sendable, Equatable {
    /// `printer-state`: 3 idle, 4 processing, 5 stopped.
    public var printerState: Int
    public var reasons: [String]
    public var message: String
    public var acceptingJobs: Bool
    public var markerNames: [String] = []
    public var markerLevels: [Int] = []
    public var markerTypes: [String] = []

    public init(
        printerState: Int, reasons: [String], message: String = "", acceptingJobs: Bool = true,
        markerNames: [String] = [], markerLevels: [Int] = [], markerTypes: [String] = []
    ) {
        self.printerState = printerState
        self.reasons = reasons
        self.message = message
        self.acceptingJobs = acceptingJobs
        self.markerNames = markerNames
        self.markerLevels = markerLevels
        self.markerTypes = markerTypes
    }

    /// Splits an IPP keyword into its reason and severity: `media-empty-error` →
    /// (`media-empty`, error); `offline-report` stays `offline-report` (the canonical
    /// offline reason), as does a bare `offline`.
    public static func split(_ keyword: String) -> (StateReason, ReasonSeverity) {
        if keyword == "offline" || keyword == "offline-report" || keyword == "offline-error" || keyword == "offline-warning" {
            return (.offlineReport, .error)
        }
        if let hid = HIDStatus.reason(keyword: keyword) { return (hid, .error) }
        var base = keyword
        var severity = ReasonSeverity.error
        for (suffix, s) in [("-error", ReasonSeverity.error), ("-warning", .warning), ("-report", .report)] where keyword.hasSuffix(suffix) {
            base = String(keyword.dropLast(suffix.count))
            severity = s
            break
        }
        return (StateReason(rawValue: aliases[base] ?? base), severity)
    }

    /// IPP keywords of office printers that mean the card printer's own: the marker supply
    /// of a card printer is its ribbon, its door is its cover.
    static let aliases = [
        "toner-empty": "marker-supply-empty", "toner-low": "marker-supply-low",
        "door-open": "cover-open", "media-needed": "media-empty",
    ]

    /// Keywords that say nothing about the printer itself: CUPS's own bookkeeping, and
    /// HID's "Ready".
    static func isBookkeeping(_ keyword: String) -> Bool {
        keyword == "none" || keyword.hasPrefix("cups-") || keyword.hasPrefix("com.apple.") || keyword == "connecting-to-device"
            || keyword == "moving-to-paused" || keyword == "deactivated-report" || keyword == HIDStatus.ready
    }

    /// The keywords among `keywords` that say a card may have been spoiled: a jam, the
    /// cover, the ribbon out, the printer gone (whatever the suffix), or any other `-error`.
    /// An empty hopper is not one: after the last card it is the normal end of a good job.
    public static func cardFaults(_ keywords: [String]) -> [String] {
        keywords.filter { keyword in
            guard !isBookkeeping(keyword) else { return false }
            let (reason, _) = split(keyword)
            if reason == .mediaEmpty { return false }
            return reason.isError || keyword.hasSuffix("-error") || HIDStatus.isError(keyword)
        }
    }

    /// The canonical state. `ribbonCapacity` is the profile's cards per ribbon, used to
    /// turn a marker percentage into cards left.
    public func deviceState(ribbonCapacity: Int?, extraDetail: String? = nil) -> DeviceState {
        var reasons: [StateReason] = []
        var worst: ReasonSeverity?
        var blocking = false
        var raw: [String] = []
        for keyword in self.reasons where !Self.isBookkeeping(keyword) {
            raw.append(keyword)
            let (reason, severity) = Self.split(keyword)
            if reason.rawValue == "paused" || reason.rawValue == "shutdown" || reason.rawValue == "stopped-partly" { continue }
            if !reasons.contains(reason) { reasons.append(reason) }
            // A known stopping reason (cover open, jam, hopper or ribbon empty) stops a card
            // printer whatever suffix it came with: ippeveprinter, for one, reports a jam as
            // `media-jam-report` while idle. Any other reason stops only as `-error`.
            if reason.isError || keyword.hasSuffix("-error") || HIDStatus.isError(keyword) { blocking = true }
            worst = max(worst ?? .report, reason.isError ? .error : severity)
        }
        // HID's status monitor may put only its text in `printer-state-message`.
        if raw.isEmpty, let (reason, blocks) = HIDStatus.reason(message: message) {
            reasons.append(reason)
            if blocks { blocking = true }
            worst = blocks ? .error : .warning
        }
        let stopped = printerState == 5 || !acceptingJobs
        var detail: [String] = []
        if printerState == 5 { detail.append("antrean CUPS berhenti") }
        if !acceptingJobs { detail.append("antrean CUPS menolak job") }
        if !message.isEmpty { detail.append(message) }
        if !raw.isEmpty { detail.append(raw.joined(separator: ",")) }
        if let extraDetail { detail.append(extraDetail) }

        // A printer that does not answer is offline. A stopped or rejecting queue is
        // offline too, unless the printer says why it stopped (a jam, the cover): then
        // the cause is what the operator must see, with `paused` beside it.
        let status: DeviceStatus
        if reasons.contains(.offlineReport) {
            status = .offline
        } else if blocking {
            status = .error
            if stopped { reasons.append(StateReason(rawValue: "paused")) }
        } else if stopped {
            status = .offline
            reasons.insert(.offlineReport, at: 0)
            reasons.append(StateReason(rawValue: "paused"))
        } else if blocking {
            status = .error
        } else if printerState == 4 {
            status = .printing
        } else {
            status = (worst ?? .report) >= .warning ? .warning : .ready
        }
        return DeviceState(
            status: status, reasons: reasons, vendorDetail: detail.isEmpty ? nil : detail.joined(separator: "; "),
            supplies: supplies(ribbonCapacity: ribbonCapacity))
    }

    /// Ribbon left, from the first marker that is a ribbon (or the only marker there is).
    /// Levels are percent; negative levels mean "unknown" (RFC 3805 / CUPS).
    func supplies(ribbonCapacity: Int?) -> Supplies {
        var index: Int?
        for (i, type) in markerTypes.enumerated() where type.contains("ribbon") {
            index = i
            break
        }
        if index == nil, markerLevels.count == 1 { index = 0 }
        guard let i = index, i < markerLevels.count, markerLevels[i] >= 0, let capacity = ribbonCapacity else {
            return Supplies(ribbonCapacity: ribbonCapacity)
        }
        return Supplies(ribbonRemaining: capacity * min(markerLevels[i], 100) / 100, ribbonCapacity: capacity)
    }

    init(_ a: IPPAttributes) {
        printerState = a.integer("printer-state") ?? 3
        reasons = a.strings["printer-state-reasons"] ?? []
        message = a.string("printer-state-message") ?? ""
        acceptingJobs = a.booleans["printer-is-accepting-jobs"] ?? true
        markerNames = a.strings["marker-names"] ?? []
        markerLevels = a.integers["marker-levels"] ?? []
        markerTypes = a.strings["marker-types"] ?? []
    }
}

/// How HID's Fargo drivers report a printer's state to CUPS: `printer-state-reasons`
/// keywords `IDS_ERROR_…` that their PPDs declare with `*cupsIPPReason` (the DTC4500e Linux
/// PPD v1.0.0.4, with the English text of each), and, from the older drivers' Status Monitor
/// (DTC CUPS driver guide L001452 §7), that text as the printer's message. docs/cups.md.
enum HIDStatus {
    static let ready = "IDS_ERROR_SUCCESS"

    /// The vocabulary: keyword, the PPD's English text, and the canonical reason (nil: an
    /// error with no canonical name, kept under its own keyword).
    static let vocabulary: [(keyword: String, text: String, reason: StateReason?)] = [
        ("IDS_ERROR_COVER", "Cover Open", .coverOpen),
        ("IDS_ERROR_HOPPER_EMPTY", "Card Hopper Empty", .mediaEmpty),
        ("IDS_ERROR_HOPPER_EMPTY", "Hopper Empty", .mediaEmpty),
        ("IDS_ERROR_CARD_FEED", "Unable to Feed Card", .mediaEmpty),
        ("IDS_ERROR_HOPPER_FULL", "Card Output Hopper Full", nil),
        ("IDS_ERROR_CLEAN_PRINTER", "Clean printer", .cleanerLifeAlmostOver),
        ("IDS_ERROR_CARD_JAM", "Card Jam", .mediaJam),
        ("IDS_ERROR_CARD_JAM_ENC", "Card Jam (Encoder)", .mediaJam),
        ("IDS_ERROR_FLIPPER_JAM", "Card Jam (Flipper)", .mediaJam),
        ("IDS_ERROR_CARD_JAM_LAM", "Card Jam (Laminator)", .mediaJam),
        ("IDS_ERROR_CARD_JAM_EJECT", "Card Eject Error", .mediaJam),
        ("IDS_ERROR_CARD_JAM_FLIP", "Flipper Jam", .mediaJam),
        ("IDS_ERROR_RIBBON_OUT", "Ribbon Out", .markerSupplyEmpty),
        ("IDS_ERROR_RIBBON_NONE", "No Ribbon Installed", .markerSupplyEmpty),
        ("IDS_ERROR_RIBBON_TYPE", "Wrong Ribbon Installed", nil),
        ("IDS_ERROR_RIBBON_BREAK", "Ribbon Break/Jam", nil),
        ("IDS_ERROR_FILM_OUT", "Print Film Out", .markerSupplyEmpty),
        ("IDS_ERROR_FILM_NONE", "Print Film is not Installed", .markerSupplyEmpty),
        ("IDS_ERROR_HEADLIFT", "Headlift Error", nil),
        ("IDS_ERROR_GENERAL", "General Error", nil),
    ]

    /// Whether a keyword is one of HID's errors (every `IDS_ERROR_…` but "Ready").
    static func isError(_ keyword: String) -> Bool {
        let base = strip(keyword)
        return base.hasPrefix("IDS_ERROR_") && base != ready
    }

    /// The canonical reason of a HID keyword (suffixes `-error`/`-warning`/`-report`, which
    /// cupsd may add, are ignored: HID's keywords all stop the printer but the cleaning
    /// reminder). Nil for keywords that are not HID's.
    static func reason(keyword: String) -> StateReason? {
        let base = strip(keyword)
        guard base.hasPrefix("IDS_ERROR_"), base != ready else { return nil }
        let known = vocabulary.first { $0.keyword == base }
        return known?.reason ?? StateReason(rawValue: base)
    }

    /// The reason behind a message that is one of HID's texts, and whether it stops printing.
    static func reason(message: String) -> (StateReason, Bool)? {
        let text = message.trimmingCharacters(in: CharacterSet(charactersIn: " .\n"))
        guard let known = vocabulary.first(where: { $0.text.caseInsensitiveCompare(text) == .orderedSame }) else { return nil }
        let reason = known.reason ?? StateReason(rawValue: known.keyword)
        return (reason, reason != .cleanerLifeAlmostOver)
    }

    static func strip(_ keyword: String) -> String {
        for suffix in ["-error", "-warning", "-report"] where keyword.hasSuffix(suffix) { return String(keyword.dropLast(suffix.count)) }
        return keyword
    }
}
