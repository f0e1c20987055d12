import EKTPDomain
import EKTPTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import EKTPHub

/// Where a behaviour test's hub keeps its state. SQLite always; PostgreSQL when
/// `EKTP_HUB_TEST_POSTGRES=HOST:PORT:USER[:PASSWORD]` names a server the tests may create
/// databases on (each test gets its own database).
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var all: [Backend] { postgresServer == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    static var postgresServer: (host: String, port: Int, user: String, password: String?)? {
        guard let text = ProcessInfo.processInfo.environment["EKTP_HUB_TEST_POSTGRES"], !text.isEmpty else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, let port = Int(parts[1]) else { return nil }
        return (parts[0], port, parts[2], parts.count > 3 ? parts[3] : nil)
    }
}

extension TestHub {
    /// Runs `body` with a hub on `backend`; for PostgreSQL, on a fresh database with the
    /// client running for the duration.
    static func with(_ backend: Backend, tweak: (inout HubConfig) -> Void = { _ in }, _ body: (TestHub) async throws -> Void) async throws {
        switch backend {
        case .sqlite:
            try await body(try TestHub(tweak))
        case .postgres:
            try await withPostgresDatabase { client in
                let store = PostgresHubStore(client: client)
                try await store.migrate()
                try await store.migrate()  // a second start finds the schema and changes nothing
                try await body(try TestHub(store: store, tweak))
            }
        }
    }

    /// Runs `body` with a client, running, on a fresh, empty database of the test server.
    static func withPostgresDatabase(_ body: (PostgresClient) async throws -> Void) async throws {
        let server = try #require(Backend.postgresServer)
        let name = "ektp_hub_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = PostgresClient(
            configuration: .init(host: server.host, port: server.port, username: server.user, password: server.password, database: "postgres", tls: .disable))
        let client = PostgresClient(
            configuration: .init(host: server.host, port: server.port, username: server.user, password: server.password, database: name, tls: .disable))
        try await withRunningPostgresClients([admin, client]) {
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test")).drain()
            try await body(client)
        }
    }
}
