@preconcurrency import Crypto
import EKTPDomain
import EKTPWire
import Foundation
import GRDB

extension Schema {
    /// Sync with the hub: offers the station refused, so a job re-offered after a crash
    /// is refused again without a second report.
    static func syncTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE refusedOffer (
                    jobId TEXT PRIMARY KEY NOT NULL,
                    contentHash BLOB NOT NULL,
                    reason TEXT NOT NULL,
                    at REAL NOT NULL,
                    seq INTEGER NOT NULL
                );
                """)
    }
}

/// Outbox events ready to go upstream: their sequence numbers and the JSON body of a
/// `POST /v1/station/events`, built from the stored JSON without decoding it.
public struct OutboxBatch: Sendable {
    public let seqs: [Int64]
    public let body: Data
}

extension StationStore {
    // MARK: Outbox, seen from the sync

    /// The sequence number a new hub credential starts at: the first event the hub has
    /// not taken yet (everything before it was delivered under an earlier credential).
    public func firstUndeliveredSeq() throws -> Int64 {
        try read { db in
            if let unsent = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM outbox WHERE sentAt IS NULL") { return unsent }
            return (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM outbox") ?? 0) + 1
        }
    }

    /// Up to `limit` undelivered events from `from` on, in sequence order, as one batch.
    public func undelivered(from: Int64, limit: Int) throws -> OutboxBatch? {
        try read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT seq, at, event FROM outbox WHERE sentAt IS NULL AND seq >= ? ORDER BY seq LIMIT ?", arguments: [from, limit])
            guard !rows.isEmpty else { return nil }
            // The hub's decoder reads ISO 8601 to the second (`WireCoding`).
            let time = ISO8601DateFormatter()
            var body = Data(#"{"events":["#.utf8)
            var seqs: [Int64] = []
            seqs.reserveCapacity(rows.count)
            for (i, row) in rows.enumerated() {
                let seq: Int64 = row["seq"]
                let event: String = row["event"]
                if i > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: Array(#"{"at":"\#(time.string(from: Date(timeIntervalSince1970: row["at"])))","event":"#.utf8))
                body.append(contentsOf: Array(event.utf8))
                body.append(contentsOf: Array(#","seq":\#(seq)}"#.utf8))
                seqs.append(seq)
            }
            body.append(contentsOf: Array("]".utf8))
            // The audit chain's head as it stands now: the hub keeps it (AuditAnchor).
            if let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") {
                let hash = AuditChain.hex(row["hash"])
                body.append(contentsOf: Array(#","auditHead":{"seq":\#(row["seq"] as Int64),"hash":"\#(hash)"}"#.utf8))
            }
            body.append(contentsOf: Array("}".utf8))
            return OutboxBatch(seqs: seqs, body: body)
        }
    }

    /// Marks events as held by the hub (its answer to a batch named them accepted or
    /// already had). An event is only ever marked after the hub said so (invariant 4).
    public func markDelivered(_ seqs: [Int64]) throws {
        guard !seqs.isEmpty else { return }
        let at = clock().timeIntervalSince1970
        try write { db in
            for chunk in stride(from: 0, to: seqs.count, by: 500) {
                let part = seqs[chunk..<min(chunk + 500, seqs.count)]
                try db.execute(
                    sql: "UPDATE outbox SET sentAt = ? WHERE sentAt IS NULL AND seq IN (\(part.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments([at] + part.map { $0 as (any DatabaseValueConvertible) }))
            }
        }
    }

    /// Makes delivered events undelivered again, so they are sent once more: the hub's
    /// reconcile reported them missing (`gaps`) or above what it holds (a hub restored
    /// from an older backup). The hub ingests by sequence number, so nothing doubles.
    /// Returns how many events go again.
    @discardableResult
    public func redeliver(gaps: [SeqGap], above highest: Int64, from first: Int64) throws -> Int {
        try write { db in
            var count = 0
            for gap in gaps where gap.to >= first {
                try db.execute(
                    sql: "UPDATE outbox SET sentAt = NULL WHERE sentAt IS NOT NULL AND seq BETWEEN ? AND ?", arguments: [max(gap.from, first), gap.to])
                count += db.changesCount
            }
            try db.execute(sql: "UPDATE outbox SET sentAt = NULL WHERE sentAt IS NOT NULL AND seq > ?", arguments: [max(highest, first - 1)])
            count += db.changesCount
            return count
        }
    }

    /// The highest sequence number written so far (0 before any event).
    public func lastSeq() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM outbox") ?? 0 }
    }

    // MARK: Offers from the hub

    /// Records that the station refused a job the hub offered (bad signature, another
    /// kecamatan, data the card cannot carry, an id it holds with other content), and
    /// reports it upstream through the outbox in the same transaction. The same offer
    /// refused again (re-offered after a crash before the ack) is not reported twice.
    /// Returns whether this was the first refusal.
    @discardableResult
    public func refuseOffer(jobId: String, document: Data, reason: String) throws -> Bool {
        let hash = Data(SHA256.hash(data: document))
        return try transaction(actor: "sync") { tx in
            if try Data.fetchOne(tx.db, sql: "SELECT contentHash FROM refusedOffer WHERE jobId = ?", arguments: [jobId]) == hash {
                return false
            }
            let id = try? JobID(jobId)
            let seq = try tx.outbox(.jobRejected(job: id, reason: reason))
            try tx.db.execute(
                sql: """
                    INSERT INTO refusedOffer(jobId, contentHash, reason, at, seq) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(jobId) DO UPDATE SET contentHash = excluded.contentHash, reason = excluded.reason, at = excluded.at, seq = excluded.seq
                    """,
                arguments: [jobId, hash, reason, tx.at, seq])
            try tx.audit("tawaran hub ditolak", job: id?.rawValue, detail: String(reason.prefix(300)))
            return true
        }
    }

    /// Whether the station already refused this exact offer.
    public func refusedOffer(jobId: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT reason FROM refusedOffer WHERE jobId = ?", arguments: [jobId]) }
    }

    /// The station's states of these jobs (absent ones are not in the map).
    public func states(of ids: [JobID]) throws -> [JobID: JobState] {
        try read { db in
            var result: [JobID: JobState] = [:]
            for part in ids.chunked(into: 500) {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT id, state FROM job WHERE id IN (\(databaseQuestionMarks(count: part.count)))",
                    arguments: StatementArguments(part.map(\.rawValue)))
                for row in rows {
                    result[try JobID(row["id"] as String)] = try JobState(stored: row["state"], column: "job.state")
                }
            }
            return result
        }
    }

    /// The version and state of jobs the station holds (`ids`, or every job), for the hub
    /// to settle its record to; jobs the station refused are not its to report.
    public func reportedStates(of ids: [JobID]? = nil) throws -> [ReportedJobState] {
        try read { db in
            let rows: [Row]
            if let ids {
                rows = try ids.chunked(into: 500).flatMap { part in
                    try Row.fetchAll(
                        db, sql: "SELECT id, contentHash, state FROM job WHERE state <> 'rejected' AND id IN (\(databaseQuestionMarks(count: part.count)))",
                        arguments: StatementArguments(part.map(\.rawValue)))
                }
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT id, contentHash, state FROM job WHERE state <> 'rejected' ORDER BY rowid")
            }
            return try rows.map { row in
                ReportedJobState(
                    id: try JobID(row["id"] as String), contentHash: row["contentHash"], state: try JobState(stored: row["state"], column: "job.state"))
            }
        }
    }

    /// Raises an alert for the operator (and the hub, through the outbox).
    public func raiseAlert(_ alert: Alert, actor: String) throws {
        try transaction(actor: actor) { tx in try tx.raise(alert) }
    }

    /// `by` takes the open alert `id` on: it stays open until its condition is gone, now
    /// with a name beside it, here and at the hub (`alertAcknowledged`).
    public func acknowledgeAlert(_ id: Int64, by person: String) throws -> AlertView {
        try transaction(actor: person) { tx in
            guard let row = try Row.fetchOne(tx.db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]) else {
                throw StationError(.notFound, "peringatan \(id) tidak ada")
            }
            guard row["clearedAt"] as Double? == nil else { throw StationError(.conflict, "peringatan \(id) sudah selesai") }
            if let by = row["acknowledgedBy"] as String? {
                throw StationError(.conflict, "peringatan \(id) sudah ditangani \(by)")
            }
            try tx.db.execute(sql: "UPDATE alert SET acknowledgedAt = ?, acknowledgedBy = ? WHERE id = ?", arguments: [tx.at, person, id])
            if let seq = row["eventSeq"] as Int64? { _ = try tx.outbox(.alertAcknowledged(alert: seq, by: person)) }
            try tx.audit("peringatan \(row["kind"] as String) ditangani", detail: row["message"])
            var view = try Self.alertView(row)
            view.acknowledgedBy = person
            view.acknowledgedAt = tx.now
            return view
        }
    }

    /// Clears the open alerts of `kind` whose text is not among `messages`: a check that
    /// looked again and found only `messages` (a reconcile).
    public func clearAlerts(_ kind: Alert.Kind, except messages: Set<String>, actor: String) throws {
        try transaction(actor: actor) { tx in try tx.clearAlerts(kind, except: messages) }
    }

    /// Raises an alert unless the same one is still open: a difference reconcile finds
    /// again is one alert, not one per reconcile.
    public func raiseAlertOnce(_ alert: Alert, actor: String) throws {
        try transaction(actor: actor) { tx in
            let open = try Int.fetchOne(
                tx.db, sql: "SELECT 1 FROM alert WHERE clearedAt IS NULL AND kind = ? AND message = ? LIMIT 1", arguments: [alert.kind.rawValue, alert.message])
            if open == nil { try tx.raise(alert) }
        }
    }
}

extension StationStore {
    /// Audits a backup made while the daemon ran.
    public func recordBackup(_ path: String, by person: String) throws {
        try transaction(actor: person) { tx in try tx.audit("cadangan dibuat", detail: path) }
    }

    /// Audits a person lifting the hold on printing after a rollback.
    public func recordHoldReleased(reason: String, by person: String) throws {
        try transaction(actor: person) { tx in
            try tx.audit("penahanan cetak dilepas", detail: reason)
            try tx.clearAlerts(.rollback, startingWith: "")
        }
    }

    /// Audits a printer added while the daemon ran.
    public func recordPrinterAdded(_ device: DeviceID, uri: String, by person: String) throws {
        try transaction(actor: person) { tx in
            try tx.audit("printer ditambahkan", detail: "\(device) di \(uri)")
            try tx.clearAlerts(.printerFound, device: device)
        }
    }

    /// Audits an enrollment at a hub.
    public func recordEnrollment(hub: String, stationId: String, firstSeq: Int64, by person: String) throws {
        try transaction(actor: person) { tx in
            try tx.audit("terdaftar di hub", detail: "\(hub) sebagai \(stationId), peristiwa mulai nomor \(firstSeq)")
        }
    }
}

extension StationStore {
    /// SQLite's quick integrity check of a database file, opened read-only so a damaged
    /// file is left exactly as it is: "ok", or what is damaged.
    public static func quickCheck(path: String) throws -> String {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check").joined(separator: "; ") }
    }

    /// A consistent copy of the database while the daemon runs (SQLite's online backup),
    /// created 0600: it holds sealed personal data and the whole ledger.
    public func backup(to path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw StationError(.conflict, "\(path) sudah ada; pilih nama lain") }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StationError(.invalid, "\(path) tidak bisa dibuat (folder ada dan bisa ditulis ektpd?)")
        }
        do {
            let destination = try DatabaseQueue(path: path)
            try writer.backup(to: destination)
            try destination.close()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw StationError(.invalid, "cadangan ke \(path) gagal: \(error)")
        }
    }
}
