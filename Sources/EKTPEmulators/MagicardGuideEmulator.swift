import Foundation

/// A byte-level model of one Enduro-family (KGE head) Magicard card printer, written from the vendor documentation
/// and vendor output only — the fact sheet /tmp/research/magicard.md ("§"), distilled from Magicard's Linux filter
/// rastertoultra.c and its capture magicard.prn, the vendor document 1315 "File format for the Magicard
/// Enduro/Pronto printers" ("doc"), a Windows-driver USB capture and selphy_print. It is an independent check on the
/// project's driver and shares no code with it.
///
/// Host → printer bytes go to `receive(_:)`, split anywhere. Print jobs get no reply; status requests (`REQ`) get
/// one each, fetched with `nextReply()`. A job whose framing is wrong is refused whole (`framingErrors`) and leaves
/// the printer in a command error until cleared.
///
/// Error codes: the sources give only 00:00 (OK) and 11:01 (card not fed; §2.3 and §5 item 13). All other codes are the
/// emulator's own, in the 90:xx range: 90:01 jam, 90:02 ribbon out, 90:03 cover open, 90:04 command (framing) error.
public final class MagicardGuideEmulator: @unchecked Sendable {
    /// The printer as it is switched on.
    public struct Setup: Sendable {
        public var model: String
        public var serial: String
        public var firmware: String
        /// Blank cards in the hopper.
        public var hopper: Int
        public var hopperCapacity: Int
        /// Shots (panels) on the installed film, INF field 22 (§2.3).
        public var ribbonPanelsTotal: Int
        /// Shots used so far, INF field 23.
        public var ribbonPanelsUsed: Int
        /// Lifetime card counter, INF field 9 / `STA,TCQ`.
        public var totalCards: Int
        /// Printhead vertical position, INF field 16 (default 50, doc §4); shifts the image on the head.
        public var headPosition: Int
        /// How long a card keeps the printer busy before it is counted and delivered.
        public var printTime: Duration

        public init(
            model: String = "Magicard Enduro", serial: String, firmware: String = "GUIDE-EMU", hopper: Int, hopperCapacity: Int = 100,
            ribbonPanelsTotal: Int = 1000, ribbonPanelsUsed: Int = 0, totalCards: Int, headPosition: Int = 50, printTime: Duration = .zero
        ) {
            self.model = model
            self.serial = serial
            self.firmware = firmware
            self.hopper = hopper
            self.hopperCapacity = hopperCapacity
            self.ribbonPanelsTotal = ribbonPanelsTotal
            self.ribbonPanelsUsed = ribbonPanelsUsed
            self.totalCards = totalCards
            self.headPosition = headPosition
            self.printTime = printTime
        }
    }

    /// Faults `schedule(_:atCard:)` can make strike a job; the raw value is a short name.
    public enum Fault: String, CaseIterable, Sendable {
        case cardNotFed = "hopper-empty", jam, ribbonOut = "ribbon-out", coverOpen = "cover-open"
    }

    /// A card that left the printer.
    public struct Card: Sendable {
        /// "B" (yellow), "G" (magenta), "R" (cyan), "K" (black resin) — the planes sent — as upright landscape images
        /// `width` × `height`, 8-bit, 0 = no ink, row-major from the top left (see `MagicardHead.decode`).
        public var planes: [String: [UInt8]]
        /// Header fields in order: 3-letter mnemonic and value, e.g. ("IMF", "BGRK"), ("PCT", "0,0,1015,641").
        public var header: [(String, String)]
        public var width: Int
        public var height: Int
    }

    // MARK: State (all guarded by `lock`)

    /// An error condition: major:minor code (INF fields 19/20) and ERR text. English texts; the printer localises
    /// them after `LAN` (§2.3); only 11:01's text translates an observed one ("Karte wurde nicht in den Drucker
    /// eingezogen. Versuchen Sie es erneut.").
    private enum Condition: String {
        case cardNotFed = "hopper-empty", jam, ribbonOut = "ribbon-out", coverOpen = "cover-open", commandError

        var code: (major: Int, minor: Int) { (details.major, details.minor) }
        var text: String { details.text }

        private var details: (major: Int, minor: Int, text: String) {
            switch self {
            case .cardNotFed: (11, 1, "The card was not fed into the printer. Try again.")  // observed (§2.3)
            case .jam: (90, 1, "Card jam. Remove the card and press OK.")  // emulator code
            case .ribbonOut: (90, 2, "Dye film out. Fit a new dye film and press OK.")  // emulator code
            case .coverOpen: (90, 3, "The cover is open. Close the cover.")  // emulator code
            case .commandError: (90, 4, "Command error. The print job could not be read.")  // emulator code
            }
        }
    }

    private struct Printing {
        var due: ContinuousClock.Instant
        var card: Card
    }

    private let lock = NSLock()
    private let setup: Setup
    private let clock = ContinuousClock()

    private var parser = MagicardFrameParser()
    private var replies: [[UInt8]] = []
    private var linkDown = false
    private var feeder: Int
    private var shotsUsed: Int
    private var cardCounter: Int
    private var panelsPrinted = 0
    private var cardsPrinted = 0
    private var coverIsOpen = false
    private var condition: Condition?
    private var inProgress: [Printing] = []
    private var output: [Card] = []
    private var framing: [String] = []
    private var refused: [String] = []
    private var log: [String] = []
    private var attempts = 0
    private var scheduled: [Int: [Fault]] = [:]

    public init(_ setup: Setup) {
        self.setup = setup
        feeder = max(0, min(setup.hopper, setup.hopperCapacity))
        shotsUsed = max(0, setup.ribbonPanelsUsed)
        cardCounter = max(0, setup.totalCards)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        settle()
        return try body()
    }

    // MARK: Host side

    /// Host → printer bytes, split anywhere.
    public func receive(_ bytes: [UInt8]) {
        locked {
            guard !linkDown else { return }
            var frames: [MagicardFrame] = []
            parser.feed(bytes, into: &frames)
            for frame in frames {
                switch frame {
                case .request(let command): answer(command)
                case .job(let job): run(job)
                case .framingError(let why):
                    framing.append(why)
                    condition = condition ?? .commandError  // an earlier error (e.g. 11:01) keeps its code
                }
            }
        }
    }

    /// Printer → host: the next reply to a status request, or nil when none is due.
    public func nextReply() -> [UInt8]? {
        locked {
            guard !linkDown, !replies.isEmpty else { return nil }
            return replies.removeFirst()
        }
    }

    // MARK: The operator and the world

    /// Puts blank cards in the hopper, up to its capacity; clears a card-not-fed error.
    public func load(_ cards: Int) {
        locked {
            feeder = min(setup.hopperCapacity, feeder + max(0, cards))
            if case .cardNotFed = condition { condition = nil }
        }
    }

    /// Takes every blank card out of the hopper; returns how many.
    public func unload() -> Int {
        locked {
            defer { feeder = 0 }
            return feeder
        }
    }

    public func openCover() {
        locked {
            coverIsOpen = true
            condition = .coverOpen
        }
    }

    public func closeCover() {
        locked {
            coverIsOpen = false
            if case .coverOpen = condition { condition = nil }
        }
    }

    /// The OK button (same as `REQ,OKY` / `REQ,CAN`, doc §5.1/§5.5): clears any error except an open cover.
    public func clearError() {
        locked { clear() }
    }

    /// Unplugged, bytes are dropped and no reply comes; plugging back in loses a half-received unit and pending
    /// replies. Cards already printing carry on.
    public var unplugged: Bool {
        get { locked { linkDown } }
        set {
            locked {
                guard newValue != linkDown else { return }
                linkDown = newValue
                parser.reset()
                replies = []
            }
        }
    }

    /// Makes `fault` strike the `n`th job this emulator accepts for printing (1-based; jobs refused for framing or
    /// because the printer was in error do not count). The struck job is not printed and the printer stays in error.
    /// `cardNotFed`, `ribbonOut`, `coverOpen` leave the hopper untouched; `jam` loses the card (hopper −1, film used,
    /// not counted or delivered).
    public func schedule(_ fault: Fault, atCard n: Int) {
        locked { scheduled[n, default: []].append(fault) }
    }

    // MARK: Observation

    public var cards: [Card] { locked { output } }
    public var totalCards: Int { locked { cardCounter } }
    public var hopper: Int { locked { feeder } }
    /// The number the next job accepted for printing will have, for `schedule(_:atCard:)`.
    public var nextJobNumber: Int { locked { attempts + 1 } }
    /// Every job the printer refused to parse, with the reason.
    public var framingErrors: [String] { locked { framing } }
    /// Jobs framed correctly but not printed because the printer was in error (or a fault struck them).
    public var refusedJobs: [String] { locked { refused } }
    /// Status requests received, e.g. "INF", "STA,TCQ".
    public var requests: [String] { locked { log } }
    /// The error code as "MM:mm" (INF fields 19/20), "00:00" when ready.
    public var errorCode: String { locked { Self.code(condition) } }
    /// Film shots used (INF field 23).
    public var ribbonPanelsUsed: Int { locked { shotsUsed } }

    // MARK: Printing

    private func settle() {
        let now = clock.now
        while let first = inProgress.first, first.due <= now {
            inProgress.removeFirst()
            output.append(first.card)
            output.keepLast(EmulatorMemory.keptCards)
            cardCounter += 1
            cardsPrinted += 1
        }
    }

    private func clear() {
        condition = coverIsOpen ? .coverOpen : nil
    }

    /// Panels a card takes off the film: one per colour in IMF (B, G, R, K — the ribbon mode, §1.4/§5.4) plus one
    /// for the overcoat when OVRON; without IMF, one per plane sent. YMCKO = 5. (Emulator model: the sources do not
    /// say how the film counter advances.)
    private static func panels(of job: MagicardJob) -> Int {
        let colours = job.value("IMF").map { $0.filter { "BGRK".contains($0) }.count } ?? job.planes.count
        return max(1, colours) + (job.value("OVR") == "ON" ? 1 : 0)
    }

    private func run(_ job: MagicardJob) {
        if let condition {
            refused.append("job refused: printer in error \(Self.code(condition)) (\(condition.text))")
            return
        }
        attempts += 1
        let panels = Self.panels(of: job)
        let strike = scheduled.removeValue(forKey: attempts).flatMap { faults in Fault.allCases.first(where: faults.contains) }
        let fault: Condition?
        if let strike {
            fault = Condition(rawValue: strike.rawValue) ?? .commandError
        } else if feeder == 0 {
            fault = .cardNotFed
        } else if setup.ribbonPanelsTotal - shotsUsed < panels {
            fault = .ribbonOut
        } else {
            fault = nil
        }
        if let fault {
            if case .jam = fault {
                feeder -= min(feeder, 1)
                shotsUsed += panels
                panelsPrinted += panels
            }
            if case .coverOpen = fault { coverIsOpen = true }
            condition = fault
            refused.append("job \(attempts) not printed: \(Self.code(fault)) (\(fault.text))")
            return
        }
        feeder -= 1
        shotsUsed += panels
        panelsPrinted += panels
        // The image sits centred in the 672-dot canvas at head position 50 and moves by 50 − position (doc §4
        // `y += 50 - getPrintheadPosition()`; the vendor capture puts a 642-dot image at dots 15-656, §1.5).
        let margin = (MagicardHead.dots - job.height) / 2 + 50 - setup.headPosition
        var planes: [String: [UInt8]] = [:]
        for (letter, data) in job.planes {
            planes[letter] = MagicardHead.decode(data, letter: letter, width: job.width, height: job.height, margin: margin)
        }
        let card = Card(planes: planes, header: job.fields, width: job.width, height: job.height)
        let begin = max(clock.now, inProgress.last?.due ?? clock.now)
        inProgress.append(Printing(due: begin.advanced(by: max(.zero, setup.printTime)), card: card))
        settle()
    }

    // MARK: Status requests

    private func answer(_ command: String) {
        log.append(command)
        log.keepLast(EmulatorMemory.keptCommands)
        switch command {
        case "INF": reply("STA$$" + informationFields().joined(separator: ",") + ",")
        case "ERR": reply("STA" + errorReport())
        case "OKY", "CAN": clear()
        default:
            if command.hasPrefix("STA,") { reply(command + statusValue(String(command.dropFirst(4))) + ",") }
        // CLN, ERASE and unknown commands: no reply (doc §5 gives none).
        }
    }

    /// `SOH text ETX`.
    private func reply(_ text: String) {
        replies.append([0x01] + Array(text.utf8) + [0x03])
    }

    private static func code(_ condition: Condition?) -> String {
        let (major, minor) = condition?.code ?? (0, 0)
        return two(major) + ":" + two(minor)
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Windows-driver form (§2.3): text LF code LF (state) — "Printerstatus OK.\n00:00\n(c0300)" observed when ready,
    /// "…\nFehlercode - 11:01\n(c0201)" in the card-feed error. The (cNNNN) token is unexplained in the sources; the
    /// emulator answers c0300 when ready and c0201 for every error.
    private func errorReport() -> String {
        guard let condition else { return "Printerstatus OK.\n00:00\n(c0300)" }
        return condition.text + "\nError code - " + Self.code(condition) + "\n(c0201)"
    }

    /// INF status string fields 0-34 in doc Fig.10 order (§2.3). Values the sources leave open are emulator choices:
    /// model bits 0 (simplex, no encoder), head type 0 (KGE2 to rastertoultra), head/PCB serials derived from the
    /// serial, PCB version "1" (→ default head density), image start/end 50 (doc default of SOI/EOI), RFID UID and
    /// film name made up, panel lengths 86 mm, flags/IDs 0, field 33 "0" (default), field 34 "0" (dummy).
    private func informationFields() -> [String] {
        let (major, minor) = condition?.code ?? (0, 0)
        // Strings are at most 16 characters (the RFID UID 20) and must not contain the ',' or ':' separators (doc §5.4).
        func text(_ s: String, _ limit: Int = 16) -> String {
            String(s.map { $0 == "," || $0 == ":" || !$0.isASCII || $0.isNewline ? " " : $0 }.prefix(limit))
        }
        let numbers = { (values: [Int]) in values.map(String.init) }
        return numbers([0]) + [text(setup.model)] + numbers([0])  // 0-2
            + [text(setup.serial), text(setup.serial + "H"), text(setup.serial + "P"), text(setup.firmware), "1"]  // 3-7
            + numbers([0, cardCounter, cardCounter, panelsPrinted, 0, panelsPrinted, cardsPrinted, 700])  // 8-15
            + numbers([setup.headPosition, 50, 50, major, minor])  // 16-20
            + [text("EMU0000000000000", 20)] + numbers([setup.ribbonPanelsTotal, shotsUsed]) + [text("YMCKO")]  // 21-24
            + numbers([86, 86, 86, 0, 0, 0, 0, 0, 0, 0])  // 25-34
    }

    /// `REQ,STA,<KEY>` (selphy, §2.3): selphy skips SOH + 7 bytes ("???,???") and drops the trailing "," ETX, so the
    /// emulator answers `SOH STA,<KEY> <value> , ETX` — an echo of the request then the bare value (inferred: the
    /// 7 bytes match "STA,KEY"). Unknown keys get an empty value.
    private func statusValue(_ key: String) -> String {
        switch key {
        case "MSR", "USN": setup.serial
        case "PSR": setup.serial + "H"
        case "BSR": setup.serial + "P"
        case "VRS": setup.firmware
        case "FPP": "\(setup.headPosition)"
        case "FSP", "FEP", "FSS": "50"
        case "FDC": "3829"
        case "MDL", "DYN", "TCN", "IPA", "SNM", "GWY": "0"
        case "PID": "\(0x4800)"  // selphy's unverified Enduro PID (§3.1)
        case "VID": "\(0x0C1F)"
        case "UPN": "Magicard"
        case "MAC": "00:00:00:00:00:00"
        case "TCQ", "TCP": "\(cardCounter)"
        case "CCQ": "\(cardsPrinted)"
        case "TPQ", "CPQ": "\(panelsPrinted)"
        case "CCP": "700"
        case "DFR": "\(max(0, setup.ribbonPanelsTotal - shotsUsed))"
        case "CLP": "OFF"
        default: ""
        }
    }
}
