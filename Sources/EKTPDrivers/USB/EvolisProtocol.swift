import EKTPDomain
import Foundation

/// The Evolis escape-command protocol, as the vendor documents it (docs/usb.md, "Evolis",
/// cites the page or file behind each command and reply):
///
/// - A command is `ESC`, a name, `;`-separated parameters and `CR` (Programming Guide
///   A5013 Rev. E, p.4). The printer answers each command with one reply: bare ASCII, no
///   `CR` (the Evolis SDK sample compares replies to `"OK"` exactly).
/// - A panel download `Db;PANEL;LEVELS;DATA` carries no length: the printer knows it from
///   the level count, because a panel is always 1016 lines of 648 dots (guide p.14). The
///   line runs across the card's short side; the card moves along its long side.
/// - A job is `Pem;2` (the host manages errors, so a failing command answers with the
///   fault instead of the printer holding it), `Pr;RIBBON`, `Ss`, the panels, `Se` (print
///   and eject), `Pem;0` — the order of the SDK sample (`CPrinter.vb`, colour printing).
public enum EvolisProtocol {
    public static let esc: UInt8 = 0x1B
    public static let cr: UInt8 = 0x0D

    /// `ESC name;p1;p2 CR`.
    public static func command(_ name: String, _ parameters: String...) -> [UInt8] {
        [esc] + Array(([name] + parameters).joined(separator: ";").utf8) + [cr]
    }

    // MARK: Reads (guide p.31–38; SDK `IDPrt`, `GetStatusPrt`, `CDualys` status)

    public static let model = command("Rtp")
    public static let serial = command("Rsn")
    public static let firmware = command("Rfv")
    /// Cards inserted since manufacture (`Rco;c`, p.31): the card counter.
    public static let cardCounter = command("Rco", "c")
    /// Cards the installed ribbon can still print (`Rco;l`, p.31; "not accurate").
    public static let ribbonCardsLeft = command("Rco", "l")
    /// `OK` unless the ribbon is on its end mark (`Rcr`, p.32).
    public static let endOfRibbon = command("Rcr")
    /// The cover sensor's voltage, `5,00 Volts` closed, `0,00 Volts` open (`Rse;o`, p.37).
    public static let coverSensor = command("Rse", "o")
    /// Where a card is: `OK`/`NO CARD` none, otherwise a card inside (`Rlr;p`, p.34).
    public static let cardPosition = command("Rlr", "p")
    /// `NEED CLEANING` when the cleaning counter is exceeded (`Rlr;c` in the SDK).
    public static let cleaning = command("Rlr", "c")

    // MARK: Error management (`Pem`, guide p.20)

    /// The host manages errors: a failing command answers with the fault at once.
    public static let hostManagesErrors = command("Pem", "2")
    /// The printer manages its own errors again (the power-on mode), as the SDK leaves it.
    public static let printerManagesErrors = command("Pem", "0")

    // MARK: Panels

    /// Grey levels sent for the colour panels: 128, seven bits a dot (guide p.14).
    public static let colourLevels = 128
    /// Levels of the resin-black and overlay panels: 2, one bit a dot.
    public static let bitLevels = 2

    /// Bits a dot takes at `levels` grey levels (guide p.14: 2, 32, 64, 128).
    public static func bits(forLevels levels: Int) -> Int? {
        switch levels {
        case 2: 1
        case 32: 5
        case 64: 6
        case 128: 7
        default: nil
        }
    }

    /// Bytes of one panel at `levels`: lines × dots × bits / 8, with each 1-bit line whole
    /// bytes. The card's landscape width is the printer's line count and its height the
    /// dots of a line: 1016 × 648 gives 82,296 bytes at 2 levels and 576,072 at 128.
    public static func panelLength(_ geometry: PanelGeometry, levels: Int) -> Int {
        let bits = bits(forLevels: levels) ?? 8
        let lines = geometry.width
        let dots = geometry.height
        return bits == 1 ? lines * ((dots + 7) / 8) : (lines * dots * bits + 7) / 8
    }

    /// The printer's order of an upright landscape plane (row-major, top-left first): line
    /// `n` is landscape column `n`, left to right, and dot `d` of it is landscape row
    /// `height - 1 - d`, so the first dot sent is the card's bottom-left corner — the plane
    /// turned a quarter clockwise and read row by row. This is what Evolis's own Windows
    /// driver sends (the captures in dpavlin/Printer-EVOLIS `test.windows/`) and what
    /// that repository's driver does (`pnmflip -rotate270`). Sent unturned, 648 rows of
    /// 1016 dots have the same byte count and every card comes out sheared.
    @inline(__always)
    static func landscapeIndex(line: Int, dot: Int, _ geometry: PanelGeometry) -> Int {
        (geometry.height - 1 - dot) * geometry.width + line
    }

    /// A colour plane (8-bit ink amounts, 0 = none) as the printer's 128-level panel: the
    /// dots in printer order, the top seven bits of each packed MSB first into one stream.
    public static func colourPanel(_ plane: Data, _ geometry: PanelGeometry) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(panelLength(geometry, levels: colourLevels))
        plane.withUnsafeBytes { raw in
            let src = raw.bindMemory(to: UInt8.self)
            var acc: UInt32 = 0
            var n: UInt32 = 0
            for line in 0..<geometry.width {
                for dot in 0..<geometry.height {
                    let i = landscapeIndex(line: line, dot: dot, geometry)
                    acc = (acc << 7) | UInt32((i < src.count ? src[i] : 0) >> 1)
                    n += 7
                    if n >= 8 {
                        n -= 8
                        out.append(UInt8(truncatingIfNeeded: acc >> n))
                        acc &= (1 << n) - 1
                    }
                }
            }
            if n > 0 { out.append(UInt8(truncatingIfNeeded: acc << (8 - n))) }
        }
        return out
    }

    /// A 1-bit plane (rows of `PrintPlanes.bitRowBytes`, MSB first, 1 = print) as the
    /// printer's 2-level panel: each printer line whole bytes, MSB first, 1 = print.
    public static func bitPanel(_ plane: Data, _ geometry: PanelGeometry) -> [UInt8] {
        let rowBytes = (geometry.width + 7) / 8
        let lineBytes = (geometry.height + 7) / 8
        var out = [UInt8](repeating: 0, count: geometry.width * lineBytes)
        plane.withUnsafeBytes { raw in
            let src = raw.bindMemory(to: UInt8.self)
            for y in 0..<geometry.height {
                let dot = geometry.height - 1 - y
                let row = y * rowBytes
                guard row + rowBytes <= src.count else { continue }
                for byteIndex in 0..<rowBytes where src[row + byteIndex] != 0 {
                    let byte = src[row + byteIndex]
                    for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                        let line = byteIndex * 8 + bit
                        guard line < geometry.width else { break }
                        out[line * lineBytes + dot >> 3] |= 0x80 >> UInt8(dot & 7)
                    }
                }
            }
        }
        return out
    }

    /// `ESC Db;PANEL;LEVELS;DATA CR`: one panel's bitmap.
    public static func download(panel: String, levels: Int, data: [UInt8]) -> [UInt8] {
        [esc] + Array("Db;\(panel);\(levels);".utf8) + data + [cr]
    }

    // MARK: One card

    /// Where a command stands in a card's life, which decides what a fault answer means.
    public enum Stage: Sendable, Equatable {
        /// `Pem`, `Pr`, `Ss`: settings and the start of a sequence; no card moves.
        case setup
        /// `Sic`: a card is fed to the contactless station (guide p.43) and stays there
        /// while its chip is written; the first download then moves it on to print.
        case encoder
        /// `Db`: the first download feeds a card, and each panel prints while the next one
        /// arrives (guide p.69).
        case panels
        /// `Se`: the last panel prints and the card is ejected (guide p.42).
        case eject
    }

    /// How long a reply may take, per the SDK sample: 2 s for a setting or a read, 30 s
    /// for a panel download, 10 s for `Se`.
    public enum Wait: Sendable, Equatable {
        case command, download, eject

        public var duration: Duration {
            switch self {
            case .command: .seconds(2)
            case .download: .seconds(30)
            case .eject: .seconds(10)
            }
        }
    }

    public struct Step: Sendable, Equatable {
        public var bytes: [UInt8]
        public var stage: Stage
        public var wait: Wait
    }

    /// `Ser`: ends the sequence and ejects the card to the reject box (guide p.42).
    public static let ejectToReject = command("Ser")

    /// The commands of one card in order (SDK `ColorPrintingNC`): host error mode, ribbon,
    /// start, Y, M, C at 128 levels, K and O at 2, eject. `Pem;0` follows whatever happened.
    /// With `encodeFirst`, `Sic` after `Ss` feeds the card to the contactless station, where
    /// it waits for its chip before the panels.
    public static func job(_ planes: PrintPlanes, ribbon: String, encodeFirst: Bool = false) -> [Step] {
        let g = planes.geometry
        var steps = [
            Step(bytes: hostManagesErrors, stage: .setup, wait: .command),
            Step(bytes: command("Pr", ribbon.lowercased()), stage: .setup, wait: .command),
            Step(bytes: command("Ss"), stage: .setup, wait: .command),
        ]
        if encodeFirst { steps.append(Step(bytes: command("Sic"), stage: .encoder, wait: .download)) }
        for (panel, plane) in [("y", planes.yellow), ("m", planes.magenta), ("c", planes.cyan)] {
            steps.append(Step(bytes: download(panel: panel, levels: colourLevels, data: colourPanel(plane, g)), stage: .panels, wait: .download))
        }
        for (panel, plane) in [("k", planes.black), ("o", planes.overlay)] {
            steps.append(Step(bytes: download(panel: panel, levels: bitLevels, data: bitPanel(plane, g)), stage: .panels, wait: .download))
        }
        steps.append(Step(bytes: command("Se"), stage: .eject, wait: .eject))
        return steps
    }

    // MARK: Replies

    /// A reply as text, without a trailing `CR`, `LF`, NULs (the open Perl library reads
    /// up to a NUL) and spaces.
    public static func text(_ reply: [UInt8]) -> String {
        String(decoding: reply, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r\n\0 "))
    }

    /// Every fault answer the vendor documents: the SDK sample's dictionary
    /// (`CPrinter.vb`, `analyzeAnswer`) and the guide's `ERR …` forms (p.34).
    public enum Fault: String, Sendable, CaseIterable {
        case feederEmpty = "FEEDER EMPTY"
        case cardJam = "CARD JAM"
        case coverOpen = "COVER OPEN"
        case ribbon = "ERROR RIBBON"
        case needCleaning = "NEED CLEANING"
        case hopper = "ERROR HOPPER"
        case hopperFull = "HOPPER FULL"
        case hopperDoor = "HOPPER DOOR"
        case head = "ERROR HEAD"
        case command = "ERROR CDE"
        case parameters = "ERROR PARAMETRES"
        case timeOut = "ERROR TIME OUT"
        case optionMissing = "OPT NOT AVAILABLE"
        case magnetic = "ERROR MAG"
        case magneticChecksum = "ERROR MAG CHECKSUM"
        case magneticData = "ERROR MAG DATA"
        case checksum = "ERROR CHECKSUM"
        case flash = "ERROR FLASH UNKNOW"
        case unknownError = "ERROR UNKNOW"
        case error = "ERROR"
        /// A card inside the printer (guide p.34: `Rlr;p` → `ERR CARD`).
        case cardInside = "ERR CARD"

        /// The fault a reply names, in the SDK's words or the guide's `ERR ` form; nil for
        /// `OK`, data, or text the vendor does not document.
        public init?(reply text: String) {
            let upper = text.uppercased().trimmingCharacters(in: .whitespaces)
            if let exact = Fault(rawValue: upper) {
                self = exact
                return
            }
            // The guide writes `ERR NEED CLEANING` where the SDK has `NEED CLEANING`, and
            // `ERR FEEDER EMPTY`-style forms appear in older firmware.
            for prefix in ["ERR ", "ERROR "] where upper.hasPrefix(prefix) {
                let rest = String(upper.dropFirst(prefix.count))
                if let fault = Fault(rawValue: rest) ?? Fault(rawValue: "ERROR " + rest) {
                    self = fault
                    return
                }
            }
            return nil
        }

        /// The canonical reason (IPP keyword) for the state it leaves the printer in.
        public var reason: StateReason {
            switch self {
            case .feederEmpty: .mediaEmpty
            case .cardJam, .cardInside: .mediaJam
            case .coverOpen, .hopperDoor: .coverOpen
            case .ribbon: .markerSupplyEmpty
            case .needCleaning: .cleanerLifeAlmostOver
            default: .other
            }
        }

        /// Whether the printer cannot print until someone acts. A cleaning reminder is a
        /// warning; a refused command or parameter is about the job, not the printer.
        public var stopsPrinting: Bool {
            switch self {
            case .needCleaning, .command, .parameters, .optionMissing, .magnetic, .magneticChecksum, .magneticData, .checksum: false
            default: true
            }
        }

        /// Indonesian text for operators.
        public var label: String {
            switch self {
            case .feederEmpty: "hopper kosong"
            case .cardJam: "kartu macet"
            case .cardInside: "ada kartu tertinggal di dalam printer"
            case .coverOpen: "tutup printer terbuka"
            case .hopperDoor: "pintu hopper terbuka"
            case .ribbon: "ribbon habis atau tidak cocok"
            case .needCleaning: "printer perlu dibersihkan"
            case .hopper: "hopper keluaran rusak"
            case .hopperFull: "hopper keluaran penuh"
            case .head: "kepala cetak bermasalah"
            case .command: "printer menolak perintah"
            case .parameters: "printer menolak parameter perintah"
            case .timeOut: "printer kehabisan waktu"
            case .optionMissing: "fitur tidak terpasang di printer"
            case .magnetic, .magneticChecksum, .magneticData: "gangguan pita magnetik"
            case .checksum, .flash, .unknownError, .error: "printer melaporkan galat"
            }
        }
    }

    /// What became of a card whose command got `reply` at `stage` instead of `OK`.
    public enum Verdict: Sendable, Equatable {
        /// No card left the feeder: no blangko used.
        case notFed(String)
        /// A card was fed and ruined.
        case spoiled(String)
        /// A card may be anywhere between the feeder and the output: a person decides.
        case unknown(String)
    }

    /// The outcome rule (docs/usb.md, "What becomes of a card"):
    /// - during `setup` no card moves, so a documented fault means not fed;
    /// - `FEEDER EMPTY` at a download or at `Sic` means the feed found no card, and `OPT NOT
    ///   AVAILABLE` at `Sic` means no contactless station: nothing moved;
    /// - `CARD JAM` once a card is fed means it is spoiled;
    /// - every other fault once a card may be fed, and any answer the vendor does not
    ///   document at any stage, leaves the card unknown — never printed.
    public static func verdict(reply: String, stage: Stage) -> Verdict {
        guard let fault = Fault(reply: reply) else {
            return .unknown("printer menjawab \"\(reply.prefix(60))\" yang tidak dikenal; periksa kartu di printer")
        }
        switch (stage, fault) {
        case (.setup, _): return .notFed(fault.label)
        case (.panels, .feederEmpty), (.encoder, .feederEmpty): return .notFed(fault.label)
        // The option is not fitted: `Sic` is refused before any card moves.
        case (.encoder, .optionMissing): return .notFed("stasiun encoder nirsentuh tidak terpasang di printer (Sic: \(fault.rawValue))")
        case (.panels, .cardJam), (.eject, .cardJam), (.encoder, .cardJam): return .spoiled("\(fault.label) (\(fault.rawValue))")
        default: return .unknown("\(fault.label) (\(fault.rawValue)) di tengah kartu; periksa kartu di printer")
        }
    }

    /// A sensor voltage such as `5,00 Volts` (comma or point), in volts.
    public static func volts(_ text: String) -> Double? {
        let number = text.uppercased().replacingOccurrences(of: "VOLTS", with: "").replacingOccurrences(of: ",", with: ".")
        return Double(number.trimmingCharacters(in: .whitespaces))
    }
}
