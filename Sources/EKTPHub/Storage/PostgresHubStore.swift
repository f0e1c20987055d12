import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Logging
import PostgresNIO

/// The hub's store on PostgreSQL, for a province or the country with several hub
/// processes sharing one database. Same contract as `SQLiteHubStore`: one transaction per
/// invariant-keeping method; constraints in the schema. Leases take rows with
/// `FOR UPDATE SKIP LOCKED`, so two hub processes never offer the same job at once.
///
/// The `PostgresClient` must be running (`client.run()`, or the client added to the
/// `ServiceGroup`). Times are stored as epoch seconds, as in SQLite.
///
/// Wake-ups across processes: storing or re-queueing jobs sends `NOTIFY ektp_hub_jobs`
/// with the kecamatan code in the same transaction (delivered on commit); each hub process
/// runs `listen(notifier:)`, which wakes its own long-polls for that kecamatan. Revoking
/// or retiring a station sends its id on `ektp_hub_stations` the same way, which the same
/// listener hears to forget the station's cached credential (`CredentialCache`).
public struct PostgresHubStore: HubStore {
    let client: PostgresClient
    let logger: Logger
    /// Stations by credential, kept while `listen(notifier:)` runs.
    let credentials = CredentialCache()
    /// This process's intake files wait here for their turn at `intakeLock`, holding no
    /// connection: a burst of files must not take the pool from the stations' requests.
    let intakeTurns = Turns()

    public init(client: PostgresClient, logger: Logger = Logger(label: "ektp-hub.postgres")) {
        self.client = client
        self.logger = logger
    }

    /// Creates the schema if needed (named migrations, applied once, under an advisory lock).
    /// `before` stops short of the migration of that name (a test's older database).
    public func migrate(before: String? = nil) async throws {
        try await client.withTransaction(logger: logger) { c in
            try await c.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger).drain()
            try await c.query("CREATE TABLE IF NOT EXISTS hub_migration (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)", logger: logger).drain()
            var done: Set<String> = []
            for try await name in try await c.query("SELECT name FROM hub_migration", logger: logger).decode(String.self) { done.insert(name) }
            for (name, statements) in Self.migrations.prefix(while: { $0.name != before }) where !done.contains(name) {
                for statement in statements {
                    try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger).drain()
                }
                try await c.query("INSERT INTO hub_migration(name, applied_at) VALUES (\(name), \(Date().epoch))", logger: logger).drain()
            }
        }
    }

    /// Advisory locks (transaction-scoped), the same numbers in every hub process.
    static let migrationLock: Int64 = 728_316
    /// Intake's: one file's store at a time across all processes (`storeApproved`).
    static let intakeLock: Int64 = 728_317

    /// The named migrations in order; a shipped one is never edited.
    static let migrations: [(name: String, statements: [String])] = [
        ("v1-hub", v1),
        // Where a station's sequence starts under its credential (`EnrollRequest.firstSeq`).
        ("v2-first-seq", ["ALTER TABLE station ADD COLUMN first_seq BIGINT NOT NULL DEFAULT 1 CHECK (first_seq >= 1)"]),
        ("web-users-1", webUserStatements),
        // Why the station prints nothing, as its last heartbeat said (full disk, rollback hold).
        ("v3-station-stopped", ["ALTER TABLE station ADD COLUMN stopped TEXT"]),
        // Every audit chain head a station sent with its events.
        (
            "v4-audit-anchor",
            [
                """
                CREATE TABLE audit_anchor (
                    station_id TEXT NOT NULL REFERENCES station(id), seq BIGINT NOT NULL CHECK (seq > 0),
                    hash TEXT NOT NULL CHECK (length(hash) = 64), received_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (station_id, seq))
                """
            ]
        ),
        // The build a station runs, as its last heartbeat said.
        ("v5-station-version", ["ALTER TABLE station ADD COLUMN version TEXT"]),
        // One live card per NIK, and the hub's audit trail of central users' decisions.
        (
            "v6-nik-hold",
            [
                "ALTER TABLE job ADD COLUMN nik_key BYTEA", "ALTER TABLE job ADD COLUMN held_for TEXT", "CREATE INDEX job_nik_key ON job(nik_key)",
                """
                CREATE TABLE hub_audit (
                    id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, job_id TEXT, detail TEXT NOT NULL)
                """,
            ]
        ),
        // The centre acts on jobs: a withdrawal, and the one station a moved job goes to.
        (
            "v7-central-acts",
            [
                "ALTER TABLE job ADD COLUMN withdrawn_at DOUBLE PRECISION", "ALTER TABLE job ADD COLUMN withdraw_reason TEXT",
                "ALTER TABLE job ADD COLUMN withdraw_by TEXT", "ALTER TABLE job ADD COLUMN assigned_station_id TEXT",
                "CREATE INDEX job_withdrawn ON job(station_id) WHERE withdrawn_at IS NOT NULL", "CREATE INDEX hub_audit_job ON hub_audit(job_id)",
                // A job withdrawn before any station held it is `returned` with no station.
                "ALTER TABLE job DROP CONSTRAINT job_check1",
                "ALTER TABLE job ADD CONSTRAINT job_held CHECK (state IN ('approved', 'returned') OR station_id IS NOT NULL)",
                "ALTER TABLE job ADD CONSTRAINT job_returned CHECK (state <> 'returned' OR station_id IS NOT NULL OR withdrawn_at IS NOT NULL)",
            ]
        ),
        // An alert's life: cleared and acknowledged as the station reports, escalated once;
        // the hub-detected alerts already pushed.
        (
            "v8-alert-life",
            [
                "ALTER TABLE station_alert ADD COLUMN cleared_at DOUBLE PRECISION", "ALTER TABLE station_alert ADD COLUMN acknowledged_at DOUBLE PRECISION",
                "ALTER TABLE station_alert ADD COLUMN acknowledged_by TEXT", "ALTER TABLE station_alert ADD COLUMN escalated_at DOUBLE PRECISION",
                "CREATE INDEX station_alert_seq ON station_alert(station_id, seq)",
                "CREATE INDEX station_alert_open ON station_alert(at) WHERE cleared_at IS NULL",
                "CREATE TABLE alert_pushed (key TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)",
            ]
        ),
        // Meant to keep a job's sealed document (about a kilobyte, incompressible) out of
        // line, so a change of state would not copy it. It never did (a row under 2 kB is
        // not toasted); v13 moves the document to a table of its own.
        (
            "v9-document-out-of-line",
            ["ALTER TABLE job ALTER COLUMN document SET STORAGE EXTERNAL", "ALTER TABLE job SET (toast_tuple_target = 128)"]
        ),
        // Each printer's chip encodings by result, as its station's heartbeat says (JSON).
        ("v10-device-chip", ["ALTER TABLE device ADD COLUMN chip TEXT"]),
        // When the station recorded each event (its clock), for the kabupaten's monthly
        // roll-up; NULL for events stored before, which count at their arrival.
        ("v11-event-at", ["ALTER TABLE station_event ADD COLUMN at DOUBLE PRECISION"]),
        // Blangko around the kecamatan: the ministry's shipments split between kecamatan
        // (allotment), shipments in transit until the receiver counts them (allocations and
        // transfers alike), their numbers; which jobs are first-time applicants; which go
        // by PT Pos, what PT Pos reported, and a returned card's wait for its station; each
        // station's ribbons as its heartbeat says.
        (
            "v12-shipments",
            [
                """
                CREATE TABLE allotment (
                    id TEXT PRIMARY KEY, kabupaten_code TEXT NOT NULL, quantity BIGINT NOT NULL, document TEXT NOT NULL,
                    created_by TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)
                """,
                """
                CREATE TABLE shipment (
                    id TEXT PRIMARY KEY, kind TEXT NOT NULL, allotment_id TEXT REFERENCES allotment(id),
                    from_kecamatan TEXT, from_station_id TEXT, from_seq BIGINT, to_kecamatan TEXT NOT NULL,
                    quantity BIGINT NOT NULL CHECK (quantity > 0), document TEXT NOT NULL, sent_by TEXT NOT NULL, sent_at DOUBLE PRECISION NOT NULL,
                    received_quantity BIGINT CHECK (received_quantity >= 0), received_by TEXT, received_at DOUBLE PRECISION, received_station_id TEXT,
                    reason TEXT, UNIQUE (from_station_id, from_seq))
                """,
                "CREATE INDEX shipment_to ON shipment(to_kecamatan, received_at)",
                "CREATE TABLE document_number (series TEXT NOT NULL, year INTEGER NOT NULL, next BIGINT NOT NULL, PRIMARY KEY (series, year))",
                "ALTER TABLE job ADD COLUMN pemula BOOLEAN NOT NULL DEFAULT FALSE",
                "ALTER TABLE job ADD COLUMN pos BOOLEAN NOT NULL DEFAULT FALSE",
                "ALTER TABLE job ADD COLUMN pos_return_at DOUBLE PRECISION",
                "CREATE INDEX job_pos_return ON job(station_id) WHERE pos_return_at IS NOT NULL",
                "ALTER TABLE station ADD COLUMN ribbon_rolls BIGINT", "ALTER TABLE station ADD COLUMN ribbon_prints BIGINT",
                """
                CREATE TABLE pos_result (
                    id BIGSERIAL PRIMARY KEY, job_id TEXT NOT NULL REFERENCES job(id), result TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, note TEXT,
                    recorded_by TEXT NOT NULL, recorded_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX pos_result_job ON pos_result(job_id)",
            ]
        ),
        // A job's sealed document in a table of its own, written once at intake and read
        // by the lease. v9 never moved it: PostgreSQL toasts only a row over 2 kB
        // (TOAST_TUPLE_THRESHOLD), whatever `toast_tuple_target` says, so each offer and
        // acknowledgement still copied the document (about a kilobyte) into the new row
        // version, and a Bekasi backlog left 369 MB of heap for 104,000 jobs, three times
        // the default buffer cache.
        // With it, the queue's own partial indexes: the jobs a lease may take, in the
        // lease's order, and the leases running, by expiry. A poll's look walks those and
        // stops at the first row it can use, where `job_queue` holds an entry for every row
        // version the kecamatan's jobs ever had in that state, each a heap visit until
        // vacuum (and, with no statistics yet, a bitmap scan that visits them all).
        (
            "v13-job-document",
            [
                // No foreign key: a document is stored in the job's own transaction and a job is never
                // deleted, and the key's check would lock each new job row (a WAL record per job).
                "CREATE TABLE job_document (job_id TEXT PRIMARY KEY, document BYTEA NOT NULL)",
                "INSERT INTO job_document(job_id, document) SELECT id, document FROM job",
                "ALTER TABLE job DROP COLUMN document",
                "CREATE INDEX job_ready ON job(kecamatan_code, priority DESC, approved_at, id) WHERE state = 'approved' AND held_for IS NULL",
                "CREATE INDEX job_leases ON job(kecamatan_code, lease_expires_at) WHERE state = 'offered'",
            ]
        ),
        // Since v13 no query reads `job_queue` (the lease and the look walk `job_ready` and
        // `job_leases`), yet every change of a job's state, which moves the row to a new
        // version, added an entry to it: one index write in five for each offer and
        // acknowledgement.
        ("v14-drop-job-queue", ["DROP INDEX job_queue"]),
    ]

    static let v1: [String] = [
        """
        CREATE TABLE station (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, kecamatan_code TEXT NOT NULL,
            credential_hash BYTEA NOT NULL UNIQUE CHECK (length(credential_hash) = 32),
            enrolled_at DOUBLE PRECISION NOT NULL, credential_expires_at DOUBLE PRECISION, revoked_at DOUBLE PRECISION,
            last_seen_at DOUBLE PRECISION, last_heartbeat_at DOUBLE PRECISION, outbox_backlog BIGINT,
            highest_seq BIGINT NOT NULL DEFAULT 0 CHECK (highest_seq >= 0))
        """,
        """
        CREATE TABLE enrollment_token (
            token_hash BYTEA PRIMARY KEY CHECK (length(token_hash) = 32), kecamatan_code TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION,
            station_id TEXT REFERENCES station(id), CHECK ((used_at IS NULL) = (station_id IS NULL)))
        """,
        """
        CREATE TABLE job (
            id TEXT PRIMARY KEY, kecamatan_code TEXT NOT NULL, priority BIGINT NOT NULL CHECK (priority IN (0, 1)),
            approved_at DOUBLE PRECISION NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('approved','offered','claimed','printed','spoiled-reprint-needed','returned','handed-over')),
            content_hash BYTEA NOT NULL CHECK (length(content_hash) = 32), key_id TEXT NOT NULL, document BYTEA NOT NULL,
            masked_nik TEXT NOT NULL, station_id TEXT REFERENCES station(id), lease_expires_at DOUBLE PRECISION,
            offer_count BIGINT NOT NULL DEFAULT 0, station_state TEXT,
            received_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
            CHECK (state <> 'offered' OR (station_id IS NOT NULL AND lease_expires_at IS NOT NULL)),
            CHECK (state = 'approved' OR station_id IS NOT NULL),
            CHECK (state <> 'approved' OR station_id IS NULL))
        """,
        "CREATE INDEX job_queue ON job(kecamatan_code, state, priority DESC, approved_at, id)",
        "CREATE INDEX job_station ON job(station_id, state)",
        """
        CREATE TABLE station_event (
            station_id TEXT NOT NULL REFERENCES station(id), seq BIGINT NOT NULL CHECK (seq > 0),
            received_at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, event TEXT NOT NULL, PRIMARY KEY (station_id, seq))
        """,
        """
        CREATE TABLE device (
            station_id TEXT NOT NULL REFERENCES station(id), id TEXT NOT NULL, model TEXT,
            status TEXT NOT NULL CHECK (status IN ('ready','printing','warning','error','offline')), state TEXT NOT NULL,
            error_since DOUBLE PRECISION, updated_at DOUBLE PRECISION NOT NULL,
            CHECK ((status = 'error') = (error_since IS NOT NULL)), PRIMARY KEY (station_id, id))
        """,
        "CREATE TABLE stock_balance (kecamatan_code TEXT NOT NULL, place TEXT NOT NULL, quantity BIGINT NOT NULL, PRIMARY KEY (kecamatan_code, place))",
        "CREATE TABLE consumption (id BIGSERIAL PRIMARY KEY, kecamatan_code TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, quantity BIGINT NOT NULL CHECK (quantity > 0))",
        "CREATE INDEX consumption_at ON consumption(kecamatan_code, at)",
        """
        CREATE TABLE stock_reported (
            station_id TEXT NOT NULL REFERENCES station(id), place TEXT NOT NULL, quantity BIGINT NOT NULL,
            reported_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (station_id, place))
        """,
        """
        CREATE TABLE station_alert (
            id BIGSERIAL PRIMARY KEY, station_id TEXT NOT NULL REFERENCES station(id), seq BIGINT NOT NULL,
            at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, device TEXT, message TEXT NOT NULL)
        """,
    ]

    /// Runs `body` in one transaction. A refusal (`HubError`) thrown inside rolls back and
    /// comes out as itself, not wrapped in `PostgresTransactionError`.
    ///
    /// A transaction PostgreSQL chose as a deadlock's victim (40P01) or could not serialize
    /// (40001) was rolled back whole, so it is run again, up to `transactionAttempts` times
    /// after a short random pause: two requests that lock the same rows in another order
    /// (an event batch and an acknowledgement, say) both succeed instead of one answering 500.
    func tx<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await client.withTransaction(logger: logger) { c in try await body(c) }
            } catch let error as PostgresTransactionError {
                if let refusal = error.closureError as? HubError, error.rollbackError == nil { throw refusal }
                guard attempt < Self.transactionAttempts, error.rollbackError == nil, Self.isTransient(error.closureError ?? error.commitError) else {
                    throw error
                }
                logger.info("transaksi PostgreSQL diulang (\(attempt)): deadlock atau konflik serialisasi")
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...40) * attempt))
            }
        }
    }

    static let transactionAttempts = 4

    /// Whether PostgreSQL rolled the transaction back for a reason that passes on retry.
    static func isTransient(_ error: (any Error)?) -> Bool {
        guard let state = (error as? PSQLError)?.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }
}

// MARK: - Wake-ups across hub processes

extension PostgresHubStore {
    static let jobsChannel = "ektp_hub_jobs"
    static let stationsChannel = "ektp_hub_stations"

    static func notifyJobs(_ c: PostgresConnection, kecamatan: String, logger: Logger) async throws {
        try await notifyJobs(c, kecamatan: [kecamatan], logger: logger)
    }

    /// One notification per kecamatan, in one statement.
    static func notifyJobs(_ c: PostgresConnection, kecamatan: [String], logger: Logger) async throws {
        guard !kecamatan.isEmpty else { return }
        try await c.query("SELECT pg_notify(\(jobsChannel), k) FROM unnest(\(kecamatan)::text[]) AS k", logger: logger).drain()
    }

    /// The station's credential no longer holds (revoked, retired): every listening hub
    /// process forgets it when the transaction commits.
    static func notifyStation(_ c: PostgresConnection, _ stationId: String, logger: Logger) async throws {
        try await c.query("SELECT pg_notify(\(stationsChannel), \(stationId))", logger: logger).drain()
    }

    /// Wakes this process's long-polls when any hub process stores jobs for their
    /// kecamatan, and keeps its credential cache while it hears every change to a
    /// station's credential. Runs until cancelled; `onListening` is called once both
    /// channels are heard.
    public func listen(notifier: JobNotifier, onListening: @Sendable () -> Void = {}) async throws {
        defer { credentials.listening(false) }
        try await client.withConnection { connection in
            try await connection.listen(on: Self.jobsChannel) { jobs in
                try await connection.listen(on: Self.stationsChannel) { stations in
                    credentials.listening(true)
                    onListening()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { for try await n in stations { credentials.forget(stationId: n.payload) } }
                        group.addTask { for try await n in jobs { notifier.notify([n.payload]) } }
                        // Either ending means the connection is gone.
                        try await group.next()
                        group.cancelAll()
                    }
                }
            }
        }
    }
}

extension PostgresRowSequence {
    func drain() async throws { for try await _ in self {} }
}

extension Optional where Wrapped == Double {
    var date: Date? { map { Date(timeIntervalSince1970: $0) } }
}

// MARK: - Stations

extension PostgresHubStore {
    /// A station's columns, then its held jobs: not counted (`stationColumns`, at every
    /// request) or counted (`stationListColumns`, the listing).
    static let stationFields = """
        s.id, s.name, s.kecamatan_code, s.enrolled_at, s.credential_expires_at, s.revoked_at, s.last_seen_at,
        s.last_heartbeat_at, s.first_seq, s.highest_seq, s.outbox_backlog, s.stopped, s.version
        """
    static let stationColumns = stationFields + ", NULL::bigint"
    static let stationListColumns =
        stationFields + ", (SELECT COUNT(*) FROM job j WHERE j.station_id = s.id AND j.state IN ('claimed','printed','spoiled-reprint-needed'))"

    static func stations(_ rows: PostgresRowSequence) async throws -> [StationRecord] {
        var out: [StationRecord] = []
        for try await (id, name, kec, enrolled, expires, revoked, seen, heartbeat, first, seq, backlog, stopped, version, held) in rows.decode(
            (String, String, String, Double, Double?, Double?, Double?, Double?, Int64, Int64, Int64?, String?, String?, Int64?).self)
        {
            out.append(
                StationRecord(
                    id: id, name: name, kecamatanCode: kec, enrolledAt: Date(timeIntervalSince1970: enrolled), credentialExpiresAt: expires.date,
                    revokedAt: revoked.date, lastSeenAt: seen.date, lastHeartbeatAt: heartbeat.date, firstSeq: first, highestSeq: seq,
                    heldJobs: held.map(Int.init),
                    outboxBacklog: backlog.map(Int.init), stopped: stopped, version: version))
        }
        return out
    }

    static func station(_ c: PostgresConnection, id: String, logger: Logger) async throws -> StationRecord? {
        try await stations(try await c.query("SELECT \(unescaped: stationColumns) FROM station s WHERE s.id = \(id)", logger: logger)).first
    }

    public func createEnrollmentToken(hash: Data, kecamatan: String, now: Date, expiresAt: Date) async throws {
        try await client.query(
            "INSERT INTO enrollment_token(token_hash, kecamatan_code, created_at, expires_at) VALUES (\(hash), \(kecamatan), \(now.epoch), \(expiresAt.epoch))",
            logger: logger
        ).drain()
    }

    public func enroll(
        tokenHash: Data, name: String, credentialHash: Data, firstSeq: Int64, now: Date, credentialExpiresAt: Date?,
        stationID: @escaping @Sendable (String) -> String
    ) async throws -> StationRecord {
        try await tx { c in
            var token: EnrollmentRule.Token?
            for try await (kecamatan, expires, used) in try await c.query(
                "SELECT kecamatan_code, expires_at, used_at FROM enrollment_token WHERE token_hash = \(tokenHash) FOR UPDATE", logger: logger
            ).decode((String, Double, Double?).self) {
                token = EnrollmentRule.Token(kecamatanCode: kecamatan, expiresAt: Date(timeIntervalSince1970: expires), usedAt: used.date)
            }
            let kecamatan = try EnrollmentRule.kecamatan(of: token, now: now)
            let id = stationID(kecamatan)
            try await c.query(
                """
                INSERT INTO station(id, name, kecamatan_code, credential_hash, enrolled_at, credential_expires_at, first_seq, highest_seq)
                VALUES (\(id), \(name), \(kecamatan), \(credentialHash), \(now.epoch), \(credentialExpiresAt?.epoch), \(firstSeq), \(firstSeq - 1))
                """, logger: logger
            ).drain()
            try await c.query("UPDATE enrollment_token SET used_at = \(now.epoch), station_id = \(id) WHERE token_hash = \(tokenHash)", logger: logger).drain()
            return try await Self.station(c, id: id, logger: logger)!
        }
    }

    public func revoke(stationId: String, now: Date) async throws -> RevokeResult {
        // After the commit; other hub processes hear `notifyStation`.
        defer { credentials.forget(stationId: stationId) }
        return try await tx { c in
            guard let station = try await Self.station(c, id: stationId, logger: logger) else {
                throw HubError(.notFound, "stasiun \(stationId.prefix(64)) tidak dikenal")
            }
            if let revokedAt = station.revokedAt { return RevokeResult(stationId: stationId, revokedAt: revokedAt, requeued: 0) }
            try await c.query("UPDATE station SET revoked_at = \(now.epoch) WHERE id = \(stationId)", logger: logger).drain()
            try await Self.notifyStation(c, stationId, logger: logger)
            let requeued = try await c.query(
                "UPDATE job SET state = 'approved', station_id = NULL, lease_expires_at = NULL, updated_at = \(now.epoch) WHERE station_id = \(stationId) AND state = 'offered' RETURNING id",
                logger: logger
            ).collect().count
            if requeued > 0 { try await Self.notifyJobs(c, kecamatan: station.kecamatanCode, logger: logger) }
            return RevokeResult(stationId: stationId, revokedAt: now, requeued: requeued)
        }
    }

    public func station(credentialHash: Data) async throws -> StationRecord? {
        let cached = credentials.lookUp(credentialHash)
        if let station = cached.station { return station }
        let station = try await Self.stations(
            try await client.query("SELECT \(unescaped: Self.stationColumns) FROM station s WHERE s.credential_hash = \(credentialHash)", logger: logger)
        ).first
        if let station, let epoch = cached.epoch { credentials.fill(credentialHash, station, epoch: epoch) }
        return station
    }

    public func station(id: String) async throws -> StationRecord? {
        try await Self.stations(try await client.query("SELECT \(unescaped: Self.stationColumns) FROM station s WHERE s.id = \(id)", logger: logger)).first
    }

    public func touch(stationId: String, now: Date) async throws {
        try await client.query("UPDATE station SET last_seen_at = \(now.epoch) WHERE id = \(stationId)", logger: logger).drain()
        credentials.seen(stationId: stationId, at: now)
    }
}

// MARK: - Intake and jobs

extension PostgresHubStore {
    public func storeApproved(_ jobs: [IncomingJob], now: Date) async throws -> (stored: [JobID], duplicates: [JobID], held: [JobID: JobID]) {
        try await intakeTurns.run { try await storeApprovedInTurn(jobs, now: now) }
    }

    private func storeApprovedInTurn(_ jobs: [IncomingJob], now: Date) async throws -> (stored: [JobID], duplicates: [JobID], held: [JobID: JobID]) {
        try await tx { c in
            // One file at a time, whichever hub process took it in. The checks below read
            // what is committed: two files stored at once would each miss the other's
            // jobs, and both keep a live card for one NIK, or both insert a job they share
            // (a key violation where one should see a duplicate). Verifying, the long part
            // of intake, happens before and still runs side by side.
            try await c.query("SELECT pg_advisory_xact_lock(\(Self.intakeLock))", logger: logger).drain()
            var held: [JobID: Data] = [:]
            for try await (id, hash) in try await c.query(
                "SELECT id, content_hash FROM job WHERE id = ANY(\(jobs.map(\.id.rawValue)))", logger: logger
            ).decode((String, Data).self) { held[try JobID(id)] = hash }
            let (new, duplicates) = try IntakeRule.classify(jobs.map { .init(id: $0.id, contentHash: $0.contentHash) }, held: held)
            let fresh = new.map { jobs[$0] }
            var live: [Data: JobID] = [:]
            if !fresh.isEmpty {
                // One probe of `job_nik_key` per NIK, whatever the statistics say: with
                // none yet (a new hub's first backlog), `nik_key = ANY(a thousand keys)`
                // is planned as a scan of the whole table at every intake. OFFSET 0 keeps
                // the planner from folding the probe into a join it could plan the same way.
                for try await (id, key) in try await c.query(
                    """
                    SELECT j.id, j.nik_key FROM unnest(\(Set(fresh.map(\.nikKey)).map { ByteBuffer(bytes: $0) })::bytea[]) AS k(nik_key)
                    CROSS JOIN LATERAL (
                        SELECT id, nik_key, received_at FROM job WHERE nik_key = k.nik_key AND held_for IS NULL
                        AND state = ANY(\(NIKHold.liveStates.map(\.rawValue))) OFFSET 0) AS j
                    ORDER BY j.received_at, j.id
                    """, logger: logger
                ).decode((String, Data).self) where live[key] == nil { live[key] = try JobID(id) }
            }
            let holds = NIKHold.holds(fresh.map { ($0.id, $0.nikKey) }, live: live)
            // All rows in one statement: one array per column, unnested by the server.
            if !fresh.isEmpty {
                let ids = fresh.map(\.id.rawValue)
                let kecamatan = fresh.map(\.kecamatanCode)
                let priorities = fresh.map { Int64(QueueKey.column($0.priority)) }
                let approvedAt = fresh.map(\.approvedAt.epoch)
                let hashes = fresh.map { ByteBuffer(bytes: $0.contentHash) }
                let keyIds = fresh.map(\.keyId)
                let documents = fresh.map { ByteBuffer(bytes: $0.document) }
                let masked = fresh.map(\.maskedNik)
                let nikKeys = fresh.map { ByteBuffer(bytes: $0.nikKey) }
                // No array of optionals on the wire: '' stands for "not held".
                let heldFor = fresh.map { holds[$0.id]?.rawValue ?? "" }
                let pemula = fresh.map(\.pemula)
                let pos = fresh.map(\.pos)
                try await c.query(
                    """
                    INSERT INTO job(id, kecamatan_code, priority, approved_at, state, content_hash, key_id, masked_nik, received_at, updated_at,
                                    nik_key, held_for, pemula, pos)
                    SELECT id, kecamatan_code, priority, approved_at, 'approved', content_hash, key_id, masked_nik, \(now.epoch), \(now.epoch),
                           nik_key, NULLIF(held_for, ''), pemula, pos
                    FROM unnest(\(ids)::text[], \(kecamatan)::text[], \(priorities)::bigint[], \(approvedAt)::float8[], \(hashes)::bytea[],
                                \(keyIds)::text[], \(masked)::text[], \(nikKeys)::bytea[], \(heldFor)::text[], \(pemula)::bool[], \(pos)::bool[])
                         AS t(id, kecamatan_code, priority, approved_at, content_hash, key_id, masked_nik, nik_key, held_for, pemula, pos)
                    """, logger: logger
                ).drain()
                try await c.query(
                    "INSERT INTO job_document(job_id, document) SELECT * FROM unnest(\(ids)::text[], \(documents)::bytea[])", logger: logger
                ).drain()
            }
            try await Self.notifyJobs(c, kecamatan: Array(Set(fresh.filter { holds[$0.id] == nil }.map(\.kecamatanCode))).sorted(), logger: logger)
            return (fresh.map(\.id), duplicates, holds)
        }
    }

    public func lease(station: StationRecord, max: Int, now: Date, leaseUntil: Date) async throws -> [LeasedJob] {
        try await tx { c in
            // As in SQLite: one walk of the queue index per state, merged, rather than an
            // OR that reads and sorts every job the kecamatan ever had.
            var candidates: [(key: QueueKey, value: (contentHash: Data, document: Data))] = []
            for expiredOnly in [false, true] {
                let query: PostgresQuery =
                    expiredOnly
                    ? """
                    SELECT j.id, j.priority, j.approved_at, j.content_hash, d.document FROM job j JOIN job_document d ON d.job_id = j.id
                    WHERE j.kecamatan_code = \(station.kecamatanCode) AND j.state = 'offered' AND j.lease_expires_at <= \(now.epoch)
                        AND (j.assigned_station_id IS NULL OR j.assigned_station_id = \(station.id))
                    ORDER BY j.priority DESC, j.approved_at, j.id LIMIT \(max) FOR UPDATE OF j SKIP LOCKED
                    """
                    : """
                    SELECT j.id, j.priority, j.approved_at, j.content_hash, d.document FROM job j JOIN job_document d ON d.job_id = j.id
                    WHERE j.kecamatan_code = \(station.kecamatanCode) AND j.state = 'approved' AND j.held_for IS NULL
                        AND (j.assigned_station_id IS NULL OR j.assigned_station_id = \(station.id))
                    ORDER BY j.priority DESC, j.approved_at, j.id LIMIT \(max) FOR UPDATE OF j SKIP LOCKED
                    """
                for try await (id, priority, approvedAt, hash, document) in try await c.query(query, logger: logger).decode(
                    (String, Int64, Double, Data, Data).self)
                {
                    candidates.append((QueueKey(id: id, priority: QueueKey.priority(column: Int(priority)), approvedAt: approvedAt), (hash, document)))
                }
            }
            let picked = LeaseRule.pick(candidates, max: max)
            if !picked.isEmpty {
                try await c.query(
                    """
                    UPDATE job SET state = 'offered', station_id = \(station.id), lease_expires_at = \(leaseUntil.epoch),
                        offer_count = offer_count + 1, updated_at = \(now.epoch) WHERE id = ANY(\(picked.map(\.key.id)))
                    """, logger: logger
                ).drain()
            }
            return try picked.map { key, row in
                LeasedJob(id: try JobID(key.id), priority: key.priority, leaseExpiresAt: leaseUntil, contentHash: row.contentHash, document: row.document)
            }
        }
    }

    public func releaseHold(_ id: JobID, reason: String, by person: String, now: Date) async throws -> JobView {
        try await tx { c in
            var held: (String, String)?
            for try await row in try await c.query(
                "SELECT held_for, kecamatan_code FROM job WHERE id = \(id.rawValue) AND held_for IS NOT NULL FOR UPDATE", logger: logger
            ).decode((String, String).self) { held = row }
            guard let (earlier, kecamatan) = held else { throw HubError(.conflict, "job \(id) tidak sedang ditahan") }
            try await c.query("UPDATE job SET held_for = NULL, updated_at = \(now.epoch) WHERE id = \(id.rawValue)", logger: logger).drain()
            try await c.query(
                """
                INSERT INTO hub_audit(at, actor, action, job_id, detail)
                VALUES (\(now.epoch), \(person), 'penahanan NIK ganda dilepas', \(id.rawValue), \("kartu sebelumnya: job \(earlier); alasan: \(reason)"))
                """, logger: logger
            ).drain()
            try await Self.notifyJobs(c, kecamatan: kecamatan, logger: logger)
        }
        guard let view = try await job(id) else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
        return view
    }

    public func release(station: StationRecord, jobs: [JobID], now: Date) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        return try await tx { c in
            let released = try await c.query(
                """
                UPDATE job SET state = 'approved', station_id = NULL, lease_expires_at = NULL, updated_at = \(now.epoch)
                WHERE id = ANY(\(jobs.map(\.rawValue))) AND state = 'offered' AND station_id = \(station.id) RETURNING id
                """, logger: logger
            ).collect().count
            if released > 0 { try await Self.notifyJobs(c, kecamatan: station.kecamatanCode, logger: logger) }
            return released
        }
    }

    public func glance(station: StationRecord, now: Date) async throws -> QueueGlance {
        var glance = QueueGlance(takeable: false, nextLeaseExpiry: nil)
        for try await (takeable, next) in try await client.query(Self.glanceQuery(station, now: now), logger: logger).decode((Bool, Double?).self) {
            glance = QueueGlance(takeable: takeable, nextLeaseExpiry: next.map(Date.init(timeIntervalSince1970:)))
        }
        return glance
    }

    /// Each part an ordered walk of a partial index (`job_ready`, `job_leases`) that stops
    /// at the first row it can use: an `EXISTS` may be planned as a bitmap scan, which
    /// visits every row version the index holds for the kecamatan.
    static func glanceQuery(_ station: StationRecord, now: Date) -> PostgresQuery {
        let (k, s) = (station.kecamatanCode, station.id)
        return """
            SELECT (SELECT 1 FROM job WHERE kecamatan_code = \(k) AND state = 'approved' AND held_for IS NULL
                        AND (assigned_station_id IS NULL OR assigned_station_id = \(s))
                        ORDER BY priority DESC, approved_at, id LIMIT 1) IS NOT NULL
                OR (SELECT 1 FROM job WHERE kecamatan_code = \(k) AND state = 'offered' AND lease_expires_at <= \(now.epoch)
                        AND (assigned_station_id IS NULL OR assigned_station_id = \(s))
                        ORDER BY lease_expires_at LIMIT 1) IS NOT NULL,
                (SELECT lease_expires_at FROM job WHERE kecamatan_code = \(k) AND state = 'offered' AND lease_expires_at > \(now.epoch)
                    AND (assigned_station_id IS NULL OR assigned_station_id = \(s))
                    ORDER BY lease_expires_at LIMIT 1)
            """
    }

    public func ack(station: StationRecord, jobs: [JobID], now: Date) async throws -> AckResult {
        try await tx { c in
            var held: [JobID: AckRule.Held] = [:]
            for try await (id, kecamatan, state, holder, heldFor, assigned) in try await c.query(
                """
                SELECT id, kecamatan_code, state, station_id, held_for, assigned_station_id FROM job
                WHERE id = ANY(\(Array(Set(jobs.map(\.rawValue))))) ORDER BY id FOR UPDATE
                """,
                logger: logger
            ).decode((String, String, String, String?, String?, String?).self) {
                held[try JobID(id)] = AckRule.Held(
                    kecamatanCode: kecamatan, state: try HubJobState(stored: state), stationId: holder, heldFor: heldFor, assignedStationId: assigned)
            }
            let (claim, already) = try AckRule.classify(jobs, held: held, stationId: station.id, kecamatan: station.kecamatanCode)
            if !claim.isEmpty {
                try await c.query(
                    """
                    UPDATE job SET state = 'claimed', station_id = \(station.id), lease_expires_at = NULL, station_state = COALESCE(station_state, 'queued'),
                        updated_at = \(now.epoch)
                    WHERE id = ANY(\(claim.map(\.rawValue)))
                    """, logger: logger
                ).drain()
            }
            return AckResult(claimed: claim, already: already)
        }
    }

    public func reconcile(station: StationRecord) async throws -> ReconcileResult {
        try await tx { c in
            var jobs: [ReconcileJob] = []
            for try await (id, state, stationState, lease) in try await c.query(
                "SELECT id, state, station_state, lease_expires_at FROM job WHERE station_id = \(station.id) AND state <> 'approved' ORDER BY id",
                logger: logger
            ).decode((String, String, String?, Double?).self) {
                jobs.append(
                    ReconcileJob(
                        id: try JobID(id), state: try HubJobState(stored: state), stationState: try JobState(stored: stationState),
                        leaseExpiresAt: lease.date))
            }
            var highest: Int64 = 0
            for try await h in try await c.query("SELECT highest_seq FROM station WHERE id = \(station.id)", logger: logger).decode(Int64.self) { highest = h }
            return ReconcileResult(
                stationId: station.id, kecamatanCode: station.kecamatanCode, jobs: jobs, highestSeq: highest,
                gaps: try await Self.gaps(c, stationId: station.id, firstSeq: station.firstSeq, logger: logger))
        }
    }

    /// Holes in a station's sequence (`EventIntake.gaps`), the holes between held seqs at
    /// most 100.
    static func gaps(_ c: PostgresConnection, stationId: String, firstSeq: Int64, logger: Logger) async throws -> [SeqGap] {
        var lowest: Int64?
        for try await first in try await c.query("SELECT MIN(seq) FROM station_event WHERE station_id = \(stationId)", logger: logger).decode(Int64?.self) {
            lowest = first
        }
        var between: [(seq: Int64, next: Int64)] = []
        for try await hole in try await c.query(
            """
            SELECT seq, next FROM (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next FROM station_event WHERE station_id = \(stationId)) g
            WHERE next - seq > 1 ORDER BY seq LIMIT 100
            """, logger: logger
        ).decode((Int64, Int64).self) { between.append(hole) }
        return EventIntake.gaps(firstSeq: firstSeq, lowestHeld: lowest, between: between)
    }
}
