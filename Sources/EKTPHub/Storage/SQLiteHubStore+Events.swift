import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import GRDB

// MARK: - Events and heartbeats

extension SQLiteHubStore {
    public func ingest(station: StationRecord, events: [SequencedEvent], now: Date) async throws -> EventIngestResult {
        let batch = try EventIntake.encode(events)
        return try await writer.write { db in
            var held: [Int64: String] = [:]
            for chunk in batch.chunked(into: 500) {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT seq, event FROM stationEvent WHERE stationId = ? AND seq IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments([station.id] + chunk.map(\.seq)))
                for row in rows { held[row["seq"]] = row["event"] }
            }
            let intake = EventIntake.classify(batch, held: held)
            let jobs = try Self.heldJobs(db, EventEffects.jobs(in: intake.new))
            let insert = try db.cachedStatement(sql: "INSERT INTO stationEvent(stationId, seq, receivedAt, kind, event, at) VALUES (?, ?, ?, ?, ?, ?)")
            let plan = EventEffects.plan(intake.new, held: jobs, stationId: station.id, kecamatan: station.kecamatanCode, now: now)
            for (e, step) in zip(intake.new, plan) {
                try insert.execute(arguments: [station.id, e.seq, now.epoch, e.event.kind, e.json, (e.at ?? now).epoch])
                for effect in step.effects { try Self.carryOut(effect, seq: e.seq, station: station, now: now, db: db) }
            }
            let stored = try Int64.fetchOne(db, sql: "SELECT highestSeq FROM station WHERE id = ?", arguments: [station.id]) ?? 0
            let highest = EventIntake.highestSeq(stored: max(stored, station.highestSeq), batch: batch)
            try db.execute(sql: "UPDATE station SET highestSeq = ?, lastSeenAt = ? WHERE id = ?", arguments: [highest, now.epoch, station.id])
            return EventIngestResult(
                accepted: intake.new.count, duplicates: intake.duplicates, conflicting: intake.conflicting, highestSeq: highest,
                gaps: try Self.gaps(db, stationId: station.id, firstSeq: station.firstSeq))
        }
    }

    /// One effect of a station event (`EventEffects`), in SQLite.
    static func carryOut(_ effect: HubEffect, seq: Int64, station: StationRecord, now: Date, db: Database) throws {
        switch effect {
        case .job(let job, let state, let stationState):
            try db.execute(
                sql: "UPDATE job SET state = ?, stationState = ?, stationId = ?, leaseExpiresAt = NULL, updatedAt = ? WHERE id = ?",
                arguments: [state.rawValue, stationState.rawValue, station.id, now.epoch, job.rawValue])
        case .stock(let place, let delta):
            try db.execute(
                sql: """
                    INSERT INTO stockBalance(kecamatanCode, place, quantity) VALUES (?, ?, ?)
                    ON CONFLICT(kecamatanCode, place) DO UPDATE SET quantity = quantity + excluded.quantity
                    """,
                arguments: [station.kecamatanCode, place.key, delta])
        case .consumed(let quantity, let at):
            try db.execute(
                sql: "INSERT INTO consumption(kecamatanCode, at, quantity) VALUES (?, ?, ?)", arguments: [station.kecamatanCode, at.epoch, quantity])
        case .device(let id, let model, let state):
            try upsertDevice(db, station: station, id: id, model: model, state: state, now: now)
        case .alert(let kind, let device, let message):
            try db.execute(
                sql: "INSERT INTO stationAlert(stationId, seq, at, kind, device, message) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [station.id, seq, now.epoch, kind, device?.rawValue, message])
        case .alertAcknowledged(let alert, let by, let at):
            try db.execute(
                sql: "UPDATE stationAlert SET acknowledgedAt = ?, acknowledgedBy = ? WHERE stationId = ? AND seq = ? AND acknowledgedAt IS NULL",
                arguments: [at.epoch, by, station.id, alert])
        case .alertCleared(let alert, let at):
            try db.execute(
                sql: "UPDATE stationAlert SET clearedAt = ? WHERE stationId = ? AND seq = ? AND clearedAt IS NULL", arguments: [at.epoch, station.id, alert])
        case .posReturnSettled(let job):
            try db.execute(sql: "UPDATE job SET posReturnAt = NULL WHERE id = ?", arguments: [job.rawValue])
        case .shipmentSent(let to, let quantity, let document, let by, let at):
            try openTransfer(db, station: station, seq: seq, to: to, quantity: quantity, document: document, by: by, at: at)
        case .shipmentReceived(let id, let received, let reason, let by, let at):
            try closeShipment(db, station: station, seq: seq, id: id, received: received, reason: reason, by: by, at: at, now: now)
        }
    }

    /// The jobs a batch names, as held, for `EventEffects.plan`.
    static func heldJobs(_ db: Database, _ ids: [JobID]) throws -> [JobID: HeldJob] {
        var held: [JobID: HeldJob] = [:]
        for chunk in ids.chunked(into: 500) {
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, kecamatanCode, state, stationId, stationState, contentHash, withdrawnAt, posReturnAt FROM job WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: StatementArguments(chunk.map(\.rawValue)))
            for row in rows {
                held[try JobID(row["id"])] = HeldJob(
                    kecamatanCode: row["kecamatanCode"], state: try HubJobState(stored: row["state"]), stationId: row["stationId"],
                    stationState: try JobState(stored: row["stationState"]), contentHash: row["contentHash"], withdrawn: row["withdrawnAt"] as Double? != nil,
                    posReturnPending: row["posReturnAt"] as Double? != nil)
            }
        }
        return held
    }

    /// A device's row from an event (always written) or a heartbeat (`heartbeat`:
    /// written when it says something new or the row is `DeviceRow.refreshSeconds` old).
    static func upsertDevice(
        _ db: Database, station: StationRecord, id: DeviceID, model: String?, state: DeviceState, chip: ChipCounts? = nil, now: Date,
        heartbeat: Bool = false
    ) throws {
        let json = String(decoding: try WireCoding.encoder().encode(state), as: UTF8.self)
        // A row updated after this is left alone when the report changes nothing; an
        // event's report (no bound: every row is older than infinity) is always written.
        let fresh = heartbeat ? now.epoch - DeviceRow.refreshSeconds : .infinity
        try db.execute(
            sql: """
                INSERT INTO device(stationId, id, model, status, state, errorSince, updatedAt, chip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(stationId, id) DO UPDATE SET model = COALESCE(excluded.model, model), status = excluded.status,
                    state = excluded.state, \(DeviceRow.keepErrorSince(table: "device", column: "errorSince")), updatedAt = excluded.updatedAt,
                    chip = COALESCE(excluded.chip, chip)
                WHERE device.updatedAt <= ? OR NOT \(DeviceRow.sameReport(old: "device", new: "excluded", isNot: "IS NOT"))
                """,
            arguments: [station.id, id.rawValue, model, state.status.rawValue, json, DeviceRow.errorSince(state, now: now), now.epoch, chip?.stored, fresh])
    }

    public func settle(station: StationRecord, jobs report: [ReportedJobState], now: Date) async throws -> JobStatesResult {
        try await writer.write { db in
            let held = try Self.heldJobs(db, report.map(\.id))
            let (effects, result) = JobSettlement.settle(report, held: held, stationId: station.id, kecamatan: station.kecamatanCode)
            for effect in effects { try Self.carryOut(effect, seq: 0, station: station, now: now, db: db) }
            return result
        }
    }

    public func heartbeat(station: StationRecord, _ heartbeat: Heartbeat, now: Date) async throws -> HeartbeatNotices {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE station SET lastHeartbeatAt = ?, lastSeenAt = ?, outboxBacklog = ?, stopped = ?, version = ? WHERE id = ?",
                arguments: [now.epoch, now.epoch, heartbeat.outboxBacklog, heartbeat.stoppedText, heartbeat.versionText, station.id])
            if let ribbon = heartbeat.ribbon {
                try db.execute(
                    sql: "UPDATE station SET ribbonRolls = ?, ribbonPrints = ? WHERE id = ?", arguments: [ribbon.storeRolls, ribbon.printsLeft, station.id])
            }
            for device in heartbeat.devices {
                try Self.upsertDevice(
                    db, station: station, id: device.id, model: device.model, state: device.state, chip: device.chip, now: now, heartbeat: true)
            }
            if let stock = heartbeat.stock {
                // Places no longer reported go; a quantity that holds is not rewritten.
                let places = stock.keys.map(\.key)
                try db.execute(
                    sql: "DELETE FROM stockReported WHERE stationId = ? AND place NOT IN (\(databaseQuestionMarks(count: places.count)))",
                    arguments: StatementArguments([station.id] + places))
                for (place, quantity) in stock {
                    try db.execute(
                        sql: """
                            INSERT INTO stockReported(stationId, place, quantity, reportedAt) VALUES (?, ?, ?, ?)
                            ON CONFLICT(stationId, place) DO UPDATE SET quantity = excluded.quantity, reportedAt = excluded.reportedAt
                            WHERE stockReported.quantity IS NOT excluded.quantity
                            """,
                        arguments: [station.id, place.key, quantity, now.epoch])
                }
            }
        }
        return HeartbeatNotices(
            withdrawals: try await withdrawals(station: station), shipments: try await shipmentsInTransit(to: station.kecamatanCode),
            posReturns: try await posReturns(station: station))
    }
}
