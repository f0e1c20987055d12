import AsyncHTTPClient
import EKTPClient
import EKTPDomain
import EKTPInstall
import EKTPStationStore
import EKTPWire
import Foundation
import Logging
import ServiceLifecycle

/// The station's side of the station–hub protocol (DESIGN.md, "Station ↔ hub"), once
/// enrolled. Three loops share one connection:
///
/// - **pull**: reconcile first, then long-poll for jobs; each offered job is checked as an
///   import is (signature, kecamatan, data), stored durably, and only then acknowledged
///   (invariant 2); it joins the print queue once the hub answered the acknowledgement
///   (`confirmClaimed`), so a job the hub gave to another station meanwhile is never
///   printed here. A job that fails the check is never stored for printing: the refusal
///   goes upstream through the outbox, once, and the offer is acknowledged so the hub
///   stops re-offering it.
/// - **push**: outbox events in sequence, in batches; marked delivered only when the hub
///   answered for them (invariant 4). Backoff with jitter while the hub is away; nothing
///   is dropped, however long that is.
/// - **heartbeat**: device states, supplies and stock per place, every period.
///
/// Printing never waits for any of this: the print worker only reads the store.
public actor HubSync {
    let store: StationStore
    let intake: JobIntake
    let settings: HubSyncSettings
    let stateDirectory: String
    let stationName: String
    let logger: Logger
    let devices: @Sendable () throws -> [DeviceView]
    /// Told the hub's highest event of this station at each reconcile (rollback check).
    let hubHighest: @Sendable (Int64) throws -> Void
    /// What stops all printing now (full disk, rollback hold), for the heartbeat.
    let stopped: @Sendable () -> [String]
    /// The office's ribbons, for the heartbeat.
    let ribbons: @Sendable () throws -> RibbonStock?

    private(set) var enrollment: HubEnrollment?
    private var connection: HubConnection?
    /// Bumped at every (re-)enrollment: loops of an older one stop.
    private var generation = 0
    private var retired: [HTTPClient] = []
    /// Wakes `run()` when the station enrolls.
    private let enrolled = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    private var lastContactAt: Date?
    private var lastSyncAt: Date?
    private var lastError: String?
    private var lastReconcile: ReconcileReport?
    private var unreachableSince: Date?
    private var backlogWarnedAt: Date?
    private var reconcileDue = true
    /// The hub's clock minus the station's, from the last heartbeat answer.
    private var clockSkew: TimeInterval?

    init(
        store: StationStore, intake: JobIntake, settings: HubSyncSettings, stateDirectory: String, stationName: String, logger: Logger,
        devices: @escaping @Sendable () throws -> [DeviceView], hubHighest: @escaping @Sendable (Int64) throws -> Void = { _ in },
        stopped: @escaping @Sendable () -> [String] = { [] }, ribbons: @escaping @Sendable () throws -> RibbonStock? = { nil }
    ) throws {
        self.ribbons = ribbons
        self.stopped = stopped
        self.hubHighest = hubHighest
        self.store = store
        self.intake = intake
        self.settings = settings
        self.stateDirectory = stateDirectory
        self.stationName = stationName
        self.logger = logger
        self.devices = devices
        let enrollment = try HubEnrollment.load(stateDirectory: stateDirectory)
        if let enrollment {
            guard enrollment.kecamatanCode == intake.kecamatan else {
                throw SyncProblem(
                    "berkas kredensial hub untuk kecamatan \(enrollment.kecamatanCode), stasiun ini \(intake.kecamatan): daftar ulang dengan ektpctl enroll")
            }
            self.enrollment = enrollment
            self.connection = HubConnection(
                base: enrollment.hubURL, credential: enrollment.credential, http: try HubConnection.makeClient(caFile: enrollment.caFile))
        }
    }

    // MARK: Enrollment and status (local API)

    /// Exchanges a one-time token for this station's credential and starts syncing with
    /// that hub. The credential is written (0600) before anything uses it.
    public func enroll(_ request: EnrollStationRequest, by person: String) async throws -> SyncStatusView {
        let base = try HubAddress.check(request.hubURL, allowPlainHTTP: request.allowPlainHTTP)
        guard !request.token.trimmingCharacters(in: .whitespaces).isEmpty else { throw SyncProblem("token pendaftaran kosong") }
        let http = try HubConnection.makeClient(caFile: request.caFile)
        let first = try store.firstUndeliveredSeq()
        let result: EnrollResult
        do {
            result = try await HubConnection(base: base, credential: nil, http: http).enroll(
                EnrollRequest(token: request.token, name: request.name ?? stationName, firstSeq: first))
        } catch {
            try? await http.shutdown()
            switch error {
            case .unreachable(let m): throw SyncProblem(m, hubUnreachable: true)
            case .answered(_, let m): throw SyncProblem("hub menolak pendaftaran: \(m)")
            case .badAnswer(let m): throw SyncProblem(m, hubUnreachable: true)
            }
        }
        guard result.kecamatanCode == intake.kecamatan else {
            try? await http.shutdown()
            throw SyncProblem(
                "token ini untuk kecamatan \(result.kecamatanCode), stasiun ini \(intake.kecamatan). Cabut stasiun \(result.stationId) di hub dan minta token untuk \(intake.kecamatan)"
            )
        }
        let enrollment = HubEnrollment(
            hubURL: base, stationId: result.stationId, kecamatanCode: result.kecamatanCode, credential: result.credential, caFile: request.caFile,
            allowPlainHTTP: request.allowPlainHTTP, firstSeq: first, enrolledAt: Date())
        do { try enrollment.save(stateDirectory: stateDirectory) } catch {
            try? await http.shutdown()
            throw error
        }
        try store.recordEnrollment(hub: base, stationId: result.stationId, firstSeq: first, by: person)
        if let old = connection { retired.append(old.http) }
        self.enrollment = enrollment
        connection = HubConnection(base: base, credential: result.credential, http: http)
        generation += 1
        lastContactAt = Date()
        lastError = nil
        lastReconcile = nil
        reconcileDue = true
        enrolled.continuation.yield()
        logger.info("stasiun terdaftar di hub \(base) sebagai \(result.stationId); peristiwa dikirim mulai nomor \(first)")
        return try status()!
    }

    /// The link's state; nil when not enrolled.
    public func status() throws -> SyncStatusView? {
        guard let enrollment else { return nil }
        let backlog = try store.outboxBacklog()
        return SyncStatusView(
            hubURL: enrollment.hubURL, stationId: enrollment.stationId, enrolledAt: enrollment.enrolledAt, lastContactAt: lastContactAt,
            lastSyncAt: lastSyncAt, lastError: lastError, outboxBacklog: backlog, warning: backlogWarning(backlog), lastReconcile: lastReconcile,
            clockWarning: clockWarning())
    }

    /// More than five minutes between the station's clock and the hub's: dates on cards,
    /// month boundaries and "today" are wrong at the station.
    func clockWarning() -> String? {
        guard let skew = clockSkew, abs(skew) > 300 else { return nil }
        let minutes = Int((abs(skew) / 60).rounded())
        let amount = minutes >= 120 ? "\(minutes / 60) jam" : "\(minutes) menit"
        return "jam stasiun \(skew > 0 ? "terlambat" : "terlalu cepat") \(amount) dibanding hub; betulkan jam PC (tanggal dan jam di BIOS dan sistem)"
    }

    func backlogWarning(_ backlog: Int) -> String? {
        guard backlog >= settings.backlogWarning else { return nil }
        let since = unreachableSince.map { " sejak \(ISO8601DateFormatter().string(from: $0))" } ?? ""
        return "\(backlog) peristiwa menunggu dikirim ke hub\(since); tidak ada yang dibuang, semuanya terkirim saat hub kembali"
    }

    /// Reconciles now (operator's `ektpctl sync reconcile`).
    public func reconcileNow() async throws -> ReconcileReport {
        guard let connection else { throw SyncProblem("stasiun belum terdaftar di hub (ektpctl enroll)") }
        do { return try await reconcile(connection) } catch let e as HubCallError {
            throw SyncProblem(e.description, hubUnreachable: !e.credentialRefused)
        }
    }

    /// The audit chain heads the hub holds for this station.
    public func auditAnchors() async throws -> [AuditAnchor] {
        guard let connection else { throw SyncProblem("stasiun belum terdaftar di hub; hanya rantai di stasiun yang diperiksa") }
        do { return try await connection.auditAnchors() } catch {
            throw SyncProblem("hub tidak bisa dihubungi (\(error.description)); hanya rantai di stasiun yang diperiksa", hubUnreachable: true)
        }
    }

    // MARK: Running

    /// Runs the loops while enrolled, until cancelled.
    func run() async {
        while !Task.isCancelled {
            guard let connection else {
                // Not enrolled: wait for `enroll` (or the end).
                var wake = enrolled.stream.makeAsyncIterator()
                _ = await wake.next()
                continue
            }
            let mine = generation
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.pullLoop(connection, mine) }
                group.addTask { await self.pushLoop(connection, mine) }
                group.addTask { await self.heartbeatLoop(connection, mine) }
                await group.next()
                group.cancelAll()
            }
            for client in retired { try? await client.shutdown() }
            retired.removeAll()
        }
        if let connection { try? await connection.http.shutdown() }
    }

    private func current(_ g: Int) -> Bool { g == generation && !Task.isCancelled }

    private func contact() {
        lastContactAt = Date()
        if let since = unreachableSince, Date().timeIntervalSince(since) >= Double(settings.reconcileAfterOfflineSeconds) {
            reconcileDue = true
            logger.info("hub kembali setelah \(Int(Date().timeIntervalSince(since))) detik; rekonsiliasi")
        }
        unreachableSince = nil
        lastError = nil
    }

    private func failed(_ error: HubCallError, in loop: String) {
        if unreachableSince == nil { unreachableSince = Date() }
        let text =
            error.credentialRefused
            ? "kredensial stasiun ditolak hub (dicabut atau kedaluwarsa): daftar ulang dengan ektpctl enroll — \(error.description)"
            : error.description
        if lastError != text { logger.warning("sync (\(loop)): \(text)") }
        lastError = text
    }

    /// Exponential backoff with jitter: 1, 2, 4, … s up to `retryMaxSeconds`, each drawn
    /// from the upper half so stations that lost the hub together do not return together.
    private func backoff(_ failures: Int) -> Duration {
        let ceiling = min(Double(settings.retryMaxSeconds), pow(2, Double(min(failures, 20))))
        return .milliseconds(Int(ceiling * Double.random(in: 0.5...1.0) * 1000))
    }

    private func pullLoop(_ connection: HubConnection, _ g: Int) async {
        var failures = 0
        while current(g) {
            do {
                if reconcileDue {
                    _ = try await reconcile(connection)
                    reconcileDue = false
                }
                let offers = try await connection.poll(wait: settings.pollWaitSeconds, max: 50)
                guard current(g) else { return }
                contact()
                if !offers.isEmpty {
                    let (ids, duplicates) = try take(offers)
                    if !ids.isEmpty {
                        do { _ = try await connection.ack(ids) } catch {
                            // Whether the hub took it is not known: the reconcile before the
                            // next poll asks (claimed here: queued; still offered: acked again).
                            reconcileDue = true
                            throw error
                        }
                        // Printable only now: an ack the hub refused leaves them unprinted.
                        try store.confirmClaimed(ids)
                    }
                    // Offered again what the station already holds (brought on a flashdisk, or
                    // stored before a lost answer): the hub learns its state now.
                    if !duplicates.isEmpty { _ = try await reportStates(connection, try store.reportedStates(of: duplicates)) }
                }
                lastSyncAt = Date()
                failures = 0
            } catch let error as HubCallError {
                failed(error, in: "ambil job")
                failures += 1
                try? await Task.sleep(for: backoff(failures))
            } catch {
                // The store refused a write: log and try again later; nothing was acked.
                logger.error("sync (ambil job): \(error)")
                lastError = "\(error)"
                failures += 1
                try? await Task.sleep(for: backoff(failures))
            }
        }
    }

    /// Checks and stores offered jobs; returns the ids to acknowledge (every job now held
    /// durably, and every refusal recorded durably) and those the station already held.
    func take(_ offers: [OfferedJob]) throws -> (acks: [JobID], duplicates: [JobID]) {
        let today = intake.store.today()
        var accepted: [(OfferedJob, VerifiedJob)] = []
        var acks: [JobID] = []
        for offer in offers {
            switch intake.admit(offer.document, today: today) {
            case .success(let (verified, warnings)):
                if verified.job.id.rawValue != offer.id {
                    try refuse(offer, "hub menawarkan job \(offer.id) dengan dokumen job \(verified.job.id)")
                    if let id = try? JobID(offer.id) { acks.append(id) }
                    continue
                }
                for w in warnings { logger.notice("job dari hub: \(w)") }
                accepted.append((offer, verified))
            case .failure(let error):
                try refuse(offer, error.message)
                if let id = try? JobID(offer.id) { acks.append(id) }
            }
        }
        var duplicates: [JobID] = []
        do {
            duplicates = try store.store(accepted.map(\.1), actor: "sync", untilClaimed: true).duplicates
            acks += accepted.map { $0.1.job.id }
        } catch let error as StationError where error.code == .conflict {
            // One job clashes with what the station holds: store the rest one by one.
            for (offer, verified) in accepted {
                do {
                    duplicates += try store.store([verified], actor: "sync", untilClaimed: true).duplicates
                } catch let e as StationError where e.code == .conflict {
                    try refuse(offer, e.details.first ?? e.message)
                }
                acks.append(verified.job.id)
            }
        }
        // Stored from an earlier offer whose acknowledgement was never answered: acknowledged
        // again, not reported (the hub offers them to this station, so they are its own).
        let unanswered = Set(try store.awaitingClaim(duplicates))
        return (acks, duplicates.filter { !unanswered.contains($0) })
    }

    private func refuse(_ offer: OfferedJob, _ reason: String) throws {
        if try store.refuseOffer(jobId: offer.id, document: Data(offer.document.canonicalBytes()), reason: reason) {
            logger.warning("job \(offer.id.prefix(40)) dari hub ditolak dan tidak akan dicetak: \(reason)")
        }
    }

    private func pushLoop(_ connection: HubConnection, _ g: Int) async {
        var failures = 0
        while current(g) {
            do {
                guard let first = enrollment?.firstSeq, let batch = try store.undelivered(from: first, limit: settings.batchSize) else {
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                let result = try await connection.events(batch.body)
                guard current(g) else { return }
                try store.markDelivered(batch.seqs)
                contact()
                failures = 0
                if !result.conflicting.isEmpty {
                    let message =
                        "hub memegang isi lain untuk peristiwa nomor \(result.conflicting.prefix(5).map(String.init).joined(separator: ", ")): basis data stasiun mungkin dipulihkan dari cadangan lama"
                    logger.error("\(message)")
                    try store.raiseAlert(Alert(kind: .eventConflict, device: nil, message: message), actor: "sync")
                }
                warnIfLarge()
            } catch let error as HubCallError {
                failed(error, in: "kirim peristiwa")
                warnIfLarge()
                failures += 1
                try? await Task.sleep(for: backoff(failures))
            } catch {
                logger.error("sync (kirim peristiwa): \(error)")
                failures += 1
                try? await Task.sleep(for: backoff(failures))
            }
        }
    }

    private func warnIfLarge() {
        guard let backlog = try? store.outboxBacklog(), let warning = backlogWarning(backlog) else { return }
        if let at = backlogWarnedAt, Date().timeIntervalSince(at) < 600 { return }
        backlogWarnedAt = Date()
        logger.warning("\(warning)")
    }

    private func heartbeatLoop(_ connection: HubConnection, _ g: Int) async {
        var failures = 0
        while current(g) {
            var wait = Duration.seconds(settings.heartbeatSeconds)
            do {
                let result = try await connection.heartbeat(try heartbeat())
                guard current(g) else { return }
                withdraw(result.withdrawals ?? [])
                backFromPos(result.posReturns ?? [])
                if let shipments = result.shipments {
                    do { try store.noteShipments(shipments) } catch { logger.error("kiriman dari hub: \(error)") }
                }
                let before = clockWarning()
                clockSkew = result.receivedAt.timeIntervalSinceNow
                if before == nil, let warning = clockWarning() { logger.warning("\(warning)") }
                contact()
                failures = 0
                wait = .seconds(max(1, min(settings.heartbeatSeconds, result.nextHeartbeatSeconds)))
            } catch let error as HubCallError {
                failed(error, in: "heartbeat")
                failures += 1
                wait = min(wait, backoff(failures))
            } catch {
                logger.error("sync (heartbeat): \(error)")
            }
            try? await Task.sleep(for: wait)
        }
    }

    /// Carries out the central office's withdrawals: a job no card was fed for is not
    /// printed; its state change is the station's confirmation to the hub.
    func withdraw(_ withdrawals: [JobWithdrawal]) {
        for w in withdrawals {
            do {
                guard let (before, after) = try store.withdraw(w.job, reason: w.reason, by: w.by), before != .rejected else { continue }
                if after == .rejected {
                    logger.notice("job \(w.job) ditarik kantor pusat oleh \(w.by): \(w.reason)")
                } else {
                    logger.warning("job \(w.job) ditarik kantor pusat, tetapi sudah \(after.label) di stasiun ini")
                }
            } catch {
                logger.error("penarikan job \(w.job): \(error)")
            }
        }
    }

    /// Puts the cards PT Pos brought back on the shelf; each state change is the station's
    /// confirmation to the hub.
    func backFromPos(_ returns: [PosReturn]) {
        for r in returns {
            do {
                guard let (before, after) = try store.backFromPos(r.job, result: r.result, note: r.note), before != after else { continue }
                logger.notice("kartu \(r.job) \(r.result.label): kembali di rak, diambil di kecamatan")
            } catch {
                logger.error("kartu kembali dari PT Pos \(r.job): \(error)")
            }
        }
    }

    func heartbeat() throws -> Heartbeat {
        let stock = try store.balances().filter { $0.key.isPhysical }
        return Heartbeat(
            devices: try devices().map { DeviceReport(id: $0.id, model: $0.model, state: $0.state, chip: $0.chip) },
            stock: stock,
            outboxBacklog: try store.outboxBacklog(), version: BuildInfo.version, stopped: stopped(),
            ribbon: try ribbons().map { RibbonReport(storeRolls: $0.storeRolls, printsLeft: $0.printsLeft) })
    }

    // MARK: Reconcile

    /// The hub's view of this station against the store. Settled here: events the hub is
    /// missing (sent again, in order) and offers held but not acknowledged (acknowledged).
    /// For the operator (an alert each): a job the hub believes the station holds but the
    /// store does not have. Nothing is printed by reconcile.
    func reconcile(_ connection: HubConnection) async throws -> ReconcileReport {
        let view = try await connection.reconcile()
        contact()
        try hubHighest(view.highestSeq)
        let first = enrollment?.firstSeq ?? 1
        let resent = try store.redeliver(gaps: view.gaps, above: view.highestSeq, from: first)
        if resent > 0 { logger.warning("rekonsiliasi: hub belum memegang \(resent) peristiwa; dikirim ulang berurutan") }
        let local = try store.states(of: view.jobs.map(\.id))
        var toAck: [JobID] = []
        var claimedHere: [JobID] = []
        var forOperator: [String] = []
        for job in view.jobs {
            switch (job.state, local[job.id]) {
            case (.offered, .some):
                toAck.append(job.id)
            case (.claimed, .some(.received)):
                // Acknowledged, and the answer lost (the daemon stopped, the link broke).
                claimedHere.append(job.id)
            case (.claimed, nil), (.printed, nil), (.spoiledReprintNeeded, nil):
                if try store.refusedOffer(jobId: job.id.rawValue) != nil { continue }
                let message =
                    "hub mencatat job \(job.id) dipegang stasiun ini (\(job.state.rawValue)), tetapi job itu tidak ada di basis data stasiun: minta hub mengembalikannya ke antrean"
                forOperator.append(message)
                try store.raiseAlert(Alert(kind: .syncMismatch, device: nil, message: message), actor: "sync")
            default:
                // Offered elsewhere or not yet here (the poll delivers it), or the hub is
                // behind on events still in the outbox: nothing to settle.
                break
            }
        }
        if !toAck.isEmpty { _ = try await connection.ack(toAck) }
        // The hub holds them for this station: they join the print queue.
        try store.confirmClaimed(toAck + claimedHere)
        let givenUp = try await settleStranded(connection, listed: Set(view.jobs.map(\.id)))
        // Only jobs the hub does not list as this station's in the station's own state: a
        // settled station sends nothing, however long its history.
        let listed = Dictionary(view.jobs.map { ($0.id, $0.stationState) }, uniquingKeysWith: { a, _ in a })
        let behind = try store.reportedStates().filter { listed[$0.id] != .some($0.state) }
        let (settled, mismatches) = try await reportStates(connection, behind)
        forOperator += mismatches
        // What this reconcile did not find again is settled: its alert clears.
        try store.clearAlerts(.syncMismatch, except: Set(forOperator), actor: "sync")
        if !givenUp.isEmpty {
            logger.notice(
                "rekonsiliasi: \(givenUp.count) job tidak dicetak di sini, hub memberikannya ke stasiun lain: \(givenUp.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let report = ReconcileReport(
            at: Date(), hubJobs: view.jobs.count, acknowledged: toAck, resent: resent, forOperator: forOperator, settled: settled)
        lastReconcile = report
        logger.info(
            "rekonsiliasi: \(view.jobs.count) job di hub, \(toAck.count) di-ack ulang, \(resent) peristiwa dikirim ulang, \(settled) job disamakan di hub, \(forOperator.count) untuk operator"
        )
        return report
    }

    /// Jobs stored from an offer whose acknowledgement was never answered, and that the hub
    /// does not list as this station's: each acknowledged again, alone. One still waiting in
    /// the hub's queue is then claimed here and joins the print queue; one the hub refuses
    /// as held by another station (or moved to one, or held for an earlier card of the same
    /// NIK) is given up here, no card fed, never printed twice. One the hub does not know,
    /// or any other answer, stays as it is for the next reconcile. Returns those given up.
    func settleStranded(_ connection: HubConnection, listed: Set<JobID>) async throws -> [JobID] {
        var givenUp: [JobID] = []
        for id in try store.awaitingClaim() where !listed.contains(id) {
            do {
                _ = try await connection.ack([id])
            } catch {
                guard case .answered(let status, _) = error, status == 409 || status == 404 else { throw error }
                if status == 409, try store.giveUpOffer(id, reason: "hub memberikan job ini ke stasiun lain: tidak dicetak di sini") {
                    givenUp.append(id)
                }
                continue
            }
            try store.confirmClaimed([id])
        }
        return givenUp
    }

    /// Tells the hub the state of these jobs so its record follows the station's
    /// (docs/sync.md); each difference it cannot settle becomes one open alert.
    func reportStates(_ connection: HubConnection, _ jobs: [ReportedJobState]) async throws -> (settled: Int, mismatches: [String]) {
        var settled = 0
        var mismatches: [String] = []
        for start in stride(from: 0, to: jobs.count, by: 1000) {
            let result = try await connection.jobStates(JobStatesReport(jobs: Array(jobs[start..<min(start + 1000, jobs.count)])))
            settled += result.settled.count
            for message in result.mismatches {
                mismatches.append(message)
                try store.raiseAlertOnce(Alert(kind: .syncMismatch, device: nil, message: message), actor: "sync")
            }
        }
        return (settled, mismatches)
    }
}

/// Runs the sync in `ektpd`'s service group; stops at graceful shutdown.
struct SyncService: Service {
    let sync: HubSync
    func run() async throws {
        await cancelWhenGracefulShutdown { await sync.run() }
    }
}
