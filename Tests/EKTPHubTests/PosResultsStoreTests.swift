import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import Testing

@testable import EKTPHub

/// PT Pos's results on each backend: all or nothing; a returned card is asked of its
/// station on every heartbeat until the station's state change puts it on the shelf, which
/// the hub takes (the one way back from handed over); delivered changes nothing.
@Suite("PT Pos results at the hub")
struct PosResultsStoreTests {
    @Test("recorded whole or refused whole; a return settles by the station's event", arguments: Backend.all)
    func results(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            var jobs = try t.jobs(4, prefix: "POS")
            for i in 0..<3 { jobs[i].delivery = .pos(address: "JL. MERDEKA NO. \(i + 1), TARUMAJAYA") }
            _ = try await t.importJobs(jobs)
            let (station, _) = try await t.enroll()
            let offered = try await t.hub.poll(station: station, wait: 0, max: 4).map(\.id)
            _ = try await t.hub.ack(station: station, jobs: offered)
            var seq: Int64 = 0
            func report(_ job: JobID, _ from: JobState, _ to: JobState) async throws {
                seq += 1
                let e = SequencedEvent(seq: seq, event: .jobStateChanged(job: job, from: from, to: to, device: nil, detail: nil, contentHash: nil))
                _ = try await t.hub.ingest(station: station, batch: EventBatch(events: [e]))
            }
            // Three PT Pos cards handed over; the fourth, a pickup card, too; the third PT
            // Pos card only printed.
            for job in jobs { try await report(job.id, .queued, .printed) }
            for job in [jobs[0], jobs[1], jobs[3]] { try await report(job.id, .printed, .handedOver) }
            let (delivered, returned, printedOnly, pickup) = (jobs[0].id, jobs[1].id, jobs[2].id, jobs[3].id)

            // Any wrong row refuses the file, and nothing is recorded.
            let wrong = """
                job,hasil,tanggal,keterangan
                \(delivered.rawValue),terkirim,2026-12-01,
                \(pickup.rawValue),terkirim,2026-12-01,
                \(printedOnly.rawValue),dikembalikan,2026-12-01,
                """
            await #expect { try await t.hub.recordPosResults(csv: wrong, by: "rina") } throws: { e in
                let text = "\(e)"
                return (e as? HubError)?.code == .invalid && text.contains("bukan kartu PT Pos") && text.contains("belum diserahkan")
            }
            #expect(try await t.hub.heartbeat(station: station, Heartbeat(devices: [])).posReturns == [])

            let file = """
                job,hasil,tanggal,keterangan
                \(delivered.rawValue),terkirim,2026-12-01,
                \(returned.rawValue),dikembalikan,2026-12-02,"alamat tidak ditemukan, rumah kosong"
                """
            let answer = try await t.hub.recordPosResults(csv: file, by: "rina")
            #expect(answer == PosResultsAnswer(recorded: 2, delivered: 1, backOnShelf: [returned]))
            // The station is asked on every heartbeat until it says the card is back.
            for _ in 0..<2 {
                let asked = try await t.hub.heartbeat(station: station, Heartbeat(devices: [])).posReturns
                #expect(asked == [PosReturn(job: returned, result: .returned, note: "alamat tidak ditemukan, rumah kosong")])
            }
            // A second result for it meanwhile is refused.
            let again = "job,hasil,tanggal,keterangan\n\(returned.rawValue),terkirim,,\n"
            await #expect { try await t.hub.recordPosResults(csv: again, by: "rina") } throws: { "\($0)".contains("sudah dikembalikan") }
            // A handed-over card that was not returned stays handed over, whatever a station says.
            try await report(delivered, .handedOver, .printed)
            #expect(try await t.hub.store.job(delivered)?.state == .handedOver)
            // The station shelves the returned card: the hub takes it, and stops asking.
            try await report(returned, .handedOver, .printed)
            #expect(try await t.hub.store.job(returned)?.state == .printed)
            #expect(try await t.hub.heartbeat(station: station, Heartbeat(devices: [])).posReturns == [])
            // Picked up later at the office: handed over again.
            try await report(returned, .printed, .handedOver)
            #expect(try await t.hub.store.job(returned)?.state == .handedOver)
            let trail = try await t.hub.store.audit(job: nil, limit: 5)
            #expect(trail.contains { $0.action == "hasil PT Pos" && $0.actor == "rina" && $0.detail.contains("1 dikembalikan") }, "\(trail)")
        }
    }
}
