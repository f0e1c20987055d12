import EKTPAccounts
import Foundation
import GRDB
import Logging
import PostgresNIO

/// The central office's users and sessions, in whichever store the hub runs on. Both
/// stores implement it; their migrations (`web-users-1`) are registered with the rest of
/// each schema.
public protocol HubUserStore: WebAccountStore {}

/// The one role the hub's pages know.
public enum HubWebRoles {
    public static let roles: Set<WebRole> = [.pusat]
}

extension SQLiteHubStore: HubUserStore {
    var webAccounts: GRDBWebAccounts { GRDBWebAccounts(writer: writer) }
    public func addWebUser(_ user: WebUser) async throws { try await webAccounts.addWebUser(user) }
    public func setWebPassword(name: String, passwordHash: String) async throws -> Bool {
        try await webAccounts.setWebPassword(name: name, passwordHash: passwordHash)
    }
    public func webUser(named name: String) async throws -> WebUser? { try await webAccounts.webUser(named: name) }
    public func webUsers() async throws -> [WebUser] { try await webAccounts.webUsers() }
    public func createWebSession(_ session: WebSession) async throws { try await webAccounts.createWebSession(session) }
    public func webSession(tokenHash: Data, now: Date) async throws -> WebSession? { try await webAccounts.webSession(tokenHash: tokenHash, now: now) }
    public func deleteWebSession(tokenHash: Data) async throws { try await webAccounts.deleteWebSession(tokenHash: tokenHash) }
}

extension PostgresHubStore: HubUserStore {
    static let webUserStatements: [String] = [
        """
        CREATE TABLE web_user (
            name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 2 AND 32),
            full_name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('pusat')),
            password_hash TEXT NOT NULL CHECK (password_hash LIKE '$2%'),
            created_at DOUBLE PRECISION NOT NULL,
            disabled_at DOUBLE PRECISION
        )
        """,
        """
        CREATE TABLE web_session (
            token_hash BYTEA PRIMARY KEY CHECK (length(token_hash) = 32),
            user_name TEXT NOT NULL REFERENCES web_user(name),
            csrf TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        )
        """,
        "CREATE INDEX web_session_expires ON web_session(expires_at)",
    ]

    public func addWebUser(_ user: WebUser) async throws {
        do { try await insertWebUser(user) } catch let error as PostgresTransactionError {
            if let refusal = error.closureError as? WebAccountError, error.rollbackError == nil { throw refusal }
            throw error
        }
    }

    func insertWebUser(_ user: WebUser) async throws {
        try await client.withTransaction(logger: logger) { c in
            let taken = try await c.query("SELECT 1 FROM web_user WHERE name = \(user.name) FOR UPDATE", logger: logger).collect()
            if !taken.isEmpty { throw WebAccountError(.exists, "pengguna \(user.name) sudah ada") }
            try await c.query(
                """
                INSERT INTO web_user(name, full_name, role, password_hash, created_at)
                VALUES (\(user.name), \(user.fullName), \(user.role.rawValue), \(user.passwordHash), \(user.createdAt.timeIntervalSince1970))
                """, logger: logger
            ).drain()
        }
    }

    public func setWebPassword(name: String, passwordHash: String) async throws -> Bool {
        try await client.withTransaction(logger: logger) { c in
            let rows = try await c.query("UPDATE web_user SET password_hash = \(passwordHash) WHERE name = \(name) RETURNING name", logger: logger).collect()
            guard !rows.isEmpty else { return false }
            try await c.query("DELETE FROM web_session WHERE user_name = \(name)", logger: logger).drain()
            return true
        }
    }

    static func webUsers(_ rows: PostgresRowSequence) async throws -> [WebUser] {
        var out: [WebUser] = []
        for try await (name, fullName, role, hash, created, disabled) in rows.decode((String, String, String, String, Double, Double?).self) {
            guard let role = WebRole(rawValue: role) else { continue }
            out.append(
                WebUser(
                    name: name, fullName: fullName, role: role, passwordHash: hash, createdAt: Date(timeIntervalSince1970: created),
                    disabled: disabled != nil))
        }
        return out
    }

    public func webUser(named name: String) async throws -> WebUser? {
        try await Self.webUsers(
            try await client.query(
                "SELECT name, full_name, role, password_hash, created_at, disabled_at FROM web_user WHERE name = \(name)", logger: logger)
        ).first
    }

    public func webUsers() async throws -> [WebUser] {
        try await Self.webUsers(
            try await client.query("SELECT name, full_name, role, password_hash, created_at, disabled_at FROM web_user ORDER BY name", logger: logger))
    }

    public func createWebSession(_ s: WebSession) async throws {
        try await client.withTransaction(logger: logger) { c in
            try await c.query("DELETE FROM web_session WHERE expires_at <= \(s.createdAt.timeIntervalSince1970)", logger: logger).drain()
            try await c.query(
                """
                INSERT INTO web_session(token_hash, user_name, csrf, created_at, expires_at)
                VALUES (\(ByteBuffer(bytes: s.tokenHash)), \(s.user), \(s.csrf), \(s.createdAt.timeIntervalSince1970), \(s.expiresAt.timeIntervalSince1970))
                """, logger: logger
            ).drain()
        }
    }

    public func webSession(tokenHash: Data, now: Date) async throws -> WebSession? {
        let rows = try await client.query(
            """
            SELECT s.user_name, u.full_name, u.role, s.csrf, s.created_at, s.expires_at
            FROM web_session s JOIN web_user u ON u.name = s.user_name
            WHERE s.token_hash = \(ByteBuffer(bytes: tokenHash)) AND s.expires_at > \(now.timeIntervalSince1970) AND u.disabled_at IS NULL
            """, logger: logger)
        for try await (user, fullName, role, csrf, created, expires) in rows.decode((String, String, String, String, Double, Double).self) {
            guard let role = WebRole(rawValue: role) else { return nil }
            return WebSession(
                tokenHash: tokenHash, user: user, fullName: fullName, role: role, csrf: csrf, createdAt: Date(timeIntervalSince1970: created),
                expiresAt: Date(timeIntervalSince1970: expires))
        }
        return nil
    }

    public func deleteWebSession(tokenHash: Data) async throws {
        try await client.query("DELETE FROM web_session WHERE token_hash = \(ByteBuffer(bytes: tokenHash))", logger: logger).drain()
    }
}
