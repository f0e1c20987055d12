import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import GRDB

/// The hub's store on SQLite through GRDB (WAL, `synchronous=FULL`): one kabupaten, the
/// demo, tests. One `Sendable` struct owns the writer; every invariant-keeping method is
/// one write transaction.
public struct SQLiteHubStore: HubStore {
    let writer: any DatabaseWriter

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        let pool: DatabasePool
        do { pool = try DatabasePool(path: path, configuration: config) } catch let error as DatabaseError {
            throw HubConfig.Problem("basis data \(path) tidak bisa dibuka: \(error.message ?? error.description) (atur EKTP_HUB_DATABASE atau --database)")
        }
        try self.init(writer: pool)
    }

    /// An in-memory store, for tests.
    public static func inMemory() throws -> SQLiteHubStore {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        return try SQLiteHubStore(writer: DatabaseQueue(configuration: config))
    }

    init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try HubSchema.migrator.migrate(writer)
    }

    /// A database file migrated only up to `migration`, with `sql` run on it: what an
    /// older hub left behind, for the tests of later migrations.
    static func createOlder(path: String, upTo migration: String, sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try HubSchema.migrator.migrate(queue, upTo: migration)
        try queue.write { try $0.execute(sql: sql) }
    }
}

// MARK: - Row helpers

extension Row {
    func date(_ column: String) -> Date? {
        (self[column] as Double?).map { Date(timeIntervalSince1970: $0) }
    }
}

extension StationRecord {
    static let columns = """
        s.id, s.name, s.kecamatanCode, s.enrolledAt, s.credentialExpiresAt, s.revokedAt, s.lastSeenAt,
        s.lastHeartbeatAt, s.firstSeq, s.highestSeq, s.outboxBacklog, s.stopped, s.version
        """
    /// `columns` and the jobs each station holds, for the listing.
    static let listColumns =
        columns + """
            , (SELECT COUNT(*) FROM job j WHERE j.stationId = s.id AND j.state IN ('claimed','printed','spoiled-reprint-needed')) AS heldJobs
            """

    init(row: Row) {
        self.init(
            id: row["id"], name: row["name"], kecamatanCode: row["kecamatanCode"],
            enrolledAt: row.date("enrolledAt") ?? .distantPast, credentialExpiresAt: row.date("credentialExpiresAt"),
            revokedAt: row.date("revokedAt"), lastSeenAt: row.date("lastSeenAt"), lastHeartbeatAt: row.date("lastHeartbeatAt"),
            firstSeq: row["firstSeq"], highestSeq: row["highestSeq"], heldJobs: row["heldJobs"], outboxBacklog: row["outboxBacklog"],
            stopped: row["stopped"], version: row["version"])
    }

    static func fetch(_ db: Database, id: String) throws -> StationRecord? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM station s WHERE s.id = ?", arguments: [id]).map(StationRecord.init(row:))
    }
}

// MARK: - Intake

extension SQLiteHubStore {
    /// Jobs per multi-row INSERT (12 parameters each, far below SQLite's limit).
    static let insertRows = 100

    public func storeApproved(_ jobs: [IncomingJob], now: Date) async throws -> (stored: [JobID], duplicates: [JobID], held: [JobID: JobID]) {
        try await writer.write { db in
            var held: [JobID: Data] = [:]
            for chunk in jobs.chunked(into: 500) {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT id, contentHash FROM job WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk.map(\.id.rawValue)))
                for row in rows { held[try JobID(row["id"])] = row["contentHash"] }
            }
            let (new, duplicates) = try IntakeRule.classify(jobs.map { .init(id: $0.id, contentHash: $0.contentHash) }, held: held)
            let fresh = new.map { jobs[$0] }
            var live: [Data: JobID] = [:]
            let states = NIKHold.liveStates.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            for chunk in Array(Set(fresh.map(\.nikKey))).chunked(into: 500) {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, nikKey FROM job WHERE nikKey IN (\(databaseQuestionMarks(count: chunk.count))) AND heldFor IS NULL AND state IN (\(states))
                        ORDER BY receivedAt, id
                        """, arguments: StatementArguments(Array(chunk)))
                for row in rows where live[row["nikKey"]] == nil { live[row["nikKey"]] = try JobID(row["id"]) }
            }
            let holds = NIKHold.holds(fresh.map { ($0.id, $0.nikKey) }, live: live)
            // Many rows per statement: one prepared statement per chunk size, not one
            // statement run per job.
            for chunk in fresh.chunked(into: Self.insertRows) {
                let row = "(?, ?, ?, ?, 'approved', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT INTO job(id, kecamatanCode, priority, approvedAt, state, contentHash, keyId, document, maskedNik, receivedAt, updatedAt, nikKey, heldFor,
                                        pemula, pos)
                        VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                        """)
                var values: [(any DatabaseValueConvertible)?] = []
                values.reserveCapacity(chunk.count * 14)
                for job in chunk {
                    values += [
                        job.id.rawValue, job.kecamatanCode, QueueKey.column(job.priority), job.approvedAt.epoch,
                        job.contentHash, job.keyId, job.document, job.maskedNik, now.epoch, now.epoch, job.nikKey, holds[job.id]?.rawValue, job.pemula, job.pos,
                    ]
                }
                try insert.execute(arguments: StatementArguments(values))
            }
            return (fresh.map(\.id), duplicates, holds)
        }
    }
}

// MARK: - Stations

extension SQLiteHubStore {
    public func createEnrollmentToken(hash: Data, kecamatan: String, now: Date, expiresAt: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO enrollmentToken(tokenHash, kecamatanCode, createdAt, expiresAt) VALUES (?, ?, ?, ?)",
                arguments: [hash, kecamatan, now.epoch, expiresAt.epoch])
        }
    }

    public func enroll(
        tokenHash: Data, name: String, credentialHash: Data, firstSeq: Int64, now: Date, credentialExpiresAt: Date?,
        stationID: @escaping @Sendable (String) -> String
    ) async throws -> StationRecord {
        try await writer.write { db in
            let token = try Row.fetchOne(db, sql: "SELECT kecamatanCode, expiresAt, usedAt FROM enrollmentToken WHERE tokenHash = ?", arguments: [tokenHash])
            let kecamatan = try EnrollmentRule.kecamatan(
                of: token.map { .init(kecamatanCode: $0["kecamatanCode"], expiresAt: $0.date("expiresAt") ?? .distantPast, usedAt: $0.date("usedAt")) },
                now: now)
            let stationId = stationID(kecamatan)
            try db.execute(
                sql: """
                    INSERT INTO station(id, name, kecamatanCode, credentialHash, enrolledAt, credentialExpiresAt, firstSeq, highestSeq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [stationId, name, kecamatan, credentialHash, now.epoch, credentialExpiresAt?.epoch, firstSeq, firstSeq - 1])
            try db.execute(sql: "UPDATE enrollmentToken SET usedAt = ?, stationId = ? WHERE tokenHash = ?", arguments: [now.epoch, stationId, tokenHash])
            return try StationRecord.fetch(db, id: stationId)!
        }
    }

    public func revoke(stationId: String, now: Date) async throws -> RevokeResult {
        try await writer.write { db in
            guard let station = try StationRecord.fetch(db, id: stationId) else {
                throw HubError(.notFound, "stasiun \(stationId.prefix(64)) tidak dikenal")
            }
            if let revokedAt = station.revokedAt {
                return RevokeResult(stationId: stationId, revokedAt: revokedAt, requeued: 0)
            }
            try db.execute(sql: "UPDATE station SET revokedAt = ? WHERE id = ?", arguments: [now.epoch, stationId])
            // Offered but never acknowledged: the station may not have them; another
            // station of the kecamatan (or this one, re-enrolled) gets them.
            try db.execute(
                sql: "UPDATE job SET state = 'approved', stationId = NULL, leaseExpiresAt = NULL, updatedAt = ? WHERE stationId = ? AND state = 'offered'",
                arguments: [now.epoch, stationId])
            return RevokeResult(stationId: stationId, revokedAt: now, requeued: db.changesCount)
        }
    }

    public func station(credentialHash: Data) async throws -> StationRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(StationRecord.columns) FROM station s WHERE s.credentialHash = ?", arguments: [credentialHash])
                .map(StationRecord.init(row:))
        }
    }

    public func station(id: String) async throws -> StationRecord? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(StationRecord.columns) FROM station s WHERE s.id = ?", arguments: [id]).map(StationRecord.init(row:))
        }
    }

    /// Every station's stored credential hash (audits and tests: no secret is stored).
    func credentialHashes() async throws -> [Data] {
        try await writer.read { db in try Data.fetchAll(db, sql: "SELECT credentialHash FROM station ORDER BY id") }
    }

    public func touch(stationId: String, now: Date) async throws {
        try await writer.write { db in
            try db.execute(sql: "UPDATE station SET lastSeenAt = ? WHERE id = ?", arguments: [now.epoch, stationId])
        }
    }
}

// MARK: - Jobs for stations

extension SQLiteHubStore {
    public func lease(station: StationRecord, max: Int, now: Date, leaseUntil: Date) async throws -> [LeasedJob] {
        try await writer.write { db in
            // Two walks of the queue index, one per state, merged: a single query with
            // `state = 'approved' OR state = 'offered'` reads every job the kecamatan ever
            // had (claimed, printed, handed over) and sorts them, at every poll.
            var candidates: [(key: QueueKey, value: Row)] = []
            // A job held for an earlier card of the same NIK is never offered.
            // A job moved to one station is offered to it alone.
            for (state, condition) in [("approved", " AND heldFor IS NULL"), ("offered", " AND leaseExpiresAt <= ?")] {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, priority, approvedAt, contentHash, document FROM job
                        WHERE kecamatanCode = ? AND state = '\(state)'\(condition) AND (assignedStationId IS NULL OR assignedStationId = ?)
                        ORDER BY priority DESC, approvedAt, id LIMIT ?
                        """,
                    arguments: state == "approved" ? [station.kecamatanCode, station.id, max] : [station.kecamatanCode, now.epoch, station.id, max])
                candidates += rows.map { (QueueKey(id: $0["id"], priority: QueueKey.priority(column: $0["priority"]), approvedAt: $0["approvedAt"]), $0) }
            }
            let picked = LeaseRule.pick(candidates, max: max)
            for chunk in picked.chunked(into: 500) {
                try db.execute(
                    sql: """
                        UPDATE job SET state = 'offered', stationId = ?, leaseExpiresAt = ?, offerCount = offerCount + 1, updatedAt = ?
                        WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))
                        """,
                    arguments: [station.id, leaseUntil.epoch, now.epoch] + StatementArguments(chunk.map(\.key.id)))
            }
            return try picked.map { key, row in
                LeasedJob(id: try JobID(key.id), priority: key.priority, leaseExpiresAt: leaseUntil, contentHash: row["contentHash"], document: row["document"])
            }
        }
    }

    public func releaseHold(_ id: JobID, reason: String, by person: String, now: Date) async throws -> JobView {
        try await writer.write { db in
            guard let earlier = try String.fetchOne(db, sql: "SELECT heldFor FROM job WHERE id = ?", arguments: [id.rawValue]) else {
                throw HubError(.conflict, "job \(id) tidak sedang ditahan")
            }
            try db.execute(sql: "UPDATE job SET heldFor = NULL, updatedAt = ? WHERE id = ?", arguments: [now.epoch, id.rawValue])
            try db.execute(
                sql: "INSERT INTO hubAudit(at, actor, action, jobId, detail) VALUES (?, ?, 'penahanan NIK ganda dilepas', ?, ?)",
                arguments: [now.epoch, person, id.rawValue, "kartu sebelumnya: job \(earlier); alasan: \(reason)"])
        }
        guard let view = try await job(id) else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
        return view
    }

    public func release(station: StationRecord, jobs: [JobID], now: Date) async throws -> Int {
        try await writer.write { db in
            var released = 0
            for id in jobs {
                try db.execute(
                    sql:
                        "UPDATE job SET state = 'approved', stationId = NULL, leaseExpiresAt = NULL, updatedAt = ? WHERE id = ? AND state = 'offered' AND stationId = ?",
                    arguments: [now.epoch, id.rawValue, station.id])
                released += db.changesCount
            }
            return released
        }
    }

    public func glance(station: StationRecord, now: Date) async throws -> QueueGlance {
        try await writer.read { db in
            let mine = "kecamatanCode = ? AND (assignedStationId IS NULL OR assignedStationId = ?)"
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM job WHERE \(mine) AND state = 'approved' AND heldFor IS NULL)
                        OR EXISTS (SELECT 1 FROM job WHERE \(mine) AND state = 'offered' AND leaseExpiresAt <= ?),
                        (SELECT MIN(leaseExpiresAt) FROM job WHERE \(mine) AND state = 'offered' AND leaseExpiresAt > ?)
                    """,
                arguments: [station.kecamatanCode, station.id, station.kecamatanCode, station.id, now.epoch, station.kecamatanCode, station.id, now.epoch])
            return QueueGlance(takeable: row?[0] ?? false, nextLeaseExpiry: (row?[1] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    public func ack(station: StationRecord, jobs: [JobID], now: Date) async throws -> AckResult {
        try await writer.write { db in
            let ids = Array(Set(jobs))
            var held: [JobID: AckRule.Held] = [:]
            for chunk in ids.chunked(into: 500) {
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT id, kecamatanCode, state, stationId, heldFor, assignedStationId FROM job WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk.map(\.rawValue)))
                for row in rows {
                    held[try JobID(row["id"])] = AckRule.Held(
                        kecamatanCode: row["kecamatanCode"], state: try HubJobState(stored: row["state"]), stationId: row["stationId"],
                        heldFor: row["heldFor"], assignedStationId: row["assignedStationId"])
                }
            }
            let (claim, already) = try AckRule.classify(jobs, held: held, stationId: station.id, kecamatan: station.kecamatanCode)
            for chunk in claim.chunked(into: 500) {
                try db.execute(
                    sql: """
                        UPDATE job SET state = 'claimed', stationId = ?, leaseExpiresAt = NULL, stationState = COALESCE(stationState, 'queued'), updatedAt = ?
                        WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))
                        """,
                    arguments: [station.id, now.epoch] + StatementArguments(chunk.map(\.rawValue)))
            }
            return AckResult(claimed: claim, already: already)
        }
    }

    public func reconcile(station: StationRecord) async throws -> ReconcileResult {
        try await writer.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, state, stationState, leaseExpiresAt FROM job WHERE stationId = ? AND state <> 'approved' ORDER BY id",
                arguments: [station.id])
            let jobs = try rows.map { row in
                ReconcileJob(
                    id: try JobID(row["id"]), state: try HubJobState(stored: row["state"]),
                    stationState: try JobState(stored: row["stationState"]), leaseExpiresAt: row.date("leaseExpiresAt"))
            }
            let highest = try Int64.fetchOne(db, sql: "SELECT highestSeq FROM station WHERE id = ?", arguments: [station.id]) ?? 0
            return ReconcileResult(
                stationId: station.id, kecamatanCode: station.kecamatanCode, jobs: jobs, highestSeq: highest,
                gaps: try Self.gaps(db, stationId: station.id, firstSeq: station.firstSeq))
        }
    }

    /// Holes in a station's sequence (`EventIntake.gaps`), the holes between held seqs at
    /// most 100.
    static func gaps(_ db: Database, stationId: String, firstSeq: Int64) throws -> [SeqGap] {
        let lowest = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM stationEvent WHERE stationId = ?", arguments: [stationId])
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT seq, next FROM (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next FROM stationEvent WHERE stationId = ?)
                WHERE next - seq > 1 ORDER BY seq LIMIT 100
                """,
            arguments: [stationId])
        return EventIntake.gaps(firstSeq: firstSeq, lowestHeld: lowest, between: rows.map { ($0["seq"], $0["next"]) })
    }
}
