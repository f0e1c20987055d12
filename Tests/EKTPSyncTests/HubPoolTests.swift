import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Testing

/// `ektp-hub serve` on PostgreSQL opens its pool's connections at start and keeps them
/// (docs/hub.md, "Several hub processes"): a connection above the pool's minimum would arm
/// an idle timer each time it went back to the pool, a timer thread's wake-up per query.
/// Counted by PostgreSQL itself, not by the client.
@Suite(.daemons) struct HubPoolTests {
    @Test(.timeLimit(.minutes(2)), .enabled(if: TestPostgres.server != nil))
    func serveOpensItsConnectionsAtStartAndKeepsThem() async throws {
        let scratch = try Scratch("hub-pool")
        let database = try await TestPostgres.createDatabase()
        let hub = try HubUnderTest(scratch: scratch, trusted: [ApprovalSigner.generate(keyId: "approval")], postgres: database)
        defer { hub.child.stop() }
        try await hub.start()
        let kept = TestPostgres.Database.hubConnections
        try await eventually("hub membuka \(kept) koneksi", seconds: 10) { try await database.connections() == kept }

        // Requests of one station after another, and a quiet moment: the same connections.
        let station = try await PlainStation.enroll(on: hub, kecamatan: "32.16.07", name: "PC kasir")
        for _ in 0..<20 { #expect(try await station.refusal(on: hub) == nil) }
        try await Task.sleep(for: .seconds(1))
        #expect(try await database.connections() == kept)
    }
}
