import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

/// One live card per NIK at the hub: a second job for a person who already has a card is
/// stored held and never offered until a central user releases it with a reason.
@Suite("One live card per NIK at the hub")
struct NIKHoldTests {
    @Test("a second job for the same NIK is held, not offered, until released with a reason", arguments: Backend.all)
    func heldUntilReleased(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(3)
            var again = jobs[0]
            again.id = try JobID("PRR-ULANG-1")
            var twice = jobs[2]
            twice.id = try JobID("PRR-ULANG-2")
            let first = try await t.importJobs(Array(jobs[0...1]))
            #expect(first.warnings.isEmpty)
            // One later, alone; one in the same file as its earlier job.
            let second = try await t.importJobs([again, jobs[2], twice])
            #expect(second.stored.count == 3)
            #expect(second.warnings.filter { $0.contains("ditahan") }.count == 2, "\(second.warnings)")
            #expect(try await t.hub.store.job(again.id)?.heldFor == jobs[0].id)
            #expect(try await t.hub.store.job(twice.id)?.heldFor == jobs[2].id)
            #expect(try await t.hub.store.job(jobs[2].id)?.heldFor == nil)

            let (station, _) = try await t.enroll()
            #expect(Set(try await t.hub.poll(station: station, wait: 0, max: 10).map(\.id)) == Set(jobs.map(\.id)))

            await #expect { try await t.hub.releaseHold(again.id, JobReleaseRequest(reason: " ", by: "ani")) } throws: {
                ($0 as? HubError)?.code == .invalid
            }
            await #expect { try await t.hub.releaseHold(jobs[1].id, JobReleaseRequest(reason: "kartu hilang", by: "ani")) } throws: {
                ($0 as? HubError)?.code == .conflict
            }
            let released = try await t.hub.releaseHold(again.id, JobReleaseRequest(reason: "kartu pertama hilang, laporan polisi", by: "ani"))
            #expect(released.heldFor == nil && released.state == .approved)
            #expect(try await t.hub.poll(station: station, wait: 0, max: 10).map(\.id) == [again.id])

            // Over HTTP, with the admin token only.
            let path = "/v1/admin/jobs/\(twice.id.rawValue)/release"
            try await t.app.test(.router) { client in
                let body = try WireCoding.encoder().encode(JobReleaseRequest(reason: "kartu rusak, diganti", by: "ani"))
                #expect(try await client.call(.post, path, body: body).status == .unauthorized)
                let r = try await client.call(.post, path, headers: Fixtures.admin, body: body)
                #expect(r.status == .ok)
                #expect(try r.decode(JobView.self).heldFor == nil)
            }
        }
    }
}
