import EKTPDomain
import Foundation
import Logging

/// The station's `[chip]` settings: which printers encode, through which PC/SC reader, with
/// which personalisation module, within which time limits.
public struct ChipSettings: Sendable, Equatable {
    /// The module's command line (`chip.module`); nil: none configured, and encoding
    /// printers take no job.
    public var module: [String]?
    /// The PC/SC reader of each encoding printer's contactless station, by printer id.
    public var readers: [DeviceID: String]
    /// Longest wait for one line from the module.
    public var stepSeconds: Int
    /// Longest whole session, from the card in the field to the verdict.
    public var sessionSeconds: Int
    /// Longest wait for the card to answer in the reader's field after the printer put it there.
    public var cardWaitSeconds: Int
    /// Longest wait for the card's answer to one APDU.
    public var apduSeconds: Int
    /// The encoder's rest after a refusal, per refusal in a row (at most ten times).
    public var restSeconds: Int

    public init(
        module: [String]? = nil, readers: [DeviceID: String] = [:], stepSeconds: Int = 20, sessionSeconds: Int = 120, cardWaitSeconds: Int = 5,
        apduSeconds: Int = 10, restSeconds: Int = 60
    ) {
        self.restSeconds = restSeconds
        self.module = module
        self.readers = readers
        self.stepSeconds = stepSeconds
        self.sessionSeconds = sessionSeconds
        self.cardWaitSeconds = cardWaitSeconds
        self.apduSeconds = apduSeconds
    }
}

/// What the station needs to encode one card: the chip's data and the job it belongs to.
public struct ChipOrder: Sendable {
    public var job: JobID
    public var contentHash: Data
    public var card: CardRecord

    public init(job: JobID, contentHash: Data, card: CardRecord) {
        self.job = job
        self.contentHash = contentHash
        self.card = card
    }
}

/// Encodes chips for the printers that have an encoder (DESIGN.md, "Chip encoding"): says
/// whether a printer's encoder is ready before a card is fed, and runs one session with the
/// personalisation module while the printer holds the card in the field.
public final class ChipEncoder: Sendable {
    public let settings: ChipSettings
    let logger: Logger
    private let cache = ReadinessCache()
    private let streaks = RefusalStreaks()
    /// Where readiness asks pcscd, apart from any card's session.
    private let probe = PCSCQueue(label: "ektp.chip.readiness")

    public init(settings: ChipSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Whether this printer encodes chips.
    public func encodes(_ device: DeviceID) -> Bool { settings.readers[device] != nil }

    /// Nil when the printer's encoder can take a card now; otherwise why not, in Indonesian.
    /// Asked before each card is fed, so a missing module or reader never costs a blangko.
    /// The reader list is read at most every 2 seconds.
    ///
    /// After a refusal the encoder rests `restSeconds` per refusal in a row (at most ten), so a
    /// refusing module or a misplaced reader does not empty the hopper into the reject box.
    public func unreadiness(of device: DeviceID) async -> String? {
        guard let reader = settings.readers[device] else { return nil }
        if let resting = streaks.resting(device) { return resting }
        guard let module = settings.module, let executable = module.first else {
            return "modul personalisasi chip belum diatur (chip.module); job menunggu, tidak dicetak tanpa encode"
        }
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            return "modul personalisasi chip \(executable) tidak ada atau tidak bisa dijalankan"
        }
        if let known = cache.value(for: reader) { return known.answer }
        // On its own queue with a limit: a pcscd that hangs keeps the printer not ready, and
        // never holds the print loop.
        let answer: String?
        switch await probe.run(.seconds(3), { () throws(PCSCError) in try PCSCContext().readers() }) {
        case .done(let names):
            answer =
                names.contains(reader)
                ? nil : "pembaca chip \"\(reader)\" tidak ditemukan (ada: \(names.isEmpty ? "tidak ada" : names.joined(separator: ", ")))"
        case .failed(let error): answer = "layanan kartu pintar (pcscd) tidak menjawab: \(error)"
        case .timedOut: answer = "layanan kartu pintar (pcscd) tidak menjawab dalam 3 detik"
        }
        cache.store(answer, for: reader)
        return answer
    }

    /// Runs one personalisation on the card the printer holds in `device`'s field.
    public func encode(_ order: ChipOrder, on device: DeviceID) async -> ChipVerdict {
        guard let reader = settings.readers[device], let module = settings.module else {
            return .refusedBeforeWrite(reason: "printer \(device) tidak punya encoder yang diatur")
        }
        var logger = logger
        logger[metadataKey: "job"] = "\(order.job)"
        logger[metadataKey: "device"] = "\(device)"
        let session = ChipSession(order: order, reader: reader, module: module, settings: settings, logger: logger)
        let verdict = await session.run()
        cache.forget(reader)
        streaks.record(verdict, on: device, rest: settings.restSeconds)
        switch verdict {
        case .verified: logger.info("chip terisi dan terverifikasi")
        case .refusedBeforeWrite(let reason): logger.warning("encode ditolak sebelum menulis: \(reason)")
        case .failed(let reason): logger.warning("gagal encode: \(reason)")
        case .interrupted(let reason): logger.error("encode terputus: \(reason)")
        }
        return verdict
    }
}

/// Readiness answers, kept for two seconds: the print loop asks at every poll.
private final class ReadinessCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (at: ContinuousClock.Instant, value: String?)] = [:]

    /// A kept answer: why the reader is not ready, or nil for ready.
    struct Known { let answer: String? }

    /// The answer kept for `key`, if it is younger than two seconds.
    func value(for key: String) -> Known? {
        guard let hit = lock.withLock({ entries[key] }), ContinuousClock.now - hit.at < .seconds(2) else { return nil }
        return Known(answer: hit.value)
    }

    func store(_ value: String?, for key: String) { lock.withLock { entries[key] = (ContinuousClock.now, value) } }

    func forget(_ key: String) { _ = lock.withLock { entries.removeValue(forKey: key) } }
}

/// Refusals in a row per printer, and the rest they earn.
private final class RefusalStreaks: @unchecked Sendable {
    private let lock = NSLock()
    private var streaks: [DeviceID: (count: Int, until: ContinuousClock.Instant, reason: String)] = [:]

    func record(_ verdict: ChipVerdict, on device: DeviceID, rest: Int) {
        lock.withLock {
            guard case .refusedBeforeWrite(let reason) = verdict else {
                streaks[device] = nil
                return
            }
            let count = (streaks[device]?.count ?? 0) + 1
            streaks[device] = (count, ContinuousClock.now + .seconds(rest * min(count, 10)), reason)
        }
    }

    func resting(_ device: DeviceID) -> String? {
        lock.withLock {
            guard let streak = streaks[device] else { return nil }
            let left = streak.until - ContinuousClock.now
            guard left > .zero else { return nil }
            return "encoder menolak \(streak.count) kartu berturut-turut (terakhir: \(streak.reason)); dicoba lagi dalam \(left.components.seconds + 1) detik"
        }
    }
}
