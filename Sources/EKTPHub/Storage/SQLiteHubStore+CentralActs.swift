import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import GRDB

// MARK: - The centre acts (CentralActs), in SQLite

extension SQLiteHubStore {
    public func withdraw(_ id: JobID, reason: String, by person: String, now: Date) async throws -> JobActResult {
        try await writer.write { db in
            guard let job = try Self.heldJobs(db, [id])[id] else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
            let decision = try CentralActs.withdraw(job)
            if decision != .already {
                try db.execute(
                    sql: """
                        UPDATE job SET state = 'returned', leaseExpiresAt = NULL, assignedStationId = NULL,
                            withdrawnAt = ?, withdrawReason = ?, withdrawBy = ?, updatedAt = ? WHERE id = ?
                        """, arguments: [now.epoch, reason, person, now.epoch, id.rawValue])
            }
            return try Self.audited(db, CentralActsText.withdrawal(id, decision, reason: reason), job: id, by: person, now: now)
        }
    }

    public func move(_ id: JobID, to stationId: String, reason: String, by person: String, now: Date) async throws -> JobActResult {
        try await writer.write { db in
            guard let job = try Self.heldJobs(db, [id])[id] else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
            guard let target = try StationRecord.fetch(db, id: stationId) else { throw HubError(.notFound, "stasiun \(stationId.prefix(64)) tidak dikenal") }
            try CentralActs.move(job, to: (target.id, target.kecamatanCode, target.revokedAt != nil))
            try db.execute(
                sql: """
                    UPDATE job SET state = 'approved', stationId = NULL, stationState = NULL, leaseExpiresAt = NULL, assignedStationId = ?,
                        withdrawnAt = NULL, withdrawReason = NULL, withdrawBy = NULL, updatedAt = ? WHERE id = ?
                    """, arguments: [target.id, now.epoch, id.rawValue])
            return try Self.audited(db, CentralActsText.move(id, to: target.id, reason: reason), job: id, by: person, now: now)
        }
    }

    public func retire(stationId: String, reason: String, by person: String, now: Date) async throws -> RetireResult {
        try await writer.write { db in
            guard let station = try StationRecord.fetch(db, id: stationId) else { throw HubError(.notFound, "stasiun \(stationId.prefix(64)) tidak dikenal") }
            if station.revokedAt == nil { try db.execute(sql: "UPDATE station SET revokedAt = ? WHERE id = ?", arguments: [now.epoch, stationId]) }
            var requeued: [JobID] = []
            var unknown: [JobID] = []
            for row in try Row.fetchAll(
                db, sql: "SELECT id, state, stationState FROM job WHERE stationId = ? AND state IN ('offered', 'claimed') ORDER BY id", arguments: [stationId])
            {
                let id = try JobID(row["id"])
                if CentralActs.returnsToQueue(state: try HubJobState(stored: row["state"]), stationState: try JobState(stored: row["stationState"])) {
                    requeued.append(id)
                } else {
                    unknown.append(id)
                }
            }
            for chunk in requeued.chunked(into: 500) {
                try db.execute(
                    sql: """
                        UPDATE job SET state = 'approved', stationId = NULL, stationState = NULL, leaseExpiresAt = NULL, updatedAt = ?
                        WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))
                        """, arguments: StatementArguments([now.epoch] + chunk.map(\.rawValue)))
            }
            let result = RetireResult(stationId: stationId, requeued: requeued, outcomeUnknown: unknown)
            let text = CentralActsText.retirement(result, reason: reason)
            try db.execute(
                sql: "INSERT INTO hubAudit(at, actor, action, jobId, detail) VALUES (?, ?, ?, NULL, ?)",
                arguments: [now.epoch, person, text.action, text.detail])
            return result
        }
    }

    func withdrawals(station: StationRecord) async throws -> [JobWithdrawal] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, withdrawReason, withdrawBy, withdrawnAt FROM job
                    WHERE stationId = ? AND withdrawnAt IS NOT NULL AND state = 'returned'
                        AND (stationState IS NULL OR stationState IN ('received', 'queued', 'failed-before-pick'))
                    ORDER BY withdrawnAt LIMIT \(CentralActsText.withdrawalsPerHeartbeat)
                    """, arguments: [station.id]
            ).map {
                JobWithdrawal(
                    job: try JobID($0["id"]), reason: $0["withdrawReason"] ?? "", by: $0["withdrawBy"] ?? "", at: $0.date("withdrawnAt") ?? .distantPast)
            }
        }
    }

    public func audit(job: JobID?, limit: Int) async throws -> [HubAuditEntry] {
        try await writer.read { db in
            let rows =
                if let job {
                    try Row.fetchAll(db, sql: "SELECT * FROM hubAudit WHERE jobId = ? ORDER BY id DESC LIMIT ?", arguments: [job.rawValue, limit])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM hubAudit ORDER BY id DESC LIMIT ?", arguments: [limit])
                }
            return try rows.map {
                HubAuditEntry(
                    at: $0.date("at") ?? .distantPast, actor: $0["actor"], action: $0["action"], job: try ($0["jobId"] as String?).map { try JobID($0) },
                    detail: $0["detail"])
            }
        }
    }

    /// Writes the act to the hub's audit trail and answers with it.
    static func audited(_ db: Database, _ text: CentralActsText.Text, job: JobID, by person: String, now: Date) throws -> JobActResult {
        try db.execute(
            sql: "INSERT INTO hubAudit(at, actor, action, jobId, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [now.epoch, person, text.action, job.rawValue, text.detail])
        return JobActResult(id: job, outcome: text.outcome, message: text.message)
    }
}
