import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import GRDB

// MARK: - Shipments of blangko, in SQLite

extension SQLiteHubStore {
    public func allocate(kabupaten: String, quantity: Int, document: String, split: [String: Int], by person: String, now: Date) async throws
        -> AllocationResult
    {
        try await writer.write { db in
            let year = OfficeZone(regionCode: kabupaten).today(now).year
            let allotment = ShipmentNumbers.allotment(
                kabupaten: kabupaten, year: year, try Self.nextNumber(db, series: ShipmentNumbers.allotmentSeries(kabupaten: kabupaten), year: year))
            try db.execute(
                sql: "INSERT INTO allotment(id, kabupatenCode, quantity, document, createdBy, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [allotment, kabupaten, quantity, document, person, now.epoch])
            var shipments: [ShipmentView] = []
            for (code, n) in split.sorted(by: { $0.key < $1.key }) where n > 0 {
                let id = ShipmentNumbers.suratJalan(
                    kabupaten: kabupaten, year: year, try Self.nextNumber(db, series: ShipmentNumbers.suratJalanSeries(kabupaten: kabupaten), year: year))
                try db.execute(
                    sql: """
                        INSERT INTO shipment(id, kind, allotmentId, toKecamatan, quantity, document, sentBy, sentAt)
                        VALUES (?, 'allocation', ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, allotment, code, n, document, person, now.epoch])
                shipments.append(
                    ShipmentView(
                        id: id, kind: .allocation, fromKecamatan: nil, toKecamatan: code, quantity: n, document: document, allotment: allotment,
                        sentBy: person, sentAt: now))
            }
            let text = ShipmentText.allocated(allotment, quantity: quantity, document: document, shipments: shipments.count)
            try db.execute(
                sql: "INSERT INTO hubAudit(at, actor, action, jobId, detail) VALUES (?, ?, ?, NULL, ?)",
                arguments: [now.epoch, person, text.action, text.detail])
            return AllocationResult(allotment: allotment, shipments: shipments)
        }
    }

    public func shipments(under prefix: String, limit: Int) async throws -> [ShipmentView] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.shipmentColumns) FROM shipment
                    WHERE substr(toKecamatan, 1, ?) = ? OR substr(fromKecamatan, 1, ?) = ?
                    ORDER BY sentAt DESC, id DESC LIMIT ?
                    """, arguments: [prefix.count, prefix, prefix.count, prefix, limit]
            ).map(Self.shipment)
        }
    }

    func shipmentsInTransit(to kecamatan: String) async throws -> [ShipmentNotice] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.shipmentColumns) FROM shipment WHERE toKecamatan = ? AND receivedAt IS NULL
                    ORDER BY sentAt, id LIMIT \(ShipmentText.noticesPerHeartbeat)
                    """, arguments: [kecamatan]
            ).map { try Self.shipment($0).notice }
        }
    }

    static let shipmentColumns =
        "id, kind, allotmentId, fromKecamatan, toKecamatan, quantity, document, sentBy, sentAt, receivedQuantity, receivedBy, receivedAt, reason"

    static func shipment(_ row: Row) throws -> ShipmentView {
        guard let kind = ShipmentKind(rawValue: row["kind"]) else { throw HubError(.invalid, "jenis kiriman \(row["kind"] as String? ?? "") rusak") }
        return ShipmentView(
            id: row["id"], kind: kind, fromKecamatan: row["fromKecamatan"], toKecamatan: row["toKecamatan"], quantity: row["quantity"],
            document: row["document"], allotment: row["allotmentId"], sentBy: row["sentBy"], sentAt: Date(timeIntervalSince1970: row["sentAt"]),
            receivedQuantity: row["receivedQuantity"], receivedBy: row["receivedBy"], receivedAt: row.date("receivedAt"), reason: row["reason"])
    }

    /// The next number of a series in a year, counted in the same transaction.
    static func nextNumber(_ db: Database, series: String, year: Int) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                INSERT INTO documentNumber(series, year, next) VALUES (?, ?, 1)
                ON CONFLICT(series, year) DO UPDATE SET next = next + 1 RETURNING next
                """, arguments: [series, year])!
    }

    /// A station's transfer opens a shipment to the receiving kecamatan (once per event).
    static func openTransfer(
        _ db: Database, station: StationRecord, seq: Int64, to: String, quantity: Int, document: String, by person: String, at: Date
    ) throws {
        let kabupaten = ShipmentNumbers.kabupaten(of: to)
        let year = OfficeZone(regionCode: to).today(at).year
        let id = ShipmentNumbers.suratJalan(
            kabupaten: kabupaten, year: year, try nextNumber(db, series: ShipmentNumbers.suratJalanSeries(kabupaten: kabupaten), year: year))
        try db.execute(
            sql: """
                INSERT INTO shipment(id, kind, fromKecamatan, fromStationId, fromSeq, toKecamatan, quantity, document, sentBy, sentAt)
                VALUES (?, 'transfer', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fromStationId, fromSeq) DO NOTHING
                """, arguments: [id, station.kecamatanCode, station.id, seq, to, quantity, document, person, at.epoch])
    }

    /// The receiving station's count closes the shipment; a count for a shipment that is
    /// not on its way to the station's kecamatan is an alert, not a change.
    static func closeShipment(
        _ db: Database, station: StationRecord, seq: Int64, id: String, received: Int, reason: String?, by person: String, at: Date, now: Date
    ) throws {
        try db.execute(
            sql: """
                UPDATE shipment SET receivedQuantity = ?, receivedBy = ?, receivedAt = ?, receivedStationId = ?, reason = ?
                WHERE id = ? AND toKecamatan = ? AND receivedAt IS NULL
                """, arguments: [received, person, at.epoch, station.id, reason, id, station.kecamatanCode])
        if db.changesCount == 0 {
            try db.execute(
                sql: "INSERT INTO stationAlert(stationId, seq, at, kind, device, message) VALUES (?, ?, ?, ?, NULL, ?)",
                arguments: [station.id, seq, now.epoch, Alert.Kind.syncMismatch.rawValue, ShipmentText.notAwaited(id, kecamatan: station.kecamatanCode)])
        }
    }
}

// MARK: - PT Pos results, in SQLite

extension SQLiteHubStore {
    public func recordPosResults(_ rows: [PosResultRow], by person: String, now: Date) async throws -> PosResultsAnswer {
        try await writer.write { db in
            var held: [JobID: PosResults.Held] = [:]
            var kecamatan: [JobID: String] = [:]
            for chunk in Set(rows.map(\.job)).map(\.rawValue).chunked(into: 500) {
                for row in try Row.fetchAll(
                    db, sql: "SELECT id, kecamatanCode, state, pos, posReturnAt FROM job WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                    arguments: StatementArguments(chunk))
                {
                    kecamatan[try JobID(row["id"])] = row["kecamatanCode"]
                    held[try JobID(row["id"])] = PosResults.Held(
                        state: try HubJobState(stored: row["state"]), pos: row["pos"], returnPending: row["posReturnAt"] as Double? != nil)
                }
            }
            let problems = PosResults.problems(rows, held: held)
            guard problems.isEmpty else { throw HubError(.invalid, PosResultsCSV.Invalid(problems: problems).description) }
            let insert = try db.cachedStatement(
                sql: "INSERT INTO posResult(jobId, result, at, note, recordedBy, recordedAt) VALUES (?, ?, ?, ?, ?, ?)")
            for row in rows {
                let at = row.date.map { OfficeZone(regionCode: kecamatan[row.job] ?? "").start(of: $0) } ?? now
                try insert.execute(arguments: [row.job.rawValue, row.result.rawValue, at.epoch, row.note, person, now.epoch])
                if row.result.backOnShelf {
                    try db.execute(sql: "UPDATE job SET posReturnAt = ? WHERE id = ?", arguments: [now.epoch, row.job.rawValue])
                }
            }
            try db.execute(
                sql: "INSERT INTO hubAudit(at, actor, action, jobId, detail) VALUES (?, ?, 'hasil PT Pos', NULL, ?)",
                arguments: [now.epoch, person, PosResults.auditDetail(rows)])
            return PosResults.answer(rows)
        }
    }

    func posReturns(station: StationRecord) async throws -> [PosReturn] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT j.id, r.result, r.note FROM job j
                    JOIN posResult r ON r.id = (SELECT MAX(id) FROM posResult WHERE jobId = j.id)
                    WHERE j.stationId = ? AND j.posReturnAt IS NOT NULL ORDER BY j.posReturnAt, j.id LIMIT \(PosResults.returnsPerHeartbeat)
                    """, arguments: [station.id]
            ).map { row in
                guard let result = PosDeliveryResult(rawValue: row["result"]) else { throw HubError(.invalid, "hasil PT Pos tersimpan rusak") }
                return PosReturn(job: try JobID(row["id"]), result: result, note: row["note"])
            }
        }
    }
}
