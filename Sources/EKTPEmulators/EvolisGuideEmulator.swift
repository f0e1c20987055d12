import Foundation

/// A byte-level model of one Evolis card printer, written from the vendor documentation only — the fact sheet
/// /tmp/research/evolis.md distilled from the Evolis Programming Guide A5013 Rev E ("guide p.N"), the Evolis SDK sample
/// (SDK CPrinter.vb, CIomem.vb, CDualys.vb), a Windows-driver capture (WINCAP) and open drivers (drv.pl, sim.pl, QZ).
/// It is an independent check on the project's driver and shares no code with it.
///
/// Host → printer bytes go to `receive(_:)`; each complete command gets exactly one reply, fetched in order with
/// `nextReply()` as bare ASCII without CR (SDK CIomem.vb l.77-153 compares the whole string with "OK").
///
/// Error handling follows `Pem` (guide p.20). In host mode (Pem 1/2/3/18, what the SDK uses) the failing command
/// answers the error text at once; a card already fed is spoiled — it stays in the printer and the sequence ends, so
/// the host's clean-up `Se`/`Ser` ejects it (the SDK "still sends Se (eject)", fact sheet §5). In printer mode (Pem 0/16,
/// the power-on default) the printer holds the error: the failing command gets no reply and every later command
/// waits unanswered (BUSY stays high, guide p.3/p.20) until an operator action (`closeCover`, `load`, `clearJam`,
/// `replaceRibbon`, `acknowledge`) lets it retry; the card carries on, or after a jam a fresh card is fed and
/// reprinted from the bitmaps kept in memory (guide p.4), and the held reply (`OK`) is delivered.
public final class EvolisGuideEmulator: @unchecked Sendable {
    /// The printer as it is switched on.
    public struct Setup: Sendable {
        public var model: String
        public var serial: String
        public var firmware: String
        /// Blank cards in the feeder.
        public var hopper: Int
        public var hopperCapacity: Int
        /// Cards the installed ribbon can still print (`Rco;l`, guide p.31).
        public var ribbonCards: Int
        public var ribbonType: String
        /// Cards inserted so far (`Rco;c`, guide p.31).
        public var counter: Int
        /// Wall-clock time between `Se` and its reply.
        public var printTime: Duration
        /// Whether the contactless station option is fitted (`Sic`, guide p.43).
        public var contactless: Bool
        /// Print-head kit number for `Rkn` (guide p.33/p.21 format `XXXYYYYYY`: head resistance ×10, then serial).
        public var kitNumber: String

        public init(
            model: String = "Evolis Primacy", serial: String, firmware: String = "GUIDE-EMU", hopper: Int, hopperCapacity: Int = 100,
            ribbonCards: Int, ribbonType: String = "ymcko", counter: Int, printTime: Duration = .zero, contactless: Bool = false,
            kitNumber: String = "145000001"
        ) {
            self.model = model
            self.serial = serial
            self.firmware = firmware
            self.hopper = hopper
            self.hopperCapacity = hopperCapacity
            self.ribbonCards = ribbonCards
            self.ribbonType = ribbonType
            self.counter = counter
            self.printTime = printTime
            self.contactless = contactless
            self.kitNumber = kitNumber
        }
    }

    /// Faults that can strike a card; the raw value is a short name, `reply` the printer's text (SDK CPrinter.vb l.43-61).
    /// Where each strikes (the guide does not say which reply carries which error, fact sheet §5 ⚠): `feederEmpty` at
    /// the card's feed (its first `Db`, `Si` or `Sic`; no card consumed), `ribbonOut` at its first download after the
    /// feed (the card is consumed), all others at its `Se`/`Ser`/`Seb`. `jam` leaves the card stuck until `clearJam()`,
    /// `coverOpen` leaves the cover open until `closeCover()`, `needCleaning` sets the `Rlr;c` flag until `Scp`.
    public enum Fault: String, CaseIterable, Sendable {
        case jam, ribbonOut = "ribbon-out", feederEmpty = "hopper-empty", coverOpen = "cover-open", head = "error-head"
        case timeOut = "error-time-out", hopperFull = "hopper-full", needCleaning = "need-cleaning"

        public var reply: String {
            switch self {
            case .jam: "CARD JAM"
            case .ribbonOut: "ERROR RIBBON"
            case .feederEmpty: "FEEDER EMPTY"
            case .coverOpen: "COVER OPEN"
            case .head: "ERROR HEAD"
            case .timeOut: "ERROR TIME OUT"
            case .hopperFull: "HOPPER FULL"
            case .needCleaning: "NEED CLEANING"
            }
        }
    }

    /// A card that left the printer.
    public struct Card: Sendable {
        /// Front panels ("y", "m", "c", "k", "o" — only those downloaded) as upright landscape images, 1016 × 648.
        public var panels: [String: [UInt8]]
        /// Back panels (after `Sv`, guide p.45), same layout; empty for a one-sided card.
        public var back: [String: [UInt8]]
        /// The ribbon type in effect: the host's last `Pr`, else the installed ribbon.
        public var ribbon: String
        /// Ejected with `Ser`/`Seb` into a reject box (guide p.42).
        public var rejected: Bool
        /// Visited the contactless station (`Sic`, guide p.43).
        public var contactlessVisit: Bool
        /// The error text that spoiled this card in host mode, nil for a card printed normally.
        public var fault: String?
    }

    public enum ImageError: Error, Sendable {
        case noSuchCard(Int)
    }

    // MARK: State (all guarded by `lock`)

    private enum Position { case print, contactless }

    /// The card inside the printer and what has been printed on it.
    private struct Loaded {
        var position = Position.print
        var panels: [String: [String: [UInt8]]] = [:]  // side → panel → image
        var contactless = false
        var fault: String?
    }

    /// An open Ss…Se sequence: the side being written and the bitmaps in printer memory (guide p.4).
    private struct Sequence {
        var side = "front"
        var memory: [String: [String: [UInt8]]] = [:]
        var number: Int?
    }

    private struct Reply {
        var bytes: [UInt8]
        var notBefore: ContinuousClock.Instant
    }

    private enum Outcome {
        case reply(String, printed: Bool = false)
        case fault(String)
    }

    private let lock = NSLock()
    private let setup: Setup
    private let clock = ContinuousClock()

    private var feeder: Int
    private var ribbonLeft: Int
    private var installedRibbon: String
    private var declaredRibbon: String?
    private var cardCounter: Int
    private var panelsPrinted = 0
    private var coverOpen = false
    private var jammed = false
    private var needsCleaning = false
    private var powerOff = false
    private var inside: Loaded?

    private var errorMode = 0
    private var savedErrorMode = 0
    private var sequence: Sequence?
    private var jobsFed = 0
    private var scheduled: [Int: [Fault]] = [:]

    private var parser = EvolisFrameParser()
    private var replies: [Reply] = []
    private var busyUntil: ContinuousClock.Instant?
    private var held: EvolisCommand?
    private var backlog: [EvolisCommand] = []
    private var log: [String] = []
    private var output: [Card] = []
    private var fieldObserver: (@Sendable (Bool) -> Void)?

    public init(_ setup: Setup) {
        self.setup = setup
        feeder = max(0, min(setup.hopper, setup.hopperCapacity))
        ribbonLeft = max(0, setup.ribbonCards)
        installedRibbon = setup.ribbonType
        cardCounter = max(0, setup.counter)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: Host side

    /// Host → printer bytes, split anywhere; several commands, partial commands and NUL padding are all fine.
    public func receive(_ bytes: [UInt8]) {
        locked {
            guard !powerOff else { return }
            var index = 0
            while index < bytes.count {
                if let command = parser.next(bytes, &index) {
                    log.append(command.summary)
                    log.keepLast(EmulatorMemory.keptCommands)
                    if held != nil {
                        backlog.append(command)
                    } else {
                        run(command)
                    }
                }
            }
        }
    }

    /// Printer → host: the next reply (bare ASCII, no CR), or nil when none is due yet.
    public func nextReply() -> [UInt8]? {
        locked {
            guard !powerOff, let first = replies.first, first.notBefore <= clock.now else { return nil }
            replies.removeFirst()
            return first.bytes
        }
    }

    // MARK: The operator and the world

    /// Puts blank cards in the feeder, up to its capacity.
    public func load(_ cards: Int) {
        locked {
            feeder = min(setup.hopperCapacity, feeder + max(0, cards))
            retryHeld()
        }
    }

    /// Takes every blank card out of the feeder; returns how many.
    public func unload() -> Int {
        locked {
            defer { feeder = 0 }
            return feeder
        }
    }

    public func openCover() {
        locked { coverOpen = true }
    }

    public func closeCover() {
        locked {
            coverOpen = false
            retryHeld()
        }
    }

    /// Pulls the jammed card out by hand (it is not recorded in `cards`).
    public func clearJam() {
        locked {
            if jammed {
                leaveField()
                inside = nil
            }
            jammed = false
            retryHeld()
        }
    }

    /// The operator opens the printer and takes out whatever card is inside (after a power
    /// cut mid-card, say); the printer is clear for the next sequence.
    public func removeCard() {
        locked {
            leaveField()
            inside = nil
            jammed = false
            sequence = nil
            retryHeld()
        }
    }

    /// Fits a new ribbon good for `cards` cards, optionally of another type.
    public func replaceRibbon(cards: Int, type: String? = nil) {
        locked {
            ribbonLeft = max(0, cards)
            if let type { installedRibbon = type }
            retryHeld()
        }
    }

    /// The operator presses the panel button after a head, time-out, hopper-full or cleaning fault (and has cleaned).
    public func acknowledge() {
        locked {
            needsCleaning = false
            retryHeld()
        }
    }

    /// Unplugged, bytes are dropped and no reply comes. Plugging back in is a power cycle: the framing, the pending
    /// replies, a held command and an open sequence are lost, `Pem` returns to its saved value (guide p.20); a card
    /// left inside stays there until a `Se`/`Ser` ejects it.
    public var unplugged: Bool {
        get { locked { powerOff } }
        set {
            locked {
                guard newValue != powerOff else { return }
                powerOff = newValue
                parser.reset()
                replies = []
                held = nil
                backlog = []
                sequence = nil
                busyUntil = nil
                errorMode = savedErrorMode
            }
        }
    }

    /// Tells `observer` each time a card enters (true) or leaves (false) the contactless
    /// station's field: the encoder's reader sees a card exactly while one waits there
    /// (guide p.43). Called from inside the emulator: it must not call back into it.
    public func observeContactlessField(_ observer: @escaping @Sendable (Bool) -> Void) {
        locked { fieldObserver = observer }
    }

    /// The card inside leaves the contactless station (moved on, ejected, or taken out).
    private func leaveField() {
        if inside?.position == .contactless { fieldObserver?(false) }
    }

    /// Makes `fault` strike the `n`th card this emulator is asked to print (1-based; a job keeps its number across
    /// a failed feed and a jam reprint). Each scheduled fault strikes once.
    public func schedule(_ fault: Fault, atCard n: Int) {
        locked { scheduled[n, default: []].append(fault) }
    }

    // MARK: Observation

    public var cards: [Card] { locked { output } }
    public var counter: Int { locked { cardCounter } }
    public var hopper: Int { locked { feeder } }
    public var commandsReceived: [String] { locked { log } }
    /// Cards the installed ribbon can still print (what `Rco;l` answers).
    public var ribbonCardsLeft: Int { locked { ribbonLeft } }
    /// The number the next card fed will have, for `schedule(_:atCard:)`.
    public var nextCardNumber: Int { locked { jobsFed + 1 } }

    /// Writes each panel of `cards[cardIndex]` as a binary PGM (P5, 1016 × 648, maxval 255) named
    /// `card-<cardIndex>-<panel>.pgm` (back panels `card-<cardIndex>-back-<panel>.pgm`). Samples are ink amounts as in
    /// `Card.panels` (255 = full ink), so ink shows light in an ordinary viewer.
    public func writeImages(of cardIndex: Int, to directory: URL) throws {
        let all = cards
        guard all.indices.contains(cardIndex) else { throw ImageError.noSuchCard(cardIndex) }
        let card = all[cardIndex]
        let header = Array("P5\n\(EvolisRaster.lines) \(EvolisRaster.dots)\n255\n".utf8)
        for (prefix, panels) in [("", card.panels), ("back-", card.back)] {
            for (panel, image) in panels {
                let url = directory.appendingPathComponent("card-\(cardIndex)-\(prefix)\(panel).pgm")
                try Data(header + image).write(to: url)
            }
        }
    }

    // MARK: Execution

    private var hostMode: Bool { [1, 2, 3, 18].contains(errorMode) }

    private func run(_ command: EvolisCommand) {
        switch execute(command) {
        case .reply(let text, let printed):
            enqueue(text, printed: printed)
        case .fault(let text) where hostMode:
            if inside != nil {
                // Host mode: the card is spoiled and the sequence over; the card waits for the host's Se/Ser.
                inside?.fault = text
                sequence = nil
            }
            enqueue(text, printed: false)
        case .fault:
            held = command
        }
    }

    /// Printer mode: after an operator action the printer retries the held command, then works through the backlog.
    private func retryHeld() {
        guard !powerOff, let command = held else { return }
        held = nil
        run(command)
        while held == nil, !backlog.isEmpty {
            run(backlog.removeFirst())
        }
    }

    private func enqueue(_ text: String, printed: Bool) {
        let now = clock.now
        var notBefore = now
        if printed, setup.printTime > .zero {
            notBefore = max(now, busyUntil ?? now) + setup.printTime
            busyUntil = notBefore
        }
        replies.append(Reply(bytes: Array(text.utf8), notBefore: notBefore))
    }

    private func execute(_ command: EvolisCommand) -> Outcome {
        let params = command.params
        let first = params.first ?? ""
        switch command.name {
        case "Rtp": return .reply(setup.model)
        case "Rsn": return .reply(setup.serial)
        case "Rfv": return .reply(setup.firmware)
        case "Rkn": return .reply(setup.kitNumber)
        case "Rr": return .reply(declaredRibbon ?? installedRibbon)
        case "Rem": return .reply("\(errorMode);\(savedErrorMode)")
        // Rcr (guide p.32): OK unless on the ribbon's end mark. The non-OK text is undocumented; ERROR RIBBON is
        // the emulator's choice (SDK CPrinter.vb: "no ribbon or bad ribbon").
        case "Rcr": return .reply(ribbonLeft > 0 ? "OK" : "ERROR RIBBON")
        case "Rco": return readCounter(first)
        case "Rse": return readSensor(first)
        case "Rlr": return readLastReply(first)
        case "Pem": return setErrorMode(params)
        case "Pr": return setRibbon(params)
        case "Pc": return setContrast(params)
        case "Pmi": return .reply(["F", "M", "B"].contains(first) && (params.count == 1 || params[1] == "s") ? "OK" : "ERROR PARAMETRES")
        case "Pwr": return .reply(params.count == 1 && ["0", "90", "180", "270"].contains(first) ? "OK" : "ERROR PARAMETRES")
        case "Psc": return setFraming(params)
        case let name where Self.acceptedSettings.contains(name): return .reply(params.isEmpty ? "ERROR PARAMETRES" : "OK")
        case "Ss": return startSequence()
        case "Sr", "Sv": return chooseSide(command.name == "Sr" ? "front" : "back")
        case "Si": return insert(to: .print)
        case "Sic": return setup.contactless ? insert(to: .contactless) : .reply("OPT NOT AVAILABLE")
        case "Sis": return .reply("OPT NOT AVAILABLE")  // no smart-card contact station modelled (guide p.59)
        case "Db", "Dbc": return download(command)
        case "Se", "Ser", "Seb": return endSequence(reject: command.name != "Se")
        case "Scp": return clean()
        case "Scs": return .reply("OK")
        case "Srs":
            sequence = nil
            errorMode = savedErrorMode
            return .reply("OK")
        default:
            // Documented commands the emulator does not model (Sc, Sp, Ssd, St, Sa, Dbp, Dbmp, Dm…) and unknown ones:
            // a driver relying on them should fail loudly here.
            return .reply("ERROR CDE")
        }
    }

    /// Parameter commands answered OK when they carry at least one parameter (guide p.19-30; Pdt, Ppws, Mr from WINCAP;
    /// Pps from QZ; Wcb guide p.46; Pneab from the kiosk driver). Their effect on printing is not modelled.
    private static let acceptedSettings: Set<String> = [
        "Pl", "Ps", "Px", "Py", "Pmk", "Piem", "Pcom", "Prm", "Pkn", "Poc", "Pos", "Psm", "Pps", "Pdt", "Ppws", "Pneab",
        "Pbm", "Pwb", "Ppk", "Pmc", "Wcb", "Mr",
    ]

    /// Ribbon codes of guide p.25, plus plain `k` (SDK, drv.pl and the Windows driver send `Pr;k`).
    private static let ribbonCodes: Set<String> = [
        "ymcko", "ymckos", "ymckok", "kb", "kw", "kr", "kbl", "kgr", "kgo", "ksi", "ksc", "ko", "h", "ho", "ktc", "ktp", "ka", "k",
    ]

    /// Contrast panels of guide p.19, plus `k` as sent by drv.pl and the Windows driver (`Pc;k;=;10`).
    private static let contrastPanels: Set<String> = ["y", "m", "c", "k", "kb", "kw", "kr", "kbl", "kgr", "kgo", "ksi", "ksc", "o", "a"]

    // MARK: Reads — answered in every Pem mode, never move a card

    /// `Rco;p|c|l` (guide p.31): panels printed, cards inserted, cards the ribbon can still print. The cleaning
    /// counters a/m/n and the SDK's r are not modelled and read 0.
    private func readCounter(_ which: String) -> Outcome {
        switch which {
        case "p": .reply(String(panelsPrinted))
        case "c": .reply(String(cardCounter))
        case "l": .reply(String(ribbonLeft))
        case "a", "m", "n", "r": .reply("0")
        default: .reply("ERROR PARAMETRES")
        }
    }

    /// `Rse;p1` (guide p.37) reads a sensor voltage, comma decimal (kiosk driver): `o` cover 5,00 closed / 0,00 open.
    /// The emulator's assumptions: `f` feeder 5,00 with cards / 0,00 empty; `p` card presence 5,00 / 0,00.
    private func readSensor(_ which: String) -> Outcome {
        let high = "5,00 Volts", low = "0,00 Volts"
        switch which {
        case "o": return .reply(coverOpen ? low : high)
        case "f": return .reply(feeder > 0 ? high : low)
        case "p": return .reply(inside != nil ? high : low)
        default: return .reply("ERROR PARAMETRES")
        }
    }

    /// `Rlr;p` in modern firmware's words (fact sheet §4): OK / CARD / CONTACTLESS CARD. `Rlr;c` (SDK) and `Rlr;r`
    /// (guide p.34) answer NEED CLEANING (SDK spelling) or OK.
    private func readLastReply(_ which: String) -> Outcome {
        switch which {
        case "p":
            guard let card = inside else { return .reply("OK") }
            return .reply(card.position == .contactless ? "CONTACTLESS CARD" : "CARD")
        case "c", "r":
            return .reply(needsCleaning ? "NEED CLEANING" : "OK")
        default:
            return .reply("ERROR PARAMETRES")
        }
    }

    // MARK: Parameters

    /// `Pem;p1[;s]` (guide p.20). 4 (ACK/NACK) and 5 leave the mode unchanged; ACK/NACK framing is not modelled.
    private func setErrorMode(_ params: [String]) -> Outcome {
        guard let value = params.first.flatMap({ Int($0) }), [0, 1, 2, 3, 4, 5, 16, 18].contains(value), params.count <= 2 else {
            return .reply("ERROR PARAMETRES")
        }
        let save = params.count == 2
        if save, params[1] != "s" { return .reply("ERROR PARAMETRES") }
        if value != 4, value != 5 {
            errorMode = value
            if save { savedErrorMode = value }
        }
        return .reply("OK")
    }

    /// `Pr;p1[;o1]` (guide p.25). Case-insensitive, since the table mixes `Ktc` and `kb`.
    private func setRibbon(_ params: [String]) -> Outcome {
        guard let code = params.first, Self.ribbonCodes.contains(code.lowercased()), params.count <= 2 else {
            return .reply("ERROR PARAMETRES")
        }
        if params.count == 2, !["0", "1"].contains(params[1]) { return .reply("ERROR PARAMETRES") }
        declaredRibbon = code
        return .reply("OK")
    }

    /// `Pc;panel;+|-|=[;value]` (guide p.19; the p.69 example sends `Pc;y;+` without a value).
    private func setContrast(_ params: [String]) -> Outcome {
        guard params.count == 2 || params.count == 3, Self.contrastPanels.contains(params[0]), ["+", "-", "="].contains(params[1]),
            params.count == 2 || Int(params[2]) != nil
        else { return .reply("ERROR PARAMETRES") }
        return .reply("OK")
    }

    /// `Psc;Start;Sep;End` as decimal codes, bare `Psc` back to 27/59/13 (guide p.27). Takes effect after this command.
    private func setFraming(_ params: [String]) -> Outcome {
        if params.isEmpty || params == [""] {
            parser.start = 0x1B
            parser.separator = 0x3B
            parser.end = 0x0D
            return .reply("OK")
        }
        let codes = params.compactMap { UInt8($0) }
        guard params.count == 3, codes.count == 3, Set(codes).count == 3, !codes.contains(0) else { return .reply("ERROR PARAMETRES") }
        parser.start = codes[0]
        parser.separator = codes[1]
        parser.end = codes[2]
        return .reply("OK")
    }

    // MARK: Sequences

    /// Jam first (every motion command answers CARD JAM), then the cover unless Pem;1 disabled its detection (p.20).
    private func motionBlocked() -> String? {
        if jammed { return Fault.jam.reply }
        if coverOpen, errorMode != 1 { return Fault.coverOpen.reply }
        return nil
    }

    /// Removes one scheduled `fault` for job `number`; true when it was due.
    private func strike(_ fault: Fault, _ number: Int?) -> Bool {
        guard let number, let index = scheduled[number]?.firstIndex(of: fault) else { return false }
        scheduled[number]?.remove(at: index)
        return true
    }

    /// Feeds a card from the feeder unless one is inside. A failed feed consumes no card. After a jam the fresh card
    /// gets the bitmaps still in memory (guide p.4).
    private func feed() -> String? {
        guard inside == nil else { return nil }
        let number = sequence?.number ?? jobsFed + 1
        if strike(.feederEmpty, number) || feeder == 0 { return Fault.feederEmpty.reply }
        feeder -= 1
        cardCounter += 1
        if sequence?.number == nil {
            jobsFed += 1
            sequence?.number = jobsFed
        }
        inside = Loaded(panels: sequence?.memory ?? [:])
        return nil
    }

    /// `Ss` (guide p.44): opens a sequence; no card moves. A card still inside (a spoiled card after a host-mode
    /// error) must be ejected first — the emulator's choice: ERROR CDE.
    private func startSequence() -> Outcome {
        if let blocked = motionBlocked() { return .fault(blocked) }
        guard inside == nil else { return .reply("ERROR CDE") }
        sequence = Sequence()
        return .reply("OK")
    }

    /// `Sr`/`Sv` (guide p.43/p.45): the side for the following downloads. Opens a sequence if none is open (guide
    /// p.42: Se ends a sequence started by Ss, Si or Sr). Refused while a spoiled card waits to be ejected.
    private func chooseSide(_ side: String) -> Outcome {
        if sequence == nil {
            guard inside == nil else { return .reply("ERROR CDE") }
            sequence = Sequence()
        }
        sequence?.side = side
        return .reply("OK")
    }

    /// `Si` (guide p.42) / `Sic` (guide p.43): feed a card to the print position or the contactless station.
    private func insert(to position: Position) -> Outcome {
        if let blocked = motionBlocked() { return .fault(blocked) }
        if sequence == nil {
            guard inside == nil else { return .reply("ERROR CDE") }
            sequence = Sequence()
        }
        if let failed = feed() { return .fault(failed) }
        if position != .contactless { leaveField() }
        let arriving = position == .contactless && inside?.position != .contactless
        inside?.position = position
        if position == .contactless { inside?.contactless = true }
        if arriving { fieldObserver?(true) }
        return .reply("OK")
    }

    /// `Db`/`Dbc` (guide p.14, p.6): the first download of a sequence feeds the card (guide p.69: the printer prints
    /// Y while M downloads). Without an open sequence: ERROR CDE (the emulator's choice).
    private func download(_ command: EvolisCommand) -> Outcome {
        let params = command.params
        guard params.count >= 2, ["y", "m", "c", "k", "o"].contains(params[0]), let bits = EvolisRaster.bits(forLevels: params[1]),
            let data = command.payload
        else { return .reply("ERROR PARAMETRES") }
        let values: [UInt8]?
        if command.name == "Db" {
            values = EvolisRaster.unpack(data, bits: bits)
        } else if bits == 1 {
            values = EvolisRaster.inflateMono(data).flatMap { EvolisRaster.unpack($0, bits: 1) }
        } else {
            values = EvolisRaster.inflateColour(data, bits: bits)
        }
        guard let values else { return .reply("ERROR PARAMETRES") }
        if let blocked = motionBlocked() { return .fault(blocked) }
        guard sequence != nil else { return .reply("ERROR CDE") }
        if let failed = feed() { return .fault(failed) }
        // A scheduled ribbon-out ends the ribbon at this card's first download after the feed (mid-card).
        if strike(.ribbonOut, sequence?.number) { ribbonLeft = 0 }
        guard ribbonLeft > 0 else { return .fault(Fault.ribbonOut.reply) }
        let side = sequence?.side ?? "front"
        let image = EvolisRaster.landscape(values, bits: bits)
        sequence?.memory[side, default: [:]][params[0]] = image
        inside?.panels[side, default: [:]][params[0]] = image
        leaveField()
        inside?.position = .print
        return .reply("OK")
    }

    /// `Se` (guide p.42) prints the last panel and ejects to the output hopper; `Ser`/`Seb` eject to a reject box.
    /// Scheduled jam/cover/head/time-out/hopper-full/cleaning faults strike here. Without a sequence, a card still
    /// inside (spoiled) is ejected unprinted; with neither: ERROR CDE. A sequence with nothing downloaded just ends.
    private func endSequence(reject: Bool) -> Outcome {
        if let blocked = motionBlocked() { return .fault(blocked) }
        guard let open = sequence else {
            guard inside != nil else { return .reply("ERROR CDE") }
            eject(reject: reject)
            return .reply("OK")
        }
        if inside == nil {
            if open.memory.isEmpty {
                sequence = nil
                return .reply("OK")
            }
            if let failed = feed() { return .fault(failed) }  // reprint after a jam (printer mode)
        }
        for fault in [Fault.jam, .coverOpen, .head, .timeOut, .hopperFull, .needCleaning] where strike(fault, open.number) {
            switch fault {
            case .jam: jammed = true
            case .coverOpen: coverOpen = true
            case .needCleaning: needsCleaning = true
            default: break
            }
            if fault != .coverOpen || errorMode != 1 { return .fault(fault.reply) }
        }
        let sides = inside?.panels.values.filter { !$0.isEmpty } ?? []
        if !sides.isEmpty {
            guard ribbonLeft > 0 else { return .fault(Fault.ribbonOut.reply) }
            ribbonLeft = max(0, ribbonLeft - sides.count)
            panelsPrinted += sides.reduce(0) { $0 + $1.count }
        }
        eject(reject: reject)
        sequence = nil
        return .reply("OK", printed: !sides.isEmpty)
    }

    private func eject(reject: Bool) {
        guard let card = inside else { return }
        leaveField()
        output.append(
            Card(
                panels: card.panels["front"] ?? [:], back: card.panels["back"] ?? [:], ribbon: declaredRibbon ?? installedRibbon,
                rejected: reject, contactlessVisit: card.contactless, fault: card.fault
            ))
        output.keepLast(EmulatorMemory.keptCards)
        inside = nil
    }

    /// `Scp` (guide p.41): a cleaning cycle; clears the need-cleaning flag.
    private func clean() -> Outcome {
        if let blocked = motionBlocked() { return .fault(blocked) }
        needsCleaning = false
        return .reply("OK")
    }
}
