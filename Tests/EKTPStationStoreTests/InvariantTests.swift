import Crypto
import EKTPDomain
import EKTPWire
import Foundation
import GRDB
import Testing

@testable import EKTPStationStore

/// Each of DESIGN.md's invariants that the store keeps, broken on purpose where it can be.
@Suite("Station store invariants")
struct InvariantTests {
    let printer = Fixture.printer

    func stocked(_ store: StationStore, cards: Int = 10) throws {
        try store.register(DeviceInfo(id: printer, uri: "sim://t", model: "T", serial: "T1", hopperCapacity: 100))
        _ = try store.receive(100, document: "SJ-1", serialFirst: nil, serialLast: nil, by: "op")
        _ = try store.load(printer, cards, by: "op")
    }

    func outboxCount(_ store: StationStore) throws -> Int { try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outbox")! } }
    func ledgerCount(_ store: StationStore) throws -> Int { try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM ledger")! } }

    // MARK: Invariant 1

    @Test func aJobInterruptedMidCardIsNeverSentAgainWithoutAPerson() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        _ = try store.store([try Fixture.verified(1)], actor: "op")
        let claimed = try #require(try store.claimNext(for: printer))
        #expect(claimed.id.rawValue == "PRR-0001")
        // The daemon dies here. At the next start:
        #expect(try store.recoverInterruptedJobs() == [claimed.id])
        #expect(try store.claimNext(for: printer) == nil, "an outcome-unknown job must not be claimed")
        #expect(try store.jobs(state: .outcomeUnknown).map(\.id) == [claimed.id])
        // The card it may have used stays reserved: unload cannot take it.
        #expect(throws: StationError.self) { try store.unload(printer, 10, by: "op") }
        // Only a person's decision moves it; not-fed queues it again with no blangko used.
        #expect(try store.decideOutcome(claimed.id, .notFed, reason: "hopper penuh, kartu tidak tertarik", by: "op") == .queued)
        #expect(try store.claimNext(for: printer)?.id == claimed.id)
        try store.recordPrinted(claimed.id)
        #expect(try store.blangkoUsed(by: claimed.id) == 1)
    }

    /// A job the hub offered is not printable until the hub answers its acknowledgement:
    /// the hub may have given it to another station meanwhile, and then two stations
    /// would print one card.
    @Test func anOfferedJobWaitsForTheHubsAnswerBeforePrinting() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        let job = try Fixture.verified(1)
        _ = try store.store([job], actor: "sync", untilClaimed: true)
        #expect(try store.jobs(state: .received).map(\.id) == [job.job.id])
        #expect(try store.claimNext(for: printer) == nil, "a job whose acknowledgement was not answered must not print")
        // Offered again (the answer was lost): the same content, still waiting for the hub.
        let again = try store.store([job], actor: "sync", untilClaimed: true)
        #expect(again.duplicates == [job.job.id])
        #expect(try store.awaitingClaim([job.job.id, try JobID("PRR-9999")]) == [job.job.id])
        try store.confirmClaimed([job.job.id])
        #expect(try store.awaitingClaim([job.job.id]).isEmpty)
        #expect(try store.claimNext(for: printer)?.id == job.job.id)
        // A job imported by hand (a flashdisk) is the office's own: printable at once.
        _ = try store.store([try Fixture.verified(2)], actor: "op")
        #expect(try store.jobs(state: .queued).map(\.id.rawValue) == ["PRR-0002"])
    }

    @Test func urgentJobsPrintFirstThenOldest() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        _ = try store.store([try Fixture.verified(1), try Fixture.verified(2), try Fixture.verified(3, priority: .urgent)], actor: "op")
        var order: [String] = []
        while let j = try store.claimNext(for: printer) {
            order.append(j.id.rawValue)
            try store.recordPrinted(j.id)
        }
        #expect(order == ["PRR-0003", "PRR-0001", "PRR-0002"])
    }

    @Test func noBlangkoMeansNoClaim() throws {
        let store = try StationStore.inMemory()
        try stocked(store, cards: 1)
        _ = try store.store([try Fixture.verified(1), try Fixture.verified(2)], actor: "op")
        let first = try #require(try store.claimNext(for: printer))
        #expect(try store.claimNext(for: printer) == nil, "the only card is reserved by the job in flight")
        try store.recordPrinted(first.id)
        #expect(try store.claimNext(for: printer) == nil, "hopper is empty")
    }

    // MARK: Invariant 2

    @Test func importIsAllOrNothingAndIdempotent() throws {
        let store = try StationStore.inMemory()
        let first = try store.store([try Fixture.verified(1), try Fixture.verified(2)], actor: "op")
        #expect(first.stored.count == 2)
        let again = try store.store([try Fixture.verified(1)], actor: "op")
        #expect(again == StoredJobs(stored: [], duplicates: [try JobID("PRR-0001")]))
        let events = try outboxCount(store)
        // Same id, other content: the whole batch is refused, nothing changes.
        #expect(throws: StationError.self) { try store.store([try Fixture.verified(3), try Fixture.verified(1, name: "SITI NURHALIZA")], actor: "op") }
        #expect(try store.jobCounts()[.queued] == 2)
        #expect(try outboxCount(store) == events)
    }

    // MARK: Invariant 3

    @Test func aPrintedJobWritesItsLedgerEntryInTheSameTransaction() throws {
        let store = try StationStore.inMemory()
        try stocked(store, cards: 2)
        _ = try store.store([try Fixture.verified(1)], actor: "op")
        let job = try #require(try store.claimNext(for: printer))
        try store.recordPrinted(job.id)
        let balances = try store.balances()
        #expect(balances[.hopper(printer)] == 1)
        #expect(balances[.issued] == 1)
        // Recording it again is illegal and changes nothing: no second ledger entry.
        let entries = try ledgerCount(store)
        #expect(throws: StationError.self) { try store.recordPrinted(job.id) }
        #expect(try ledgerCount(store) == entries)
        #expect(try store.verifyStock().allSatisfy { $0.holds })
    }

    @Test func balancesNeverGoNegativeAndHoppersNeverOverfill() throws {
        let store = try StationStore.inMemory()
        try stocked(store, cards: 10)
        #expect(throws: StationError.self) { try store.load(printer, 91, by: "op") }
        #expect(throws: StationError.self) { try store.transfer(91, to: "32.16.02", document: "X", by: "op") }
        #expect(throws: StationError.self) { try store.destroy(1, record: "BA-1", witnesses: ["A", "B"], method: "dipotong", by: "op") }
        #expect(throws: StationError.self) { try store.destroy(0, record: "BA-1", witnesses: ["A", "B"], method: "dipotong", by: "op") }
        _ = try store.spoil(at: .store, 2, cause: .rusak, note: "basah", by: "op")
        #expect(throws: StationError.self) { try store.destroy(2, record: "BA-1", witnesses: ["A"], method: "dipotong", by: "op") }
        _ = try store.destroy(2, record: "BA-1", witnesses: ["A", "B"], method: "dipotong", by: "op")
        #expect(try store.verifyStock().allSatisfy { $0.holds })
        #expect(try store.balances()[.store] == 88)
    }

    @Test func countDifferencesNeedAReasonAndTheHeadsConfirmation() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        #expect(throws: StationError.self) { try store.count(.store, counted: 88, reason: nil, by: "op") }
        let pending = try store.count(.store, counted: 88, reason: "dua lembar hilang", by: "op")
        let id = try #require(pending.pendingCount)
        #expect(try store.balances()[.store] == 90, "a pending difference does not move stock")
        // Named for what it is, and cleared by the head's decision.
        #expect(try store.alerts().map(\.alert.kind) == [.countDifference])
        _ = try store.confirmCount(id, by: "kepala", note: nil)
        #expect(try store.alerts().isEmpty)
        #expect(try store.balances()[.store] == 88)
        #expect(throws: StationError.self) { try store.confirmCount(id, by: "kepala", note: nil) }
        #expect(try store.verifyStock().allSatisfy { $0.holds })
        // Nobody decides their own count (TwoPersonRule), either way.
        let own = try #require(try store.count(.store, counted: 87, reason: "satu hilang", by: "kepala").pendingCount)
        #expect(throws: StationError.self) { try store.confirmCount(own, by: "kepala", note: nil) }
        #expect(throws: StationError.self) { try store.refuseCount(own, by: "kepala", note: nil) }
        #expect(try store.balances()[.store] == 88)
        _ = try store.confirmCount(own, by: "plt", note: nil)
        #expect(try store.balances()[.store] == 87)
    }

    @Test func whoeverRecordedASpoilageCannotApproveItsReprint() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        _ = try store.store([try Fixture.verified(1)], actor: "op")
        let job = try #require(try store.claimNext(for: printer))
        try store.recordPrinted(job.id)
        // A printed card found bad on inspection, recorded by kepala "budi".
        _ = try store.spoilPrinted(job.id, cause: .rusak, reason: "foto tergores", by: "budi")
        #expect(try store.spoilageRecorders([job.id]) == [job.id: "budi"])
        let before = try outboxCount(store)
        #expect { try store.reprint(job.id, reason: "cetak ulang", by: "budi") } throws: { "\($0)".contains("sendiri") }
        #expect(try outboxCount(store) == before, "a refused approval changes nothing")
        #expect(try store.reprint(job.id, reason: "cetak ulang", by: "ani") == .queued)
    }

    @Test func aRunningBalanceThatDisagreesWithTheLedgerIsCaught() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        #expect(try store.verifyStock().allSatisfy { $0.holds })
        try store.writer.write { try $0.execute(sql: "UPDATE stockBalance SET quantity = quantity + 1 WHERE place = 'store'") }
        #expect(try store.verifyStock().contains { !$0.holds })
        #expect(throws: DatabaseError.self) { try store.writer.write { try $0.execute(sql: "DELETE FROM ledger") } }
    }

    /// An alert asks a person for a decision; the decision clears it, and only its own.
    @Test func aDecidedOutcomeClearsItsAlert() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        _ = try store.store((1...3).map { try Fixture.verified($0) }, actor: "op")
        var lost: [JobID] = []
        for _ in 0..<3 {
            let job = try #require(try store.claimNext(for: printer))
            try store.recordOutcomeUnknown(job.id, reason: "listrik padam")
            lost.append(job.id)
        }
        #expect(try store.alerts().filter { $0.alert.kind == .outcomeUnknown }.count == 3)
        _ = try store.decideOutcome(lost[0], .printed, reason: "kartu ada di tray", by: "op")
        let open = try store.alerts().filter { $0.alert.kind == .outcomeUnknown }
        #expect(open.count == 2)
        #expect(!open.contains { $0.alert.message.hasPrefix("job \(lost[0].rawValue) ") })
    }

    @Test func thePrintersCounterIsCheckedAgainstTheLedger() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        _ = try store.store([try Fixture.verified(1), try Fixture.verified(2)], actor: "op")
        try store.updateState(of: printer, DeviceState(status: .ready, supplies: Supplies(cardCounter: 500)))
        let a = try #require(try store.claimNext(for: printer))
        try store.recordPrinted(a.id, counter: 501)
        #expect(try store.alerts().isEmpty)
        // A card went through the printer outside the system.
        let b = try #require(try store.claimNext(for: printer))
        try store.recordPrinted(b.id, counter: 503)
        #expect(try store.alerts().map(\.alert.kind) == [.counterMismatch])
    }

    // MARK: Invariant 4

    @Test func everyChangeGoesUpstreamInSequenceAndRefusalsAddNothing() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        _ = try store.store([try Fixture.verified(1)], actor: "op")
        let job = try #require(try store.claimNext(for: printer))
        try store.recordSpoiled(job.id, cause: .gagalCetak, note: "macet")
        let events = try store.outbox(after: 0)
        #expect(events.map(\.seq) == Array(1...Int64(events.count)))
        let kinds = events.map { String($0.event.prefix(24)) }
        #expect(kinds.filter { $0.contains("jobStateChanged") }.count == 3, "received→queued, queued→printing, printing→spoiled: \(kinds)")
        #expect(events.contains { $0.event.contains("\"ledger\"") && $0.event.contains("gagal-cetak") })
        let before = try outboxCount(store)
        #expect(throws: StationError.self) { try store.reprint(job.id, reason: "", by: "op") }
        #expect(throws: StationError.self) { try store.recordPrinted(job.id) }
        #expect(try outboxCount(store) == before)
        #expect(try store.reprint(job.id, reason: "kartu macet", by: "op") == .queued)
    }

    // MARK: Audit chain and personal data

    @Test func theAuditChainDetectsAnEditedRecord() throws {
        let store = try StationStore.inMemory()
        try stocked(store)
        #expect(try store.verifyAudit().valid)
        #expect(throws: DatabaseError.self) { try store.writer.write { try $0.execute(sql: "UPDATE audit SET detail = 'x' WHERE seq = 2") } }
        try store.writer.write { db in
            try db.execute(sql: "DROP TRIGGER audit_no_update")
            try db.execute(sql: "UPDATE audit SET detail = 'x' WHERE seq = 2")
        }
        let result = try store.verifyAudit()
        #expect(!result.valid)
        #expect(result.brokenAt == 2)
    }

    @Test func personalDataIsSealedAtRestAndPurgedAfterRetention() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-store-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try DataKeyFile.loadOrCreate(path: dir.path + "/key")
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path + "/key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let store = try StationStore(path: dir.path + "/station.sqlite", key: key)
        try stocked(store)
        _ = try store.store([try Fixture.verified(7, name: "RAHASIA PERTIWI")], actor: "op")
        #expect(try store.jobDetail(try JobID("PRR-0007")).nama == "RAHASIA PERTIWI")
        try store.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        var bytes = Data()
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasPrefix("station.sqlite") {
            bytes += try Data(contentsOf: dir.appendingPathComponent(f))
        }
        #expect(bytes.range(of: Data("RAHASIA".utf8)) == nil, "a name must not be stored in clear")
        #expect(bytes.range(of: Data("3216014502900007".utf8)) == nil, "a NIK must not be stored in clear")
        let job = try #require(try store.claimNext(for: printer))
        try store.recordPrinted(job.id)
        _ = try store.handOver(job.id, .pickup(recipient: "SEKAR PENGAMBIL", nik: try NIK("3216014502900007"), oldCardCollected: false), by: "op")
        // Who collected the card is personal data: readable with the key while the job's is
        // kept, never in clear on disk, in the audit trail or in the events to the hub.
        #expect(try store.jobDetail(job.id).collectedBy == "SEKAR PENGAMBIL")
        try store.writer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        var after = Data()
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasPrefix("station.sqlite") {
            after += try Data(contentsOf: dir.appendingPathComponent(f))
        }
        #expect(after.range(of: Data("SEKAR".utf8)) == nil, "the collector's name must not be stored in clear")
        #expect(try store.jobDetail(job.id).history.contains { $0.detail.contains("penerima-") })
        #expect(try store.purgePersonalData(handedOverBefore: Date().addingTimeInterval(3600)) == 1)
        #expect(try store.jobDetail(job.id).nama == nil)
        #expect(try store.jobDetail(job.id).collectedBy == nil, "purged with the job's personal data")
        #expect(try store.jobDetail(job.id).summary.maskedNIK == "3216********0007")
    }
}
