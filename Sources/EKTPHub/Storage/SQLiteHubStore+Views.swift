import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import GRDB

// MARK: - Views

extension SQLiteHubStore {
    public func stations() async throws -> [StationRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(StationRecord.listColumns) FROM station s ORDER BY s.kecamatanCode, s.id").map(StationRecord.init(row:))
        }
    }

    public func devices() async throws -> [DeviceView] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT d.*, s.kecamatanCode FROM device d JOIN station s ON s.id = d.stationId ORDER BY s.kecamatanCode, d.stationId, d.id"
            ).map { row in
                let state = try DeviceState(stored: row["state"])
                return DeviceView(
                    stationId: row["stationId"], kecamatanCode: row["kecamatanCode"], id: try DeviceID(row["id"]), model: row["model"],
                    status: state.status, reasons: state.reasons, vendorDetail: state.vendorDetail, supplies: state.supplies,
                    errorSince: row.date("errorSince"), updatedAt: row.date("updatedAt") ?? .distantPast, chip: try ChipCounts(stored: row["chip"]))
            }
        }
    }

    public func ledgerMovements(kabupaten code: String) async throws -> [KabupatenRollUp.Movement] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.kecamatanCode, COALESCE(e.at, e.receivedAt) AS at, e.event FROM stationEvent e JOIN station s ON s.id = e.stationId
                    WHERE e.kind = 'ledger' AND s.kecamatanCode LIKE ? ORDER BY e.stationId, e.seq
                    """, arguments: [code + ".%"]
            ).compactMap { KabupatenRollUp.movement(kecamatan: $0["kecamatanCode"], at: Date(timeIntervalSince1970: $0["at"]), json: $0["event"]) }
        }
    }

    public func stockFacts(consumedSince: Date) async throws -> StockFacts {
        try await writer.read { db in
            let balances = try Row.fetchAll(db, sql: "SELECT kecamatanCode, place, quantity FROM stockBalance").map {
                (kecamatan: $0["kecamatanCode"] as String, place: $0["place"] as String, quantity: $0["quantity"] as Int)
            }
            var consumed: [String: [Int: Int]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT kecamatanCode, CAST((at + \(OfficeZone.dayOffsetSQL(codeColumn: "kecamatanCode"))) / 86400 AS INTEGER) AS day,
                        SUM(quantity) AS q FROM consumption
                    WHERE at >= ? GROUP BY kecamatanCode, day
                    """, arguments: [consumedSince.epoch])
            {
                consumed[row["kecamatanCode"] as String, default: [:]][row["day"] as Int] = (row["q"] as Int)
            }
            let reported = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.kecamatanCode, r.place, SUM(r.quantity) AS q FROM stockReported r JOIN station s ON s.id = r.stationId
                    WHERE s.revokedAt IS NULL GROUP BY s.kecamatanCode, r.place
                    """
            ).map { (kecamatan: $0["kecamatanCode"] as String, place: $0["place"] as String, quantity: $0["q"] as Int) }
            var ribbons: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT kecamatanCode, SUM(ribbonPrints) AS p FROM station WHERE revokedAt IS NULL AND ribbonPrints IS NOT NULL GROUP BY kecamatanCode")
            {
                ribbons[row["kecamatanCode"]] = row["p"]
            }
            return try StockFacts(balances: balances, consumed: consumed, reported: reported, ribbonPrints: ribbons)
        }
    }

    public func backlog() async throws -> [BacklogEntry] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT kecamatanCode,
                        SUM(state IN ('approved', 'offered')) AS waiting,
                        SUM(state IN ('approved', 'offered') AND priority = 1) AS urgent,
                        SUM(state = 'claimed') AS atStation,
                        MIN(CASE WHEN state IN ('approved', 'offered') THEN approvedAt END) AS oldest,
                        SUM(state IN ('approved', 'offered', 'claimed') AND pemula = 1) AS pemula
                    FROM job GROUP BY kecamatanCode HAVING waiting > 0 OR atStation > 0
                    ORDER BY waiting DESC, kecamatanCode
                    """
            ).map { row in
                BacklogEntry(
                    kecamatanCode: row["kecamatanCode"], name: nil, waiting: row["waiting"], urgent: row["urgent"], atStation: row["atStation"],
                    oldestApprovedAt: row.date("oldest"), pemula: row["pemula"])
            }
        }
    }

    public func jobCounts() async throws -> [HubJobState: Int] {
        try await writer.read { db in
            var counts: [HubJobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                counts[try HubJobState(stored: row["state"])] = row["n"]
            }
            return counts
        }
    }

    public func stationAlerts(limit: Int) async throws -> [HubAlert] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT a.*, s.kecamatanCode FROM stationAlert a JOIN station s ON s.id = a.stationId WHERE a.clearedAt IS NULL ORDER BY a.id DESC LIMIT ?",
                arguments: [limit]
            ).map(Self.stationAlert)
        }
    }

    static func stationAlert(_ row: Row) -> HubAlert {
        HubAlert(
            stationAlert: row["kind"], stationId: row["stationId"], kecamatanCode: row["kecamatanCode"], device: row["device"], message: row["message"],
            at: row["at"], acknowledgedBy: row["acknowledgedBy"], acknowledgedAt: row["acknowledgedAt"])
    }

    public func claimAlertPushes(_ keys: Set<String>, now: Date) async throws -> Set<String> {
        try await writer.write { db in
            let held = Set(try String.fetchAll(db, sql: "SELECT key FROM alertPushed"))
            for gone in held.subtracting(keys) { try db.execute(sql: "DELETE FROM alertPushed WHERE key = ?", arguments: [gone]) }
            let fresh = keys.subtracting(held)
            for key in fresh { try db.execute(sql: "INSERT INTO alertPushed(key, at) VALUES (?, ?)", arguments: [key, now.epoch]) }
            return fresh
        }
    }

    public func claimEscalations(raisedBefore: Date, now: Date) async throws -> [HubAlert] {
        try await writer.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.*, s.kecamatanCode FROM stationAlert a JOIN station s ON s.id = a.stationId
                    WHERE a.clearedAt IS NULL AND a.acknowledgedAt IS NULL AND a.escalatedAt IS NULL AND a.at < ? AND s.revokedAt IS NULL
                    ORDER BY a.id LIMIT 500
                    """, arguments: [raisedBefore.epoch])
            for row in rows { try db.execute(sql: "UPDATE stationAlert SET escalatedAt = ? WHERE id = ?", arguments: [now.epoch, row["id"] as Int64]) }
            return rows.map(Self.stationAlert)
        }
    }

    public func gaps() async throws -> [String: [SeqGap]] {
        try await writer.read { db in
            var result: [String: [SeqGap]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, firstSeq FROM station WHERE highestSeq >= firstSeq AND revokedAt IS NULL") {
                let id: String = row["id"]
                let g = try Self.gaps(db, stationId: id, firstSeq: row["firstSeq"])
                if !g.isEmpty { result[id] = g }
            }
            return result
        }
    }

    public func job(_ id: JobID) async throws -> JobView? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = ?", arguments: [id.rawValue]) else { return nil }
            return JobView(
                id: id, kecamatanCode: row["kecamatanCode"], priority: QueueKey.priority(column: row["priority"]),
                state: try HubJobState(stored: row["state"]), stationId: row["stationId"],
                stationState: try JobState(stored: row["stationState"]), maskedNik: row["maskedNik"],
                approvedAt: row.date("approvedAt") ?? .distantPast, receivedAt: row.date("receivedAt") ?? .distantPast,
                leaseExpiresAt: row.date("leaseExpiresAt"), offers: row["offerCount"], heldFor: try (row["heldFor"] as String?).map { try JobID($0) },
                withdrawal: row.date("withdrawnAt").map { JobWithdrawal(job: id, reason: row["withdrawReason"] ?? "", by: row["withdrawBy"] ?? "", at: $0) },
                assignedStationId: row["assignedStationId"])
        }
    }

    public func sampleDocument() async throws -> (id: JobID, contentHash: Data, document: Data)? {
        try await writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, contentHash, document FROM job WHERE length(document) > 0 ORDER BY receivedAt DESC LIMIT 1")
            else { return nil }
            return (try JobID(row["id"]), row["contentHash"], row["document"])
        }
    }

    public func purgeDocuments(handedOverBefore before: Date) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE job SET document = X'' WHERE state = 'handed-over' AND updatedAt < ? AND length(document) > 0", arguments: [before.epoch])
            return db.changesCount
        }
    }

    public func recordAuditAnchor(station: StationRecord, _ anchor: AuditAnchor, now: Date) async throws -> String? {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO auditAnchor(stationId, seq, hash, receivedAt) VALUES (?, ?, ?, ?) ON CONFLICT(stationId, seq) DO NOTHING",
                arguments: [station.id, anchor.seq, anchor.hash, now.epoch])
            let held = try String.fetchOne(db, sql: "SELECT hash FROM auditAnchor WHERE stationId = ? AND seq = ?", arguments: [station.id, anchor.seq])
            return held == anchor.hash ? nil : held
        }
    }

    public func auditAnchors(station: StationRecord) async throws -> [AuditAnchor] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hash, receivedAt FROM auditAnchor WHERE stationId = ? ORDER BY seq", arguments: [station.id]).map {
                AuditAnchor(seq: $0["seq"], hash: $0["hash"], receivedAt: $0.date("receivedAt"))
            }
        }
    }
}
