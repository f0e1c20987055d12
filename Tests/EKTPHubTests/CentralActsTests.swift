import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

/// The centre acts on jobs and stations, on each backend: withdraw (at once, or asked of
/// the holding station, which confirms by its event), move to one station, retire a station
/// gone for good; each act in the hub's audit trail with the person and the reason.
@Suite("The centre acts")
struct CentralActsTests {
    static func act(_ reason: String = "permohonan dibatalkan pemohon", by: String = "rina") -> CentralActRequest {
        CentralActRequest(reason: reason, by: by)
    }

    @Test("withdraw: at once when waiting, asked of the holding station, refused once a card was fed", arguments: Backend.all)
    func withdraw(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(4)
            _ = try await t.importJobs(jobs)
            let (station, _) = try await t.enroll()
            // Three go to the station; the fourth waits at the hub.
            let offered = try await t.hub.poll(station: station, wait: 0, max: 3).map(\.id)
            #expect(offered.count == 3)
            _ = try await t.hub.ack(station: station, jobs: offered)
            let waiting = try #require(jobs.map(\.id).first { !offered.contains($0) })

            await #expect { try await t.hub.withdraw(waiting, Self.act(" ")) } throws: { ($0 as? HubError)?.code == .invalid }
            await #expect { try await t.hub.withdraw(waiting, Self.act(by: "rina\nkepala")) } throws: { ($0 as? HubError)?.code == .invalid }
            let now = try await t.hub.withdraw(waiting, Self.act())
            #expect(now.outcome == .done)
            #expect(try await t.hub.store.job(waiting)?.state == .returned)
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).isEmpty, "a withdrawn job is offered to nobody")

            // Held by the station, queued there: the station is asked, on its heartbeat.
            let held = offered[0]
            let pending = try await t.hub.withdraw(held, Self.act("data salah, diajukan ulang"))
            #expect(pending.outcome == .pending)
            let beat = try await t.hub.heartbeat(station: station, Heartbeat(devices: []))
            #expect(beat.withdrawals?.map(\.job) == [held])
            #expect(beat.withdrawals?.first?.reason == "data salah, diajukan ulang" && beat.withdrawals?.first?.by == "rina")
            // The station withdraws it: its event confirms, and the heartbeat stops asking.
            func changed(_ seq: Int64, _ job: JobID, _ from: JobState, _ to: JobState) -> SequencedEvent {
                SequencedEvent(
                    seq: seq,
                    event: .jobStateChanged(job: job, from: from, to: to, device: nil, detail: nil, contentHash: nil))
            }
            _ = try await t.hub.ingest(station: station, batch: EventBatch(events: [changed(1, held, .queued, .rejected)]))
            let confirmed = try #require(try await t.hub.store.job(held))
            #expect(confirmed.state == .returned && confirmed.stationState == .rejected && confirmed.withdrawal?.by == "rina")
            #expect(try await t.hub.heartbeat(station: station, Heartbeat(devices: [])).withdrawals == [])
            // Asking again changes nothing.
            #expect(try await t.hub.withdraw(held, Self.act()).message.contains("sudah ditarik"))

            // A card fed: printed at the station, withdrawal refused.
            let printed = offered[1]
            _ = try await t.hub.ingest(
                station: station, batch: EventBatch(events: [changed(2, printed, .queued, .printing), changed(3, printed, .printing, .printed)]))
            await #expect { try await t.hub.withdraw(printed, Self.act()) } throws: { ($0 as? HubError)?.code == .conflict }
            // A withdrawal the station could not carry out in time: the card's fact is recorded.
            let late = offered[2]
            #expect(try await t.hub.withdraw(late, Self.act()).outcome == .pending)
            _ = try await t.hub.ingest(
                station: station, batch: EventBatch(events: [changed(4, late, .queued, .printing), changed(5, late, .printing, .printed)]))
            #expect(try await t.hub.store.job(late)?.state == .printed)

            let trail = try await t.hub.store.audit(job: held, limit: 10)
            #expect(trail.first?.actor == "rina" && trail.contains { $0.action == "job ditarik" && $0.detail.contains("data salah") }, "\(trail)")
            #expect(try await t.hub.store.audit(job: nil, limit: 100).count == 4)
            await #expect { try await t.hub.withdraw(try JobID("TIDAK-ADA"), Self.act()) } throws: { ($0 as? HubError)?.code == .notFound }
        }
    }

    @Test("move to one station of the kecamatan; retire a station gone: its unfed jobs go back, unknown outcomes stay", arguments: Backend.all)
    func moveAndRetire(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(4)
            _ = try await t.importJobs(jobs)
            let (a, _) = try await t.enroll(name: "PC lama")
            let (b, _) = try await t.enroll(name: "PC baru")
            let (other, _) = try await t.enroll("32.16.02", name: "PC Babelan")

            // Moved to B: A never gets it; another kecamatan's station is refused.
            await #expect { try await t.hub.move(jobs[3].id, JobMoveRequest(station: other.id, reason: "r", by: "rina")) } throws: {
                ($0 as? HubError)?.code == .conflict
            }
            #expect(try await t.hub.move(jobs[3].id, JobMoveRequest(station: b.id, reason: "PC lama rusak", by: "rina")).outcome == .done)
            let toA = try await t.hub.poll(station: a, wait: 0, max: 10).map(\.id)
            #expect(Set(toA) == Set(jobs[0...2].map(\.id)))
            _ = try await t.hub.ack(station: a, jobs: toA)
            #expect(try await t.hub.poll(station: b, wait: 0, max: 10).map(\.id) == [jobs[3].id])
            // Only B may take the moved job: A's poll neither finds it takeable nor waits for
            // B's lease, even once it ran out (a poll that waited for a lease it cannot take
            // over would wake again at once, forever); B's glance sees its own lease.
            let leaseEnds = t.clock.current.addingTimeInterval(Double(t.hub.config.leaseSeconds))
            #expect(try await t.hub.store.glance(station: a, now: t.clock.current) == QueueGlance(takeable: false, nextLeaseExpiry: nil))
            #expect(try await t.hub.store.glance(station: b, now: t.clock.current) == QueueGlance(takeable: false, nextLeaseExpiry: leaseEnds))
            t.clock.advance(seconds: Double(t.hub.config.leaseSeconds + 1))
            #expect(try await t.hub.store.glance(station: a, now: t.clock.current) == QueueGlance(takeable: false, nextLeaseExpiry: nil))
            #expect(try await t.hub.store.glance(station: b, now: t.clock.current) == QueueGlance(takeable: true, nextLeaseExpiry: nil))
            _ = try await t.hub.ack(station: b, jobs: [jobs[3].id])
            // A job a station holds is not moved.
            await #expect { try await t.hub.move(jobs[0].id, JobMoveRequest(station: b.id, reason: "r", by: "rina")) } throws: {
                ($0 as? HubError)?.code == .conflict
            }

            // A printed one, one it lost the outcome of, one still queued; then A is gone.
            func changed(_ seq: Int64, _ job: PrintJob, _ from: JobState, _ to: JobState) -> SequencedEvent {
                SequencedEvent(seq: seq, event: .jobStateChanged(job: job.id, from: from, to: to, device: nil, detail: nil, contentHash: nil))
            }
            _ = try await t.hub.ingest(
                station: a,
                batch: EventBatch(events: [
                    changed(1, jobs[0], .queued, .printing), changed(2, jobs[0], .printing, .printed), changed(3, jobs[1], .queued, .printing),
                    changed(4, jobs[1], .printing, .outcomeUnknown),
                ]))
            let retired = try await t.hub.retire(stationId: a.id, Self.act("PC terbakar, diganti", by: "dodi"))
            #expect(retired.requeued == [jobs[2].id] && retired.outcomeUnknown == [jobs[1].id], "\(retired)")
            #expect(try await t.hub.store.stations().first { $0.id == a.id }?.revokedAt != nil)
            #expect(try await t.hub.store.job(jobs[0].id)?.state == .printed)
            #expect(try await t.hub.store.job(jobs[1].id)?.stationState == .outcomeUnknown)
            #expect(try await t.hub.poll(station: b, wait: 0, max: 10).map(\.id) == [jobs[2].id])
            let trail = try await t.hub.store.audit(job: nil, limit: 10)
            #expect(trail.first?.action == "stasiun dipensiunkan" && trail.first?.actor == "dodi" && trail.first?.detail.contains("PC terbakar") == true)
            #expect(trail.contains { $0.action == "job dipindahkan" && $0.job == jobs[3].id })
        }
    }
}
