import EKTPDomain
import Foundation

/// An Evolis card printer driven with the escape-command protocol over any byte transport
/// (libusb for `usb://`, the `EvolisEmulator` for `sim+evolis://`).
///
/// What a card's outcome is (invariant 1):
/// - the printer answers nothing before the job starts → `failedBeforePick`;
/// - the printer refuses a command with an error reply (hopper empty, cover open, ribbon
///   out) before `Se` is accepted → `failedBeforePick`;
/// - a jam reported after `Se` → `spoiled`;
/// - any transfer failure or vanished device once the first job byte is sent → `unknown`;
/// - `Se` accepted and the printer back to `READY` → `printed`, with the card counter.
public actor EvolisPrinter: CardPrinter {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    let profile: PrinterProfile
    let link: TransportLink
    var busy = false
    /// How long one command's reply may take.
    let replyTimeout: Duration
    /// How long the printer may take to finish a card after `Se`.
    let cardTimeout: Duration
    /// The pause between two status polls while the printer reports `BUSY`.
    let pollInterval: Duration

    public init(
        info: DeviceInfo, profile: PrinterProfile, source: any TransportSource, replyTimeout: Duration = .seconds(5),
        pollInterval: Duration = .milliseconds(250)
    ) {
        self.info = info
        self.profile = profile
        self.documentKind = profile.documentKind
        self.link = TransportLink(source: source)
        self.replyTimeout = replyTimeout
        self.cardTimeout = .seconds(profile.print.seconds_per_card + profile.print.seconds_per_encode + 30)
        self.pollInterval = pollInterval
    }

    /// What the printer says it is: model (`Rtp`), serial (`Rsn`), firmware (`Rfv`).
    public struct Identity: Equatable, Sendable {
        public var model: String
        public var serial: String
        public var firmware: String
    }

    public func identify() async throws -> Identity {
        Identity(
            model: try await ask(EvolisProtocol.model),
            serial: try await ask(EvolisProtocol.serial),
            firmware: try await ask(EvolisProtocol.firmware))
    }

    // MARK: CardPrinter

    /// The last state read, shown while a card is in the printer: status polls never
    /// go on the wire in the middle of a job.
    var lastState: DeviceState?

    public func status() async -> DeviceState {
        if busy {
            var state = lastState ?? DeviceState(status: .printing)
            state.status = .printing
            return state
        }
        do {
            let state = try await readState()
            lastState = state
            return state
        } catch {
            return DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "\(error)")
        }
    }

    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome {
        guard case .planes(let planes) = document, document.kind == documentKind else {
            return .failedBeforePick(reason: "printer ini menerima \(documentKind), bukan \(document.kind)", counter: nil)
        }
        let before: DeviceState
        guard !busy else { return .failedBeforePick(reason: "printer sedang mencetak kartu lain", counter: nil) }
        do { before = try await readState() } catch {
            return .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil)
        }
        lastState = before
        let counterBefore = before.supplies.cardCounter
        if before.status == .error || before.status == .offline {
            let reason = before.reasons.first(where: \.isError)?.label ?? before.vendorDetail ?? "printer dalam gangguan"
            return .failedBeforePick(reason: reason, counter: counterBefore)
        }
        busy = true
        defer { busy = false }
        let commands = EvolisProtocol.job(planes, ribbon: profile.ribbon.type)
        for (index, command) in commands.enumerated() {
            let last = index == commands.count - 1
            let reply: String
            do {
                reply = try await ask(command, timeout: last ? cardTimeout : replyTimeout)
            } catch {
                return .unknown(reason: "sambungan ke printer putus di tengah job (\(error)); periksa kartu di printer")
            }
            switch EvolisProtocol.interpret(reply) {
            case .ok, .busy, .condition(_, false):
                continue
            case .condition(let reasons, true):
                if last, reasons.contains(.mediaJam) {
                    return .spoiled(cause: .gagalCetak, detail: "kartu macet di printer (\(reply))", counter: await counterNow())
                }
                if reasons.contains(where: { [.mediaEmpty, .coverOpen, .markerSupplyEmpty, .mediaJam].contains($0) }) {
                    let reason = reasons.first(where: \.isError)!.label
                    return .failedBeforePick(reason: reason, counter: counterBefore)
                }
                return .unknown(reason: "printer melaporkan \"\(reply)\" di tengah job; periksa kartu di printer")
            }
        }
        // `Se` accepted: wait until the printer says the card is out.
        var polls = 0
        let maxPolls = pollInterval > .zero ? max(1, Int(cardTimeout / pollInterval)) : 1000
        while true {
            let reply: String
            do { reply = try await ask(EvolisProtocol.state) } catch {
                return .unknown(reason: "printer hilang saat mencetak (\(error)); periksa kartu di printer")
            }
            switch EvolisProtocol.interpret(reply) {
            case .busy:
                polls += 1
                if polls >= maxPolls { return .unknown(reason: "printer tidak selesai mencetak dalam batas waktu") }
                try? await Task.sleep(for: pollInterval)
                continue
            case .condition(let reasons, _) where reasons.contains(.mediaJam):
                return .spoiled(cause: .gagalCetak, detail: "kartu macet di printer (\(reply))", counter: await counterNow())
            case .condition(let reasons, _) where reasons.contains(.offlineReport):
                return .unknown(reason: "printer melaporkan \"\(reply)\" setelah mencetak; periksa kartu di printer")
            default:
                return .printed(counter: await counterNow())
            }
        }
    }

    public func close() async { await link.drop() }

    // MARK: Internals

    /// Sends one command and returns the reply as text.
    func ask(_ command: [UInt8], timeout: Duration? = nil) async throws -> String {
        EvolisProtocol.text(try await link.exchange(command, timeout: timeout ?? replyTimeout))
    }

    func counterNow() async -> Int? {
        guard let text = try? await ask(EvolisProtocol.cardCounter) else { return nil }
        return Int(text)
    }

    func readState() async throws -> DeviceState {
        let text = try await ask(EvolisProtocol.state)
        let ribbon = Int(try await ask(EvolisProtocol.ribbonRemaining))
        let capacity = Int(try await ask(EvolisProtocol.ribbonCapacity)) ?? profile.ribbon.capacity
        let counter = Int(try await ask(EvolisProtocol.cardCounter))
        let supplies = Supplies(ribbonRemaining: ribbon, ribbonCapacity: capacity, hopperLevel: nil, cardCounter: counter)
        switch EvolisProtocol.interpret(text) {
        case .ok:
            return DeviceState(status: busy ? .printing : .ready, supplies: supplies)
        case .busy:
            return DeviceState(status: .printing, vendorDetail: text, supplies: supplies)
        case .condition(let reasons, let error):
            var status = DeviceState.status(forReasons: reasons, busy: busy)
            if error, status != .offline { status = .error }
            return DeviceState(status: status, reasons: reasons, vendorDetail: reasons.isEmpty ? nil : "Evolis: \(text)", supplies: supplies)
        }
    }
}
