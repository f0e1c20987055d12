import EKTPDomain
import EKTPWire
import Foundation
import GRDB

extension StationStore {
    /// Records a printer the station drives. The id is the printer's serial, so a printer
    /// found on another port (another URI) is the same device with the same ledger.
    public func register(_ info: DeviceInfo) throws {
        try transaction(actor: "ektpd") { tx in
            let existing = try Row.fetchOne(tx.db, sql: "SELECT uri FROM device WHERE id = ?", arguments: [info.id.rawValue])
            if let existing {
                try tx.db.execute(
                    sql: "UPDATE device SET uri = ?, model = ?, serial = ?, hopperCapacity = ?, lastSeen = ? WHERE id = ?",
                    arguments: [info.uri, info.model, info.serial, info.hopperCapacity, tx.at, info.id.rawValue])
                if (existing["uri"] as String) != info.uri {
                    try tx.audit("printer pindah", detail: "\(info.id): \(existing["uri"] as String) → \(info.uri)")
                }
            } else {
                let state = String(decoding: try WireCoding.encoder().encode(DeviceState.offline), as: UTF8.self)
                try tx.db.execute(
                    sql: "INSERT INTO device(id, uri, model, serial, hopperCapacity, state, firstSeen, lastSeen) VALUES (?,?,?,?,?,?,?,?)",
                    arguments: [info.id.rawValue, info.uri, info.model, info.serial, info.hopperCapacity, state, tx.at, tx.at])
                try tx.audit("printer baru", detail: "\(info.id) \(info.model) di \(info.uri)")
            }
        }
    }

    /// Records a device's state. A change of status or reasons goes upstream and into the
    /// audit trail; an unchanged poll only refreshes `lastSeen`. A reported card counter is
    /// checked against the ledger.
    @discardableResult
    public func updateState(of device: DeviceID, _ state: DeviceState) throws -> CounterAhead? {
        try transaction(actor: "ektpd") { tx in
            guard let row = try Row.fetchOne(tx.db, sql: "SELECT state FROM device WHERE id = ?", arguments: [device.rawValue]) else {
                throw StationError(.notFound, "printer \(device) tidak dikenal")
            }
            let old = try? WireCoding.decoder().decode(DeviceState.self, from: Data((row["state"] as String).utf8))
            let json = String(decoding: try WireCoding.encoder().encode(state), as: UTF8.self)
            try tx.db.execute(sql: "UPDATE device SET state = ?, lastSeen = ? WHERE id = ?", arguments: [json, tx.at, device.rawValue])
            let significant = old.map { ($0.status, $0.reasons) != (state.status, state.reasons) } ?? true
            if significant {
                try tx.outbox(.deviceState(device: device, state: state))
                try tx.audit("printer \(state.status.rawValue)", detail: "\(device): \(state.reasons.map(\.label).joined(separator: ", "))")
            }
            guard let counter = state.supplies.cardCounter else { return nil }
            return try Self.checkCounter(tx, device: device, counter: counter)
        }
    }

    /// More cards went through a printer than the ledger knows: a sign that the database
    /// forgot cards it printed (a restored copy), or of cards printed outside the system.
    public struct CounterAhead: Sendable, Equatable {
        public var device: DeviceID
        public var byCounter: Int
        public var byLedger: Int
    }

    /// Invariant 3's hardware check: the printer's counter must have moved by exactly the
    /// cards the ledger says this printer consumed, give or take the cards whose outcome is
    /// still open (printing, or awaiting a decision). A difference means cards went through
    /// the printer outside the system: an alert, and a new baseline so it is raised once.
    static func checkCounter(_ tx: Tx, device: DeviceID, counter: Int) throws -> CounterAhead? {
        let hopper = StockPlace.hopper(device).key
        let consumed =
            try Int.fetchOne(
                tx.db,
                sql:
                    "SELECT COALESCE(SUM(quantity), 0) FROM ledger WHERE fromPlace = ? AND (kind IN ('printed', 'spoiled') OR (kind = 'unloaded' AND jobId IS NOT NULL))",
                arguments: [hopper]) ?? 0
        let open =
            try Int.fetchOne(
                tx.db, sql: "SELECT COUNT(*) FROM job WHERE deviceId = ? AND state IN ('printing', 'outcome-unknown')", arguments: [device.rawValue]) ?? 0
        let base = try Row.fetchOne(tx.db, sql: "SELECT counterBase, consumedBase FROM device WHERE id = ?", arguments: [device.rawValue])
        func rebase() throws {
            try tx.db.execute(sql: "UPDATE device SET counterBase = ?, consumedBase = ? WHERE id = ?", arguments: [counter, consumed, device.rawValue])
        }
        guard let base, let counterBase = base["counterBase"] as Int?, let consumedBase = base["consumedBase"] as Int? else {
            if open == 0 { try rebase() }
            return nil
        }
        let byCounter = counter - counterBase
        let byLedger = consumed - consumedBase
        if byCounter < byLedger || byCounter > byLedger + open {
            try tx.raise(
                Alert(
                    kind: .counterMismatch, device: device,
                    message:
                        "penghitung kartu printer \(device) bertambah \(byCounter), buku blangko mencatat \(byLedger)\(open > 0 ? " (+\(open) belum pasti)" : ""): ada kartu yang lewat printer di luar sistem"
                ))
            if open == 0 {
                try rebase()
            } else {
                try tx.db.execute(sql: "UPDATE device SET counterBase = NULL, consumedBase = NULL WHERE id = ?", arguments: [device.rawValue])
            }
            return byCounter > byLedger + open ? CounterAhead(device: device, byCounter: byCounter, byLedger: byLedger) : nil
        } else if open == 0 {
            try rebase()
        }
        return nil
    }

    /// Every printer the station has driven, with its ledger figures.
    public func devices() throws -> [DeviceView] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM device ORDER BY id")
            return try rows.map { row in
                let id = try DeviceID(row["id"] as String)
                let hopper = StockPlace.hopper(id).key
                let state = try DeviceState(stored: row["state"])
                let sums = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(CASE WHEN kind = 'printed' THEN quantity END), 0) AS printed,
                               COALESCE(SUM(CASE WHEN kind = 'spoiled' THEN quantity END), 0) AS spoiled
                        FROM ledger WHERE fromPlace = ?
                        """, arguments: [hopper])!
                let inHopper = try Int.fetchOne(db, sql: "SELECT quantity FROM stockBalance WHERE place = ?", arguments: [hopper]) ?? 0
                return DeviceView(
                    id: id, uri: row["uri"], model: row["model"], serial: row["serial"], state: state,
                    hopperLedger: inHopper, hopperCapacity: row["hopperCapacity"], printed: sums["printed"], spoiled: sums["spoiled"],
                    chip: try Self.chipCounts(db, device: id))
            }
        }
    }

    /// Open alerts, newest first.
    public func alerts(limit: Int = 50) throws -> [AlertView] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert WHERE clearedAt IS NULL ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.alertView)
        }
    }

    /// An alert row as the API shows it.
    static func alertView(_ row: Row) throws -> AlertView {
        AlertView(
            id: row["id"], at: Date(timeIntervalSince1970: row["at"]),
            alert: Alert(
                kind: try Alert.Kind(stored: row["kind"], column: "alert.kind"),
                device: (row["deviceId"] as String?).flatMap { try? DeviceID($0) }, message: row["message"]),
            acknowledgedBy: row["acknowledgedBy"], acknowledgedAt: (row["acknowledgedAt"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    /// Events not yet acknowledged upstream.
    public func outboxBacklog() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE sentAt IS NULL") ?? 0 }
    }

    /// Outbox events from `after` (exclusive), in sequence order: (seq, event JSON).
    public func outbox(after: Int64, limit: Int = 500) throws -> [(seq: Int64, event: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT seq, event FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit]).map {
                ($0["seq"], $0["event"])
            }
        }
    }
}
