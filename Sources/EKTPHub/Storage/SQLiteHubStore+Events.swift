import EKTPDomain
import EKTPWire
import Foundation
import GRDB

// MARK: - Events and heartbeats

extension SQLiteHubStore {
    public func ingest(station: StationRecord, events: [SequencedEvent], now: Date) async throws -> EventIngestResult {
        let encoder = WireCoding.encoder()
        let encoded = try events.sorted { $0.seq < $1.seq }.map { e in
            (seq: e.seq, event: e.event, json: String(decoding: try encoder.encode(e.event), as: UTF8.self))
        }
        return try await writer.write { db in
            var accepted = 0
            var duplicates: [Int64] = []
            var conflicting: [Int64] = []
            for e in encoded {
                if let held = try String.fetchOne(db, sql: "SELECT event FROM stationEvent WHERE stationId = ? AND seq = ?", arguments: [station.id, e.seq]) {
                    // Invariant 4: a replayed seq is ignored, never applied twice.
                    duplicates.append(e.seq)
                    if held != e.json { conflicting.append(e.seq) }
                    continue
                }
                try db.execute(
                    sql: "INSERT INTO stationEvent(stationId, seq, receivedAt, kind, event) VALUES (?, ?, ?, ?, ?)",
                    arguments: [station.id, e.seq, now.epoch, e.event.kind, e.json])
                accepted += 1
                try Self.apply(e.event, seq: e.seq, station: station, now: now, db: db)
            }
            let highest = max(
                station.highestSeq, encoded.last?.seq ?? 0,
                try Int64.fetchOne(db, sql: "SELECT highestSeq FROM station WHERE id = ?", arguments: [station.id]) ?? 0)
            try db.execute(sql: "UPDATE station SET highestSeq = ?, lastSeenAt = ? WHERE id = ?", arguments: [highest, now.epoch, station.id])
            return EventIngestResult(
                accepted: accepted, duplicates: duplicates, conflicting: conflicting, highestSeq: highest,
                gaps: try Self.gaps(db, stationId: station.id, firstSeq: station.firstSeq))
        }
    }

    /// What one new event changes on the hub. Only jobs the station holds change state:
    /// an event about another station's job is stored but changes nothing.
    static func apply(_ event: StationEvent, seq: Int64, station: StationRecord, now: Date, db: Database) throws {
        switch event {
        case .jobStored(let job, _):
            try db.execute(
                sql:
                    "UPDATE job SET state = 'claimed', leaseExpiresAt = NULL, stationState = 'queued', updatedAt = ? WHERE id = ? AND stationId = ? AND state = 'offered'",
                arguments: [now.epoch, job.rawValue, station.id])
        case .jobRejected(let job, let reason):
            if let job {
                try db.execute(
                    sql: """
                        UPDATE job SET state = 'returned', leaseExpiresAt = NULL, stationState = 'rejected', updatedAt = ?
                        WHERE id = ? AND stationId = ? AND state IN ('offered', 'claimed')
                        """,
                    arguments: [now.epoch, job.rawValue, station.id])
            }
            try insertAlert(
                db, station: station, seq: seq, now: now, kind: "job-rejected", device: nil,
                message: "stasiun menolak \(job.map { "job \($0)" } ?? "sebuah job"): \(reason)")
        case .jobStateChanged(let job, _, let to, _, _):
            try db.execute(
                sql: """
                    UPDATE job SET state = ?, stationState = ?, leaseExpiresAt = NULL, updatedAt = ?
                    WHERE id = ? AND stationId = ? AND state NOT IN ('approved', 'handed-over')
                    """,
                arguments: [HubJobState(station: to).rawValue, to.rawValue, now.epoch, job.rawValue, station.id])
        case .ledger(let kind, let from, let to, let quantity, _, _, _):
            for (place, delta) in [(from, -quantity), (to, quantity)] {
                try db.execute(
                    sql: """
                        INSERT INTO stockBalance(kecamatanCode, place, quantity) VALUES (?, ?, ?)
                        ON CONFLICT(kecamatanCode, place) DO UPDATE SET quantity = quantity + excluded.quantity
                        """,
                    arguments: [station.kecamatanCode, place, delta])
            }
            if (kind == .printed || kind == .spoiled), isUnused(from), !isUnused(to), quantity > 0 {
                try db.execute(
                    sql: "INSERT INTO consumption(kecamatanCode, at, quantity) VALUES (?, ?, ?)", arguments: [station.kecamatanCode, now.epoch, quantity])
            }
        case .deviceState(let device, let state):
            try upsertDevice(db, station: station, id: device, model: nil, state: state, now: now)
        case .alert(let alert):
            try insertAlert(db, station: station, seq: seq, now: now, kind: alert.kind.rawValue, device: alert.device?.rawValue, message: alert.message)
        }
    }

    /// Blangko not yet used: in the store or in a hopper.
    static func isUnused(_ placeKey: String) -> Bool { placeKey == "store" || placeKey.hasPrefix("hopper:") }

    static func insertAlert(_ db: Database, station: StationRecord, seq: Int64, now: Date, kind: String, device: String?, message: String) throws {
        try db.execute(
            sql: "INSERT INTO stationAlert(stationId, seq, at, kind, device, message) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [station.id, seq, now.epoch, kind, device, String(message.prefix(500))])
    }

    static func upsertDevice(_ db: Database, station: StationRecord, id: DeviceID, model: String?, state: DeviceState, now: Date) throws {
        let json = String(decoding: try WireCoding.encoder().encode(state), as: UTF8.self)
        let previous = try Row.fetchOne(db, sql: "SELECT status, errorSince FROM device WHERE stationId = ? AND id = ?", arguments: [station.id, id.rawValue])
        var errorSince: Double?
        if state.status == .error {
            let previousStatus: String? = previous.flatMap { $0["status"] }
            let previousSince: Double? = previous.flatMap { $0["errorSince"] }
            errorSince = previousStatus == "error" ? (previousSince ?? now.epoch) : now.epoch
        }
        try db.execute(
            sql: """
                INSERT INTO device(stationId, id, model, status, state, errorSince, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(stationId, id) DO UPDATE SET model = COALESCE(excluded.model, model), status = excluded.status,
                    state = excluded.state, errorSince = excluded.errorSince, updatedAt = excluded.updatedAt
                """,
            arguments: [station.id, id.rawValue, model, state.status.rawValue, json, errorSince, now.epoch])
    }

    public func heartbeat(station: StationRecord, _ heartbeat: Heartbeat, now: Date) async throws {
        try await writer.write { db in
            try db.execute(
                sql: "UPDATE station SET lastHeartbeatAt = ?, lastSeenAt = ?, outboxBacklog = ?, stopped = ?, version = ? WHERE id = ?",
                arguments: [now.epoch, now.epoch, heartbeat.outboxBacklog, heartbeat.stoppedText, heartbeat.version.map { String($0.prefix(80)) }, station.id])
            for device in heartbeat.devices {
                try Self.upsertDevice(db, station: station, id: device.id, model: device.model, state: device.state, now: now)
            }
            if let stock = heartbeat.stock {
                try db.execute(sql: "DELETE FROM stockReported WHERE stationId = ?", arguments: [station.id])
                for (place, quantity) in stock {
                    try db.execute(
                        sql: "INSERT INTO stockReported(stationId, place, quantity, reportedAt) VALUES (?, ?, ?, ?)",
                        arguments: [station.id, place, quantity, now.epoch])
                }
            }
        }
    }
}

extension StationEvent {
    /// The event's case name, stored beside it for queries.
    var kind: String {
        switch self {
        case .jobStored: "jobStored"
        case .jobRejected: "jobRejected"
        case .jobStateChanged: "jobStateChanged"
        case .ledger: "ledger"
        case .deviceState: "deviceState"
        case .alert: "alert"
        }
    }
}
