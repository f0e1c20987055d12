import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// One live card per NIK at the station (docs/ektpctl.md, `jobs release`): the real `ektpd`, two
/// jobs with different ids for one person (the field's double print). The second waits,
/// unprinted, showing the first, until a kecamatan head releases it with a reason.
@Suite(.daemons) struct DuplicateNIKTests {
    @Test(.timeLimit(.minutes(3)))
    func aSecondJobForTheSameNIKWaitsForTheKecamatanHead() async throws {
        let scratch = try Scratch("nik-ganda")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=NIK-1"])
        try await station.start()
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let first = try factory.jobs(count: 1, kecamatan: "32.16.01", prefix: "NIK")[0]
        var second = first
        second.id = try JobID("NIK-ULANG-1")
        try await station.withClient { client in
            #expect(try await client.importJobs(try factory.signedFile([first])).stored == [first.id])
            #expect(try await client.importJobs(try factory.signedFile([second])).stored == [second.id])
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-NIK"))
        }
        try await Operator.work(station, seconds: 60, "kartu pertama tercetak") { ($0.jobs[.printed] ?? 0) == 1 }
        // The printer is ready with blangko, and the second still waits.
        try await Task.sleep(for: .seconds(1))
        try await station.withClient { client in
            let held = try await client.job(second.id).summary
            #expect(held.state == .queued && held.heldFor == first.id, "\(held)")
            #expect(try await client.job(first.id).summary.state == .printed)
            #expect(try await client.status().alerts.contains { $0.alert.kind == .duplicateNIK && $0.alert.message.contains(first.id.rawValue) })
            // The operator (this PC account) cannot release it; the kepala cannot without a reason.
            do {
                _ = try await client.releaseHold(second.id, ReasonRequest(reason: "kartu hilang"))
                Issue.record("an operator released a duplicate NIK")
            } catch {
                #expect("\(error)".contains("kepala"), "\(error)")
            }
            let blank = try await station.kepala.ektpctl(["jobs", "release", second.id.rawValue, "--reason", "  "])
            #expect(blank.status == 2 && blank.stderr.contains("--reason"), "\(blank)")
            // The kepala, at their own PC account, with the real ektpctl.
            let released: JobSummary = try await station.kepala.json(
                ["jobs", "release", second.id.rawValue, "--reason", "kartu pertama hilang, laporan polisi no. 12"], decoder: WireCoding.decoder())
            #expect(released.heldFor == nil)
            #expect(try await client.status().alerts.allSatisfy { $0.alert.kind != .duplicateNIK }, "the decision closes the alert")
            let history = try await client.job(second.id).history
            #expect(history.contains { $0.actor == "kepala" && $0.detail.contains("laporan polisi") }, "\(history)")
        }
        try await Operator.work(station, seconds: 60, "kartu kedua tercetak setelah dilepas") { ($0.jobs[.printed] ?? 0) == 2 }
    }
}
