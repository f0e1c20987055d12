import EKTPAccounts
import EKTPClient
import EKTPHub
import EKTPStationStore
import EKTPTestSupport
import EKTPWeb
import EKTPWire
import Foundation
import Logging
import PostgresNIO
import Testing

/// Accounts: created through the station's local socket (what `ektpctl user add` sends),
/// stored as bcrypt hashes, and kept in both hub backends.
@Suite("Web accounts", .serialized)
struct AccountTests {
    @Test func usersAreAddedThroughTheLocalSocket() async throws {
        let web = try await WebStation.start(faults: "")
        defer { Task { await web.stop() } }
        let socket = web.station.config.socketPath
        try await StationClient.withClient(socketPath: socket) { client in
            let user = try await client.addWebUser(WebUserRequest(name: "dewi", fullName: "Dewi Lestari", role: "operator", password: People.password))
            #expect(user.name == "dewi" && user.role == "operator")
            // A weak password, an unknown role, the hub's role and a taken name are refused.
            for (request, status) in [
                (WebUserRequest(name: "eko", fullName: "Eko", role: "operator", password: "pendek"), 422),
                (WebUserRequest(name: "eko", fullName: "Eko", role: "admin", password: People.password), 422),
                (WebUserRequest(name: "eko", fullName: "Eko", role: "pusat", password: People.password), 422),
                (WebUserRequest(name: "dewi", fullName: "Dewi", role: "kepala", password: People.password), 409),
            ] {
                do {
                    _ = try await client.addWebUser(request)
                    Issue.record("accepted \(request.name) \(request.role)")
                } catch let error as StationClientError {
                    #expect(error.httpStatus == status, "\(request.role): \(error)")
                }
            }
            #expect(try await client.webUsers().map(\.name) == ["dewi"])
        }
        let stored = try #require(try await web.store.webUser(named: "dewi"))
        #expect(stored.passwordHash.hasPrefix("$2") && !stored.passwordHash.contains(People.password))
        #expect(try await WebAccounts.verify(name: "dewi", password: People.password, in: web.store) != nil)
        #expect(try await WebAccounts.verify(name: "dewi", password: People.password + "x", in: web.store) == nil)
        // Who was added is in the audit chain, and the chain still verifies.
        #expect(try web.store.verifyAudit().valid)
        let agent = Agent(web.base)
        #expect(try await agent.login("dewi").status == 303)
        try await agent.close()
    }

    /// The same account rules on the hub's PostgreSQL store, when `make test` provides a
    /// server (`EKTP_HUB_TEST_POSTGRES=HOST:PORT:USER`).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["EKTP_HUB_TEST_POSTGRES"] != nil, "no PostgreSQL: EKTP_HUB_TEST_POSTGRES is not set"))
    func hubUsersOnPostgreSQL() async throws {
        let spec = ProcessInfo.processInfo.environment["EKTP_HUB_TEST_POSTGRES"] ?? ""
        let parts = spec.split(separator: ":").map(String.init)
        guard parts.count >= 3, let port = Int(parts[1]) else { throw WebTestFailure("EKTP_HUB_TEST_POSTGRES: \(spec)") }
        let database = "ektp_web_\(UInt32.random(in: 0...UInt32.max))"
        var logger = Logger(label: "web-pg")
        logger.logLevel = .warning
        let admin = PostgresClient(
            configuration: .init(host: parts[0], port: port, username: parts[2], password: nil, database: "postgres", tls: .disable), backgroundLogger: logger)
        let client = PostgresClient(
            configuration: .init(host: parts[0], port: port, username: parts[2], password: nil, database: database, tls: .disable), backgroundLogger: logger)
        try await withRunningPostgresClients([admin, client]) {
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: logger)
            let store = PostgresHubStore(client: client, logger: logger)
            try await store.migrate()
            try await store.migrate()
            let user = try WebAccounts.newUser(
                name: People.pusatName, fullName: "Rina Kusuma", role: .pusat, password: People.password, allowed: HubWebRoles.roles, now: Date())
            try await store.addWebUser(user)
            await #expect(throws: WebAccountError.self) { try await store.addWebUser(user) }
            #expect(try await WebAccounts.verify(name: People.pusatName, password: People.password, in: store)?.role == .pusat)
            let now = Date()
            let token = WebAccounts.randomToken()
            let session = WebSession(
                tokenHash: WebAccounts.tokenHash(token), user: user.name, fullName: user.fullName, role: .pusat, csrf: "c", createdAt: now,
                expiresAt: now.addingTimeInterval(60))
            try await store.createWebSession(session)
            #expect(try await store.webSession(tokenHash: session.tokenHash, now: now)?.user == People.pusatName)
            #expect(try await store.webSession(tokenHash: session.tokenHash, now: now.addingTimeInterval(61)) == nil)
            #expect(try await store.setWebPassword(name: user.name, passwordHash: user.passwordHash))
            #expect(try await store.webSession(tokenHash: session.tokenHash, now: now) == nil, "a new password ends the sessions")
        }
    }
}
