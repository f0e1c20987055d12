import EKTPChip
import EKTPDomain
import EKTPDrivers
import EKTPStationStore
import EKTPWire
import Foundation
import Logging
import ServiceLifecycle

/// Drives every printer: asks each for its state, and while it is ready and its hopper
/// holds a blangko, takes the next queued job (urgent first), checks it once more,
/// renders it and prints it, recording the outcome in one transaction.
///
/// On graceful shutdown (SIGTERM) a card being printed is finished and recorded first.
/// A job found `printing` at start (the daemon died mid-card) became `outcome-unknown`
/// before this service runs: it is never sent again automatically.
public struct PrintWorker: Service {
    let store: StationStore
    let printers: PrinterSet
    let testPrints: TestPrintDesk
    let clockHolds: ClockHolds
    let rollback: RollbackGuard?
    /// The chip encoders of the printers that have one (`[chip]`); nil when none does.
    let chips: ChipEncoder?
    let intake: JobIntake
    let composer: any CardComposer
    let poll: Duration
    let retention: TimeInterval
    let logger: Logger

    public init(
        store: StationStore, printers: PrinterSet, intake: JobIntake, composer: any CardComposer, poll: Duration, retentionDays: Int, logger: Logger,
        testPrints: TestPrintDesk = TestPrintDesk(), clockHolds: ClockHolds = ClockHolds(), rollback: RollbackGuard? = nil, chips: ChipEncoder? = nil
    ) {
        self.rollback = rollback
        self.chips = chips
        self.clockHolds = clockHolds
        self.store = store
        self.printers = printers
        self.testPrints = testPrints
        self.intake = intake
        self.composer = composer
        self.poll = poll
        self.retention = TimeInterval(retentionDays) * 86_400
        self.logger = logger
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var driven: Set<DeviceID> = []
            for printer in printers.all {
                driven.insert(printer.info.id)
                group.addTask { await drive(printer) }
            }
            group.addTask { await housekeeping() }
            // Printers added while running (hot-plug) are driven from then on.
            for await printer in printers.additions.cancelOnGracefulShutdown() where !driven.contains(printer.info.id) {
                driven.insert(printer.info.id)
                group.addTask { await drive(printer) }
            }
        }
    }

    /// One printer's loop.
    func drive(_ printer: any CardPrinter) async {
        var last: DeviceState?
        var storageFault: String?
        var logger = logger
        logger[metadataKey: "device"] = "\(printer.info.id)"
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let state = await withEncoder(await printer.status(), of: printer)
            if state != last {
                do {
                    if let rollback { try rollback.recordState(of: printer.info.id, state) } else { try store.updateState(of: printer.info.id, state) }
                    if state.status != last?.status {
                        // A printer that stops is a warning or an error in the journal, not news.
                        let level: Logger.Level =
                            switch state.status {
                            case .error, .offline: .error
                            case .warning: .warning
                            default: .info
                            }
                        logger.log(level: level, "printer \(state.status.rawValue)", metadata: ["reasons": "\(state.reasons.map(\.rawValue))"])
                    }
                    last = state
                } catch {
                    logger.error("status printer tidak tersimpan: \(error)")
                }
            }
            // A test card asked for by a person goes before the queue, on this same loop,
            // so it never races a job for the printer.
            while let waiting = await testPrints.next(for: printer.info.id) {
                waiting.resume(returning: await printTestCard(on: printer, logger: logger))
            }
            if state.status.acceptsJobs, rollback?.hold == nil {
                do {
                    if let job = try store.claimNext(for: printer.info.id, excluding: clockHolds.ids) {
                        if await printOne(job, on: printer, logger: logger) == .next { continue }
                    }
                } catch let error as StationError where error.code == .storage {
                    // Said once per fault, not at every poll; status and the hub show it.
                    if storageFault != error.message { logger.critical("tidak bisa mengambil job: \(error.message)") }
                    storageFault = error.message
                } catch {
                    logger.error("gagal mengambil job: \(error)")
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: poll) }
        }
    }

    static let cannotEncode = "driver printer ini tidak bisa memindahkan kartu ke encoder chip; job menunggu"

    /// A printer that encodes chips takes a card only while its encoder is ready: otherwise
    /// its state is an error naming why, and its jobs wait (never printed unencoded).
    func withEncoder(_ state: DeviceState, of printer: any CardPrinter) async -> DeviceState {
        guard let chips, chips.encodes(printer.info.id), state.status.acceptsJobs else { return state }
        let why = printer is any ChipEncodingPrinter ? await chips.unreadiness(of: printer.info.id) : Self.cannotEncode
        guard let why else { return state }
        var held = state
        held.reasons.append(.chipEncoderNotReady)
        held.status = .error
        held.vendorDetail = why
        return held
    }

    /// Prints queued jobs on `printer` until none can be claimed (nothing queued, no blangko)
    /// or the printer refuses a card. Returns how many jobs it sent. For benchmarks and tests
    /// that drive the pipeline without the polling loop.
    public func printUntilIdle(_ printer: any CardPrinter) async throws -> Int {
        var sent = 0
        while let job = try store.claimNext(for: printer.info.id) {
            sent += 1
            if await printOne(job, on: printer, logger: logger) == .waitForPrinter { break }
        }
        return sent
    }

    /// What the loop does after a card: take the next job, or wait for the printer (it
    /// refused before picking a card, or the outcome is unknown).
    enum AfterCard { case next, waitForPrinter }

    /// Prints one claimed job and records what happened.
    func printOne(_ claimed: ClaimedJob, on printer: any CardPrinter, logger: Logger) async -> AfterCard {
        var logger = logger
        logger[metadataKey: "job"] = "\(claimed.id)"
        logger[metadataKey: "nik"] = "\(claimed.maskedNIK)"
        // Invariant 5: the signature and the data are checked again right before printing.
        let document: CardDocument
        let order: ChipOrder
        do {
            let parsed = try JSONValue.parse(claimed.document)
            let (verified, _) = try intake.check(parsed, today: store.today()).get()
            document = try composer.compose(verified.job, for: printer.documentKind)
            order = ChipOrder(job: claimed.id, contentHash: verified.contentHash, card: verified.job.card)
        } catch let error as StationError where error.code == .clock {
            // A genuine job; the clock is what is wrong. Back to the queue, untouched, and
            // left there until the clock agrees.
            logger.warning("job ditahan: \(error.message)")
            clockHolds.hold(claimed.id, error.message)
            await record { try store.recordFailedBeforePick(claimed.id, reason: "ditahan: \(error.message)") }
            return .next
        } catch {
            let reason = (error as? StationError)?.message ?? "\(error)"
            logger.warning("job ditolak sebelum dicetak: \(reason)")
            await record { try store.recordRejectedBeforePrint(claimed.id, reason: reason) }
            return .next
        }
        let outcome: PrintOutcome
        if let chips, chips.encodes(printer.info.id) {
            // An encoding printer prints only encoded cards, whatever path reached here.
            if let encoding = printer as? any ChipEncodingPrinter {
                let device = printer.info.id
                outcome = await encoding.print(document, job: claimed.id) {
                    let verdict = await chips.encode(order, on: device)
                    await record { try store.recordChipEncoding(verdict.result, device: device, job: claimed.id, reason: verdict.reason) }
                    return verdict
                }
            } else {
                outcome = .failedBeforePick(reason: Self.cannotEncode, counter: nil)
            }
        } else {
            outcome = await printer.print(document, job: claimed.id)
        }
        switch outcome {
        case .printed(let counter):
            logger.info("kartu tercetak")
            await record { try store.recordPrinted(claimed.id, counter: counter) }
            return .next
        case .failedBeforePick(let reason, let counter):
            logger.warning("gagal sebelum kartu ditarik: \(reason)")
            await record { try store.recordFailedBeforePick(claimed.id, reason: reason, counter: counter) }
            return .waitForPrinter
        case .spoiled(let cause, let detail, let counter):
            logger.warning("kartu rusak: \(detail)")
            await record { try store.recordSpoiled(claimed.id, cause: cause, note: detail, counter: counter) }
            return .next
        case .returnedUnused(let reason, let counter):
            logger.warning("kartu keluar utuh tanpa dicetak: \(reason)")
            await record { try store.recordReturnedUnused(claimed.id, reason: reason, counter: counter) }
            return .waitForPrinter
        case .unknown(let reason):
            logger.error("hasil cetak tidak diketahui: \(reason)")
            await record { try store.recordOutcomeUnknown(claimed.id, reason: reason) }
            return .waitForPrinter
        }
    }

    /// Prints the station's test card (no job, no personal data), if the ledger has a blangko
    /// in this printer's hopper.
    func printTestCard(on printer: any CardPrinter, logger: Logger) async -> PrintOutcome {
        let inHopper = (try? store.balances()[.hopper(printer.info.id)]) ?? 0
        guard inHopper > 0 else { return .failedBeforePick(reason: "hopper \(printer.info.id) kosong menurut buku blangko; muat blangko dulu", counter: nil) }
        let document: CardDocument
        do {
            document = try composer.compose(try TestCard.job(kecamatan: intake.kecamatan, today: store.today()), for: printer.documentKind)
        } catch {
            return .failedBeforePick(reason: "kartu uji tidak bisa dibuat: \(error)", counter: nil)
        }
        logger.info("kartu uji dicetak")
        return await printer.print(document, job: TestCard.id)
    }

    /// Records what a printer did. While the storage cannot take the write (a full disk),
    /// the outcome is kept here and written again every few seconds until it can: the
    /// daemon knows what happened to the card and must not forget it. Any other failure, or
    /// a shutdown first, leaves the job `printing`; at the next start it becomes
    /// `outcome-unknown`, which is the safe side.
    private func record(_ write: () throws -> Void) async {
        var said = false
        while true {
            do {
                try write()
                if said { logger.notice("hasil cetak tersimpan setelah penyimpanan pulih") }
                break
            } catch let error as StationError where error.code == .storage && !Task.isShuttingDownGracefully && !Task.isCancelled {
                if !said { logger.critical("hasil cetak belum tersimpan, dicoba lagi tiap 2 detik: \(error.message)") }
                said = true
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
            } catch {
                logger.critical("hasil cetak tidak tersimpan: \(error)")
                break
            }
        }
        rollback?.advance()
    }

    /// Looks again at the jobs held for the clock; those the clock now agrees with print.
    func recheckClockHolds() {
        for (id, _) in clockHolds.all {
            guard let document = try? store.queuedDocument(id), let parsed = try? JSONValue.parse(document) else {
                clockHolds.release(id)  // printed elsewhere, decided, or gone
                continue
            }
            if case .failure(let error) = intake.check(parsed, today: store.today()), error.code == .clock { continue }
            logger.info("job \(id) tidak ditahan lagi: jam stasiun sudah cocok")
            clockHolds.release(id)
        }
    }

    /// Purges personal data past its retention, hourly; looks at clock holds every minute.
    func housekeeping() async {
        var minutes = 0
        defer { rollback?.advance() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            recheckClockHolds()
            rollback?.advance()
            minutes += 1
            guard minutes % 60 == 1 else {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
                continue
            }
            do {
                let purged = try store.purgePersonalData(handedOverBefore: Date().addingTimeInterval(-retention))
                if purged > 0 { logger.info("data pribadi \(purged) job dihapus (masa simpan habis)") }
            } catch {
                logger.error("gagal menghapus data pribadi: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }
}
