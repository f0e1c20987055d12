import EKTPDomain
import EKTPWire
import Foundation
import GRDB

// MARK: - Ribbons (RibbonStock): the office's other consumable

extension StationStore {
    /// Ribbon rolls from the kabupaten into the store.
    public func receiveRibbon(_ rolls: Int, document: String, by person: String) throws -> Int64 {
        try Self.requireText(document, "nomor dokumen pengiriman ribbon")
        guard (1...1_000).contains(rolls) else { throw StationError(.invalid, "jumlah gulungan ribbon harus antara 1 dan 1.000") }
        return try transaction(actor: person) { tx in
            let id = try Self.ribbonEntry(tx, .received, device: nil, rolls: rolls, capacity: nil, document: document)
            try tx.audit("ribbon diterima", detail: "\(rolls) gulung, dokumen \(document)")
            return id
        }
    }

    /// One roll from the store into `device`, giving `capacity` prints. A roll still in the
    /// printer comes out finished first (the operator replaced it).
    public func loadRibbon(_ device: DeviceID, capacity: Int, by person: String) throws -> Int64 {
        guard capacity > 0 else { throw StationError(.invalid, "kapasitas ribbon printer \(device) tidak diketahui (profil tanpa kapasitas)") }
        return try transaction(actor: person) { tx in
            guard try Int.fetchOne(tx.db, sql: "SELECT 1 FROM device WHERE id = ?", arguments: [device.rawValue]) != nil else {
                throw StationError(.notFound, "printer \(device) tidak dikenal")
            }
            guard try Self.storeRolls(tx.db) >= 1 else {
                throw StationError(.stockRefused, "tidak ada gulungan ribbon di gudang: catat dulu ribbon yang diterima")
            }
            if try Self.loadedRoll(tx.db, device) != nil {
                _ = try Self.ribbonEntry(tx, .finished, device: device, rolls: 1, capacity: nil, document: nil)
                try tx.audit("ribbon habis", detail: "gulungan di \(device) diganti")
            }
            let id = try Self.ribbonEntry(tx, .loaded, device: device, rolls: 1, capacity: capacity, document: nil)
            try tx.audit("ribbon dipasang", detail: "1 gulung ke \(device), \(capacity) cetakan")
            return id
        }
    }

    /// The roll in `device` came out used up.
    public func finishRibbon(_ device: DeviceID, by person: String) throws -> Int64 {
        try transaction(actor: person) { tx in
            guard try Self.loadedRoll(tx.db, device) != nil else {
                throw StationError(.conflict, "tidak ada gulungan ribbon tercatat di printer \(device)")
            }
            let id = try Self.ribbonEntry(tx, .finished, device: device, rolls: 1, capacity: nil, document: nil)
            try tx.audit("ribbon habis", detail: "gulungan di \(device) dilepas")
            return id
        }
    }

    /// The office's ribbons now; `printsPerStoreRoll` and `usagePerPrintingDay` from the
    /// station (its printers' profiles, the blangko forecast).
    public func ribbonStock(printsPerStoreRoll: Int, usagePerPrintingDay: Double) throws -> RibbonStock {
        try read { db in
            var printers: [LoadedRibbon] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, state FROM device ORDER BY id") {
                let device = try DeviceID(row["id"] as String)
                guard let roll = try Self.loadedRoll(db, device) else { continue }
                // A card fed takes a print: printed, or spoiled in the printer while printing
                // (a failed print, a test card); not a blangko found bad or a chip that failed.
                let used =
                    try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COALESCE(SUM(quantity), 0) FROM ledger WHERE fromPlace = ? AND at >= ?
                            AND (kind = 'printed' OR (kind = 'spoiled' AND cause IN ('gagal-cetak', 'cetak-uji')))
                            """, arguments: [StockPlace.hopper(device).key, roll.at]) ?? 0
                let state = try DeviceState(stored: row["state"])
                printers.append(
                    LoadedRibbon(
                        device: device, loadedAt: Date(timeIntervalSince1970: roll.at), capacity: roll.capacity, used: used,
                        printerSays: state.supplies.ribbonRemaining))
            }
            return RibbonStock(
                storeRolls: try Self.storeRolls(db), printers: printers, printsPerStoreRoll: printsPerStoreRoll, usagePerPrintingDay: usagePerPrintingDay)
        }
    }

    /// Rolls received less rolls loaded.
    static func storeRolls(_ db: Database) throws -> Int {
        try Int.fetchOne(
            db,
            sql: "SELECT COALESCE(SUM(CASE kind WHEN 'received' THEN rolls WHEN 'loaded' THEN -rolls ELSE 0 END), 0) FROM ribbonLedger") ?? 0
    }

    /// The roll in `device`: its latest loading, when no finishing came after it.
    static func loadedRoll(_ db: Database, _ device: DeviceID) throws -> (at: Double, capacity: Int)? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT id, kind, at, capacity FROM ribbonLedger WHERE device = ? ORDER BY id DESC LIMIT 1", arguments: [device.rawValue]),
            row["kind"] as String == RibbonEntryKind.loaded.rawValue
        else { return nil }
        return (row["at"], row["capacity"])
    }

    static func ribbonEntry(_ tx: Tx, _ kind: RibbonEntryKind, device: DeviceID?, rolls: Int, capacity: Int?, document: String?) throws -> Int64 {
        try tx.db.execute(
            sql: "INSERT INTO ribbonLedger(at, kind, device, rolls, capacity, document, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [tx.at, kind.rawValue, device?.rawValue, rolls, capacity, document, tx.actor])
        return tx.db.lastInsertedRowID
    }
}
