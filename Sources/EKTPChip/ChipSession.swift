import EKTPDomain
import Foundation
import Logging

/// One card's personalisation: the card in the reader's field, the module started, its APDUs
/// relayed, its claimed writes read back by the station itself. The verdict follows from
/// what the station saw (docs/chip.md, "Verdicts"):
///
/// - nothing written yet (the module has not said `writing`): any failure leaves the card
///   whole → `refusedBeforeWrite`;
/// - the card mute (no answer to reset or to an APDU), the module's `failed`, a refusal
///   after `writing`, or a read-back that differs → `failed`;
/// - after `writing`, the card or reader gone, the module silent, dead or talking nonsense
///   → `interrupted`.
struct ChipSession {
    let order: ChipOrder
    let reader: String
    let module: [String]
    let settings: ChipSettings
    let logger: Logger
    /// PC/SC calls block: they run here, one after another, never on the cooperative pool.
    let pcsc = PCSCQueue(label: "ektp.chip.pcsc")
    var queue: DispatchQueue { pcsc.queue }

    func blocking<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () throws(PCSCError) -> T) async -> PCSCQueue.Step<T> {
        await pcsc.run(limit, body)
    }

    func run() async -> ChipVerdict {
        let deadline = ContinuousClock.now + .seconds(settings.sessionSeconds)
        let apduLimit = Duration.seconds(settings.apduSeconds)

        // The card in the field.
        let context: PCSCContext
        switch await blocking(.seconds(5), { () throws(PCSCError) in try PCSCContext() }) {
        case .done(let c): context = c
        case .failed(let e): return .refusedBeforeWrite(reason: "layanan kartu pintar (pcscd) tidak menjawab: \(e)")
        case .timedOut: return .refusedBeforeWrite(reason: "layanan kartu pintar (pcscd) tidak menjawab dalam 5 detik")
        }
        // Released on the session's queue, after any call still blocked there: releasing a
        // context waits for its calls, and must not hold a cooperative thread meanwhile.
        defer { queue.async { withExtendedLifetime(context) {} } }
        let wait = settings.cardWaitSeconds
        // The card in the field, opened. pcscd may still show the previous card a moment
        // after it left: a card gone before it could be opened is waited for again.
        let cardDeadline = ContinuousClock.now + .seconds(wait)
        var opened: (card: PCSCCard, atr: [UInt8])?
        while opened == nil {
            let left = Int(max(0, (cardDeadline - ContinuousClock.now).milliseconds))
            let field: PCSCContext.Field
            switch await blocking(.seconds(wait + 5), { () throws(PCSCError) in try context.waitForCard(in: reader, milliseconds: left) }) {
            case .done(let f): field = f
            case .failed(let e): return .refusedBeforeWrite(reason: "pembaca chip \"\(reader)\": \(e)")
            case .timedOut: return .refusedBeforeWrite(reason: "pembaca chip \"\(reader)\" tidak menjawab")
            }
            let atr: [UInt8]
            switch field {
            case .card(let a): atr = a
            case .mute: return .failed(reason: "chip blangko tidak menjawab (mute): kartu tidak bisa di-encode")
            case .empty: return .refusedBeforeWrite(reason: "tidak ada kartu di posisi encoder dalam \(wait) detik")
            case .readerGone: return .refusedBeforeWrite(reason: "pembaca chip \"\(reader)\" tidak ada")
            }
            switch await blocking(.seconds(wait + 5), { () throws(PCSCError) in try context.connect(reader) }) {
            case .done(let c): opened = (c, atr)
            case .failed(let e) where e.unresponsiveCard: return .failed(reason: "chip blangko tidak menjawab (mute): \(e)")
            case .failed(let e) where e.cardAbsent && left > 0: continue
            case .failed(let e): return .refusedBeforeWrite(reason: "kartu di encoder tidak bisa dibuka: \(e)")
            case .timedOut: return .refusedBeforeWrite(reason: "kartu di encoder tidak bisa dibuka dalam \(wait + 5) detik")
            }
        }
        guard let (card, atr) = opened else { return .refusedBeforeWrite(reason: "kartu di encoder tidak bisa dibuka") }

        // The module.
        let process: ModuleProcess
        let moduleLogger = logger
        do {
            process = try ModuleProcess(command: module) { moduleLogger.notice("modul chip: \($0)") }
        } catch {
            _ = await blocking(.seconds(5)) { card.disconnect() }
            return .refusedBeforeWrite(reason: "modul personalisasi \(module.first ?? "") tidak bisa dijalankan: \(error)")
        }
        let verdict = await converse(with: process, card: card, atr: atr, deadline: deadline, apduLimit: apduLimit)
        await process.finish()
        // The card is powered down before the printer moves it on (a call still blocked on
        // a mute card holds the queue: then the printer moves it after the limit).
        _ = await blocking(.seconds(5)) { card.disconnect() }
        return verdict
    }

    /// The exchange with a started module, to its verdict.
    private func converse(with process: ModuleProcess, card: PCSCCard, atr: [UInt8], deadline: ContinuousClock.Instant, apduLimit: Duration) async
        -> ChipVerdict
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let start = ChipModuleProtocol.Start(
            job: order.job.rawValue, contentHash: Hex.encode(order.contentHash, uppercase: true), reader: reader, atr: Hex.encode(atr, uppercase: true),
            chip: order.card)
        var writing = false
        /// A failure, told as the moment makes it: before any write the card is whole.
        func broken(_ what: String) -> ChipVerdict {
            writing ? .interrupted(reason: "\(what) setelah penulisan chip dimulai; isi chip tidak diketahui") : .refusedBeforeWrite(reason: what)
        }
        guard let first = try? encoder.encode(start), process.send(first) else { return broken("modul personalisasi berhenti sebelum mulai") }
        var expected = 1
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return broken("encode melewati batas \(settings.sessionSeconds) detik") }
            let limit = min(left, .seconds(settings.stepSeconds))
            let line: String
            switch await process.next(within: limit) {
            case .line(let l): line = l
            case .ended: return broken("modul personalisasi berhenti tanpa hasil")
            case .timedOut: return broken("modul personalisasi tidak menjawab dalam \(limit.milliseconds / 1000) detik")
            }
            guard let message = try? JSONDecoder().decode(ChipModuleProtocol.Message.self, from: Data(line.utf8)) else {
                return broken("modul personalisasi mengirim baris yang bukan protokol \(ChipModuleProtocol.version)")
            }
            switch message.type {
            case "log":
                logger.info("modul chip: \((message.message ?? "").prefix(300))")
            case "writing":
                writing = true
            case "apdu":
                guard message.seq == expected, let apdu = message.data.flatMap(Hex.decode), apdu.count >= 4 else {
                    return broken("modul personalisasi mengirim APDU yang tidak sah")
                }
                expected += 1
                switch await blocking(apduLimit, { () throws(PCSCError) in try card.transmit(apdu) }) {
                case .done(let answer) where answer.count < 2:
                    // No status word: the chip did not answer.
                    return writing ? broken("chip tidak menjawab APDU") : .failed(reason: "chip blangko tidak menjawab APDU (mute): kartu tidak bisa di-encode")
                case .done(let answer):
                    let reply = ChipModuleProtocol.Response(seq: message.seq ?? 0, data: Hex.encode(answer, uppercase: true))
                    guard let bytes = try? encoder.encode(reply), process.send(bytes) else { return broken("modul personalisasi berhenti") }
                case .failed(let e) where e.unresponsiveCard && !writing:
                    return .failed(reason: "chip blangko tidak menjawab: \(e)")
                case .failed(let e):
                    return broken(e.sessionLost ? "kartu atau pembaca hilang dari sesi: \(e)" : "APDU gagal terkirim: \(e)")
                case .timedOut:
                    return writing
                        ? broken("chip tidak menjawab APDU dalam \(settings.apduSeconds) detik")
                        : .failed(reason: "chip blangko tidak menjawab APDU dalam \(settings.apduSeconds) detik (mute): kartu tidak bisa di-encode")
                }
            case "result":
                return await conclude(message, writing: writing, card: card, apduLimit: apduLimit)
            default:
                return broken("modul personalisasi mengirim pesan \"\(message.type.prefix(20))\" yang tidak dikenal")
            }
        }
    }

    /// The module's result, checked: a `written` is believed only once the station read the
    /// chip back itself and got exactly what the module said it would.
    private func conclude(_ message: ChipModuleProtocol.Message, writing: Bool, card: PCSCCard, apduLimit: Duration) async -> ChipVerdict {
        let reason = (message.reason ?? "").prefix(300)
        switch message.outcome {
        case "refused":
            return writing
                ? .failed(reason: "modul menolak setelah penulisan dimulai: \(reason)") : .refusedBeforeWrite(reason: "modul menolak: \(reason)")
        case "failed":
            return .failed(reason: "modul: \(reason)")
        case "written":
            guard let reads = message.verify, !reads.isEmpty else {
                return .failed(reason: "modul melapor chip terisi tanpa data untuk baca ulang; tidak bisa diverifikasi")
            }
            for (index, read) in reads.enumerated() {
                guard let apdu = Hex.decode(read.apdu), apdu.count >= 4, let expect = Hex.decode(read.expect) else {
                    return .failed(reason: "data baca ulang ke-\(index + 1) dari modul tidak sah")
                }
                switch await blocking(apduLimit, { () throws(PCSCError) in try card.transmit(apdu) }) {
                case .done(let answer) where answer == expect:
                    continue
                case .done(let answer):
                    return .failed(
                        reason: "baca ulang ke-\(index + 1) berbeda dari yang ditulis modul (status \(Hex.encode(answer.suffix(2), uppercase: true)))")
                case .failed(let e):
                    return .interrupted(reason: "baca ulang chip gagal: \(e); isi chip tidak diketahui")
                case .timedOut:
                    return .interrupted(reason: "chip tidak menjawab baca ulang; isi chip tidak diketahui")
                }
            }
            return .verified(detail: "\(reads.count) baca ulang cocok\(reason.isEmpty ? "" : "; \(reason)")")
        default:
            return writing
                ? .interrupted(reason: "modul mengirim hasil yang tidak dikenal setelah penulisan dimulai")
                : .refusedBeforeWrite(reason: "modul mengirim hasil yang tidak dikenal")
        }
    }
}

/// A serial queue for PC/SC calls, which block: each call runs there, and its caller waits
/// at most a time limit, never holding a cooperative thread.
struct PCSCQueue: Sendable {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    /// A PC/SC step's end: its value, or the limit passed first (the call is left to finish
    /// on the queue).
    enum Step<T: Sendable>: Sendable {
        case done(T)
        case failed(PCSCError)
        case timedOut
    }

    func run<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () throws(PCSCError) -> T) async -> Step<T> {
        let gate = OnceGate<Step<T>>()
        return await withCheckedContinuation { continuation in
            gate.arm(continuation)
            queue.async {
                do throws(PCSCError) { gate.resolve(.done(try body())) } catch { gate.resolve(.failed(error)) }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(limit.milliseconds))) { gate.resolve(.timedOut) }
        }
    }
}

/// A continuation resumed once, by whichever comes first.
final class OnceGate<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?
    private var early: T?
    private var done = false

    func arm(_ c: CheckedContinuation<T, Never>) {
        let ready: T? = lock.withLock {
            if let early { return early }
            continuation = c
            return nil
        }
        if let ready { c.resume(returning: ready) }
    }

    func resolve(_ value: T) {
        let c: CheckedContinuation<T, Never>? = lock.withLock {
            guard !done else { return nil }
            done = true
            guard let waiting = continuation else {
                early = value
                return nil
            }
            continuation = nil
            return waiting
        }
        c?.resume(returning: value)
    }
}
