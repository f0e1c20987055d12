import EKTPDomain
import EKTPTestSupport
import EKTPWire
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import EKTPHub

/// The PostgreSQL schema's migrations on a database that already holds jobs, and the
/// queue's queries on the indexes made for them (PostgreSQL only: SQLite has its own schema).
@Suite("PostgreSQL schema", .enabled(if: Backend.postgresServer != nil))
struct PostgresSchemaTests {
    static let logger = Logger(label: "test")

    @Test("v13 moves every stored document to job_document; the job leases as before, its signature intact")
    func documentMovesOut() async throws {
        try await TestHub.withPostgresDatabase { client in
            let store = PostgresHubStore(client: client)
            try await store.migrate(before: "v13-job-document")
            let t = try TestHub(store: store)
            let jobs = try t.jobs(2)
            // Stored as the hub before v13 stored them: the sealed document in the job row.
            let dates = OfficeZone.dates(at: t.clock.current)
            let (incoming, _) = try await SignedJobFile.admitInParallel(try t.file(jobs)) { t.hub.intake.check($0, dates: dates) }
            for job in incoming {
                try await client.query(
                    """
                    INSERT INTO job(id, kecamatan_code, priority, approved_at, state, content_hash, key_id, document, masked_nik, received_at, updated_at, nik_key)
                    VALUES (\(job.id.rawValue), \(job.kecamatanCode), 0, \(job.approvedAt.epoch), 'approved', \(job.contentHash), \(job.keyId),
                            \(job.document), \(job.maskedNik), \(t.clock.current.epoch), \(t.clock.current.epoch), \(job.nikKey))
                    """, logger: Self.logger
                ).drain()
            }

            try await store.migrate()
            let columns = try await client.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'job' AND column_name = 'document'", logger: Self.logger
            ).collect()
            #expect(columns.isEmpty, "the job row no longer carries the document")
            let sample = try #require(try await store.sampleDocument())
            #expect(incoming.contains { $0.id == sample.id && $0.document == sample.document })

            let (station, _) = try await t.enroll()
            let leased = try await t.hub.poll(station: station, wait: 0, max: 10)
            #expect(Set(leased.map(\.id)) == Set(jobs.map(\.id)))
            for lease in leased {
                let verified = try JobVerifier(trusted: [t.signer.approvalKey]).verify(try JSONValue.parse(lease.document))
                #expect(verified.job.id == lease.id)
            }
            // Intake after the migration stores the document beside the job, once.
            try await t.importJobs(try t.jobs(1, prefix: "NEW"))
            var rows: [Int64] = []
            for try await n in try await client.query("SELECT COUNT(*) FROM job_document", logger: Self.logger).decode(Int64.self) { rows.append(n) }
            #expect(rows == [3])
        }
    }

    @Test("the job table keeps only the indexes a query reads: a change of state writes each of them")
    func jobIndexesAreRead() async throws {
        try await TestHub.withPostgresDatabase { client in
            try await PostgresHubStore(client: client).migrate()
            var names: Set<String> = []
            for try await name in try await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'job'", logger: Self.logger).decode(String.self) {
                names.insert(name)
            }
            // job_queue went in v14: the lease and the look read job_ready and job_leases.
            #expect(names == ["job_pkey", "job_ready", "job_leases", "job_station", "job_nik_key", "job_withdrawn", "job_pos_return"], "\(names.sorted())")
        }
    }

    @Test("the hub's connections run without JIT; the server's own default compiles")
    func connectionsWithoutJIT() async throws {
        let server = try #require(Backend.postgresServer)
        let settings = PostgresSettings(host: server.host, port: server.port, username: server.user, password: server.password, database: "postgres")
        let hub = try HubServer.postgresClient(settings, logger: Self.logger)
        let plain = PostgresClient(
            configuration: .init(host: server.host, port: server.port, username: server.user, password: server.password, database: "postgres", tls: .disable))
        try await withRunningPostgresClients([hub, plain]) {
            func jit(_ client: PostgresClient) async throws -> [String] {
                var values: [String] = []
                for try await value in try await client.query("SHOW jit", logger: Self.logger).decode(String.self) { values.append(value) }
                return values
            }
            let (ours, servers) = (try await jit(hub), try await jit(plain))
            #expect(ours == ["off"])
            #expect(servers == ["on"], "the server's default, which the hub must not take")
        }
    }

    @Test("a poll's look walks the queue's partial indexes in order, never a bitmap or the whole table")
    func lookUsesQueueIndexes() async throws {
        try await TestHub.with(.postgres) { t in
            let store = try #require(t.hub.store as? PostgresHubStore)
            try await t.importJobs(try t.jobs(30))
            let (station, _) = try await t.enroll()
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).count == 10)
            // The plan as a fresh hub's first backlog gets it: no statistics for the rows yet.
            let look = PostgresHubStore.glanceQuery(station, now: t.clock.current)
            var lines: [String] = []
            for try await line in try await store.client.query(PostgresQuery(unsafeSQL: "EXPLAIN " + look.sql, binds: look.binds), logger: Self.logger)
                .decode(String.self)
            { lines.append(line) }
            let plan = lines.joined(separator: "\n")
            #expect(plan.contains("job_ready") && plan.contains("job_leases"), "\(plan)")
            #expect(!plan.contains("Bitmap") && !plan.contains("Seq Scan"), "\(plan)")
            // And the look finds what is there: jobs still to take, and the running leases.
            let glance = try await store.glance(station: station, now: t.clock.current)
            #expect(glance.takeable)
            #expect(glance.nextLeaseExpiry == t.clock.current.addingTimeInterval(Double(t.hub.config.leaseSeconds)))
        }
    }
}
