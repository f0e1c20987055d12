@preconcurrency import Crypto
import EKTPDomain
import EKTPWire
import Foundation
import GRDB

/// The station's durable state: jobs, the blangko ledger, devices, the outbox and the
/// audit chain, in one SQLite database (WAL, `synchronous=FULL`).
///
/// Every write that keeps an invariant is one method and one transaction: a job's state
/// change, its ledger entry, its outbox event and its audit record commit together or not
/// at all (DESIGN.md invariants 1, 3 and 4).
public struct StationStore: Sendable {
    let writer: any DatabaseWriter
    let sealer: PersonalDataSealer
    let clock: @Sendable () -> Date
    /// The office's time zone (from its kecamatan code): "today", month boundaries and the
    /// days stock use is grouped by.
    public let zone: OfficeZone
    /// Whether the last write failed for the storage's sake (disk full, read-only, damaged).
    public let health: StorageHealth

    /// Opens (creating and migrating if needed) the database at `path`.
    public init(path: String, key: SymmetricKey, zone: OfficeZone = .wib, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: config)
        try self.init(writer: pool, key: key, zone: zone, clock: clock, path: path)
    }

    /// An in-memory store, for tests and benchmarks.
    public static func inMemory(
        key: SymmetricKey = SymmetricKey(size: .bits256), zone: OfficeZone = .wib, clock: @escaping @Sendable () -> Date = { Date() }
    ) throws -> StationStore {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        return try StationStore(writer: DatabaseQueue(configuration: config), key: key, zone: zone, clock: clock)
    }

    init(writer: any DatabaseWriter, key: SymmetricKey, zone: OfficeZone, clock: @escaping @Sendable () -> Date, path: String = ":memory:") throws {
        self.writer = writer
        self.zone = zone
        self.health = StorageHealth(path: path)
        self.sealer = PersonalDataSealer(key: key)
        self.clock = clock
        try Schema.migrator.migrate(writer)
        try keyNIKs()
        try fillDeliveries()
    }

    /// The date at the office now.
    public func today() -> CivilDate { zone.today(clock()) }

    /// Runs `body` in one write transaction with the helpers that keep invariants.
    func transaction<T>(actor: String, _ body: (inout Tx) throws -> T) throws -> T {
        let now = clock()
        return try write { db in
            var tx = Tx(db: db, now: now, actor: actor, sealer: sealer)
            return try body(&tx)
        }
    }

    /// Every write goes through here, so a full or read-only disk is noticed and named.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try health.guarding { try writer.write(body) }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            let result = try await writer.write(body)
            health.clear()
            return result
        } catch {
            throw health.translate(error)
        }
    }

    /// After a storage fault: tries one real write (the database header, unchanged), so the
    /// fault clears as soon as the disk has room again, even when nothing else writes.
    public func probeStorage() {
        guard health.current != nil else { return }
        _ = try? write { db in
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            try db.execute(sql: "PRAGMA user_version = \(version)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }
}

// MARK: - The transaction helpers

/// The writes an invariant-keeping method is made of. Only `StationStore` creates one,
/// inside a transaction.
struct Tx {
    let db: Database
    let now: Date
    let actor: String
    let sealer: PersonalDataSealer

    var at: Double { now.timeIntervalSince1970 }

    /// Appends an event to the outbox; its rowid is the station's sequence number.
    @discardableResult
    func outbox(_ event: StationEvent) throws -> Int64 {
        let json = String(decoding: try WireCoding.encoder().encode(event), as: UTF8.self)
        try db.execute(sql: "INSERT INTO outbox(at, event) VALUES (?, ?)", arguments: [at, json])
        return db.lastInsertedRowID
    }

    /// Appends a record to the audit chain.
    func audit(_ action: String, job: String? = nil, maskedNIK: String? = nil, detail: String) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        let prev: Data = last?["hash"] ?? AuditChain.genesis
        let seq: Int64 = (last?["seq"] ?? 0) + 1
        let record = AuditChain.Record(seq: seq, at: at, actor: actor, action: action, jobId: job, maskedNik: maskedNIK, detail: detail)
        let hash = AuditChain.hash(record, previous: prev)
        try db.execute(
            sql: "INSERT INTO audit(seq, at, actor, action, jobId, maskedNik, detail, prevHash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
            arguments: [seq, at, actor, action, job, maskedNIK, detail, prev, hash])
    }

    /// Writes one ledger movement, updates the running balances (refusing a physical place
    /// below zero), and reports it upstream.
    @discardableResult
    func ledger(_ m: LedgerMovement, job: JobID? = nil, cause: SpoilCause? = nil, note: String? = nil, document: String? = nil) throws -> Int64 {
        if m.from.isPhysical {
            let have = try balance(m.from)
            if have < m.quantity {
                throw StationError(.stockRefused, "blangko di \(m.from) hanya \(have), tidak cukup untuk \(m.quantity)")
            }
        }
        try db.execute(
            sql: "INSERT INTO ledger(at, kind, fromPlace, toPlace, quantity, jobId, cause, note, document, actor) VALUES (?,?,?,?,?,?,?,?,?,?)",
            arguments: [at, m.kind.rawValue, m.from.key, m.to.key, m.quantity, job?.rawValue, cause?.rawValue, note, document, actor])
        let id = db.lastInsertedRowID
        for (place, delta) in [(m.from, -m.quantity), (m.to, m.quantity)] {
            // Update first: an upsert would check the CHECK constraint on the bare delta.
            try db.execute(sql: "UPDATE stockBalance SET quantity = quantity + ? WHERE place = ?", arguments: [delta, place.key])
            if db.changesCount == 0 {
                try db.execute(sql: "INSERT INTO stockBalance(place, quantity) VALUES (?, ?)", arguments: [place.key, delta])
            }
        }
        try outbox(.ledger(kind: m.kind, from: m.from, to: m.to, quantity: m.quantity, job: job, cause: cause, note: note))
        return id
    }

    func balance(_ place: StockPlace) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT quantity FROM stockBalance WHERE place = ?", arguments: [place.key]) ?? 0
    }

    /// Loads a job row for a state change, or throws not-found.
    func jobRow(_ id: JobID) throws -> JobRow {
        guard let row = try JobRow.fetch(db, id: id) else {
            throw StationError(.notFound, "job \(id) tidak ada di stasiun ini")
        }
        return row
    }

    /// Moves a job through the state machine, reporting and auditing the change.
    @discardableResult
    func transition(_ row: JobRow, _ t: JobTransition, device: DeviceID? = nil, detail: String? = nil) throws -> JobState {
        let next: JobState
        do { next = try row.state.applying(t) } catch {
            throw StationError(.illegalTransition, "job \(row.id): \(error.description)")
        }
        let startsAttempt = t == .startPrinting
        try db.execute(
            sql: "UPDATE job SET state = ?, updatedAt = ?, deviceId = COALESCE(?, deviceId), attempts = attempts + ? WHERE id = ?",
            arguments: [next.rawValue, at, device?.rawValue, startsAttempt ? 1 : 0, row.id.rawValue])
        try outbox(.jobStateChanged(job: row.id, from: row.state, to: next, device: device ?? row.device, detail: detail, contentHash: row.contentHash))
        try audit("job \(row.state.rawValue) → \(next.rawValue)", job: row.id.rawValue, maskedNIK: row.maskedNIK, detail: detail ?? "")
        return next
    }

    /// Who recorded the job's latest spoilage, from the audit trail.
    func spoilageRecorder(_ id: JobID) throws -> String? { try Self.spoilageRecorder(db, id) }

    static func spoilageRecorder(_ db: Database, _ id: JobID) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT actor FROM audit WHERE jobId = ? AND action LIKE 'job % → spoiled' ORDER BY seq DESC LIMIT 1", arguments: [id.rawValue])
    }

    /// Clears the open alerts of `kind` about job `id` (their message starts with `job ID `),
    /// once the decision they asked for is taken.
    func clearAlerts(_ kind: Alert.Kind, about id: JobID) throws { try clearAlerts(kind, startingWith: "job \(id.rawValue) ") }

    /// Clears the open alerts of `kind` whose message starts with `prefix`, exactly.
    func clearAlerts(_ kind: Alert.Kind, startingWith prefix: String) throws {
        try clearAlerts(
            where: "kind = ? AND substr(message, 1, length(?)) = ?", arguments: [kind.rawValue, prefix, prefix])
    }

    /// Clears the open alerts of `kind` about `device`: the condition they reported is over.
    func clearAlerts(_ kind: Alert.Kind, device: DeviceID) throws {
        try clearAlerts(where: "kind = ? AND deviceId = ?", arguments: [kind.rawValue, device.rawValue])
    }

    /// Clears the open alerts of `kind` whose text is not among `messages`.
    func clearAlerts(_ kind: Alert.Kind, except messages: Set<String>) throws {
        let keep = Array(messages)
        try clearAlerts(
            where: "kind = ?\(keep.isEmpty ? "" : " AND message NOT IN (\(databaseQuestionMarks(count: keep.count)))")",
            arguments: StatementArguments([kind.rawValue] + keep))
    }

    /// Clears the open alerts matching `condition`, telling the hub of each (`alertCleared`).
    private func clearAlerts(where condition: String, arguments: StatementArguments) throws {
        let open = try Row.fetchAll(db, sql: "SELECT id, eventSeq, kind, message FROM alert WHERE clearedAt IS NULL AND \(condition)", arguments: arguments)
        for row in open {
            try db.execute(sql: "UPDATE alert SET clearedAt = ? WHERE id = ?", arguments: [at, row["id"] as Int64])
            if let seq = row["eventSeq"] as Int64? { _ = try outbox(.alertCleared(alert: seq)) }
            try audit("peringatan \(row["kind"] as String) selesai", detail: row["message"])
        }
    }

    /// Records an alert for a person and reports it upstream.
    func raise(_ alert: Alert) throws {
        let seq = try outbox(.alert(alert: alert))
        try db.execute(
            sql: "INSERT INTO alert(at, kind, deviceId, message, eventSeq) VALUES (?,?,?,?,?)",
            arguments: [at, alert.kind.rawValue, alert.device?.rawValue, alert.message, seq])
        try audit("peringatan \(alert.kind.rawValue)", detail: alert.message)
    }
}

/// A job's row, without its sealed personal data.
struct JobRow {
    let id: JobID
    let state: JobState
    let priority: JobPriority
    let maskedNIK: String
    let device: DeviceID?
    let attempts: Int
    let receivedAt: Date
    let updatedAt: Date
    /// SHA-256 of the job's canonical content: which version of the job this is.
    let contentHash: Data
    /// The earlier job of the same NIK this one is held for.
    let heldFor: JobID?
    /// How the card leaves the office; nil only for a row whose document could not be read.
    let delivery: DeliveryMethod?

    static let columns = "id, state, priority, maskedNik, deviceId, attempts, receivedAt, updatedAt, contentHash, heldFor, delivery"

    init(row: Row) throws {
        do { id = try JobID(row["id"] as String) } catch { throw DamagedRecord(column: "job.id", value: row["id"]) }
        state = try JobState(stored: row["state"], column: "job.state")
        priority = (row["priority"] as Int) == 1 ? .urgent : .normal
        maskedNIK = row["maskedNik"]
        device = try (row["deviceId"] as String?).map { text in
            do { return try DeviceID(text) } catch { throw DamagedRecord(column: "job.deviceId", value: text) }
        }
        attempts = row["attempts"]
        receivedAt = Date(timeIntervalSince1970: row["receivedAt"])
        updatedAt = Date(timeIntervalSince1970: row["updatedAt"])
        contentHash = row["contentHash"]
        heldFor = try (row["heldFor"] as String?).map { text in
            do { return try JobID(text) } catch { throw DamagedRecord(column: "job.heldFor", value: text) }
        }
        delivery = (row["delivery"] as String?).flatMap(DeliveryMethod.init(rawValue:))
    }

    static func fetch(_ db: Database, id: JobID) throws -> JobRow? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM job WHERE id = ?", arguments: [id.rawValue]).map(JobRow.init)
    }

    var summary: JobSummary {
        JobSummary(
            id: id, state: state, priority: priority, maskedNIK: maskedNIK, device: device, attempts: attempts, receivedAt: receivedAt, updatedAt: updatedAt,
            heldFor: heldFor, delivery: delivery)
    }
}
