import Crypto
import EKTPDomain
import EKTPWire
import Foundation
import GRDB

/// The audit trail is a hash chain: each record's hash covers the one before it, so an
/// edited, removed or reordered record breaks every hash after it.
///
/// hash(n) = SHA-256(hash(n−1) ‖ seq ‖ at ‖ actor ‖ action ‖ jobId ‖ maskedNik ‖ detail),
/// integers big-endian, `at` as its IEEE-754 bits, each string length-prefixed (UInt32),
/// absent values as length 0xFFFFFFFF. The first record follows 32 zero bytes.
enum AuditChain {
    static let genesis = Data(repeating: 0, count: 32)

    struct Record {
        let seq: Int64
        let at: Double
        let actor: String
        let action: String
        let jobId: String?
        let maskedNik: String?
        let detail: String
    }

    /// A record's hash as the hub is told it: lower-case hex.
    static func hex(_ hash: Data) -> String { Hex.encode(hash) }

    static func hash(_ r: Record, previous: Data) -> Data {
        var bytes = [UInt8](previous)
        func int(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes += $0 } }
        func string(_ s: String?) {
            guard let s else { withUnsafeBytes(of: UInt32.max.bigEndian) { bytes += $0 }; return }
            let u = Array(s.utf8)
            withUnsafeBytes(of: UInt32(u.count).bigEndian) { bytes += $0 }
            bytes += u
        }
        int(UInt64(bitPattern: r.seq))
        int(r.at.bitPattern)
        string(r.actor)
        string(r.action)
        string(r.jobId)
        string(r.maskedNik)
        string(r.detail)
        return Data(SHA256.hash(data: bytes))
    }
}

extension StationStore {
    /// The chain's last record, as the hub is told it with each batch of events.
    public func auditHead() throws -> AuditAnchor? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") else { return nil }
            return AuditAnchor(seq: row["seq"], hash: AuditChain.hex(row["hash"]))
        }
    }

    /// Walks the chain, then compares it with the heads the hub kept (`anchors`): a chain
    /// recomputed end to end after an edit still hangs together, but no longer matches what
    /// the hub was told before.
    public func verifyAudit(against anchors: [AuditAnchor]) throws -> AuditVerification {
        var result = try verifyAudit()
        let held = try read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT seq, hash FROM audit").map { row -> (Int64, String) in
                    (row["seq"], AuditChain.hex(row["hash"]))
                })
        }
        let differs = anchors.filter { held[$0.seq] != $0.hash }.map(\.seq)
        result.anchorsChecked = anchors.count
        result.differsFromHub = differs
        if let first = differs.first {
            result.valid = false
            let missing = differs.filter { held[$0] == nil }
            result.message =
                missing.count == differs.count
                ? "rantai audit lebih pendek dari yang dilaporkan ke hub: catatan #\(first) dan sesudahnya pernah dikirim, kini tidak ada (basis data dipulihkan atau dipotong)"
                : "rantai audit berbeda dengan yang dilaporkan ke hub mulai catatan #\(first) (\(differs.count) catatan): catatan itu ditulis ulang sesudah dikirim"
        } else if result.valid {
            result.message += "; cocok dengan \(anchors.count) kepala rantai yang dipegang hub"
        }
        return result
    }

    /// Walks the whole chain and reports the first record that does not follow.
    public func verifyAudit() throws -> AuditVerification {
        try read { db in
            var previous = AuditChain.genesis
            var count = 0
            var expectedSeq: Int64 = 1
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit ORDER BY seq")
            while let row = try cursor.next() {
                let record = AuditChain.Record(
                    seq: row["seq"], at: row["at"], actor: row["actor"], action: row["action"],
                    jobId: row["jobId"], maskedNik: row["maskedNik"], detail: row["detail"])
                let stored: Data = row["hash"]
                let prev: Data = row["prevHash"]
                if record.seq != expectedSeq || prev != previous || AuditChain.hash(record, previous: previous) != stored {
                    return AuditVerification(
                        entries: count, valid: false, brokenAt: record.seq,
                        message: "rantai audit putus di catatan #\(record.seq)")
                }
                previous = stored
                count += 1
                expectedSeq += 1
            }
            return AuditVerification(entries: count, valid: true, brokenAt: nil, message: "rantai audit utuh: \(count) catatan")
        }
    }

    /// The audit records, oldest first, optionally for one job.
    public func auditEntries(job: JobID? = nil, limit: Int = 1000) throws -> [AuditEntryView] {
        try read { db in
            let rows: [Row]
            if let job {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE jobId = ? ORDER BY seq LIMIT ?", arguments: [job.rawValue, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY seq DESC LIMIT ?", arguments: [limit]).reversed()
            }
            return rows.map {
                AuditEntryView(
                    seq: $0["seq"], at: Date(timeIntervalSince1970: $0["at"]), actor: $0["actor"], action: $0["action"],
                    job: ($0["jobId"] as String?).flatMap { try? JobID($0) }, maskedNIK: $0["maskedNik"], detail: $0["detail"])
            }
        }
    }
}
