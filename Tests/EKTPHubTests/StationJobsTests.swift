import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

@Suite("Routing, leases and acknowledgements")
struct StationJobsTests {
    @Test("jobs go to their kecamatan's queue, urgent first, then oldest", arguments: Backend.all)
    func routingAndOrder(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            // Every 3rd job urgent: PRR-000003 and PRR-000006.
            try await t.importJobs(try t.jobs(6, urgentEvery: 3))
            try await t.importJobs(try t.jobs(2, kecamatan: "32.16.02", prefix: "BAB"))
            let (tarumajaya, _) = try await t.enroll("32.16.01")
            let (babelan, _) = try await t.enroll("32.16.02")
            let first = try await t.hub.poll(station: tarumajaya, wait: 0, max: 3)
            #expect(first.map(\.id.rawValue) == ["PRR-000003", "PRR-000006", "PRR-000001"])
            let rest = try await t.hub.poll(station: tarumajaya, wait: 0, max: 10)
            #expect(rest.map(\.id.rawValue) == ["PRR-000002", "PRR-000004", "PRR-000005"])
            let other = try await t.hub.poll(station: babelan, wait: 0, max: 10)
            #expect(other.map(\.id.rawValue) == ["BAB-000001", "BAB-000002"])
        }
    }

    @Test("an unacknowledged job is offered again when its lease runs out, and not before", arguments: Backend.all)
    func leaseExpiryReoffers(_ backend: Backend) async throws {
        try await TestHub.with(backend, tweak: { $0.leaseSeconds = 60 }) { t in
            try await t.importJobs(try t.jobs(1))
            let (station, _) = try await t.enroll()
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).count == 1)
            #expect(try await t.hub.store.job(JobID("PRR-000001"))?.state == .offered)
            t.clock.advance(seconds: 59)
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).isEmpty)
            t.clock.advance(seconds: 2)
            let again = try await t.hub.poll(station: station, wait: 0, max: 10)
            #expect(again.map(\.id.rawValue) == ["PRR-000001"])
            #expect(try await t.hub.store.job(JobID("PRR-000001"))?.offers == 2)
            // Acknowledged: never offered again, however long it takes.
            #expect(try await t.hub.ack(station: station, jobs: [JobID("PRR-000001")]).claimed.map(\.rawValue) == ["PRR-000001"])
            t.clock.advance(seconds: 3600)
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).isEmpty)
            #expect(try await t.hub.store.job(JobID("PRR-000001"))?.state == .claimed)
        }
    }

    @Test("an expired lease taken by another station of the kecamatan cannot be acked by the first", arguments: Backend.all)
    func lateAckAfterReoffer(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(1))
            let (a, _) = try await t.enroll(name: "PC 1")
            let (b, _) = try await t.enroll(name: "PC 2")
            _ = try await t.hub.poll(station: a, wait: 0, max: 1)
            t.clock.advance(seconds: 61)
            #expect(try await t.hub.poll(station: b, wait: 0, max: 1).count == 1)
            await #expect { try await t.hub.ack(station: a, jobs: [JobID("PRR-000001")]) } throws: { ($0 as? HubError)?.code == .conflict }
            #expect(try await t.hub.ack(station: b, jobs: [JobID("PRR-000001")]).claimed.count == 1)
            // Sent again: answered, not an error.
            #expect(try await t.hub.ack(station: b, jobs: [JobID("PRR-000001")]).already.count == 1)
        }
    }

    @Test("over HTTP: poll, documents verify as the station checks them, ack, reconcile", arguments: Backend.all)
    func pollAckReconcileHTTP(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(2))
            let (_, credential) = try await t.enroll()
            try await t.app.test(.router) { client in
                let poll = try await client.call(.get, "/v1/station/jobs?wait=0&max=10", headers: Fixtures.bearer(credential))
                #expect(poll.status == .ok)
                let jobs = try polledJobs(poll)
                #expect(jobs.map(\.id) == ["PRR-000001", "PRR-000002"])
                // The answer is written without parsing the stored documents: it must still
                // be canonical JSON, by the strict parser's reading.
                let body = Array(poll.body)
                #expect(try JSONValue.parse(body).canonicalBytes() == body)
                let verifier = JobVerifier(trusted: [t.signer.approvalKey])
                for job in jobs { #expect(try verifier.verify(job.document).job.id.rawValue == job.id) }

                let ack = try await client.call(
                    .post, "/v1/station/ack", headers: Fixtures.bearer(credential), json: AckRequest(jobs: [try JobID("PRR-000001")]))
                #expect(ack.status == .ok)
                #expect(try ack.decode(AckResult.self).claimed.map(\.rawValue) == ["PRR-000001"])

                let rec = try await client.call(.get, "/v1/station/reconcile", headers: Fixtures.bearer(credential))
                let result = try rec.decode(ReconcileResult.self)
                #expect(result.jobs.map(\.id.rawValue) == ["PRR-000001", "PRR-000002"])
                #expect(result.jobs.map(\.state) == [.claimed, .offered])
            }
        }
    }

    @Test("a station sees only its own kecamatan's jobs", arguments: Backend.all)
    func kecamatanIsolation(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(2, kecamatan: "32.16.02", prefix: "BAB"))
            let (_, credential) = try await t.enroll("32.16.01")
            try await t.app.test(.router) { client in
                let own = try await client.call(.get, "/v1/station/jobs?wait=0", headers: Fixtures.bearer(credential))
                #expect(try polledJobs(own).isEmpty)
                let asked = try await client.call(.get, "/v1/station/jobs?wait=0&kecamatan=32.16.02", headers: Fixtures.bearer(credential))
                #expect(asked.status == .forbidden)
                #expect(asked.error?.code == "forbidden")
                let ack = try await client.call(
                    .post, "/v1/station/ack", headers: Fixtures.bearer(credential), json: AckRequest(jobs: [try JobID("BAB-000001")]))
                #expect(ack.status == .forbidden)
            }
            #expect(try await t.hub.store.jobCounts()[.approved] == 2)
        }
    }

    @Test("a waiting long-poll is woken by intake for its kecamatan", arguments: Backend.all)
    func longPollWakes(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let (station, _) = try await t.enroll()
            let jobs = try t.jobs(1)
            // The poll may wait up to 60 s; intake must wake it long before.
            async let polled = t.hub.poll(station: station, wait: 60, max: 10)
            while t.hub.notifier.waiting == 0 { await Task.yield() }
            try await t.importJobs(jobs)
            #expect(try await polled.map(\.id) == [jobs[0].id])
        }
    }

    @Test("a long-poll that finds nothing ends in the last quarter of its wait, not with every other begun with it")
    func longPollEndsSpread() {
        let now = ContinuousClock.now
        let ends = (0..<400).map { _ in Hub.longPollDeadline(wait: 60, now: now) - now }
        #expect(ends.allSatisfy { $0 > .seconds(45) && $0 <= .seconds(60) }, "\(ends.min()!) … \(ends.max()!)")
        // 400 polls begun together end spread over most of those 15 s.
        #expect(ends.max()! - ends.min()! > .seconds(10), "\(ends.min()!) … \(ends.max()!)")
    }

    @Test("two hub processes on one store never lease the same job twice", arguments: Backend.all)
    func concurrentLeases(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            try await t.importJobs(try t.jobs(40))
            let (a, _) = try await t.enroll(name: "PC 1")
            let (b, _) = try await t.enroll(name: "PC 2")
            // A second hub on the same store, as a second process behind a load balancer.
            let other = Hub(config: t.hub.config, store: t.hub.store, regions: Fixtures.regions, clock: t.clock.clock)
            let leased = try await withThrowingTaskGroup(of: [JobID].self) { group in
                for i in 0..<8 {
                    group.addTask { try await (i % 2 == 0 ? t.hub : other).poll(station: i % 4 < 2 ? a : b, wait: 0, max: 5).map(\.id) }
                }
                var all: [JobID] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(leased.count == 40)
            #expect(Set(leased).count == 40)
        }
    }

    @Test("a poll in one hub process is woken by intake in another (LISTEN/NOTIFY)", .enabled(if: Backend.postgresServer != nil))
    func crossProcessWake() async throws {
        try await TestHub.with(.postgres) { t in
            let store = try #require(t.hub.store as? PostgresHubStore)
            let other = Hub(config: t.hub.config, store: store, regions: Fixtures.regions, clock: t.clock.clock)
            let (station, _) = try await t.enroll()
            let jobs = try t.jobs(1)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (listening, ready) = AsyncStream<Void>.makeStream()
                group.addTask { try await store.listen(notifier: other.notifier) { ready.yield() } }
                for await _ in listening { break }
                // Waits up to 60 s; only the NOTIFY from the first hub's intake can wake it early.
                async let polled = other.poll(station: station, wait: 60, max: 10)
                while other.notifier.waiting == 0 { await Task.yield() }
                try await t.importJobs(jobs)
                #expect(try await polled.map(\.id) == [jobs[0].id])
                group.cancelAll()
            }
        }
    }

    @Test("the notifier wakes only the kecamatan notified, and never misses a notification")
    func notifier() async {
        let n = JobNotifier()
        let g = n.generation("32.16.01")
        n.notify(["32.16.01"])
        // Already moved on: returns at once even with a far deadline.
        await n.wait("32.16.01", after: g, until: .now + .seconds(600))
        let g2 = n.generation("32.16.02")
        await n.wait("32.16.02", after: g2, until: .now)  // deadline passed: returns
        #expect(n.generation("32.16.02") == g2)
        #expect(n.waiting == 0)
    }

    @Test("a wait ends at its deadline, never before, each of many with its own", .timeLimit(.minutes(1)))
    func notifierDeadlines() async {
        let n = JobNotifier()
        let start = ContinuousClock.now
        // Deadlines spread over half a second, out of order: one sweeping task ends them all.
        let ended = await withTaskGroup(of: (Duration, Duration).self) { group in
            for i in 0..<100 {
                let after = Duration.milliseconds((i * 37) % 500)
                group.addTask {
                    await n.wait("32.16.\(i % 7)", after: n.generation("32.16.\(i % 7)"), until: start + after)
                    return (after, ContinuousClock.now - start)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ended.count == 100)
        #expect(ended.allSatisfy { deadline, at in at >= deadline }, "a wait ended before its deadline")
        #expect(n.waiting == 0)
    }

    @Test("a wait ends when notified for its kecamatan or cancelled, and only then", .timeLimit(.minutes(1)))
    func notifierWakesAndCancels() async {
        let n = JobNotifier()
        let far = ContinuousClock.now + .seconds(600)
        let a = Task { await n.wait("32.16.01", after: n.generation("32.16.01"), until: far) }
        let b = Task { await n.wait("32.16.02", after: n.generation("32.16.02"), until: far) }
        while n.waiting < 2 { await Task.yield() }
        n.notify(["32.16.01"])
        await a.value
        try? await Task.sleep(for: .milliseconds(200))
        #expect(n.waiting == 1, "notifying 32.16.01 woke 32.16.02's wait")
        b.cancel()
        await b.value
        #expect(n.waiting == 0)
        // Cancelled before it waits: it does not wait.
        let c = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await n.wait("32.16.03", after: n.generation("32.16.03"), until: far)
        }
        await c.value
        #expect(n.waiting == 0)
    }
}
