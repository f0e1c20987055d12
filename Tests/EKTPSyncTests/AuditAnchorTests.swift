import Crypto
import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB
import Testing

/// The audit chain is anchored at the hub: someone who can write `station.sqlite` edits a
/// record and recomputes every hash after it. The chain alone then still hangs together;
/// against the heads the station sent the hub with its events, it does not, and
/// `ektpctl audit verify` names the records.
@Suite(.daemons) struct AuditAnchorTests {
    @Test(.timeLimit(.minutes(3)))
    func aChainRewrittenAtTheStationNoLongerMatchesTheHub() async throws {
        let scratch = try Scratch("audit-anchor")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { Task { await hub.shutdown() } }
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=ANKER-1"])
        try await station.start()
        let token = try await hub.admin.enrollmentToken(kecamatan: "32.16.01")
        try await station.withClient { client in
            _ = try await client.enroll(EnrollStationRequest(hubURL: hub.url, token: token))
            _ = try await client.stock(.receive(quantity: 40, document: "SJ-ANKER"))
            _ = try await client.stock(.spoil(place: .store, quantity: 2, cause: .rusak, note: "basah"))
        }
        try await eventually("semua peristiwa terkirim", seconds: 30) {
            try await station.withClient { try await $0.status() }.outboxBacklog == 0
        }
        let before = try await station.withClient { try await $0.verifyAudit() }
        #expect(before.valid && (before.anchorsChecked ?? 0) >= 1 && before.differsFromHub == [], "\(before)")
        station.child.stop()

        // The rewrite: "2 rusak" becomes "0 rusak" in the record, and every hash from there on
        // is recomputed with the chain's documented formula (AuditChain.swift), so the chain
        // alone checks out.
        let database = station.stateDirectory + "/station.sqlite"
        let queue = try DatabaseQueue(path: database)
        let edited = try await queue.write { db -> Int64 in
            // The append-only triggers go first and come back after, as a careful forger does.
            let triggers = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger["name"] as String)") }
            defer { for trigger in triggers { try? db.execute(sql: trigger["sql"] as String) } }
            let target = try #require(try Row.fetchOne(db, sql: "SELECT seq, detail FROM audit WHERE detail LIKE '%basah%' ORDER BY seq LIMIT 1"))
            let seq: Int64 = target["seq"]
            try db.execute(
                sql: "UPDATE audit SET detail = ? WHERE seq = ?", arguments: [(target["detail"] as String).replacingOccurrences(of: "2", with: "0"), seq])
            var previous: Data = try Data.fetchOne(db, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [seq - 1]) ?? Data(count: 32)
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE seq >= ? ORDER BY seq", arguments: [seq]) {
                let hash = Self.chainHash(row, previous: previous)
                try db.execute(sql: "UPDATE audit SET prevHash = ?, hash = ? WHERE seq = ?", arguments: [previous, hash, row["seq"] as Int64])
                previous = hash
            }
            return seq
        }
        try queue.close()

        try await station.start()
        defer { station.child.stop() }
        let after = try await station.withClient { try await $0.verifyAudit() }
        #expect(!after.valid, "\(after)")
        #expect(after.brokenAt == nil, "the chain alone hangs together: only the hub's anchors can tell")
        #expect(after.differsFromHub?.first.map { $0 >= edited } == true, "\(after)")
        #expect(after.message.contains("ditulis ulang"), "\(after.message)")
        #expect(ConsoleText.audit(after).contains("BERBEDA dengan hub"))

        // Without the hub the station says what it could not compare.
        hub.child.stop()
        let alone = try await station.withClient { try await $0.verifyAudit() }
        #expect(alone.valid && alone.hubNote?.contains("hanya rantai di stasiun") == true, "\(alone)")
    }

    /// The chain's formula as AuditChain.swift documents it, written here again from that
    /// text: SHA-256(previous ‖ seq ‖ at ‖ actor ‖ action ‖ jobId ‖ maskedNik ‖ detail).
    static func chainHash(_ row: Row, previous: Data) -> Data {
        var bytes = [UInt8](previous)
        func int(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes += $0 } }
        func text(_ s: String?) {
            guard let s else { return int32(UInt32.max) }
            int32(UInt32(s.utf8.count))
            bytes += Array(s.utf8)
        }
        func int32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes += $0 } }
        int(UInt64(bitPattern: row["seq"] as Int64))
        int((row["at"] as Double).bitPattern)
        text(row["actor"])
        text(row["action"])
        text(row["jobId"])
        text(row["maskedNik"])
        text(row["detail"])
        return Data(SHA256.hash(data: bytes))
    }
}
