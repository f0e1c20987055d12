import EKTPDomain
import Foundation

/// A Magicard card printer (Enduro family, KGE head) over any byte transport, speaking what
/// Magicard's own Linux filter sends (`MagicardProtocol`, docs/usb.md "Magicard").
///
/// A job gets no reply: after sending it the driver reads `REQ,INF` until the printer's
/// total-cards field moves (printed), an error code appears, or time runs out. A card's
/// outcome (invariant 1):
/// - the printer reports an error before the job, or does not answer → `failedBeforePick`;
/// - `11:01` (card not fed) with the counter unmoved → `failedBeforePick`;
/// - any other error code after the job was sent (Magicard's code table is not public, so
///   no code is read as a jam) → `unknown`, for a person to decide;
/// - a transfer failure once the first job byte went out, or no word in time → `unknown`;
/// - the counter moved and no error → `printed`, with the counter.
public actor MagicardPrinter: CardPrinter {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    let profile: PrinterProfile
    let link: TransportLink
    var busy = false
    let replyTimeout: Duration
    let pollInterval: Duration
    let cardTimeout: Duration
    let clock: @Sendable () -> Date

    public init(
        info: DeviceInfo, profile: PrinterProfile, source: any TransportSource, replyTimeout: Duration = .seconds(5),
        pollInterval: Duration = .milliseconds(500), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.info = info
        self.profile = profile
        self.documentKind = profile.documentKind
        self.link = TransportLink(source: source)
        self.replyTimeout = replyTimeout
        self.pollInterval = pollInterval
        self.cardTimeout = .seconds(profile.print.seconds_per_card + profile.print.seconds_per_encode + 30)
        self.clock = clock
    }

    /// The printer's `INF` reply, parsed; an answer that is not one is a transfer error.
    public func query() async throws -> MagicardProtocol.Status {
        let reply = try await link.exchange(MagicardProtocol.request("INF"), timeout: replyTimeout)
        guard let status = MagicardProtocol.parseINF(reply) else {
            throw TransportError.io("jawaban INF tidak dikenal: \(String(decoding: reply.prefix(40), as: UTF8.self))")
        }
        return status
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

    /// Panels of the film one card takes (YMCKO: five).
    var panelsPerCard: Int { max(1, profile.ribbon.type.count) }

    func state(_ s: MagicardProtocol.Status) -> DeviceState {
        let supplies = Supplies(
            ribbonRemaining: s.ribbonShotsRemaining.map { $0 / panelsPerCard }, ribbonCapacity: profile.ribbon.capacity, hopperLevel: nil,
            cardCounter: s.totalCards)
        let (major, minor) = (s.majorError ?? 0, s.minorError ?? 0)
        guard major != 0 || minor != 0 else { return DeviceState(status: busy ? .printing : .ready, supplies: supplies) }
        let condition = MagicardProtocol.condition(major: major, minor: minor)
        let reasons: [StateReason] = (major, minor) == (11, 1) ? [.mediaEmpty] : [.other]
        return DeviceState(
            status: condition.stopsPrinting ? .error : .warning, reasons: reasons, vendorDetail: "Magicard: \(condition.reason)", supplies: supplies)
    }

    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome {
        guard case .planes(let planes) = document, document.kind == documentKind else {
            return .failedBeforePick(reason: "printer ini menerima \(documentKind), bukan \(document.kind)", counter: nil)
        }
        guard let ribbon = MagicardProtocol.Ribbon(profileType: profile.ribbon.type) else {
            return .failedBeforePick(reason: "jenis ribbon \(profile.ribbon.type) tidak dikenal untuk Magicard", counter: nil)
        }
        guard !busy else { return .failedBeforePick(reason: "printer sedang mencetak kartu lain", counter: nil) }
        let before: MagicardProtocol.Status
        do { before = try await query() } catch {
            return .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil)
        }
        let state = state(before)
        lastState = state
        let counterBefore = before.totalCards
        if state.status == .error {
            return .failedBeforePick(
                reason: state.reasons.first(where: \.isError)?.label ?? state.vendorDetail ?? "printer dalam gangguan", counter: counterBefore)
        }
        busy = true
        defer { busy = false }
        let options = MagicardProtocol.JobOptions(
            overcoat: profile.ribbon.type.uppercased().contains("O"), ribbon: ribbon, headPosition: before.headPosition ?? 50, time: clock(),
            firmwareVersion: before.firmware ?? "")
        do {
            let t = try await link.transport()
            try await t.write(MagicardProtocol.job(planes, options: options))
        } catch {
            await link.drop()
            return .unknown(reason: "sambungan ke printer putus saat mengirim job (\(error)); periksa kartu di printer")
        }
        let deadline = ContinuousClock.now + cardTimeout
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: pollInterval)
            let now: MagicardProtocol.Status
            do { now = try await query() } catch {
                return .unknown(reason: "printer hilang saat mencetak (\(error)); periksa kartu di printer")
            }
            let moved = (now.totalCards ?? 0) > (counterBefore ?? Int.max)
            let (major, minor) = (now.majorError ?? 0, now.minorError ?? 0)
            if major == 0 && minor == 0 {
                if moved { return .printed(counter: now.totalCards) }
                continue
            }
            let condition = MagicardProtocol.condition(major: major, minor: minor)
            if (major, minor) == (11, 1), !moved {
                return .failedBeforePick(reason: StateReason.mediaEmpty.label + " (kartu tidak masuk, 11:01)", counter: now.totalCards)
            }
            return .unknown(reason: "printer melaporkan \(condition.reason) setelah job terkirim; periksa kartu di printer")
        }
        return .unknown(reason: "printer tidak selesai mencetak dalam batas waktu")
    }

    public func close() async { await link.drop() }
}
