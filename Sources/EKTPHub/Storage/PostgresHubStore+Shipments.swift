import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import PostgresNIO

// MARK: - Shipments of blangko, in PostgreSQL

extension PostgresHubStore {
    public func allocate(kabupaten: String, quantity: Int, document: String, split: [String: Int], by person: String, now: Date) async throws
        -> AllocationResult
    {
        try await tx { c in
            let year = OfficeZone(regionCode: kabupaten).today(now).year
            let allotment = ShipmentNumbers.allotment(
                kabupaten: kabupaten, year: year,
                try await Self.nextNumber(c, series: ShipmentNumbers.allotmentSeries(kabupaten: kabupaten), year: year, logger: logger))
            try await c.query(
                """
                INSERT INTO allotment(id, kabupaten_code, quantity, document, created_by, created_at)
                VALUES (\(allotment), \(kabupaten), \(Int64(quantity)), \(document), \(person), \(now.epoch))
                """, logger: logger
            ).drain()
            var shipments: [ShipmentView] = []
            for (code, n) in split.sorted(by: { $0.key < $1.key }) where n > 0 {
                let id = ShipmentNumbers.suratJalan(
                    kabupaten: kabupaten, year: year,
                    try await Self.nextNumber(c, series: ShipmentNumbers.suratJalanSeries(kabupaten: kabupaten), year: year, logger: logger))
                try await c.query(
                    """
                    INSERT INTO shipment(id, kind, allotment_id, to_kecamatan, quantity, document, sent_by, sent_at)
                    VALUES (\(id), 'allocation', \(allotment), \(code), \(Int64(n)), \(document), \(person), \(now.epoch))
                    """, logger: logger
                ).drain()
                shipments.append(
                    ShipmentView(
                        id: id, kind: .allocation, fromKecamatan: nil, toKecamatan: code, quantity: n, document: document, allotment: allotment,
                        sentBy: person, sentAt: now))
            }
            let text = ShipmentText.allocated(allotment, quantity: quantity, document: document, shipments: shipments.count)
            try await c.query(
                "INSERT INTO hub_audit(at, actor, action, job_id, detail) VALUES (\(now.epoch), \(person), \(text.action), NULL, \(text.detail))",
                logger: logger
            ).drain()
            return AllocationResult(allotment: allotment, shipments: shipments)
        }
    }

    public func shipments(under prefix: String, limit: Int) async throws -> [ShipmentView] {
        try await shipments(
            """
            SELECT \(unescaped: Self.shipmentColumns) FROM shipment
            WHERE starts_with(to_kecamatan, \(prefix)) OR starts_with(coalesce(from_kecamatan, ''), \(prefix))
            ORDER BY sent_at DESC, id DESC LIMIT \(limit)
            """)
    }

    /// A shipment row not yet counted.
    static let shipmentInTransit = "received_at IS NULL"

    /// Shipments not yet counted by the kecamatan (the heartbeat's answer).
    func shipmentsInTransit(to kecamatan: String) async throws -> [ShipmentNotice] {
        try await shipments(
            """
            SELECT \(unescaped: Self.shipmentColumns) FROM shipment WHERE to_kecamatan = \(kecamatan) AND \(unescaped: Self.shipmentInTransit)
            ORDER BY sent_at, id LIMIT \(ShipmentText.noticesPerHeartbeat)
            """
        ).map(\.notice)
    }

    static let shipmentColumns =
        "id, kind, allotment_id, from_kecamatan, to_kecamatan, quantity, document, sent_by, sent_at, received_quantity, received_by, received_at, reason"

    private func shipments(_ query: PostgresQuery) async throws -> [ShipmentView] {
        var out: [ShipmentView] = []
        for try await row in try await client.query(query, logger: logger) {
            let (id, kind, allotment, from, to, quantity, document, sentBy, sentAt, receivedQuantity, receivedBy, receivedAt, reason) =
                try row.decode((String, String, String?, String?, String, Int64, String, String, Double, Int64?, String?, Double?, String?).self)
            guard let kind = ShipmentKind(rawValue: kind) else { throw HubError(.invalid, "jenis kiriman \(kind) rusak") }
            out.append(
                ShipmentView(
                    id: id, kind: kind, fromKecamatan: from, toKecamatan: to, quantity: Int(quantity), document: document, allotment: allotment,
                    sentBy: sentBy, sentAt: Date(timeIntervalSince1970: sentAt), receivedQuantity: receivedQuantity.map(Int.init), receivedBy: receivedBy,
                    receivedAt: receivedAt.map(Date.init(timeIntervalSince1970:)), reason: reason))
        }
        return out
    }

    /// The next number of a series in a year, counted in the same transaction (the row
    /// lock orders concurrent hubs).
    static func nextNumber(_ c: PostgresConnection, series: String, year: Int, logger: Logger) async throws -> Int {
        for try await next in try await c.query(
            """
            INSERT INTO document_number(series, year, next) VALUES (\(series), \(year), 1)
            ON CONFLICT (series, year) DO UPDATE SET next = document_number.next + 1 RETURNING next
            """, logger: logger
        ).decode(Int64.self) { return Int(next) }
        throw HubError(.invalid, "nomor dokumen \(series) tidak terbaca")
    }

    /// A station's transfer opens a shipment to the receiving kecamatan (once per event).
    func openTransfer(
        _ c: PostgresConnection, station: StationRecord, seq: Int64, to: String, quantity: Int, document: String, by person: String, at: Date
    ) async throws {
        let kabupaten = ShipmentNumbers.kabupaten(of: to)
        let year = OfficeZone(regionCode: to).today(at).year
        let id = ShipmentNumbers.suratJalan(
            kabupaten: kabupaten, year: year,
            try await Self.nextNumber(c, series: ShipmentNumbers.suratJalanSeries(kabupaten: kabupaten), year: year, logger: logger))
        try await c.query(
            """
            INSERT INTO shipment(id, kind, from_kecamatan, from_station_id, from_seq, to_kecamatan, quantity, document, sent_by, sent_at)
            VALUES (\(id), 'transfer', \(station.kecamatanCode), \(station.id), \(seq), \(to), \(Int64(quantity)), \(document), \(person), \(at.epoch))
            ON CONFLICT (from_station_id, from_seq) DO NOTHING
            """, logger: logger
        ).drain()
    }

    /// The receiving station's count closes the shipment; a count for a shipment that is
    /// not on its way to the station's kecamatan is an alert, not a change.
    func closeShipment(
        _ c: PostgresConnection, station: StationRecord, seq: Int64, id: String, received: Int, reason: String?, by person: String, at: Date,
        now: Date
    ) async throws {
        var closed = 0
        for try await _ in try await c.query(
            """
            UPDATE shipment SET received_quantity = \(Int64(received)), received_by = \(person), received_at = \(at.epoch),
                received_station_id = \(station.id), reason = \(reason)
            WHERE id = \(id) AND to_kecamatan = \(station.kecamatanCode) AND received_at IS NULL RETURNING id
            """, logger: logger
        ).decode(String.self) { closed += 1 }
        if closed == 0 {
            let message = ShipmentText.notAwaited(id, kecamatan: station.kecamatanCode)
            try await c.query(
                """
                INSERT INTO station_alert(station_id, seq, at, kind, device, message)
                VALUES (\(station.id), \(seq), \(now.epoch), \(Alert.Kind.syncMismatch.rawValue), NULL, \(message))
                """, logger: logger
            ).drain()
        }
    }
}

// MARK: - PT Pos results, in PostgreSQL

extension PostgresHubStore {
    public func recordPosResults(_ rows: [PosResultRow], by person: String, now: Date) async throws -> PosResultsAnswer {
        try await tx { c in
            var held: [JobID: PosResults.Held] = [:]
            var kecamatan: [JobID: String] = [:]
            for try await (id, code, state, pos, returnAt) in try await c.query(
                "SELECT id, kecamatan_code, state, pos, pos_return_at FROM job WHERE id = ANY(\(Array(Set(rows.map(\.job.rawValue))))) ORDER BY id FOR UPDATE",
                logger: logger
            ).decode((String, String, String, Bool, Double?).self) {
                kecamatan[try JobID(id)] = code
                held[try JobID(id)] = PosResults.Held(state: try HubJobState(stored: state), pos: pos, returnPending: returnAt != nil)
            }
            let problems = PosResults.problems(rows, held: held)
            guard problems.isEmpty else { throw HubError(.invalid, PosResultsCSV.Invalid(problems: problems).description) }
            let at = rows.map { row in row.date.map { OfficeZone(regionCode: kecamatan[row.job] ?? "").start(of: $0) } ?? now }
            try await c.query(
                """
                INSERT INTO pos_result(job_id, result, at, note, recorded_by, recorded_at)
                SELECT job_id, result, at, NULLIF(note, ''), \(person), \(now.epoch)
                FROM unnest(\(rows.map(\.job.rawValue))::text[], \(rows.map(\.result.rawValue))::text[], \(at.map(\.epoch))::float8[],
                            \(rows.map { $0.note ?? "" })::text[]) WITH ORDINALITY AS t(job_id, result, at, note, n)
                ORDER BY n
                """, logger: logger
            ).drain()
            let back = rows.filter(\.result.backOnShelf).map(\.job.rawValue)
            if !back.isEmpty {
                try await c.query("UPDATE job SET pos_return_at = \(now.epoch) WHERE id = ANY(\(back))", logger: logger).drain()
            }
            try await c.query(
                "INSERT INTO hub_audit(at, actor, action, job_id, detail) VALUES (\(now.epoch), \(person), 'hasil PT Pos', NULL, \(PosResults.auditDetail(rows)))",
                logger: logger
            ).drain()
            return PosResults.answer(rows)
        }
    }

    /// A job row PT Pos brought back that its station has not shelved yet.
    static let posReturnPending = "pos_return_at IS NOT NULL"

    /// Cards PT Pos brought back that the station holds and has not yet shelved (the
    /// heartbeat's answer).
    func posReturns(station: StationRecord) async throws -> [PosReturn] {
        var out: [PosReturn] = []
        for try await (id, result, note) in try await client.query(
            """
            SELECT j.id, r.result, r.note FROM job j
            JOIN LATERAL (SELECT result, note FROM pos_result WHERE job_id = j.id ORDER BY id DESC LIMIT 1) r ON TRUE
            WHERE j.station_id = \(station.id) AND j.\(unescaped: Self.posReturnPending) ORDER BY j.pos_return_at, j.id LIMIT \(PosResults.returnsPerHeartbeat)
            """, logger: logger
        ).decode((String, String, String?).self) {
            guard let result = PosDeliveryResult(rawValue: result) else { throw HubError(.invalid, "hasil PT Pos tersimpan rusak") }
            out.append(PosReturn(job: try JobID(id), result: result, note: note))
        }
        return out
    }
}
