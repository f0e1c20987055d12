import Foundation
import GRDB

/// Users and sessions in an SQLite database through GRDB: the station's store and the
/// hub's SQLite store share these statements. The tables (`webUser`, `webSession`) are
/// created by a migration in each store's own schema file.
public enum WebAccountsSQL {
    public static func addUser(_ db: Database, _ user: WebUser) throws {
        if try Int.fetchOne(db, sql: "SELECT 1 FROM webUser WHERE name = ?", arguments: [user.name]) != nil {
            throw WebAccountError(.exists, "pengguna \(user.name) sudah ada")
        }
        try db.execute(
            sql: "INSERT INTO webUser(name, fullName, role, passwordHash, createdAt) VALUES (?,?,?,?,?)",
            arguments: [user.name, user.fullName, user.role.rawValue, user.passwordHash, user.createdAt.timeIntervalSince1970])
    }

    public static func setPassword(_ db: Database, name: String, hash: String) throws -> Bool {
        try db.execute(sql: "UPDATE webUser SET passwordHash = ? WHERE name = ?", arguments: [hash, name])
        let changed = db.changesCount > 0
        if changed { try db.execute(sql: "DELETE FROM webSession WHERE userName = ?", arguments: [name]) }
        return changed
    }

    static func user(_ row: Row) -> WebUser? {
        guard let role = WebRole(rawValue: row["role"]) else { return nil }
        return WebUser(
            name: row["name"], fullName: row["fullName"], role: role, passwordHash: row["passwordHash"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]), disabled: (row["disabledAt"] as Double?) != nil)
    }

    public static func user(_ db: Database, named name: String) throws -> WebUser? {
        try Row.fetchOne(db, sql: "SELECT * FROM webUser WHERE name = ?", arguments: [name]).flatMap(user)
    }

    public static func users(_ db: Database) throws -> [WebUser] {
        try Row.fetchAll(db, sql: "SELECT * FROM webUser ORDER BY name").compactMap(user)
    }

    public static func createSession(_ db: Database, _ s: WebSession) throws {
        try db.execute(sql: "DELETE FROM webSession WHERE expiresAt <= ?", arguments: [s.createdAt.timeIntervalSince1970])
        try db.execute(
            sql: "INSERT INTO webSession(tokenHash, userName, csrf, createdAt, expiresAt) VALUES (?,?,?,?,?)",
            arguments: [s.tokenHash, s.user, s.csrf, s.createdAt.timeIntervalSince1970, s.expiresAt.timeIntervalSince1970])
    }

    /// A live session of an enabled user; its role is read from the user, so a changed
    /// role applies at once.
    public static func session(_ db: Database, tokenHash: Data, now: Date) throws -> WebSession? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT s.tokenHash, s.userName, s.csrf, s.createdAt, s.expiresAt, u.fullName, u.role
                    FROM webSession s JOIN webUser u ON u.name = s.userName
                    WHERE s.tokenHash = ? AND s.expiresAt > ? AND u.disabledAt IS NULL
                    """, arguments: [tokenHash, now.timeIntervalSince1970]),
            let role = WebRole(rawValue: row["role"])
        else { return nil }
        return WebSession(
            tokenHash: row["tokenHash"], user: row["userName"], fullName: row["fullName"], role: role, csrf: row["csrf"],
            createdAt: Date(timeIntervalSince1970: row["createdAt"]), expiresAt: Date(timeIntervalSince1970: row["expiresAt"]))
    }

    public static func deleteSession(_ db: Database, tokenHash: Data) throws {
        try db.execute(sql: "DELETE FROM webSession WHERE tokenHash = ?", arguments: [tokenHash])
    }
}

/// `WebAccountStore` over any GRDB database holding the tables above.
public struct GRDBWebAccounts: WebAccountStore {
    let writer: any DatabaseWriter
    public init(writer: any DatabaseWriter) { self.writer = writer }

    public func addWebUser(_ user: WebUser) async throws { try await writer.write { try WebAccountsSQL.addUser($0, user) } }
    public func setWebPassword(name: String, passwordHash: String) async throws -> Bool {
        try await writer.write { try WebAccountsSQL.setPassword($0, name: name, hash: passwordHash) }
    }
    public func webUser(named name: String) async throws -> WebUser? { try await writer.read { try WebAccountsSQL.user($0, named: name) } }
    public func webUsers() async throws -> [WebUser] { try await writer.read { try WebAccountsSQL.users($0) } }
    public func createWebSession(_ session: WebSession) async throws { try await writer.write { try WebAccountsSQL.createSession($0, session) } }
    public func webSession(tokenHash: Data, now: Date) async throws -> WebSession? {
        try await writer.read { try WebAccountsSQL.session($0, tokenHash: tokenHash, now: now) }
    }
    public func deleteWebSession(tokenHash: Data) async throws { try await writer.write { try WebAccountsSQL.deleteSession($0, tokenHash: tokenHash) } }
}
