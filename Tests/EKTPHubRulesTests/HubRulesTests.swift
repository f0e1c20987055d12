import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Testing

/// The hub's rules without a database: what both stores carry out. The stores' own suite
/// (EKTPHubTests, on SQLite and PostgreSQL) checks that they carry them out alike.
@Suite("Hub rules")
struct HubRulesTests {
    static let a = try! JobID("PRR-3216010001")
    static let b = try! JobID("PRR-3216010002")
    static let h1 = Data(repeating: 1, count: 32)
    static let h2 = Data(repeating: 2, count: 32)

    @Test("intake: new, duplicate in batch and held, conflict refuses the batch")
    func intake() throws {
        let items: [VersionedIntake.Item<JobID>] = [
            .init(id: Self.a, contentHash: Self.h1), .init(id: Self.a, contentHash: Self.h1), .init(id: Self.b, contentHash: Self.h2),
        ]
        let (new, duplicates) = try IntakeRule.classify(items, held: [Self.b: Self.h2])
        #expect(new == [0])
        #expect(duplicates == [Self.a, Self.b])

        #expect { try IntakeRule.classify(items, held: [Self.b: Self.h1]) } throws: { error in
            let e = error as? HubError
            return e?.code == .conflict && e?.details == ["job \(Self.b): id sudah ada dengan isi berbeda"]
        }
        let repeated: [VersionedIntake.Item<JobID>] = [.init(id: Self.a, contentHash: Self.h1), .init(id: Self.a, contentHash: Self.h2)]
        #expect(VersionedIntake.classify(repeated, held: [:]).conflicts == [.repeatedWithOtherContent(Self.a)])
    }

    @Test("enrollment: unknown, used and expired tokens are refused")
    func enrollment() throws {
        let now = Date(timeIntervalSince1970: 1_000)
        let fresh = EnrollmentRule.Token(kecamatanCode: "32.16.01", expiresAt: now.addingTimeInterval(60), usedAt: nil)
        #expect(try EnrollmentRule.kecamatan(of: fresh, now: now) == "32.16.01")
        #expect { try EnrollmentRule.kecamatan(of: nil, now: now) } throws: { ($0 as? HubError)?.code == .unauthorized }
        var used = fresh
        used.usedAt = now
        #expect { try EnrollmentRule.kecamatan(of: used, now: now) } throws: { ($0 as? HubError)?.code == .unauthorized }
        #expect { try EnrollmentRule.kecamatan(of: fresh, now: now.addingTimeInterval(60)) } throws: { ($0 as? HubError)?.code == .credentialExpired }
    }

    @Test("queue order: urgent first, then oldest approval, then id")
    func queueOrder() {
        let keys = [
            QueueKey(id: "c", priority: .normal, approvedAt: 1), QueueKey(id: "b", priority: .normal, approvedAt: 1),
            QueueKey(id: "a", priority: .normal, approvedAt: 2), QueueKey(id: "z", priority: .urgent, approvedAt: 9),
        ]
        #expect(LeaseRule.pick(keys.map { ($0, ()) }, max: 3).map(\.key.id) == ["z", "b", "c"])
        #expect(LeaseRule.pick(keys.map { ($0, ()) }, max: 0).isEmpty)
    }

    @Test("ack: offered or returned unheld claims, held stays, anything else refuses the whole ack")
    func ack() throws {
        let mine = AckRule.Held(kecamatanCode: "32.16.01", state: .offered, stationId: "s1")
        let claimed = AckRule.Held(kecamatanCode: "32.16.01", state: .claimed, stationId: "s1")
        let result = try AckRule.classify([Self.a, Self.b, Self.a], held: [Self.a: mine, Self.b: claimed], stationId: "s1", kecamatan: "32.16.01")
        #expect(result.claim == [Self.a])
        #expect(result.already == [Self.b])

        let other = AckRule.Held(kecamatanCode: "32.16.02", state: .offered, stationId: "s2")
        #expect { try AckRule.classify([Self.a, Self.b], held: [Self.a: mine, Self.b: other], stationId: "s1", kecamatan: "32.16.01") } throws: {
            ($0 as? HubError)?.code == .forbidden
        }
        #expect { try AckRule.classify([Self.a], held: [:], stationId: "s1", kecamatan: "32.16.01") } throws: { ($0 as? HubError)?.code == .notFound }
        let elsewhere = AckRule.Held(kecamatanCode: "32.16.01", state: .offered, stationId: "s9")
        #expect { try AckRule.classify([Self.a], held: [Self.a: elsewhere], stationId: "s1", kecamatan: "32.16.01") } throws: {
            ($0 as? HubError)?.code == .conflict
        }
        // Back in the queue after an answer the hub took for lost: the station that has it
        // claims it, unless it is held for an earlier card or moved to another station.
        let returned = AckRule.Held(kecamatanCode: "32.16.01", state: .approved, stationId: nil)
        #expect(try AckRule.classify([Self.a], held: [Self.a: returned], stationId: "s1", kecamatan: "32.16.01").claim == [Self.a])
        let movedHere = AckRule.Held(kecamatanCode: "32.16.01", state: .approved, stationId: nil, assignedStationId: "s1")
        #expect(try AckRule.classify([Self.a], held: [Self.a: movedHere], stationId: "s1", kecamatan: "32.16.01").claim == [Self.a])
        for refused in [
            AckRule.Held(kecamatanCode: "32.16.01", state: .approved, stationId: nil, heldFor: "PRR-0"),
            AckRule.Held(kecamatanCode: "32.16.01", state: .approved, stationId: nil, assignedStationId: "s9"),
        ] {
            #expect { try AckRule.classify([Self.a, Self.b], held: [Self.a: refused, Self.b: mine], stationId: "s1", kecamatan: "32.16.01") } throws: {
                ($0 as? HubError)?.code == .conflict
            }
        }
    }

    static func batch(_ events: [StationEvent]) throws -> [EventIntake.Encoded] {
        try EventIntake.encode(events.enumerated().map { SequencedEvent(seq: Int64($0.offset + 1), event: $0.element) })
    }

    @Test("events: each event's effects on the hub, jobs settled against the hub's record")
    func effects() throws {
        let device = try DeviceID("EVOLIS-E1")
        let offered = HeldJob(kecamatanCode: "32.16.01", state: .offered, stationId: "s1", contentHash: Self.h1)
        let plan = EventEffects.plan(
            try Self.batch([
                .jobStored(job: Self.a, priority: .normal, contentHash: Self.h1),
                .jobStateChanged(job: Self.a, from: .queued, to: .printing, device: device, detail: nil, contentHash: Self.h1),
                .jobStateChanged(job: Self.a, from: .printing, to: .printed, device: device, detail: nil, contentHash: Self.h1),
            ]), held: [Self.a: offered], stationId: "s1", kecamatan: "32.16.01", now: Date())
        #expect(
            plan.map(\.effects) == [
                [.job(Self.a, state: .claimed, stationState: .queued)], [.job(Self.a, state: .claimed, stationState: .printing)],
                [.job(Self.a, state: .printed, stationState: .printed)],
            ])
        // An offer stored after the hub gave the job to another station is no conflict (the
        // station's ack is refused and it gives the job up); a job stored otherwise is.
        var elsewhere = offered
        elsewhere.stationId = "s2"
        elsewhere.state = .claimed
        let late = EventEffects.plan(
            try Self.batch([.jobStored(job: Self.a, priority: .normal, contentHash: Self.h1, fromOffer: true)]), held: [Self.a: elsewhere], stationId: "s1",
            kecamatan: "32.16.01", now: Date())
        #expect(late.map(\.effects) == [[]])
        let imported = EventEffects.plan(
            try Self.batch([.jobStored(job: Self.a, priority: .normal, contentHash: Self.h1)]), held: [Self.a: elsewhere], stationId: "s1",
            kecamatan: "32.16.01", now: Date())
        guard case .alert(_, _, let double)? = imported.first?.effects.first else { Issue.record("a flashdisk job held elsewhere passed: \(imported)"); return }
        #expect(double.contains("s2"))
        // A card used from a hopper counts as consumption, on the day the station used it;
        // a count correction does not.
        let used = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(
            EventEffects.effects(of: .ledger(kind: .printed, from: .hopper(device), to: .issued, quantity: 1, job: Self.a, cause: nil, note: nil), at: used)
                == [
                    .stock(place: .hopper(device), delta: -1), .stock(place: .issued, delta: 1), .consumed(quantity: 1, at: used),
                ])
        // A station clock ahead of the hub's cannot put use in the future; no time is the hub's.
        #expect(EventIntake.when(used.addingTimeInterval(86_400), now: used) == used)
        #expect(EventIntake.when(nil, now: used) == used)
        #expect(
            EventEffects.effects(of: .ledger(kind: .counted, from: .store, to: .adjustment, quantity: 2, job: nil, cause: nil, note: nil), at: used) == [
                .stock(place: .store, delta: -2), .stock(place: .adjustment, delta: 2),
            ])
        let rejected = EventEffects.plan(
            try Self.batch([.jobRejected(job: nil, reason: String(repeating: "x", count: 900))]), held: [:], stationId: "s1", kecamatan: "32.16.01", now: Date()
        )
        guard case .alert(let kind, _, let message) = try #require(rejected.first?.effects.first) else { Issue.record("no alert"); return }
        #expect(kind == "job-rejected")
        #expect(message.count == EventEffects.alertLength)
    }

    @Test("settlement: a flashdisk job waiting at the hub becomes the station's; another version or another station's job is a mismatch")
    func settlement() {
        let waiting = HeldJob(kecamatanCode: "32.16.01", state: .approved, stationId: nil, contentHash: Self.h1)
        func settle(_ held: HeldJob?, _ state: JobState, _ hash: Data?, station: String = "s1") -> JobSettlement {
            JobSettlement.settle(held, job: Self.a, reported: state, contentHash: hash, stationId: station, kecamatan: "32.16.01")
        }
        // Brought on a flashdisk and printed: the hub's queued copy is the same version.
        #expect(settle(waiting, .printed, Self.h1) == .apply(.printed, stationState: .printed))
        // The same id with other content: the hub's record does not move.
        guard case .mismatch(let other) = settle(waiting, .printed, Self.h2) else { Issue.record("another version applied"); return }
        #expect(other.contains("versi lain"))
        // An event from before content hashes cannot prove the version: left alone.
        #expect(settle(waiting, .printed, nil) == .unchanged)
        // Held by another station of the kecamatan: a possible double print, for a person.
        var elsewhere = waiting
        elsewhere.state = .claimed
        elsewhere.stationId = "s2"
        guard case .mismatch(let double) = settle(elsewhere, .printed, Self.h1) else { Issue.record("another station's job applied"); return }
        #expect(double.contains("s2"))
        // A station giving up an offer the hub gave to another station fed no card: no
        // conflict, nothing changes; nor for a job back in the queue meanwhile (it stays there).
        #expect(settle(elsewhere, .rejected, Self.h1) == .unchanged)
        #expect(settle(waiting, .rejected, Self.h1) == .unchanged)
        // PT Pos brought a handed-over card back: only then does printed follow handed over.
        var back = waiting
        back.state = .handedOver
        back.stationId = "s1"
        #expect(settle(back, .printed, Self.h1) == .unchanged)
        back.posReturnPending = true
        #expect(settle(back, .printed, Self.h1) == .apply(.printed, stationState: .printed))
        // Another kecamatan's job, a job the hub never had, a job already handed over.
        var far = waiting
        far.kecamatanCode = "32.16.02"
        if case .mismatch = settle(far, .queued, Self.h1) {} else { Issue.record("another kecamatan's job applied") }
        #expect(settle(nil, .printed, Self.h1) == .unknown)
        var ended = waiting
        ended.state = .handedOver
        ended.stationId = "s1"
        #expect(settle(ended, .printed, Self.h1) == .unchanged)

        // A reconcile report: changes only where the hub is behind.
        let printedHere = HeldJob(kecamatanCode: "32.16.01", state: .printed, stationId: "s1", stationState: .printed, contentHash: Self.h2)
        let (effects, result) = JobSettlement.settle(
            [
                ReportedJobState(id: Self.a, contentHash: Self.h1, state: .printed), ReportedJobState(id: Self.b, contentHash: Self.h2, state: .printed),
                ReportedJobState(id: try! JobID("PRR-3216010003"), contentHash: Self.h1, state: .queued),
            ], held: [Self.a: waiting, Self.b: printedHere], stationId: "s1", kecamatan: "32.16.01")
        #expect(effects == [.job(Self.a, state: .printed, stationState: .printed)])
        #expect(result.settled == [Self.a])
        #expect(result.unknown == [try! JobID("PRR-3216010003")])
        #expect(result.mismatches.isEmpty)
    }

    @Test("event intake: a held seq is a duplicate, with other content a conflict; gaps from the first seq")
    func eventIntake() throws {
        let stored = StationEvent.jobStored(job: Self.a, priority: .normal, contentHash: Self.h1)
        let batch = try EventIntake.encode([
            SequencedEvent(seq: 3, event: stored), SequencedEvent(seq: 2, event: stored),
            SequencedEvent(seq: 5, event: .jobStored(job: Self.b, priority: .urgent)),
        ])
        #expect(batch.map(\.seq) == [2, 3, 5])
        let intake = EventIntake.classify(batch, held: [2: batch[0].json, 5: batch[0].json])
        #expect(intake.new.map(\.seq) == [3])
        #expect(intake.duplicates == [2, 5])
        #expect(intake.conflicting == [5])
        #expect(EventIntake.highestSeq(stored: 9, batch: batch) == 9)
        #expect(EventIntake.highestSeq(stored: 1, batch: batch) == 5)
        #expect(EventIntake.gaps(firstSeq: 1, lowestHeld: 2, between: [(3, 5)]) == [SeqGap(from: 1, to: 1), SeqGap(from: 4, to: 4)])
    }
}
