import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Logging
import PostgresNIO

// MARK: - Events and heartbeats

extension PostgresHubStore {
    public func ingest(station: StationRecord, events: [SequencedEvent], now: Date) async throws -> EventIngestResult {
        let batch = try EventIntake.encode(events)
        return try await tx { c in
            // One station's batches are applied one at a time, across hub processes.
            var stored: Int64 = 0
            for try await h in try await c.query("SELECT highest_seq FROM station WHERE id = \(station.id) FOR UPDATE", logger: logger).decode(Int64.self) {
                stored = h
            }
            var held: [Int64: String] = [:]
            for try await (seq, event) in try await c.query(
                "SELECT seq, event FROM station_event WHERE station_id = \(station.id) AND seq = ANY(\(batch.map(\.seq)))", logger: logger
            ).decode((Int64, String).self) { held[seq] = event }
            let intake = EventIntake.classify(batch, held: held)
            let jobs = try await heldJobs(c, EventEffects.jobs(in: intake.new))
            let plan = EventEffects.plan(intake.new, held: jobs, stationId: station.id, kecamatan: station.kecamatanCode, now: now)
            for (e, step) in zip(intake.new, plan) {
                try await c.query(
                    """
                    INSERT INTO station_event(station_id, seq, received_at, kind, event, at)
                    VALUES (\(station.id), \(e.seq), \(now.epoch), \(e.event.kind), \(e.json), \((e.at ?? now).epoch))
                    """,
                    logger: logger
                ).drain()
                for effect in step.effects { try await carryOut(effect, seq: e.seq, station: station, now: now, c: c) }
            }
            let highest = EventIntake.highestSeq(stored: Swift.max(stored, station.highestSeq), batch: batch)
            try await c.query("UPDATE station SET highest_seq = \(highest), last_seen_at = \(now.epoch) WHERE id = \(station.id)", logger: logger).drain()
            credentials.seen(stationId: station.id, at: now)
            return EventIngestResult(
                accepted: intake.new.count, duplicates: intake.duplicates, conflicting: intake.conflicting, highestSeq: highest,
                gaps: try await Self.gaps(c, stationId: station.id, firstSeq: station.firstSeq, logger: logger))
        }
    }

    /// One effect of a station event (`EventEffects`), in PostgreSQL.
    func carryOut(_ effect: HubEffect, seq: Int64, station: StationRecord, now: Date, c: PostgresConnection) async throws {
        switch effect {
        case .job(let job, let state, let stationState):
            try await c.query(
                """
                UPDATE job SET state = \(state.rawValue), station_state = \(stationState.rawValue), station_id = \(station.id), lease_expires_at = NULL,
                    updated_at = \(now.epoch) WHERE id = \(job.rawValue)
                """, logger: logger
            ).drain()
        case .stock(let place, let delta):
            try await c.query(
                """
                INSERT INTO stock_balance(kecamatan_code, place, quantity) VALUES (\(station.kecamatanCode), \(place.key), \(Int64(delta)))
                ON CONFLICT (kecamatan_code, place) DO UPDATE SET quantity = stock_balance.quantity + excluded.quantity
                """, logger: logger
            ).drain()
        case .consumed(let quantity, let at):
            try await c.query(
                "INSERT INTO consumption(kecamatan_code, at, quantity) VALUES (\(station.kecamatanCode), \(at.epoch), \(Int64(quantity)))", logger: logger
            ).drain()
        case .device(let id, let model, let state):
            try await upsertDevice(c, station: station, id: id, model: model, state: state, now: now)
        case .alert(let kind, let device, let message):
            try await c.query(
                "INSERT INTO station_alert(station_id, seq, at, kind, device, message) VALUES (\(station.id), \(seq), \(now.epoch), \(kind), \(device?.rawValue), \(message))",
                logger: logger
            ).drain()
        case .alertAcknowledged(let alert, let by, let at):
            try await c.query(
                """
                UPDATE station_alert SET acknowledged_at = \(at.epoch), acknowledged_by = \(by)
                WHERE station_id = \(station.id) AND seq = \(alert) AND acknowledged_at IS NULL
                """, logger: logger
            ).drain()
        case .alertCleared(let alert, let at):
            try await c.query(
                "UPDATE station_alert SET cleared_at = \(at.epoch) WHERE station_id = \(station.id) AND seq = \(alert) AND cleared_at IS NULL",
                logger: logger
            ).drain()
        case .posReturnSettled(let job):
            try await c.query("UPDATE job SET pos_return_at = NULL WHERE id = \(job.rawValue)", logger: logger).drain()
        case .shipmentSent(let to, let quantity, let document, let by, let at):
            try await openTransfer(c, station: station, seq: seq, to: to, quantity: quantity, document: document, by: by, at: at)
        case .shipmentReceived(let id, let received, let reason, let by, let at):
            try await closeShipment(c, station: station, seq: seq, id: id, received: received, reason: reason, by: by, at: at, now: now)
        }
    }

    /// The jobs a batch names, as held (locked until the transaction ends), for
    /// `EventEffects.plan`.
    func heldJobs(_ c: PostgresConnection, _ ids: [JobID]) async throws -> [JobID: HeldJob] {
        var held: [JobID: HeldJob] = [:]
        guard !ids.isEmpty else { return held }
        for try await (id, kecamatan, state, holder, stationState, hash, withdrawn, posReturn) in try await c.query(
            "SELECT id, kecamatan_code, state, station_id, station_state, content_hash, withdrawn_at, pos_return_at FROM job WHERE id = ANY(\(ids.map(\.rawValue))) ORDER BY id FOR UPDATE",
            logger: logger
        ).decode((String, String, String, String?, String?, Data, Double?, Double?).self) {
            held[try JobID(id)] = HeldJob(
                kecamatanCode: kecamatan, state: try HubJobState(stored: state), stationId: holder, stationState: try JobState(stored: stationState),
                contentHash: hash, withdrawn: withdrawn != nil, posReturnPending: posReturn != nil)
        }
        return held
    }

    func upsertDevice(
        _ c: PostgresConnection, station: StationRecord, id: DeviceID, model: String?, state: DeviceState, chip: ChipCounts? = nil, now: Date
    ) async throws {
        let json = String(decoding: try WireCoding.encoder().encode(state), as: UTF8.self)
        try await c.query(
            """
            INSERT INTO device(station_id, id, model, status, state, error_since, updated_at, chip)
            VALUES (\(station.id), \(id.rawValue), \(model), \(state.status.rawValue), \(json), \(DeviceRow.errorSince(state, now: now)), \(now.epoch), \(chip?.stored))
            ON CONFLICT (station_id, id) DO UPDATE SET \(unescaped: Self.deviceUpdate)
            """, logger: logger
        ).drain()
    }

    /// The device upsert's update, one for an event's device and a heartbeat's.
    static let deviceUpdate = """
        model = COALESCE(excluded.model, device.model), status = excluded.status, state = excluded.state,
        \(DeviceRow.keepErrorSince(table: "device", column: "error_since")), updated_at = excluded.updated_at, chip = COALESCE(excluded.chip, device.chip)
        """

    public func settle(station: StationRecord, jobs report: [ReportedJobState], now: Date) async throws -> JobStatesResult {
        try await tx { c in
            let held = try await heldJobs(c, report.map(\.id))
            let (effects, result) = JobSettlement.settle(report, held: held, stationId: station.id, kecamatan: station.kecamatanCode)
            for effect in effects { try await carryOut(effect, seq: 0, station: station, now: now, c: c) }
            return result
        }
    }

    /// A heartbeat in one statement, one round trip, no transaction held open: 243 of them
    /// a second for the country's 7,285 stations. The station's row; its devices upserted
    /// from one JSON array; its reported stock replaced by the places in the report (none
    /// touched when the report has no stock). The same statement says whether the answer
    /// has anything to tell; only then is it read (rarely: a withdrawal, a shipment on
    /// its way, a card PT Pos brought back).
    public func heartbeat(station: StationRecord, _ heartbeat: Heartbeat, now: Date) async throws -> HeartbeatNotices {
        var devices: [String: HeartbeatDevice] = [:]
        for d in heartbeat.devices {
            devices[d.id.rawValue] = HeartbeatDevice(
                id: d.id.rawValue, model: d.model, status: d.state.status.rawValue,
                state: String(decoding: try WireCoding.encoder().encode(d.state), as: UTF8.self), errorSince: DeviceRow.errorSince(d.state, now: now),
                chip: d.chip?.stored)
        }
        let devicesJSON = String(decoding: try JSONEncoder().encode(Array(devices.values)), as: UTF8.self)
        let stockJSON = try heartbeat.stock.map { stock in
            String(decoding: try JSONEncoder().encode(Dictionary(stock.map { ($0.key.key, Int64($0.value)) }, uniquingKeysWith: { $1 })), as: UTF8.self)
        }
        let rows = try await client.query(
            """
            WITH s AS (
                UPDATE station SET last_heartbeat_at = \(now.epoch), last_seen_at = \(now.epoch), outbox_backlog = \(heartbeat.outboxBacklog.map(Int64.init)),
                    stopped = \(heartbeat.stoppedText), version = \(heartbeat.versionText),
                    ribbon_rolls = COALESCE(\(heartbeat.ribbon.map { Int64($0.storeRolls) })::BIGINT, ribbon_rolls),
                    ribbon_prints = COALESCE(\(heartbeat.ribbon.map { Int64($0.printsLeft) })::BIGINT, ribbon_prints)
                WHERE id = \(station.id) RETURNING id),
            d AS (
                INSERT INTO device(station_id, id, model, status, state, error_since, updated_at, chip)
                SELECT \(station.id), u.id, u.model, u.status, u.state, u."errorSince", \(now.epoch), u.chip
                FROM jsonb_to_recordset(\(devicesJSON)::JSONB) AS u(id TEXT, model TEXT, status TEXT, state TEXT, "errorSince" DOUBLE PRECISION, chip TEXT)
                WHERE NOT EXISTS (
                    SELECT 1 FROM device x WHERE x.station_id = \(station.id) AND x.id = u.id AND x.updated_at > \(now.epoch - DeviceRow.refreshSeconds)
                    AND \(unescaped: DeviceRow.sameReport(old: "x", new: "u", isNot: "IS DISTINCT FROM")))
                ON CONFLICT (station_id, id) DO UPDATE SET \(unescaped: Self.deviceUpdate)
                RETURNING 1),
            gone AS (
                DELETE FROM stock_reported WHERE \(stockJSON)::JSONB IS NOT NULL AND station_id = \(station.id) AND NOT (\(stockJSON)::JSONB ? place)
                RETURNING 1),
            reported AS (
                INSERT INTO stock_reported(station_id, place, quantity, reported_at)
                SELECT \(station.id), r.key, r.value::BIGINT, \(now.epoch) FROM jsonb_each_text(\(stockJSON)::JSONB) AS r
                WHERE NOT EXISTS (SELECT 1 FROM stock_reported x WHERE x.station_id = \(station.id) AND x.place = r.key AND x.quantity = r.value::BIGINT)
                ON CONFLICT (station_id, place) DO UPDATE SET quantity = excluded.quantity, reported_at = excluded.reported_at
                RETURNING 1)
            SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM d) + (SELECT count(*) FROM gone) + (SELECT count(*) FROM reported),
                EXISTS (SELECT 1 FROM job WHERE station_id = \(station.id) AND \(unescaped: Self.withdrawalPending)),
                EXISTS (SELECT 1 FROM shipment WHERE to_kecamatan = \(station.kecamatanCode) AND \(unescaped: Self.shipmentInTransit)),
                EXISTS (SELECT 1 FROM job WHERE station_id = \(station.id) AND \(unescaped: Self.posReturnPending))
            """, logger: logger
        )
        var notices = HeartbeatNotices(withdrawals: [], shipments: [], posReturns: [])
        for try await (_, withdrawals, shipments, returns) in rows.decode((Int64, Bool, Bool, Bool).self) {
            if withdrawals { notices.withdrawals = try await self.withdrawals(station: station) }
            if shipments { notices.shipments = try await shipmentsInTransit(to: station.kecamatanCode) }
            if returns { notices.posReturns = try await posReturns(station: station) }
        }
        credentials.seen(stationId: station.id, at: now)
        return notices
    }

    /// A device as a heartbeat's statement reads it (`jsonb_to_recordset`).
    private struct HeartbeatDevice: Encodable {
        var id: String
        var model: String?
        var status: String
        var state: String
        var errorSince: Double?
        var chip: String?
    }
}

// MARK: - Views

extension PostgresHubStore {
    public func stations() async throws -> [StationRecord] {
        try await Self.stations(
            try await client.query("SELECT \(unescaped: Self.stationListColumns) FROM station s ORDER BY s.kecamatan_code, s.id", logger: logger))
    }

    public func devices() async throws -> [DeviceView] {
        var out: [DeviceView] = []
        for try await (stationId, kec, id, model, stateJSON, errorSince, updated, chip) in try await client.query(
            """
            SELECT d.station_id, s.kecamatan_code, d.id, d.model, d.state, d.error_since, d.updated_at, d.chip
            FROM device d JOIN station s ON s.id = d.station_id ORDER BY s.kecamatan_code, d.station_id, d.id
            """, logger: logger
        ).decode((String, String, String, String?, String, Double?, Double, String?).self) {
            let state = try DeviceState(stored: stateJSON)
            out.append(
                DeviceView(
                    stationId: stationId, kecamatanCode: kec, id: try DeviceID(id), model: model, status: state.status, reasons: state.reasons,
                    vendorDetail: state.vendorDetail, supplies: state.supplies, errorSince: errorSince.date, updatedAt: Date(timeIntervalSince1970: updated),
                    chip: try ChipCounts(stored: chip)))
        }
        return out
    }

    public func ledgerMovements(kabupaten code: String) async throws -> [KabupatenRollUp.Movement] {
        var result: [KabupatenRollUp.Movement] = []
        let pattern = code + ".%"
        for try await (kecamatan, at, json) in try await client.query(
            """
            SELECT s.kecamatan_code, COALESCE(e.at, e.received_at), e.event FROM station_event e JOIN station s ON s.id = e.station_id
            WHERE e.kind = 'ledger' AND s.kecamatan_code LIKE \(pattern) ORDER BY e.station_id, e.seq
            """, logger: logger
        ).decode((String, Double, String).self) {
            if let m = KabupatenRollUp.movement(kecamatan: kecamatan, at: Date(timeIntervalSince1970: at), json: json) { result.append(m) }
        }
        return result
    }

    public func stockFacts(consumedSince: Date) async throws -> StockFacts {
        var balances: [(kecamatan: String, place: String, quantity: Int)] = []
        for try await (kec, place, q) in try await client.query("SELECT kecamatan_code, place, quantity FROM stock_balance", logger: logger).decode(
            (String, String, Int64).self)
        {
            balances.append((kec, place, Int(q)))
        }
        var consumed: [String: [Int: Int]] = [:]
        for try await (kec, day, q) in try await client.query(
            """
            SELECT kecamatan_code, FLOOR((at + \(unescaped: OfficeZone.dayOffsetSQL(codeColumn: "kecamatan_code"))) / 86400)::BIGINT AS day,
                SUM(quantity)::BIGINT FROM consumption
            WHERE at >= \(consumedSince.epoch) GROUP BY kecamatan_code, day
            """, logger: logger
        ).decode((String, Int64, Int64).self) { consumed[kec, default: [:]][Int(day)] = Int(q) }
        var reported: [(kecamatan: String, place: String, quantity: Int)] = []
        for try await (kec, place, q) in try await client.query(
            """
            SELECT s.kecamatan_code, r.place, SUM(r.quantity)::BIGINT FROM stock_reported r JOIN station s ON s.id = r.station_id
            WHERE s.revoked_at IS NULL GROUP BY s.kecamatan_code, r.place
            """, logger: logger
        ).decode((String, String, Int64).self) { reported.append((kec, place, Int(q))) }
        var ribbons: [String: Int] = [:]
        for try await (kec, prints) in try await client.query(
            """
            SELECT kecamatan_code, SUM(ribbon_prints)::BIGINT FROM station WHERE revoked_at IS NULL AND ribbon_prints IS NOT NULL
            GROUP BY kecamatan_code
            """, logger: logger
        ).decode((String, Int64).self) { ribbons[kec] = Int(prints) }
        return try StockFacts(balances: balances, consumed: consumed, reported: reported, ribbonPrints: ribbons)
    }

    public func backlog() async throws -> [BacklogEntry] {
        var out: [BacklogEntry] = []
        for try await (kec, waiting, urgent, atStation, oldest, pemula) in try await client.query(
            """
            SELECT kecamatan_code,
                COUNT(*) FILTER (WHERE state IN ('approved', 'offered')) AS waiting,
                COUNT(*) FILTER (WHERE state IN ('approved', 'offered') AND priority = 1),
                COUNT(*) FILTER (WHERE state = 'claimed') AS at_station,
                MIN(approved_at) FILTER (WHERE state IN ('approved', 'offered')),
                COUNT(*) FILTER (WHERE state IN ('approved', 'offered', 'claimed') AND pemula)
            FROM job GROUP BY kecamatan_code
            HAVING COUNT(*) FILTER (WHERE state IN ('approved', 'offered')) > 0 OR COUNT(*) FILTER (WHERE state = 'claimed') > 0
            ORDER BY 2 DESC, kecamatan_code
            """, logger: logger
        ).decode((String, Int64, Int64, Int64, Double?, Int64).self) {
            out.append(
                BacklogEntry(
                    kecamatanCode: kec, name: nil, waiting: Int(waiting), urgent: Int(urgent), atStation: Int(atStation), oldestApprovedAt: oldest.date,
                    pemula: Int(pemula)))
        }
        return out
    }

    public func jobCounts() async throws -> [HubJobState: Int] {
        var counts: [HubJobState: Int] = [:]
        for try await (state, n) in try await client.query("SELECT state, COUNT(*) FROM job GROUP BY state", logger: logger).decode((String, Int64).self) {
            counts[try HubJobState(stored: state)] = Int(n)
        }
        return counts
    }

    public func stationAlerts(limit: Int) async throws -> [HubAlert] {
        try await Self.stationAlerts(
            try await client.query(
                """
                SELECT a.station_id, s.kecamatan_code, a.kind, a.device, a.message, a.at, a.acknowledged_by, a.acknowledged_at
                FROM station_alert a JOIN station s ON s.id = a.station_id WHERE a.cleared_at IS NULL ORDER BY a.id DESC LIMIT \(limit)
                """, logger: logger))
    }

    static func stationAlerts(_ rows: PostgresRowSequence) async throws -> [HubAlert] {
        var out: [HubAlert] = []
        for try await (stationId, kec, kind, device, message, at, by, ackAt) in rows.decode(
            (String, String, String, String?, String, Double, String?, Double?).self)
        {
            out.append(
                HubAlert(
                    stationAlert: kind, stationId: stationId, kecamatanCode: kec, device: device, message: message, at: at, acknowledgedBy: by,
                    acknowledgedAt: ackAt))
        }
        return out
    }

    public func claimAlertPushes(_ keys: Set<String>, now: Date) async throws -> Set<String> {
        try await tx { c in
            let all = Array(keys)
            try await c.query("DELETE FROM alert_pushed WHERE NOT (key = ANY(\(all)))", logger: logger).drain()
            var fresh: Set<String> = []
            for try await key in try await c.query(
                "INSERT INTO alert_pushed(key, at) SELECT unnest(\(all)::text[]), \(now.epoch) ON CONFLICT (key) DO NOTHING RETURNING key", logger: logger
            ).decode(String.self) { fresh.insert(key) }
            return fresh
        }
    }

    public func claimEscalations(raisedBefore: Date, now: Date) async throws -> [HubAlert] {
        try await Self.stationAlerts(
            try await client.query(
                """
                WITH due AS (
                    SELECT a.id FROM station_alert a JOIN station s ON s.id = a.station_id
                    WHERE a.cleared_at IS NULL AND a.acknowledged_at IS NULL AND a.escalated_at IS NULL AND a.at < \(raisedBefore.epoch)
                        AND s.revoked_at IS NULL
                    ORDER BY a.id LIMIT 500 FOR UPDATE OF a SKIP LOCKED)
                UPDATE station_alert a SET escalated_at = \(now.epoch) FROM due, station s
                WHERE a.id = due.id AND s.id = a.station_id
                RETURNING a.station_id, s.kecamatan_code, a.kind, a.device, a.message, a.at, a.acknowledged_by, a.acknowledged_at
                """, logger: logger))
    }

    public func gaps() async throws -> [String: [SeqGap]] {
        try await tx { c in
            var ids: [(String, Int64)] = []
            for try await row in try await c.query(
                "SELECT id, first_seq FROM station WHERE highest_seq >= first_seq AND revoked_at IS NULL", logger: logger
            ).decode((String, Int64).self) { ids.append(row) }
            var result: [String: [SeqGap]] = [:]
            for (id, firstSeq) in ids {
                let g = try await Self.gaps(c, stationId: id, firstSeq: firstSeq, logger: logger)
                if !g.isEmpty { result[id] = g }
            }
            return result
        }
    }

    public func job(_ id: JobID) async throws -> JobView? {
        var view: JobView?
        for try await (kec, priority, state, stationId, stationState, nik, approved, received, lease, offers, heldFor) in try await client.query(
            """
            SELECT kecamatan_code, priority, state, station_id, station_state, masked_nik, approved_at, received_at, lease_expires_at, offer_count, held_for
            FROM job WHERE id = \(id.rawValue)
            """, logger: logger
        ).decode((String, Int64, String, String?, String?, String, Double, Double, Double?, Int64, String?).self) {
            view = JobView(
                id: id, kecamatanCode: kec, priority: QueueKey.priority(column: Int(priority)), state: try HubJobState(stored: state),
                stationId: stationId, stationState: try JobState(stored: stationState), maskedNik: nik,
                approvedAt: Date(timeIntervalSince1970: approved), receivedAt: Date(timeIntervalSince1970: received), leaseExpiresAt: lease.date,
                offers: Int(offers), heldFor: try heldFor.map { try JobID($0) })
        }
        if var found = view {
            // What the centre did to it (CentralActs).
            for try await (at, reason, by, assigned) in try await client.query(
                "SELECT withdrawn_at, withdraw_reason, withdraw_by, assigned_station_id FROM job WHERE id = \(id.rawValue)", logger: logger
            ).decode((Double?, String?, String?, String?).self) {
                found.withdrawal = at.date.map { JobWithdrawal(job: id, reason: reason ?? "", by: by ?? "", at: $0) }
                found.assignedStationId = assigned
            }
            view = found
        }
        return view
    }

    public func sampleDocument() async throws -> (id: JobID, contentHash: Data, document: Data)? {
        for try await (id, hash, document) in try await client.query(
            """
            SELECT j.id, j.content_hash, d.document FROM job j JOIN job_document d ON d.job_id = j.id
            WHERE length(d.document) > 0 ORDER BY j.received_at DESC LIMIT 1
            """, logger: logger
        ).decode((String, Data, Data).self) {
            return (try JobID(id), hash, document)
        }
        return nil
    }

    public func purgeDocuments(handedOverBefore before: Date) async throws -> Int {
        var count = 0
        for try await n in try await client.query(
            """
            WITH purged AS (
                UPDATE job_document d SET document = ''::bytea FROM job j
                WHERE j.id = d.job_id AND j.state = 'handed-over' AND j.updated_at < \(before.epoch) AND length(d.document) > 0 RETURNING 1)
            SELECT COUNT(*) FROM purged
            """, logger: logger
        ).decode(Int64.self) { count = Int(n) }
        return count
    }

    public func recordAuditAnchor(station: StationRecord, _ anchor: AuditAnchor, now: Date) async throws -> String? {
        try await client.query(
            """
            INSERT INTO audit_anchor(station_id, seq, hash, received_at) VALUES (\(station.id), \(anchor.seq), \(anchor.hash), \(now.epoch))
            ON CONFLICT (station_id, seq) DO NOTHING
            """, logger: logger
        ).drain()
        for try await held in try await client.query(
            "SELECT hash FROM audit_anchor WHERE station_id = \(station.id) AND seq = \(anchor.seq)", logger: logger
        ).decode(String.self) {
            return held == anchor.hash ? nil : held
        }
        return nil
    }

    public func auditAnchors(station: StationRecord) async throws -> [AuditAnchor] {
        var anchors: [AuditAnchor] = []
        for try await (seq, hash, at) in try await client.query(
            "SELECT seq, hash, received_at FROM audit_anchor WHERE station_id = \(station.id) ORDER BY seq", logger: logger
        ).decode((Int64, String, Double).self) {
            anchors.append(AuditAnchor(seq: seq, hash: hash, receivedAt: Date(timeIntervalSince1970: at)))
        }
        return anchors
    }
}
