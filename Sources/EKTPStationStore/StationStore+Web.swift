import EKTPAccounts
import EKTPDomain
import EKTPWire
import Foundation
import GRDB

/// Users and sessions of the station's web pages, and the reads the pages need beyond
/// the local API's. Creating a user or changing a password goes into the audit chain.
extension StationStore: WebAccountStore {
    /// The roles a station knows.
    public static let webRoles: Set<WebRole> = [.operator, .kepala]

    public func addWebUser(_ user: WebUser) async throws { try addStationUser(user, pcAccount: nil, by: "admin") }

    /// Adds a station user and, with `pcAccount`, the PC account they run `ektpctl` under,
    /// in one transaction: a PC account already taken refuses the whole addition.
    public func addStationUser(_ user: WebUser, pcAccount: String?, by admin: String) throws {
        try transaction(actor: admin) { tx in
            try WebAccountsSQL.addUser(tx.db, user)
            try tx.audit("pengguna stasiun dibuat", detail: "\(user.name) (\(user.role.rawValue))")
            if let pcAccount { try Self.link(tx, pcAccount, to: user.name) }
        }
    }

    /// Maps one more PC account to a station user; an account belongs to one person.
    public func linkPCAccount(_ account: String, to user: String, by admin: String) throws {
        try transaction(actor: admin) { tx in
            guard try WebAccountsSQL.user(tx.db, named: user) != nil else { throw StationError(.notFound, "pengguna stasiun \(user) tidak ada") }
            try Self.link(tx, account, to: user)
        }
    }

    static func link(_ tx: Tx, _ text: String, to user: String) throws {
        let account: String
        do { account = try PCAccount.check(text) } catch { throw StationError(.invalid, error.message) }
        if let holder = try String.fetchOne(tx.db, sql: "SELECT userName FROM pcAccount WHERE account = ?", arguments: [account]) {
            throw StationError(.conflict, "akun PC \(account) sudah milik \(holder); satu akun PC untuk satu orang")
        }
        try tx.db.execute(sql: "INSERT INTO pcAccount(account, userName, createdAt) VALUES (?,?,?)", arguments: [account, user, tx.at])
        try tx.audit("akun PC dihubungkan", detail: "\(account) → \(user)")
    }

    /// Every PC account and the station user it belongs to.
    public func pcAccounts() throws -> [String: String] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT account, userName FROM pcAccount").map { ($0["account"], $0["userName"]) })
        }
    }

    public func setWebPassword(name: String, passwordHash: String) async throws -> Bool {
        try transaction(actor: "admin") { tx in
            let changed = try WebAccountsSQL.setPassword(tx.db, name: name, hash: passwordHash)
            if changed { try tx.audit("kata sandi web diganti", detail: name) }
            return changed
        }
    }

    public func webUser(named name: String) async throws -> WebUser? { try read { try WebAccountsSQL.user($0, named: name) } }
    public func webUsers() async throws -> [WebUser] { try read { try WebAccountsSQL.users($0) } }
    public func createWebSession(_ session: WebSession) async throws { try await write { try WebAccountsSQL.createSession($0, session) } }
    public func webSession(tokenHash: Data, now: Date) async throws -> WebSession? {
        try read { try WebAccountsSQL.session($0, tokenHash: tokenHash, now: now) }
    }
    public func deleteWebSession(tokenHash: Data) async throws { try await write { try WebAccountsSQL.deleteSession($0, tokenHash: tokenHash) } }
}

/// One destruction of spoiled blangko, as the ledger holds it.
public struct DestructionRecord: Sendable {
    /// The ledger entry.
    public var entry: Int64
    public var at: Date
    public var quantity: Int
    /// The berita acara number.
    public var record: String
    /// `saksi: A, B`
    public var witnesses: String
    public var by: String
    /// How they were destroyed; nil for records made before it was asked.
    public var method: String?
}

extension StationStore {
    /// Blangko used (printed or spoiled out of a hopper) per office day, the last `days` days
    /// up to today, oldest first; days without use are zero.
    public func dailyUsage(days: Int) throws -> [(day: String, used: Int)] {
        let now = clock()
        let calendar = zone.calendar
        let today = calendar.startOfDay(for: now)
        let start = calendar.date(byAdding: .day, value: -(days - 1), to: today)!
        let rows = try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT CAST((at - ?) / 86400 AS INTEGER) AS d, SUM(quantity) AS n FROM ledger
                    WHERE at >= ? AND kind IN ('printed', 'spoiled') AND fromPlace LIKE 'hopper:%' GROUP BY d
                    """, arguments: [start.timeIntervalSince1970, start.timeIntervalSince1970])
        }
        var used = [Int](repeating: 0, count: days)
        for row in rows {
            let d: Int = row["d"]
            if (0..<days).contains(d) { used[d] = row["n"] }
        }
        return (0..<days).map { i in
            let c = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: i, to: start)!)
            return (String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), used[i])
        }
    }

    /// Destructions of spoiled blangko, newest first.
    public func destructionRecords(limit: Int = 100) throws -> [DestructionRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.at, l.quantity, l.document, l.note, l.actor, m.method FROM ledger l LEFT JOIN destructionMethod m ON m.ledgerId = l.id
                    WHERE l.kind = 'destroyed' ORDER BY l.id DESC LIMIT ?
                    """, arguments: [limit]
            ).map(Self.destructionRecord)
        }
    }

    private static func destructionRecord(_ row: Row) -> DestructionRecord {
        DestructionRecord(
            entry: row["id"], at: Date(timeIntervalSince1970: row["at"]), quantity: row["quantity"], record: row["document"] ?? "",
            witnesses: row["note"] ?? "", by: row["actor"], method: row["method"])
    }

    /// One destruction and the spoiled cards it took (`DestructionList`), for its berita acara.
    public func destruction(entry: Int64) throws -> (record: DestructionRecord, cards: [DestructionList.Spoiled]) {
        try read { db in
            let all = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.at, l.quantity, l.document, l.note, l.actor, m.method FROM ledger l LEFT JOIN destructionMethod m ON m.ledgerId = l.id
                    WHERE l.kind = 'destroyed' ORDER BY l.id
                    """
            ).map(Self.destructionRecord)
            guard let index = all.firstIndex(where: { $0.entry == entry }) else {
                throw StationError(.notFound, "pemusnahan nomor \(entry) tidak ada")
            }
            let spoiled = try Row.fetchAll(
                db,
                sql: """
                    SELECT l.id, l.at, l.jobId, l.cause, l.quantity, j.maskedNik FROM ledger l LEFT JOIN job j ON j.id = l.jobId
                    WHERE l.toPlace = 'spoiled' AND l.id < ? ORDER BY l.id
                    """, arguments: [entry]
            ).map {
                DestructionList.Spoiled(
                    entry: $0["id"], at: Date(timeIntervalSince1970: $0["at"]), job: $0["jobId"], maskedNIK: $0["maskedNik"], cause: $0["cause"],
                    quantity: $0["quantity"])
            }
            return (all[index], DestructionList.cards(of: index, destructions: all.map(\.quantity), spoiled: spoiled))
        }
    }

    /// The jobs handed to PT Pos under `receipt`, from the audit trail that recorded each
    /// hand-over, in the order they were handed over.
    public func jobsHandedToPos(receipt: String) throws -> [JobID] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT jobId FROM audit WHERE jobId IS NOT NULL AND action LIKE '% → handed-over' AND detail = ? ORDER BY seq",
                arguments: ["diserahkan ke PT Pos, resi \(receipt)"]
            ).compactMap { try? JobID($0) }
        }
    }
}
