import EKTPDomain
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

extension Date {
    var epoch: Double { timeIntervalSince1970 }
}

extension StationRecord {
    static let columns = """
        s.id, s.name, s.kecamatanCode, s.enrolledAt, s.credentialExpiresAt, s.revokedAt, s.lastSeenAt,
        s.lastHeartbeatAt, s.firstSeq, s.highestSeq, s.outboxBacklog, s.stopped, s.version,
        (SELECT COUNT(*) FROM job j WHERE j.stationId = s.id AND j.state IN ('claimed','printed','spoiled-reprint-needed')) AS heldJobs
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
    public func storeApproved(_ jobs: [IncomingJob], now: Date) async throws -> (stored: [JobID], duplicates: [JobID]) {
        try await writer.write { db in
            var stored: [JobID] = []
            var duplicates: [JobID] = []
            var conflicts: [String] = []
            var seen: [JobID: Data] = [:]
            for job in jobs {
                if let earlier = seen[job.id] {
                    if earlier == job.contentHash {
                        duplicates.append(job.id)
                    } else {
                        conflicts.append("job \(job.id): muncul dua kali dalam kiriman ini dengan isi berbeda")
                    }
                    continue
                }
                seen[job.id] = job.contentHash
                if let held = try Data.fetchOne(db, sql: "SELECT contentHash FROM job WHERE id = ?", arguments: [job.id.rawValue]) {
                    if held == job.contentHash {
                        duplicates.append(job.id)
                    } else {
                        conflicts.append("job \(job.id): id sudah ada di hub dengan isi berbeda")
                    }
                    continue
                }
                try db.execute(
                    sql: """
                        INSERT INTO job(id, kecamatanCode, priority, approvedAt, state, contentHash, keyId, document, maskedNik, receivedAt, updatedAt)
                        VALUES (?, ?, ?, ?, 'approved', ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        job.id.rawValue, job.kecamatanCode, job.priority == .urgent ? 1 : 0, job.approvedAt.epoch,
                        job.contentHash, job.keyId, job.document, job.maskedNik, now.epoch, now.epoch,
                    ])
                stored.append(job.id)
            }
            if !conflicts.isEmpty {
                // Throwing rolls the whole batch back: all or nothing.
                throw HubError(
                    .conflict, "\(conflicts.count) dari \(jobs.count) job bentrok dengan yang sudah ada; tidak ada yang disimpan", details: conflicts)
            }
            return (stored, duplicates)
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
            guard let token = try Row.fetchOne(db, sql: "SELECT * FROM enrollmentToken WHERE tokenHash = ?", arguments: [tokenHash]) else {
                throw HubError(.unauthorized, "token pendaftaran tidak dikenal")
            }
            if token["usedAt"] as Double? != nil {
                throw HubError(.unauthorized, "token pendaftaran sudah dipakai; minta token baru ke admin hub")
            }
            if let expires = token.date("expiresAt"), expires <= now {
                throw HubError(.credentialExpired, "token pendaftaran sudah kedaluwarsa; minta token baru ke admin hub")
            }
            let kecamatan: String = token["kecamatanCode"]
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

/// The queue's order: urgent first, then by approval time, then by id.
enum QueueOrder {
    static func precedes(_ a: Row, _ b: Row) -> Bool {
        precedes((a["priority"], a["approvedAt"], a["id"]), (b["priority"], b["approvedAt"], b["id"]))
    }

    static func precedes(_ a: (priority: Int, approvedAt: Double, id: String), _ b: (priority: Int, approvedAt: Double, id: String)) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.approvedAt != b.approvedAt { return a.approvedAt < b.approvedAt }
        return a.id < b.id
    }
}

extension SQLiteHubStore {
    public func lease(station: StationRecord, max: Int, now: Date, leaseUntil: Date) async throws -> [LeasedJob] {
        try await writer.write { db in
            // Two walks of the queue index, one per state, merged: a single query with
            // `state = 'approved' OR state = 'offered'` reads every job the kecamatan ever
            // had (claimed, printed, handed over) and sorts them, at every poll.
            var rows: [Row] = []
            for (state, expired) in [("approved", ""), ("offered", " AND leaseExpiresAt <= ?")] {
                rows += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, priority, approvedAt, contentHash, document FROM job
                        WHERE kecamatanCode = ? AND state = '\(state)'\(expired)
                        ORDER BY priority DESC, approvedAt, id LIMIT ?
                        """,
                    arguments: expired.isEmpty ? [station.kecamatanCode, max] : [station.kecamatanCode, now.epoch, max])
            }
            rows = Array(rows.sorted(by: QueueOrder.precedes).prefix(max))
            var leased: [LeasedJob] = []
            for row in rows {
                let id: String = row["id"]
                try db.execute(
                    sql: "UPDATE job SET state = 'offered', stationId = ?, leaseExpiresAt = ?, offerCount = offerCount + 1, updatedAt = ? WHERE id = ?",
                    arguments: [station.id, leaseUntil.epoch, now.epoch, id])
                leased.append(
                    LeasedJob(
                        id: try JobID(id), priority: (row["priority"] as Int) == 1 ? .urgent : .normal, leaseExpiresAt: leaseUntil,
                        contentHash: row["contentHash"], document: row["document"]))
            }
            return leased
        }
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

    public func nextLeaseExpiry(kecamatan: String) async throws -> Date? {
        try await writer.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(leaseExpiresAt) FROM job WHERE kecamatanCode = ? AND state = 'offered'", arguments: [kecamatan])
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    public func ack(station: StationRecord, jobs: [JobID], now: Date) async throws -> AckResult {
        try await writer.write { db in
            var claimed: [JobID] = []
            var already: [JobID] = []
            var forbidden: [String] = []
            var missing: [String] = []
            var conflicts: [String] = []
            for id in Array(Set(jobs)).sorted() {
                guard let row = try Row.fetchOne(db, sql: "SELECT kecamatanCode, state, stationId FROM job WHERE id = ?", arguments: [id.rawValue]) else {
                    missing.append("job \(id): tidak dikenal di hub")
                    continue
                }
                guard (row["kecamatanCode"] as String) == station.kecamatanCode else {
                    forbidden.append("job \(id): milik kecamatan lain")
                    continue
                }
                let state = HubJobState(rawValue: row["state"]) ?? .approved
                guard (row["stationId"] as String?) == station.id else {
                    conflicts.append("job \(id): \(state == .approved ? "belum ditawarkan ke stasiun ini" : "sedang dipegang stasiun lain")")
                    continue
                }
                if state == .offered {
                    try db.execute(
                        sql:
                            "UPDATE job SET state = 'claimed', leaseExpiresAt = NULL, stationState = COALESCE(stationState, 'queued'), updatedAt = ? WHERE id = ?",
                        arguments: [now.epoch, id.rawValue])
                    claimed.append(id)
                } else {
                    already.append(id)
                }
            }
            if !forbidden.isEmpty {
                throw HubError(
                    .forbidden, "stasiun ini hanya boleh mengakui job kecamatan \(station.kecamatanCode); tidak ada yang diubah",
                    details: forbidden + missing + conflicts)
            }
            if !missing.isEmpty {
                throw HubError(.notFound, "ada job yang tidak dikenal; tidak ada yang diubah", details: missing + conflicts)
            }
            if !conflicts.isEmpty {
                throw HubError(.conflict, "ada job yang tidak sedang ditawarkan ke stasiun ini; tidak ada yang diubah", details: conflicts)
            }
            return AckResult(claimed: claimed, already: already)
        }
    }

    public func reconcile(station: StationRecord) async throws -> ReconcileResult {
        try await writer.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, state, stationState, leaseExpiresAt FROM job WHERE stationId = ? AND state <> 'approved' ORDER BY id",
                arguments: [station.id])
            let jobs = try rows.map { row in
                ReconcileJob(
                    id: try JobID(row["id"]), state: HubJobState(rawValue: row["state"]) ?? .claimed,
                    stationState: (row["stationState"] as String?).flatMap(JobState.init(rawValue:)), leaseExpiresAt: row.date("leaseExpiresAt"))
            }
            let highest = try Int64.fetchOne(db, sql: "SELECT highestSeq FROM station WHERE id = ?", arguments: [station.id]) ?? 0
            return ReconcileResult(
                stationId: station.id, kecamatanCode: station.kecamatanCode, jobs: jobs, highestSeq: highest,
                gaps: try Self.gaps(db, stationId: station.id, firstSeq: station.firstSeq))
        }
    }

    /// Holes in a station's sequence, from its `firstSeq` up to the highest seq received;
    /// at most 100.
    static func gaps(_ db: Database, stationId: String, firstSeq: Int64) throws -> [SeqGap] {
        var gaps: [SeqGap] = []
        if let first = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM stationEvent WHERE stationId = ?", arguments: [stationId]), first > firstSeq {
            gaps.append(SeqGap(from: firstSeq, to: first - 1))
        }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT seq, next FROM (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS next FROM stationEvent WHERE stationId = ?)
                WHERE next - seq > 1 ORDER BY seq LIMIT 100
                """,
            arguments: [stationId])
        for row in rows { gaps.append(SeqGap(from: (row["seq"] as Int64) + 1, to: (row["next"] as Int64) - 1)) }
        return gaps
    }
}
