import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Logging
import PostgresNIO

// MARK: - The centre acts (CentralActs), in PostgreSQL

extension PostgresHubStore {
    public func withdraw(_ id: JobID, reason: String, by person: String, now: Date) async throws -> JobActResult {
        try await tx { c in
            guard let job = try await heldJobs(c, [id])[id] else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
            let decision = try CentralActs.withdraw(job)
            if decision != .already {
                try await c.query(
                    """
                    UPDATE job SET state = 'returned', lease_expires_at = NULL, assigned_station_id = NULL,
                        withdrawn_at = \(now.epoch), withdraw_reason = \(reason), withdraw_by = \(person), updated_at = \(now.epoch) WHERE id = \(id.rawValue)
                    """, logger: logger
                ).drain()
            }
            return try await audited(c, CentralActsText.withdrawal(id, decision, reason: reason), job: id, by: person, now: now)
        }
    }

    public func move(_ id: JobID, to stationId: String, reason: String, by person: String, now: Date) async throws -> JobActResult {
        try await tx { c in
            guard let job = try await heldJobs(c, [id])[id] else { throw HubError(.notFound, "job \(id) tidak dikenal di hub") }
            guard let target = try await Self.station(c, id: stationId, logger: logger) else {
                throw HubError(.notFound, "stasiun \(stationId.prefix(64)) tidak dikenal")
            }
            try CentralActs.move(job, to: (target.id, target.kecamatanCode, target.revokedAt != nil))
            try await c.query(
                """
                UPDATE job SET state = 'approved', station_id = NULL, station_state = NULL, lease_expires_at = NULL, assigned_station_id = \(target.id),
                    withdrawn_at = NULL, withdraw_reason = NULL, withdraw_by = NULL, updated_at = \(now.epoch) WHERE id = \(id.rawValue)
                """, logger: logger
            ).drain()
            try await Self.notifyJobs(c, kecamatan: job.kecamatanCode, logger: logger)
            return try await audited(c, CentralActsText.move(id, to: target.id, reason: reason), job: id, by: person, now: now)
        }
    }

    public func retire(stationId: String, reason: String, by person: String, now: Date) async throws -> RetireResult {
        defer { credentials.forget(stationId: stationId) }
        return try await tx { c in
            guard let station = try await Self.station(c, id: stationId, logger: logger) else {
                throw HubError(.notFound, "stasiun \(stationId.prefix(64)) tidak dikenal")
            }
            if station.revokedAt == nil {
                try await c.query("UPDATE station SET revoked_at = \(now.epoch) WHERE id = \(stationId)", logger: logger).drain()
                try await Self.notifyStation(c, stationId, logger: logger)
            }
            var requeued: [JobID] = []
            var unknown: [JobID] = []
            for try await (id, state, stationState) in try await c.query(
                "SELECT id, state, station_state FROM job WHERE station_id = \(stationId) AND state IN ('offered', 'claimed') ORDER BY id FOR UPDATE",
                logger: logger
            ).decode((String, String, String?).self) {
                if CentralActs.returnsToQueue(state: try HubJobState(stored: state), stationState: try JobState(stored: stationState)) {
                    requeued.append(try JobID(id))
                } else {
                    unknown.append(try JobID(id))
                }
            }
            if !requeued.isEmpty {
                try await c.query(
                    """
                    UPDATE job SET state = 'approved', station_id = NULL, station_state = NULL, lease_expires_at = NULL, updated_at = \(now.epoch)
                    WHERE id = ANY(\(requeued.map(\.rawValue)))
                    """, logger: logger
                ).drain()
                try await Self.notifyJobs(c, kecamatan: station.kecamatanCode, logger: logger)
            }
            let result = RetireResult(stationId: stationId, requeued: requeued, outcomeUnknown: unknown)
            let text = CentralActsText.retirement(result, reason: reason)
            try await c.query(
                "INSERT INTO hub_audit(at, actor, action, job_id, detail) VALUES (\(now.epoch), \(person), \(text.action), NULL, \(text.detail))",
                logger: logger
            ).drain()
            return result
        }
    }

    /// A job row withdrawn that its station has not confirmed yet.
    static let withdrawalPending =
        "withdrawn_at IS NOT NULL AND state = 'returned' AND (station_state IS NULL OR station_state IN ('received', 'queued', 'failed-before-pick'))"

    /// Withdrawn jobs the station holds and has not confirmed (the heartbeat's answer).
    func withdrawals(station: StationRecord) async throws -> [JobWithdrawal] {
        var result: [JobWithdrawal] = []
        for try await (id, reason, by, at) in try await client.query(
            """
            SELECT id, withdraw_reason, withdraw_by, withdrawn_at FROM job
            WHERE station_id = \(station.id) AND \(unescaped: Self.withdrawalPending)
            ORDER BY withdrawn_at LIMIT \(CentralActsText.withdrawalsPerHeartbeat)
            """, logger: logger
        ).decode((String, String?, String?, Double).self) {
            result.append(JobWithdrawal(job: try JobID(id), reason: reason ?? "", by: by ?? "", at: Date(timeIntervalSince1970: at)))
        }
        return result
    }

    public func audit(job: JobID?, limit: Int) async throws -> [HubAuditEntry] {
        let query: PostgresQuery =
            if let job {
                "SELECT at, actor, action, job_id, detail FROM hub_audit WHERE job_id = \(job.rawValue) ORDER BY id DESC LIMIT \(limit)"
            } else {
                "SELECT at, actor, action, job_id, detail FROM hub_audit ORDER BY id DESC LIMIT \(limit)"
            }
        var result: [HubAuditEntry] = []
        for try await (at, actor, action, job, detail) in try await client.query(query, logger: logger).decode((Double, String, String, String?, String).self) {
            result.append(
                HubAuditEntry(at: Date(timeIntervalSince1970: at), actor: actor, action: action, job: try job.map { try JobID($0) }, detail: detail))
        }
        return result
    }

    /// Writes the act to the hub's audit trail and answers with it.
    func audited(_ c: PostgresConnection, _ text: CentralActsText.Text, job: JobID, by person: String, now: Date) async throws -> JobActResult {
        try await c.query(
            "INSERT INTO hub_audit(at, actor, action, job_id, detail) VALUES (\(now.epoch), \(person), \(text.action), \(job.rawValue), \(text.detail))",
            logger: logger
        ).drain()
        return JobActResult(id: job, outcome: text.outcome, message: text.message)
    }
}
