import EKTPDomain
import Foundation

/// The Magicard framed text protocol as ektp speaks it (docs/usb.md, "Magicard"):
/// a frame is 64 × `0x05` (wake-up), `0x01`, comma-separated fields, `0x1C`, `0x03`.
/// A job frame carries the planes between the header's `0x1C` and a final `0x1C 0x03`.
///
/// - status: `REQ,STA`; the reply is one frame of `KEY,VALUE` pairs: `STA` (READY, BUSY
///   or a condition: `FEEDER EMPTY`, `JAM`, `RIBBON END`, `COVER OPEN`, `OFFLINE`,
///   `RIBBON LOW`, several joined by `;`), `TCQ` (total cards, the card counter),
///   `DFR` (ribbon panels remaining), `MSR` (the printer's serial number).
/// - job: header `IMF` (plane order), `SZB`/`SZG`/`SZR` (bytes of the yellow, magenta
///   and cyan planes, 8 bits a pixel), `SZK` (bytes of the 1-bit black plane), `HGT`,
///   `WID`, `LC` (ribbon type: `LC1` YMCKO, `LC3` YMCK, `LC6` K); the job gets no reply:
///   the driver polls `REQ,STA` until the counter moves or a condition stops the card.
public enum MagicardProtocol {
    public static let wake = [UInt8](repeating: 0x05, count: 64)
    public static let start: UInt8 = 0x01
    public static let separator: UInt8 = 0x1C
    public static let end: UInt8 = 0x03

    public static func frame(_ fields: [String]) -> [UInt8] {
        wake + [start] + Array(fields.joined(separator: ",").utf8) + [separator, end]
    }

    public static let status = frame(["REQ", "STA"])

    /// The ribbon code after `LC`.
    public static func ribbonCode(_ type: String) -> String {
        switch type.uppercased() {
        case "YMCK": "3"
        case "K": "6"
        default: "1"
        }
    }

    /// Panels one card takes off the ribbon.
    public static func panelsPerCard(_ type: String) -> Int { max(1, type.count) }

    /// One card: the header frame with the planes appended (yellow, magenta, cyan, black).
    public static func job(_ planes: PrintPlanes, ribbon: String) -> [UInt8] {
        let g = planes.geometry
        let header = [
            "IMF,YMCK", "SZB\(planes.yellow.count)", "SZG\(planes.magenta.count)", "SZR\(planes.cyan.count)", "SZK\(planes.black.count)",
            "HGT\(g.height)", "WID\(g.width)", "LC\(ribbonCode(ribbon))", "OVR\(ribbon.uppercased().hasSuffix("O") ? "ON" : "OFF")",
        ]
        var bytes = wake + [start] + Array(header.joined(separator: ",").utf8) + [separator]
        bytes += planes.yellow
        bytes += planes.magenta
        bytes += planes.cyan
        bytes += planes.black
        bytes += [separator, end]
        return bytes
    }

    /// A status reply's `KEY,VALUE` pairs.
    public static func fields(_ reply: [UInt8]) -> [String: String] {
        let framing: Set<UInt8> = [0x00, 0x01, 0x03, 0x05, 0x0A, 0x0D, 0x1C]
        var parts: [String] = []
        var current: [UInt8] = []
        for byte in reply where !framing.contains(byte) {
            if byte == UInt8(ascii: ",") {
                parts.append(String(decoding: current, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                current = []
            } else {
                current.append(byte)
            }
        }
        parts.append(String(decoding: current, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        var out: [String: String] = [:]
        for index in stride(from: 0, to: parts.count - 1, by: 2) {
            out.updateValue(parts[index + 1], forKey: parts[index].uppercased())
        }
        return out
    }

    /// Canonical reasons from `STA`.
    public static func reasons(_ sta: String) -> (reasons: [StateReason], busy: Bool, error: Bool) {
        var reasons: [StateReason] = []
        var busy = false
        var error = false
        for part in sta.uppercased().split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch part {
            case "READY", "": continue
            case "BUSY", "PRINTING": busy = true
            case "FEEDER EMPTY", "NO CARD": reasons.append(.mediaEmpty)
            case "JAM", "CARD JAM": reasons.append(.mediaJam)
            case "RIBBON END", "NO RIBBON", "RIBBON ERROR": reasons.append(.markerSupplyEmpty)
            case "COVER OPEN": reasons.append(.coverOpen)
            case "OFFLINE": reasons.append(.offlineReport)
            case "RIBBON LOW": reasons.append(.markerSupplyLow)
            case "CLEAN": reasons.append(.cleanerLifeAlmostOver)
            default:
                reasons.append(.other)
                error = true
            }
        }
        if reasons.contains(where: \.isError) { error = true }
        return (reasons, busy, error)
    }
}

/// A Magicard card printer over any byte transport.
public actor MagicardPrinter: CardPrinter {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    let profile: PrinterProfile
    let link: TransportLink
    var busy = false
    let replyTimeout: Duration
    let pollInterval: Duration
    let maxPolls: Int

    public init(
        info: DeviceInfo, profile: PrinterProfile, source: any TransportSource, replyTimeout: Duration = .seconds(5),
        pollInterval: Duration = .milliseconds(500)
    ) {
        self.info = info
        self.profile = profile
        self.documentKind = profile.documentKind
        self.link = TransportLink(source: source)
        self.replyTimeout = replyTimeout
        self.pollInterval = pollInterval
        let limit = Duration.seconds(profile.print.seconds_per_card + profile.print.seconds_per_encode + 30)
        self.maxPolls = pollInterval > .zero ? max(1, Int(limit / pollInterval)) : 1000
    }

    /// The raw status fields.
    public func query() async throws -> [String: String] {
        MagicardProtocol.fields(try await link.exchange(MagicardProtocol.status, timeout: replyTimeout))
    }

    /// The last state read, shown while a card is in the printer.
    var lastState: DeviceState?

    public func status() async -> DeviceState {
        if busy {
            var state = lastState ?? DeviceState(status: .printing)
            state.status = .printing
            return state
        }
        do {
            let s = state(try await query())
            lastState = s
            return s
        } catch {
            return DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "\(error)")
        }
    }

    func state(_ f: [String: String]) -> DeviceState {
        let (reasons, printing, error) = MagicardProtocol.reasons(f["STA"] ?? "")
        let perCard = MagicardProtocol.panelsPerCard(profile.ribbon.type)
        let supplies = Supplies(
            ribbonRemaining: f["DFR"].flatMap(Int.init).map { $0 / perCard }, ribbonCapacity: profile.ribbon.capacity,
            hopperLevel: nil, cardCounter: f["TCQ"].flatMap(Int.init))
        var status = DeviceState.status(forReasons: reasons, busy: busy || printing)
        if error, status != .offline { status = .error }
        return DeviceState(status: status, reasons: reasons, vendorDetail: (f["STA"].map { "Magicard: \($0)" }), supplies: supplies)
    }

    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome {
        guard case .planes(let planes) = document, document.kind == documentKind else {
            return .failedBeforePick(reason: "printer ini menerima \(documentKind), bukan \(document.kind)", counter: nil)
        }
        let before: DeviceState
        guard !busy else { return .failedBeforePick(reason: "printer sedang mencetak kartu lain", counter: nil) }
        do { before = state(try await query()) } catch {
            return .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil)
        }
        lastState = before
        let counterBefore = before.supplies.cardCounter
        if before.status == .error || before.status == .offline || before.status == .printing {
            let reason = before.reasons.first(where: \.isError)?.label ?? before.vendorDetail ?? "printer sibuk"
            return .failedBeforePick(reason: reason, counter: counterBefore)
        }
        busy = true
        defer { busy = false }
        do {
            let t = try await link.transport()
            try await t.write(MagicardProtocol.job(planes, ribbon: profile.ribbon.type))
        } catch {
            await link.drop()
            return .unknown(reason: "sambungan ke printer putus saat mengirim job (\(error)); periksa kartu di printer")
        }
        for _ in 0..<maxPolls {
            let f: [String: String]
            do { f = try await query() } catch {
                return .unknown(reason: "printer hilang saat mencetak (\(error)); periksa kartu di printer")
            }
            let (reasons, printing, _) = MagicardProtocol.reasons(f["STA"] ?? "")
            let counter = f["TCQ"].flatMap(Int.init)
            let moved = counter != nil && counterBefore != nil && counter! > counterBefore!
            if reasons.contains(.mediaJam) {
                return .spoiled(cause: .gagalCetak, detail: "kartu macet di printer (\(f["STA"] ?? ""))", counter: counter)
            }
            if !moved, let blocking = reasons.first(where: { [.mediaEmpty, .coverOpen, .markerSupplyEmpty].contains($0) }) {
                return .failedBeforePick(reason: blocking.label, counter: counter)
            }
            if reasons.contains(.offlineReport) || reasons.contains(.other) {
                return .unknown(reason: "printer melaporkan \"\(f["STA"] ?? "")\" di tengah job; periksa kartu di printer")
            }
            if !printing, moved { return .printed(counter: counter) }
            try? await Task.sleep(for: pollInterval)
        }
        return .unknown(reason: "printer tidak selesai mencetak dalam batas waktu")
    }

    public func close() async { await link.drop() }
}
