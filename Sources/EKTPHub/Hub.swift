@preconcurrency import Crypto
import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Logging
import ServiceLifecycle

/// The hub's parts and the operations behind its API and CLI. The HTTP layer
/// (`HubAPI`) only authenticates, decodes and encodes; everything else is here, so the
/// CLI and tests call the same code.
///
/// A class: every connection's handler and every waiting long-poll's wake-up hold the hub,
/// and a struct of these parts was copied into each of them (2.4 KiB a waiting poll).
public final class Hub: Sendable {
    public let config: HubConfig
    public let store: any HubStore
    public let regions: RegionDirectory
    public let intake: HubIntake
    public let notifier: JobNotifier
    /// Tells the people who asked of new and escalated alerts (`HubConfig.alertSubscribers`).
    public let alerts: AlertPusher
    public let clock: HubClock
    public let metrics: HubMetrics
    public let logger: Logger
    /// Seals each job's document at intake, opens it for the station's lease.
    let sealer: DocumentSealer
    /// The key of in-process hubs given none (tests): shared, so two hubs on one store agree.
    static let processKey = SymmetricKey(size: .bits256)

    public init(
        config: HubConfig, store: any HubStore, regions: RegionDirectory, clock: @escaping HubClock = HubClocks.system,
        logger: Logger = Logger(label: "ektp-hub")
    ) {
        self.config = config
        self.store = store
        self.regions = regions
        self.clock = clock
        self.logger = logger
        let notifier = JobNotifier()
        self.notifier = notifier
        let sealer = DocumentSealer(key: config.dataKey ?? Self.processKey)
        self.sealer = sealer
        self.intake = HubIntake(
            store: store, verifier: JobVerifier(trusted: config.approvalKeys), regions: regions, clock: clock, notifier: notifier, sealer: sealer)
        self.metrics = HubMetrics()
        self.alerts = AlertPusher(
            subscriptions: config.alertSubscribers, mail: config.smtp.flatMap { relay in config.mailFrom.map { AlertPusher.Mail(relay: relay, from: $0) } },
            window: TimeInterval(config.alertWindowSeconds), logger: logger)
    }

    /// Opens the SQLite store at `config.databasePath` and the region directory.
    public static func open(config: HubConfig, logger: Logger = Logger(label: "ektp-hub")) async throws -> Hub {
        let regions = try config.loadRegions()
        let store = try SQLiteHubStore(path: config.databasePath)
        var config = config
        try await config.resolveDataKey(for: store)
        let hub = Hub(config: config, store: store, regions: regions, logger: logger)
        try await hub.checkDataKey()
        return hub
    }

    /// The data key opens what the store holds: a hub never starts with a key that cannot
    /// read its documents (a lost or replaced `hub-data.key`), and never says so later, at a
    /// station's lease.
    public func checkDataKey() async throws {
        guard let sample = try await store.sampleDocument(), DocumentSealer.isSealed(sample.document) else { return }
        do { _ = try sealer.open(sample.document, job: sample.id, contentHash: sample.contentHash) } catch {
            throw HubConfig.Problem(
                "berkas kunci data \(config.dataKeyPath ?? "-") tidak cocok dengan basis data hub: dokumen job \(sample.id) tidak bisa dibuka. Pulihkan kunci yang asli dari cadangan; tidak ada yang diubah"
            )
        }
    }

    /// Empties the documents of jobs handed over more than `retentionDays` ago.
    public func purgePersonalData() async throws -> Int {
        try await store.purgeDocuments(handedOverBefore: clock().addingTimeInterval(-Double(config.retentionDays) * 86_400))
    }

    // MARK: Stations

    /// A one-time token a new station exchanges for its credential.
    public func issueEnrollmentToken(kecamatan: String) async throws -> EnrollmentTokenIssued {
        guard PrintJob.isKecamatanCode(kecamatan), regions.kecamatan(kecamatan) != nil else {
            throw HubError(.invalid, "kode kecamatan \(kecamatan.prefix(20)) tidak ada dalam daftar Kemendagri")
        }
        let token = Credentials.generate(prefix: "ektp-en-")
        let now = clock()
        let expires = now.addingTimeInterval(Double(config.enrollmentTokenHours) * 3600)
        try await store.createEnrollmentToken(hash: Credentials.hash(token), kecamatan: kecamatan, now: now, expiresAt: expires)
        return EnrollmentTokenIssued(token: token, kecamatanCode: kecamatan, expiresAt: expires)
    }

    public func enroll(_ request: EnrollRequest) async throws -> EnrollResult {
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 120 else { throw HubError(.invalid, "nama stasiun wajib diisi (paling panjang 120 karakter)") }
        guard !request.token.isEmpty, request.token.count <= 200 else { throw HubError(.unauthorized, "token pendaftaran tidak dikenal") }
        let firstSeq = request.firstSeq ?? 1
        guard firstSeq >= 1 else { throw HubError(.invalid, "firstSeq harus 1 atau lebih (nomor urut peristiwa pertama stasiun), bukan \(firstSeq)") }
        let now = clock()
        let credential = Credentials.generate(prefix: "ektp-st-")
        let expires = config.credentialDays.map { now.addingTimeInterval(Double($0) * 86_400) }
        // The kecamatan comes from the token, and the station id from the kecamatan.
        let station = try await store.enroll(
            tokenHash: Credentials.hash(request.token), name: name, credentialHash: Credentials.hash(credential), firstSeq: firstSeq, now: now,
            credentialExpiresAt: expires, stationID: { Credentials.stationID(kecamatan: $0) })
        logger.info("stasiun \(station.id) (\(station.kecamatanCode)) terdaftar: \(name), peristiwa mulai nomor \(firstSeq)")
        return EnrollResult(stationId: station.id, kecamatanCode: station.kecamatanCode, credential: credential, credentialExpiresAt: expires)
    }

    public func revoke(stationId: String) async throws -> RevokeResult {
        // Station ids are `stn-` + digits + hex; anything else cannot name a station.
        guard (1...64).contains(stationId.utf8.count),
            stationId.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) })
        else {
            throw HubError(.notFound, "stasiun \(stationId.filter { $0.isLetter || $0.isNumber || $0 == "-" }.prefix(64)) tidak dikenal")
        }
        let result = try await store.revoke(stationId: stationId, now: clock())
        if result.requeued > 0, let station = try await store.station(id: stationId) { notifier.notify([station.kecamatanCode]) }
        logger.notice("kredensial stasiun \(stationId) dicabut; \(result.requeued) job kembali ke antrean")
        return result
    }

    /// The station a bearer credential belongs to, or why it is refused.
    public func authenticate(bearer: String?) async throws -> StationRecord {
        guard let bearer, !bearer.isEmpty, bearer.count <= 200 else {
            throw HubError(.unauthorized, "kredensial stasiun wajib dikirim (Authorization: Bearer …)")
        }
        guard let station = try await store.station(credentialHash: Credentials.hash(bearer)) else {
            throw HubError(.unauthorized, "kredensial stasiun tidak dikenal")
        }
        let now = clock()
        if station.revokedAt != nil {
            throw HubError(.credentialRevoked, "kredensial stasiun \(station.id) sudah dicabut; daftarkan ulang dengan token baru")
        }
        if let expires = station.credentialExpiresAt, expires <= now {
            throw HubError(.credentialExpired, "kredensial stasiun \(station.id) sudah kedaluwarsa; daftarkan ulang dengan token baru")
        }
        return station
    }

    /// Whether `bearer` is the admin token.
    public func isAdmin(bearer: String?) -> Bool {
        guard let expected = config.adminToken, !expected.isEmpty, let bearer else { return false }
        return Credentials.equal(bearer, expected)
    }

    // MARK: Jobs for stations

    /// How stale `lastSeenAt` may be before a request writes it again: a station is
    /// judged silent in minutes (`silentMinutes`), so a station polling, acknowledging and
    /// sending heartbeats writes it once a minute, not at every call (heartbeats and
    /// event batches write it anyway, in their own statement).
    static let seenGranularity: TimeInterval = 60

    /// Marks the station seen now, unless the record its request came with says it was,
    /// within `seenGranularity`.
    func markSeen(_ station: StationRecord) async throws {
        let now = clock()
        if let last = station.lastSeenAt, last <= now, now.timeIntervalSince(last) < Self.seenGranularity { return }
        try await store.touch(stationId: station.id, now: now)
    }

    /// Leases the station's next jobs; when there are none, waits up to `wait` seconds
    /// for intake to store some (woken in-process, and from other hub processes through
    /// PostgreSQL `LISTEN`) or for a lease of the kecamatan to run out, then answers,
    /// possibly empty. A poll cancelled because its client went away hands back what it
    /// leased at that moment. When the server shuts down gracefully (SIGTERM), a waiting
    /// poll answers at once, empty, so the shutdown does not wait for it and the station
    /// simply polls again.
    public func poll(station: StationRecord, wait: Int, max: Int) async throws -> [LeasedJob] {
        let deadline = Self.longPollDeadline(wait: wait)
        return try await poll(station: station, after: try await firstLook(station: station, max: max), until: deadline, max: max)
    }

    /// When a long-poll that finds nothing answers, empty: at a random moment in the last
    /// quarter of its `wait`. A station polls again as soon as it is answered, so polls that
    /// began together (every station of the country reconnecting after a hub restart) would
    /// otherwise end together every period, for ever, each time a burst of thousands of
    /// requests; the jitter spreads such a herd over the whole period within a few rounds,
    /// for an eighth more empty polls on average.
    static func longPollDeadline(wait: Int, now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant {
        let full = Duration.seconds(wait)
        return now + full - full * Double.random(in: 0..<0.25)
    }

    /// A poll's first look, the station marked seen: what the request does before it
    /// answers or, finding nothing, waits (`park`, `poll(station:after:until:max:)`).
    func firstLook(station: StationRecord, max: Int) async throws -> PollLook {
        try await markSeen(station)
        return try await look(station: station, max: max)
    }

    /// What one look at the queue found: the jobs it leased, or, when none, what to wait
    /// for (the kecamatan's generation as it looked, the next lease it could take over).
    struct PollLook: Sendable {
        let jobs: [LeasedJob]
        let generation: UInt64
        let nextLeaseExpiry: Date?
    }

    /// One look: a glance at the queue, and a lease only when a job is takeable by this
    /// station (one read says whether a lease is worth its transaction: most polls of a
    /// fleet find nothing and wait).
    func look(station: StationRecord, max: Int) async throws -> PollLook {
        let generation = notifier.generation(station.kecamatanCode)
        let now = clock()
        let glance = try await store.glance(station: station, now: now)
        var jobs =
            glance.takeable
            ? try await store.lease(station: station, max: max, now: now, leaseUntil: now.addingTimeInterval(Double(config.leaseSeconds))) : []
        do {
            for i in jobs.indices { jobs[i].document = try sealer.open(jobs[i].document, job: jobs[i].id, contentHash: jobs[i].contentHash) }
        } catch {
            await returnUndelivered(jobs.map(\.id), station: station)
            throw HubConfig.Problem("dokumen job tidak bisa dibuka dengan kunci data hub (\(config.dataKeyPath ?? "-")): periksa berkas kunci")
        }
        return PollLook(jobs: jobs, generation: generation, nextLeaseExpiry: glance.nextLeaseExpiry)
    }

    /// The wait of a long-poll whose look found nothing, to a deadline, looking again each
    /// time it is woken, in the calling task (`park`, in a task; the hub's server parks its
    /// long-polls with no task, `LongPollParking`). The task cancelled counts as its client
    /// gone, a graceful shutdown as the answer wanted now.
    func poll(station: StationRecord, after first: PollLook, until deadline: ContinuousClock.Instant, max: Int) async throws -> [LeasedJob] {
        let interrupt = PollInterrupt()
        return try await interrupt.awaiting { answer in
            park(station: station, after: first, until: deadline, max: max, interrupt: interrupt, answer: answer)
        }
    }

    /// The wait of a long-poll whose look found nothing, with no task while it waits: the
    /// wake-up is parked in the notifier, and each look after one runs in a short task of
    /// its own. `answer` gets the jobs once there are some, or nothing at the deadline or
    /// when `interrupt` asks for the answer now; a client gone ends it with
    /// `CancellationError`, anything leased for it back in the queue.
    func park(
        station: StationRecord, after last: PollLook, until deadline: ContinuousClock.Instant, max: Int, interrupt: PollInterrupt,
        answer: @escaping @Sendable (Result<[LeasedJob], any Error>) -> Void
    ) {
        if !last.jobs.isEmpty && interrupt.isClientGone {
            Task {
                await returnUndelivered(last.jobs.map(\.id), station: station)
                answer(.failure(CancellationError()))
            }
            return
        }
        if !last.jobs.isEmpty || ContinuousClock.now >= deadline || interrupt.hasFired { return answer(.success(last.jobs)) }
        // A lease running out puts its job back in the queue: wake then too, so a waiting
        // station takes it without a poll of its own (only a lease it could take over,
        // still running: one that ran out on a job moved elsewhere is no reason to wake).
        var until = deadline
        if let expiry = last.nextLeaseExpiry {
            let seconds = Swift.max(0, expiry.timeIntervalSince(clock()))
            until = Swift.min(deadline, ContinuousClock.now + .milliseconds(Int64(seconds * 1000) + 20))
        }
        notifier.park(station.kecamatanCode, after: last.generation, until: until, interrupt: interrupt) {
            // Woken by the interrupt: the answer is wanted now, or nobody is left to read it.
            if interrupt.hasFired { return answer(.success([])) }
            Task {
                let next: PollLook
                do { next = try await self.look(station: station, max: max) } catch { return answer(.failure(error)) }
                self.park(station: station, after: next, until: deadline, max: max, interrupt: interrupt, answer: answer)
            }
        }
    }

    /// Jobs leased to a poll whose answer never reached the station go back to the queue at
    /// once, and the kecamatan's other polls are woken. Runs to the end even when the
    /// caller's task is cancelled (that is how it is usually reached).
    func returnUndelivered(_ jobs: [JobID], station: StationRecord) async {
        let store = self.store
        let clock = self.clock
        let released = await Task { try? await store.release(station: station, jobs: jobs, now: clock()) }.value ?? 0
        guard released > 0 else { return }
        logger.info("stasiun \(station.id): \(released) job tidak sampai (koneksi terputus), kembali ke antrean")
        notifier.notify([station.kecamatanCode])
    }

    public func ack(station: StationRecord, jobs: [JobID]) async throws -> AckResult {
        guard !jobs.isEmpty else { throw HubError(.invalid, "daftar job kosong") }
        guard jobs.count <= 1000 else { throw HubError(.invalid, "paling banyak 1000 job per pengakuan") }
        return try await store.ack(station: station, jobs: jobs, now: clock())
    }

    /// A central user lets a job held for an earlier card of the same NIK into the queue
    /// (the card was lost, damaged or replaced), with the reason; the hub's audit trail
    /// keeps who and why.
    public func releaseHold(_ id: JobID, _ request: JobReleaseRequest) async throws -> JobView {
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw HubError(.invalid, "alasan wajib diisi (paling panjang 500 karakter)") }
        let person: String
        do { person = try PersonName.check(request.by, field: "by") } catch { throw HubError(.invalid, "\(error)") }
        let view = try await store.releaseHold(id, reason: reason, by: person, now: clock())
        notifier.notify([view.kecamatanCode])
        logger.notice("job \(id) dilepas dari penahanan NIK ganda oleh \(person): \(reason)")
        return view
    }

    // MARK: The centre acts (CentralActs; docs/sync.md, "The centre acts")

    /// Withdraws a job no card has been fed for (`CentralActs.withdraw`).
    public func withdraw(_ id: JobID, _ request: CentralActRequest) async throws -> JobActResult {
        let (reason, person) = try CentralActs.checked(request)
        let result = try await store.withdraw(id, reason: reason, by: person, now: clock())
        logger.notice("job \(id) ditarik oleh \(person): \(reason) (\(result.outcome.rawValue))")
        return result
    }

    /// Sends a job no station holds to one station of its kecamatan (`CentralActs.move`).
    public func move(_ id: JobID, _ request: JobMoveRequest) async throws -> JobActResult {
        let (reason, person) = try CentralActs.checked(reason: request.reason, by: request.by)
        let result = try await store.move(id, to: request.station, reason: reason, by: person, now: clock())
        if let kecamatan = try await store.job(id)?.kecamatanCode { notifier.notify([kecamatan]) }
        logger.notice("job \(id) dipindahkan ke stasiun \(request.station) oleh \(person): \(reason)")
        return result
    }

    /// A station gone for good (`CentralActs.returnsToQueue`).
    public func retire(stationId: String, _ request: CentralActRequest) async throws -> RetireResult {
        let (reason, person) = try CentralActs.checked(request)
        let result = try await store.retire(stationId: stationId, reason: reason, by: person, now: clock())
        if let kecamatan = try await store.station(id: stationId)?.kecamatanCode { notifier.notify([kecamatan]) }
        logger.notice(
            "stasiun \(stationId) dipensiunkan oleh \(person): \(result.requeued.count) job kembali ke antrean, \(result.outcomeUnknown.count) hasil tidak diketahui"
        )
        return result
    }

    /// The station's states of its jobs (reconcile): the hub's record follows them where
    /// the rules allow (docs/sync.md), and says where they do not.
    public func settle(station: StationRecord, report: JobStatesReport) async throws -> JobStatesResult {
        guard report.jobs.count <= 1000 else { throw HubError(.invalid, "paling banyak 1000 job per laporan") }
        guard Set(report.jobs.map(\.id)).count == report.jobs.count else { throw HubError(.invalid, "job yang sama dilaporkan dua kali") }
        guard report.jobs.allSatisfy({ $0.contentHash.count == 32 }) else { throw HubError(.invalid, "contentHash harus SHA-256 (32 byte)") }
        let result = try await store.settle(station: station, jobs: report.jobs, now: clock())
        if !result.settled.isEmpty { logger.info("stasiun \(station.id): \(result.settled.count) job disamakan dengan catatan stasiun") }
        for message in result.mismatches.prefix(20) { logger.warning("stasiun \(station.id): \(message)") }
        return result
    }

    // MARK: Events

    public func ingest(station: StationRecord, batch: EventBatch) async throws -> EventIngestResult {
        guard batch.events.count <= 10_000 else { throw HubError(.invalid, "paling banyak 10000 peristiwa per kiriman") }
        var seen: Set<Int64> = []
        for e in batch.events {
            guard e.seq > 0 else { throw HubError(.invalid, "nomor urut peristiwa harus lebih dari 0 (dapat \(e.seq))") }
            guard seen.insert(e.seq).inserted else { throw HubError(.invalid, "nomor urut \(e.seq) muncul dua kali dalam kiriman ini") }
            if case .ledger(_, let from, let to, let quantity, _, _, _) = e.event {
                guard quantity > 0 else {
                    throw HubError(.invalid, "peristiwa \(e.seq): mutasi blangko tidak valid (\(from.key) → \(to.key), \(quantity))")
                }
            }
        }
        // The station numbers its events under this credential from `firstSeq` (set at
        // enrollment); an earlier number belongs to another credential or to no one.
        let early = batch.events.map(\.seq).filter { $0 < station.firstSeq }.sorted()
        if let lowest = early.first {
            throw HubError(
                .conflict,
                "nomor urut \(lowest) di bawah nomor awal kredensial ini (\(station.firstSeq), ditetapkan saat pendaftaran); tidak ada yang disimpan",
                details: early.prefix(20).map { "peristiwa \($0): sebelum nomor awal \(station.firstSeq)" })
        }
        if let head = batch.auditHead, !head.isWellFormed {
            throw HubError(.invalid, "kepala rantai audit tidak valid: nomor harus > 0 dan hash 64 digit heksadesimal")
        }
        let now = clock()
        let result = try await store.ingest(station: station, events: batch.events, now: now)
        await alerts.push(Self.alerts(in: batch, new: result, station: station, now: now), now: now)
        if let head = batch.auditHead, let held = try await store.recordAuditAnchor(station: station, head, now: clock()) {
            logger.warning(
                "stasiun \(station.id): catatan audit #\(head.seq) dilaporkan dengan hash \(head.hash.prefix(12))…, padahal hub memegang \(held.prefix(12))…: rantai audit stasiun ditulis ulang"
            )
        }
        if !result.gaps.isEmpty {
            logger.warning("stasiun \(station.id): nomor urut peristiwa bolong \(result.gaps.map { "\($0.from)–\($0.to)" }.joined(separator: ", "))")
        }
        return result
    }

    /// The alerts a batch brought that the hub had not held: those a station raised, and
    /// its refusals of jobs.
    static func alerts(in batch: EventBatch, new result: EventIngestResult, station: StationRecord, now: Date) -> [AlertMessage] {
        let old = Set(result.duplicates)
        return batch.events.filter { !old.contains($0.seq) }.compactMap { e in
            let at = EventIntake.when(e.at, now: now)
            switch e.event {
            case .alert(let alert):
                return AlertMessage(
                    kind: alert.kind.rawValue, stationId: station.id, kecamatanCode: station.kecamatanCode, device: alert.device?.rawValue,
                    message: String(alert.message.prefix(EventEffects.alertLength)), at: at)
            case .jobRejected(let job, let reason):
                return AlertMessage(
                    kind: "job-rejected", stationId: station.id, kecamatanCode: station.kecamatanCode, device: nil,
                    message: String("stasiun menolak job \(job?.rawValue ?? "-"): \(reason)".prefix(EventEffects.alertLength)), at: at)
            default:
                return nil
            }
        }
    }

    public func heartbeat(station: StationRecord, _ heartbeat: Heartbeat) async throws -> HeartbeatResult {
        guard heartbeat.devices.count <= 64 else { throw HubError(.invalid, "paling banyak 64 printer per stasiun") }
        for device in heartbeat.devices {
            guard let chip = device.chip else { continue }
            guard ChipResult.allCases.allSatisfy({ chip[$0] >= 0 }) else { throw HubError(.invalid, "hitungan encode chip \(device.id) tidak boleh negatif") }
        }
        if let r = heartbeat.ribbon, r.storeRolls < 0 || r.printsLeft < 0 { throw HubError(.invalid, "jumlah ribbon tidak boleh negatif") }
        for (place, quantity) in heartbeat.stock ?? [:] {
            guard place.isPhysical else { throw HubError(.invalid, "tempat blangko \"\(place.key)\" bukan tempat fisik") }
            guard quantity >= 0 else { throw HubError(.invalid, "stok di \(place.key) tidak boleh negatif") }
        }
        let now = clock()
        let notices = try await store.heartbeat(station: station, heartbeat, now: now)
        return HeartbeatResult(
            stationId: station.id, receivedAt: now, nextHeartbeatSeconds: max(config.staleAfterSeconds / 4, 5), withdrawals: notices.withdrawals,
            shipments: notices.shipments, posReturns: notices.posReturns)
    }
}
