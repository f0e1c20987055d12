import EKTPDomain
import EKTPWire
import Foundation
import GRDB

extension StationStore {
    /// A shipment of blangko from the kabupaten arrives in the store.
    public func receive(_ quantity: Int, document: String, serialFirst: String?, serialLast: String?, by person: String) throws -> Int64 {
        try Self.requireText(document, "nomor dokumen pengiriman")
        let serials = serialFirst.map { "seri \($0)–\(serialLast ?? "?")" }
        return try transaction(actor: person) { tx in
            let id = try tx.ledger(try Self.movement(.received, .supplier, .store, quantity), note: serials, document: document)
            try tx.audit("blangko diterima", detail: "\(quantity) lembar, dokumen \(document)\(serials.map { ", \($0)" } ?? "")")
            return id
        }
    }

    /// The operator puts blangko from the store into a printer's hopper.
    public func load(_ device: DeviceID, _ quantity: Int, by person: String) throws -> Int64 {
        try transaction(actor: person) { tx in
            guard let capacity = try Int.fetchOne(tx.db, sql: "SELECT hopperCapacity FROM device WHERE id = ?", arguments: [device.rawValue]) else {
                throw StationError(.notFound, "printer \(device) tidak dikenal")
            }
            let inHopper = try tx.balance(.hopper(device))
            if inHopper + quantity > capacity {
                throw StationError(
                    .stockRefused, "hopper \(device) muat \(capacity) lembar dan sudah berisi \(inHopper); paling banyak \(capacity - inHopper) lagi")
            }
            let id = try tx.ledger(try Self.movement(.loaded, .store, .hopper(device), quantity))
            try tx.audit("blangko dimuat", detail: "\(quantity) lembar ke \(device)")
            return id
        }
    }

    /// The operator takes blangko out of a hopper back to the store. Cards reserved by a
    /// job in flight or awaiting a decision on that printer stay.
    public func unload(_ device: DeviceID, _ quantity: Int, by person: String) throws -> Int64 {
        try transaction(actor: person) { tx in
            let reserved =
                try Int.fetchOne(
                    tx.db, sql: "SELECT COUNT(*) FROM job WHERE deviceId = ? AND state IN ('printing', 'outcome-unknown')", arguments: [device.rawValue]) ?? 0
            let free = try tx.balance(.hopper(device)) - reserved
            if quantity > free {
                throw StationError(
                    .stockRefused,
                    "hopper \(device) hanya punya \(max(free, 0)) lembar yang bisa dibongkar\(reserved > 0 ? " (\(reserved) terikat job yang belum selesai)" : "")"
                )
            }
            let id = try tx.ledger(try Self.movement(.unloaded, .hopper(device), .store, quantity))
            try tx.audit("blangko dibongkar", detail: "\(quantity) lembar dari \(device)")
            return id
        }
    }

    /// Blangko found damaged in the store or a hopper (not tied to a job).
    public func spoil(at place: StockPlace, _ quantity: Int, cause: SpoilCause, note: String?, by person: String) throws -> Int64 {
        try transaction(actor: person) { tx in
            let id = try tx.ledger(try Self.movement(.spoiled, place, .spoiled, quantity), cause: cause, note: note)
            try tx.audit("blangko rusak", detail: "\(quantity) lembar di \(place), \(cause.label)\(note.map { ": \($0)" } ?? "")")
            return id
        }
    }

    /// Spoiled blangko destroyed under a record (berita acara pemusnahan) with witnesses,
    /// and how (`method`: dipotong, dibakar …).
    public func destroy(_ quantity: Int, record: String, witnesses: [String], method: String, by person: String) throws -> Int64 {
        try Self.requireText(record, "nomor berita acara")
        let method = method.trimmingCharacters(in: .whitespaces)
        guard (1...200).contains(method.count), !method.contains(where: \.isNewline) else {
            throw StationError(.invalid, "sebutkan cara pemusnahan (mis. dipotong, dibakar), satu baris")
        }
        let named = witnesses.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard named.count >= 2 else { throw StationError(.invalid, "pemusnahan perlu paling sedikit dua saksi") }
        return try transaction(actor: person) { tx in
            let id = try tx.ledger(
                try Self.movement(.destroyed, .spoiled, .destroyed, quantity), note: "saksi: \(named.joined(separator: ", "))", document: record)
            try tx.db.execute(sql: "INSERT INTO destructionMethod(ledgerId, method) VALUES (?, ?)", arguments: [id, method])
            try tx.audit("blangko dimusnahkan", detail: "\(quantity) lembar, BA \(record), \(method), saksi \(named.joined(separator: ", "))")
            return id
        }
    }

    /// Blangko sent from this store to another kecamatan: in transit, through the hub,
    /// until the receiving station counts them (`receiveShipment` there).
    public func transfer(_ quantity: Int, to kecamatan: String, document: String, by person: String) throws -> Int64 {
        guard PrintJob.isKecamatanCode(kecamatan) else { throw StationError(.invalid, "kode kecamatan \(kecamatan) bukan bentuk PP.KK.CC") }
        try Self.requireText(document, "nomor dokumen")
        return try transaction(actor: person) { tx in
            let id = try tx.ledger(try Self.movement(.transferred, .store, .transferred, quantity), note: "ke \(kecamatan)", document: document)
            // The hub opens a shipment to the receiving kecamatan, in transit until counted there.
            try tx.outbox(.transferSent(to: kecamatan, quantity: quantity, document: document, by: person))
            try tx.audit("blangko dipindahkan", detail: "\(quantity) lembar ke \(kecamatan), dokumen \(document)")
            return id
        }
    }

    /// A physical count. A match is recorded; a difference needs a reason and waits for the
    /// kecamatan head's confirmation before it corrects the ledger.
    public func count(_ place: StockPlace, counted: Int, reason: String?, by person: String) throws -> StockChanged {
        guard place.isPhysical else { throw StationError(.invalid, "\(place) tidak bisa dihitung") }
        guard counted >= 0 else { throw StationError(.invalid, "jumlah hitung tidak boleh negatif") }
        return try transaction(actor: person) { tx in
            let expected = try tx.balance(place)
            if expected == counted {
                try tx.audit("hitung fisik cocok", detail: "\(place): \(counted) lembar")
                return StockChanged(entry: nil, pendingCount: nil, message: "hitung cocok: \(counted) lembar di \(place)")
            }
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw StationError(.invalid, "hitung \(counted) berbeda dari buku (\(expected)) di \(place): alasan wajib diisi")
            }
            try tx.db.execute(
                sql: "INSERT INTO stockCount(at, place, expected, counted, reason, actor, status) VALUES (?,?,?,?,?,?,'pending')",
                arguments: [tx.at, place.key, expected, counted, reason, person])
            let id = tx.db.lastInsertedRowID
            try tx.raise(
                Alert(
                    kind: .countDifference, device: nil,
                    message: "\(Self.countAlertPrefix(id))di \(place): buku \(expected), hitung \(counted) — menunggu konfirmasi kepala"
                ))
            return StockChanged(entry: nil, pendingCount: id, message: "selisih \(counted - expected) di \(place) menunggu konfirmasi kepala (#\(id))")
        }
    }

    /// The kecamatan head confirms a count difference: the ledger is corrected by it.
    public func confirmCount(_ id: Int64, by person: String, note: String?) throws -> StockChanged {
        try transaction(actor: person) { tx in
            let row = try Self.pendingCount(tx, id, decider: person)
            guard let place = StockPlace(key: row["place"]) else { throw StationError(.invalid, "tempat hitung #\(id) rusak") }
            let difference = (row["counted"] as Int) - (row["expected"] as Int)
            let m =
                difference > 0
                ? try Self.movement(.counted, .adjustment, place, difference)
                : try Self.movement(.counted, place, .adjustment, -difference)
            let entry = try tx.ledger(m, note: "hitung #\(id): \(row["reason"] as String)")
            try tx.db.execute(sql: "UPDATE stockCount SET status = 'confirmed', decidedBy = ?, decidedAt = ? WHERE id = ?", arguments: [person, tx.at, id])
            try tx.clearAlerts(.countDifference, startingWith: Self.countAlertPrefix(id))
            try tx.audit("selisih hitung dikonfirmasi", detail: "#\(id) \(place): \(difference > 0 ? "+" : "")\(difference)\(note.map { ", \($0)" } ?? "")")
            return StockChanged(entry: entry, pendingCount: nil, message: "koreksi \(difference > 0 ? "+" : "")\(difference) di \(place) dicatat")
        }
    }

    /// The kecamatan head refuses a count difference: the ledger stays; recount.
    public func refuseCount(_ id: Int64, by person: String, note: String?) throws -> StockChanged {
        try transaction(actor: person) { tx in
            _ = try Self.pendingCount(tx, id, decider: person)
            try tx.db.execute(sql: "UPDATE stockCount SET status = 'refused', decidedBy = ?, decidedAt = ? WHERE id = ?", arguments: [person, tx.at, id])
            try tx.clearAlerts(.countDifference, startingWith: Self.countAlertPrefix(id))
            try tx.audit("selisih hitung ditolak", detail: "#\(id)\(note.map { ": \($0)" } ?? "")")
            return StockChanged(entry: nil, pendingCount: nil, message: "selisih #\(id) ditolak; hitung ulang")
        }
    }

    /// How the alert for count difference `id` begins, to clear it once decided.
    static func countAlertPrefix(_ id: Int64) -> String { "selisih hitung #\(id) " }

    /// A count difference still waiting, which `decider` did not count (`TwoPersonRule`).
    static func pendingCount(_ tx: Tx, _ id: Int64, decider: String) throws -> Row {
        guard let row = try Row.fetchOne(tx.db, sql: "SELECT * FROM stockCount WHERE id = ?", arguments: [id]) else {
            throw StationError(.notFound, "hitung #\(id) tidak ada")
        }
        guard (row["status"] as String) == "pending" else { throw StationError(.conflict, "hitung #\(id) sudah diputuskan") }
        do { try TwoPersonRule.check(decider: decider, recorder: row["actor"], what: "hitungan #\(id)") } catch {
            throw StationError(.rejected, error.description)
        }
        return row
    }

    static func movement(_ kind: LedgerKind, _ from: StockPlace, _ to: StockPlace, _ quantity: Int) throws -> LedgerMovement {
        do { return try LedgerMovement(kind: kind, from: from, to: to, quantity: quantity) } catch {
            throw StationError(.invalid, error.description)
        }
    }

    // MARK: Reads and checks

    /// Running balances per place.
    public func balances() throws -> [StockPlace: Int] {
        try read { db in
            var result: [StockPlace: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT place, quantity FROM stockBalance") {
                if let p = StockPlace(key: row["place"]) { result[p] = row["quantity"] }
            }
            return result
        }
    }

    /// Blangko spoiled so far, per place it left (a hopper or the store) and cause: the
    /// counters `/metrics` exports (the ledger only grows, so they never go down).
    public func spoiledByPlaceAndCause() throws -> [(place: StockPlace, cause: SpoilCause?, quantity: Int)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT fromPlace, cause, SUM(quantity) AS quantity FROM ledger WHERE kind = 'spoiled' GROUP BY fromPlace, cause ORDER BY fromPlace, cause"
            ).map { row in
                (
                    try StockPlace(stored: row["fromPlace"], column: "ledger.fromPlace"),
                    try (row["cause"] as String?).map { try SpoilCause(stored: $0, column: "ledger.cause") }, row["quantity"]
                )
            }
        }
    }

    /// Every movement in the ledger, oldest first.
    public func ledgerMovements() throws -> [LedgerMovement] {
        try read { db in try Self.movements(db, sql: "SELECT kind, fromPlace, toPlace, quantity FROM ledger ORDER BY id").map(\.movement) }
    }

    static func movements(_ db: Database, sql: String, arguments: StatementArguments = []) throws -> [MonthlyBlangkoReport.Line] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let kind = try LedgerKind(stored: row["kind"], column: "ledger.kind")
            let from = try StockPlace(stored: row["fromPlace"], column: "ledger.fromPlace")
            let to = try StockPlace(stored: row["toPlace"], column: "ledger.toPlace")
            let cause = try (row["cause"] as String?).map { try SpoilCause(stored: $0, column: "ledger.cause") }
            return MonthlyBlangkoReport.Line(movement: try movement(kind, from, to, row["quantity"]), cause: cause)
        }
    }

    /// Invariant 3, checked: the identities from the ledger's entries by kind, and the
    /// running balances equal to the ledger replayed from the first entry.
    public func verifyStock() throws -> [IdentityView] {
        let replayed = StockBalances(try ledgerMovements())
        let running = try balances()
        var result = replayed.identities().map { IdentityView(name: $0.name, lhs: $0.lhs, rhs: $0.rhs, holds: $0.holds) }
        for place in Set(running.keys).union(replayed.onHand.keys).sorted() {
            let r = running[place] ?? 0
            let l = replayed.balance(place)
            if r != l { result.append(IdentityView(name: "saldo berjalan \(place) = buku besar", lhs: r, rhs: l, holds: false)) }
        }
        return result
    }

    /// Balances, identities, pending counts and the stock forecast (`StockForecast`).
    public func stockView() throws -> StockView {
        let running = try balances()
        let now = clock()
        let use = try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT at, quantity FROM ledger WHERE at >= ? AND kind IN ('printed', 'spoiled') AND (fromPlace = 'store' OR fromPlace LIKE 'hopper:%')",
                arguments: [StockForecast.windowStart(now, zone: zone).timeIntervalSince1970])
        }
        var usedByDay: [Int: Int] = [:]
        for row in use { usedByDay[zone.day(of: Date(timeIntervalSince1970: row["at"])), default: 0] += row["quantity"] as Int }
        let pending = try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM stockCount WHERE status = 'pending' ORDER BY id").map {
                PendingCountView(id: $0["id"], place: $0["place"], expected: $0["expected"], counted: $0["counted"], reason: $0["reason"], by: $0["actor"])
            }
        }
        let unused = running.filter { $0.key.isUnused }.values.reduce(0, +)
        let backlog = try jobCounts().filter { $0.key.isOpen }.values.reduce(0, +)
        return StockView(
            places: running, identities: try verifyStock(), pendingCounts: pending,
            forecast: StockForecast(onHand: unused, usedByDay: usedByDay, backlog: backlog, today: zone.day(of: now)),
            oldCardsAwaitingDestruction: try oldCards().waiting)
    }

    /// Unused blangko: the store and every hopper.
    public func unusedBlangko() throws -> Int {
        try balances().filter { if case .hopper = $0.key { true } else { $0.key == .store } }.values.reduce(0, +)
    }

    /// The monthly blangko report for `month` (`YYYY-MM`), the month as the office keeps it
    /// (`zone`).
    public func monthlyReport(month text: String) throws -> MonthlyBlangkoReport {
        let month: ReportMonth
        do { month = try ReportMonth(parsing: text) } catch { throw StationError(.invalid, error.description) }
        let (start, end) = zone.bounds(month)
        return try read { db in
            let columns = "SELECT kind, fromPlace, toPlace, quantity, cause FROM ledger"
            let before = try Self.movements(db, sql: "\(columns) WHERE at < ? ORDER BY id", arguments: [start.timeIntervalSince1970]).map(\.movement)
            let during = try Self.movements(
                db, sql: "\(columns) WHERE at >= ? AND at < ? ORDER BY id", arguments: [start.timeIntervalSince1970, end.timeIntervalSince1970])
            return MonthlyBlangkoReport.build(month: month.description, before: before, during: during)
        }
    }
}
