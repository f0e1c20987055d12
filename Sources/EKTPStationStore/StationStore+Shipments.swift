import EKTPDomain
import EKTPWire
import Foundation
import GRDB

// MARK: - Shipments of blangko to this kecamatan (docs/sync.md, "Shipments")

extension StationStore {
    /// The hub's list of shipments on their way here (the heartbeat's answer): new ones are
    /// kept, and one no longer listed that this station has not counted is dropped (another
    /// station of the kecamatan counted it, or the hub never sent it).
    public func noteShipments(_ notices: [ShipmentNotice]) throws {
        try write { db in
            let listed = Set(notices.map(\.id))
            let pending = try String.fetchAll(db, sql: "SELECT id FROM shipment WHERE receivedAt IS NULL")
            for id in pending where !listed.contains(id) {
                try db.execute(sql: "DELETE FROM shipment WHERE id = ? AND receivedAt IS NULL", arguments: [id])
            }
            for n in notices where n.quantity > 0 {
                try db.execute(
                    sql: """
                        INSERT INTO shipment(id, kind, fromKecamatan, quantity, document, sentAt) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO NOTHING
                        """, arguments: [n.id, n.kind.rawValue, n.fromKecamatan, n.quantity, n.document, n.sentAt.timeIntervalSince1970])
            }
        }
    }

    /// Shipments in transit first (oldest first), then the latest received.
    public func shipments(limit: Int = 50) throws -> [IncomingShipment] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM shipment ORDER BY receivedAt IS NOT NULL, CASE WHEN receivedAt IS NULL THEN sentAt ELSE -receivedAt END, id LIMIT ?
                    """, arguments: [limit]
            ).map(Self.shipment)
        }
    }

    public func shipment(_ id: String) throws -> IncomingShipment? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM shipment WHERE id = ?", arguments: [id]).map(Self.shipment) }
    }

    /// The shipment counted on arrival: the blangko counted enter the store under its surat
    /// jalan, and the hub hears the count. A count other than sent needs a reason (the
    /// caller makes sure the kepala gives it). Counted once.
    public func receiveShipment(_ id: String, counted: Int, reason: String?, by person: String) throws -> StockChanged {
        guard counted >= 0, counted <= 100_000 else { throw StationError(.invalid, "jumlah hitung harus antara 0 dan 100.000") }
        return try transaction(actor: person) { tx in
            guard let row = try Row.fetchOne(tx.db, sql: "SELECT * FROM shipment WHERE id = ?", arguments: [id]) else {
                throw StationError(.notFound, "kiriman \(id.prefix(40)) tidak dikenal di stasiun ini (belum diberitahukan hub?)")
            }
            let shipment = try Self.shipment(row)
            guard shipment.inTransit else {
                throw StationError(.conflict, "kiriman \(id) sudah diterima: \(shipment.receivedQuantity ?? 0) lembar oleh \(shipment.receivedBy ?? "?")")
            }
            let why = reason?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            if counted != shipment.quantity, why == nil {
                throw StationError(.invalid, "dihitung \(counted), surat jalan \(shipment.quantity): alasan selisih wajib diisi")
            }
            if let why, why.count > 500 { throw StationError(.invalid, "alasan paling panjang 500 karakter") }
            let note = "surat jalan \(id) dari \(shipment.origin)" + (counted == shipment.quantity ? "" : ", dikirim \(shipment.quantity)")
            let ledger = counted > 0 ? try tx.ledger(try Self.movement(.received, .supplier, .store, counted), note: note, document: id) : nil
            try tx.db.execute(
                sql: "UPDATE shipment SET receivedQuantity = ?, receivedAt = ?, receivedBy = ?, reason = ?, ledgerId = ? WHERE id = ?",
                arguments: [counted, tx.at, person, counted == shipment.quantity ? nil : why, ledger, id])
            try tx.outbox(
                .shipmentReceived(shipment: id, sent: shipment.quantity, received: counted, reason: counted == shipment.quantity ? nil : why, by: person))
            let difference = counted - shipment.quantity
            try tx.audit(
                "kiriman diterima",
                detail: "\(id): \(counted) dari \(shipment.quantity) lembar\(difference == 0 ? "" : ", selisih \(difference): \(why ?? "")")")
            return StockChanged(
                entry: ledger, pendingCount: nil,
                message: difference == 0
                    ? "kiriman \(id) diterima: \(counted) lembar masuk gudang"
                    : "kiriman \(id) diterima dengan selisih \(difference): \(counted) lembar masuk gudang")
        }
    }

    static func shipment(_ row: Row) throws -> IncomingShipment {
        guard let kind = ShipmentKind(rawValue: row["kind"]) else { throw StationError(.invalid, "jenis kiriman \(row["id"] as String? ?? "") rusak") }
        return IncomingShipment(
            id: row["id"], kind: kind, fromKecamatan: row["fromKecamatan"], quantity: row["quantity"], document: row["document"],
            sentAt: Date(timeIntervalSince1970: row["sentAt"]), receivedQuantity: row["receivedQuantity"],
            receivedAt: (row["receivedAt"] as Double?).map(Date.init(timeIntervalSince1970:)), receivedBy: row["receivedBy"], reason: row["reason"])
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
