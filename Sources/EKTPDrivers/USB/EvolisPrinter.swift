import EKTPDomain
import Foundation

/// An Evolis card printer driven with the escape-command protocol over any byte transport
/// (libusb for `usb://`, an emulator for `sim+evolis://`).
///
/// A card's outcome (invariant 1) follows `EvolisProtocol.verdict`: `Se` answered `OK` is
/// `printed`, with the card counter; a fault answered before a card is fed is
/// `failedBeforePick`; a jam is `spoiled`; any other fault once a card may be fed, any
/// answer the vendor does not document, and any transfer failure once the job started are
/// `unknown`.
public actor EvolisPrinter: ChipEncodingPrinter {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    let profile: PrinterProfile
    let link: TransportLink
    var busy = false
    /// Reply time limits; the SDK sample's by default (`EvolisProtocol.Wait`). Tests of
    /// a missing reply shorten them.
    let waits: @Sendable (EvolisProtocol.Wait) -> Duration

    public init(
        info: DeviceInfo, profile: PrinterProfile, source: any TransportSource,
        waits: @escaping @Sendable (EvolisProtocol.Wait) -> Duration = { $0.duration }
    ) {
        self.info = info
        self.profile = profile
        self.documentKind = profile.documentKind
        self.link = TransportLink(source: source)
        self.waits = waits
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
        await print(document, encoding: nil)
    }

    /// One card, with its chip written first when `encode` is given (`Sic`, then the chip,
    /// then the panels; a chip not verified: `Ser`, the card out unprinted).
    func print(_ document: CardDocument, encoding encode: (@Sendable () async -> ChipVerdict)?) async -> PrintOutcome {
        guard case .planes(let planes) = document, document.kind == documentKind else {
            return .failedBeforePick(reason: "printer ini menerima \(documentKind), bukan \(document.kind)", counter: nil)
        }
        guard !busy else { return .failedBeforePick(reason: "printer sedang mencetak kartu lain", counter: nil) }
        let before: DeviceState
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
        var cardMayBeInside = false
        for step in EvolisProtocol.job(planes, ribbon: profile.ribbon.type, encodeFirst: encode != nil) {
            let reply: String
            do {
                reply = try await ask(step.bytes, wait: step.wait)
            } catch {
                if step.stage == .setup && !cardMayBeInside {
                    // Nothing was fed yet; whatever the printer does next, it holds no card of ours.
                    return .failedBeforePick(reason: "printer tidak menjawab (\(error)); job tidak terkirim", counter: counterBefore)
                }
                return .unknown(reason: "sambungan ke printer putus di tengah job (\(error)); periksa kartu di printer")
            }
            if step.stage != .setup { cardMayBeInside = true }
            if reply.uppercased() == "OK" {
                if step.stage == .encoder, let encode {
                    // The card is in the contactless station's field.
                    let verdict = await encode()
                    if case .verified = verdict { continue }
                    return await reject(after: verdict)
                }
                continue
            }
            let verdict = EvolisProtocol.verdict(reply: reply, stage: step.stage)
            // As the SDK does after a failure: end the sequence (eject whatever card is in)
            // once one was started, then give error handling back to the printer.
            if step.stage != .setup { _ = try? await ask(EvolisProtocol.command("Se"), wait: .eject) }
            _ = try? await ask(EvolisProtocol.printerManagesErrors, wait: .command)
            switch verdict {
            case .notFed(let reason): return .failedBeforePick(reason: reason, counter: await counterNow() ?? counterBefore)
            case .spoiled(let detail): return .spoiled(cause: .gagalCetak, detail: "kartu rusak di printer: \(detail)", counter: await counterNow())
            case .unknown(let reason): return .unknown(reason: reason)
            }
        }
        // `Se` answered `OK`: the card is printed and out.
        _ = try? await ask(EvolisProtocol.printerManagesErrors, wait: .command)
        return .printed(counter: await counterNow())
    }

    /// A chip not verified: the card leaves unprinted into the reject box (`Ser`), and the
    /// verdict says what it is.
    private func reject(after verdict: ChipVerdict) async -> PrintOutcome {
        let ejected = (try? await ask(EvolisProtocol.ejectToReject, wait: .eject))?.uppercased() == "OK"
        _ = try? await ask(EvolisProtocol.printerManagesErrors, wait: .command)
        let counter = await counterNow()
        switch verdict {
        case .verified:
            return .unknown(reason: "internal: chip terverifikasi tetapi kartu ditolak")
        case .refusedBeforeWrite(let reason) where ejected:
            return .returnedUnused(reason: "encode ditolak sebelum menulis (\(reason)); kartu utuh di kotak tolak", counter: counter)
        case .refusedBeforeWrite(let reason):
            return .unknown(reason: "encode ditolak (\(reason)) dan kartu tidak bisa dikeluarkan; periksa kartu di printer")
        case .failed(let reason):
            return .spoiled(cause: .gagalEncode, detail: reason, counter: counter)
        case .interrupted(let reason):
            return .unknown(reason: "encode terputus: \(reason); periksa chip kartu di kotak tolak")
        }
    }

    public func print(_ document: CardDocument, job: JobID, encoding encode: @Sendable () async -> ChipVerdict) async -> PrintOutcome {
        await withoutActuallyEscaping(encode) { encode in await print(document, encoding: encode) }
    }

    public func close() async { await link.drop() }

    // MARK: Internals

    /// Sends one command and returns the reply as text.
    func ask(_ command: [UInt8], wait: EvolisProtocol.Wait = .command) async throws -> String {
        EvolisProtocol.text(try await link.exchange(command, timeout: waits(wait)))
    }

    func counterNow() async -> Int? {
        guard let text = try? await ask(EvolisProtocol.cardCounter) else { return nil }
        return Int(text)
    }

    /// The SDK's status reads, in host error mode: the cover sensor, the end-of-ribbon
    /// mark, a card left inside, the cleaning reminder, the ribbon's cards left and the
    /// card counter. Any read answered with a fault names that fault.
    func readState() async throws -> DeviceState {
        let reads = [
            EvolisProtocol.hostManagesErrors, EvolisProtocol.coverSensor, EvolisProtocol.endOfRibbon, EvolisProtocol.cardPosition,
            EvolisProtocol.cleaning, EvolisProtocol.ribbonCardsLeft, EvolisProtocol.cardCounter, EvolisProtocol.printerManagesErrors,
        ]
        var replies: [String] = []
        for command in reads { replies.append(try await ask(command)) }
        let (cover, ribbonMark, position, ribbonLeft, counter) = (replies[1], replies[2], replies[3].uppercased(), replies[5], replies[6])
        var reasons: [StateReason] = []
        var details: [String] = []
        func note(_ reason: StateReason, _ detail: String) {
            if !reasons.contains(reason) { reasons.append(reason) }
            details.append(detail)
        }
        for reply in replies {
            if let fault = EvolisProtocol.Fault(reply: reply), fault != .cardInside { note(fault.reason, fault.rawValue) }
        }
        if let volts = EvolisProtocol.volts(cover), volts < 2.5 { note(.coverOpen, "Rse;o: \(cover)") }
        if ribbonMark.uppercased() != "OK" { note(.markerSupplyEmpty, "Rcr: \(ribbonMark.prefix(40))") }
        if !["OK", "NO CARD"].contains(position), !busy {
            // An idle printer holding a card: a jam not cleared, or a card left behind.
            note(.mediaJam, "Rlr;p: \(position.prefix(40))")
        }
        let supplies = Supplies(
            ribbonRemaining: Int(ribbonLeft), ribbonCapacity: profile.ribbon.capacity, hopperLevel: nil, cardCounter: Int(counter))
        let status = DeviceState.status(forReasons: reasons, busy: busy)
        return DeviceState(
            status: status, reasons: reasons, vendorDetail: details.isEmpty ? nil : "Evolis: " + details.joined(separator: "; "), supplies: supplies)
    }
}
