import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// One live card per NIK at the station (docs/ektpctl.md, `jobs release`): the real `ektpd`, two
/// jobs with different ids for one person (the field's double print). The second waits,
/// unprinted, showing the first, until a kecamatan head releases it with a reason.
@Suite struct DuplicateNIKTests {
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
            _ = try await client.addWebUser(WebUserRequest(name: "op", fullName: "Siti Aminah", role: "operator", password: "kata-sandi-panjang-1"))
            _ = try await client.addWebUser(WebUserRequest(name: "budi", fullName: "Budi Santoso", role: "kepala", password: "kata-sandi-panjang-2"))
            #expect(try await client.importJobs(try factory.signedFile([first])).stored == [first.id])
            #expect(try await client.importJobs(try factory.signedFile([second])).stored == [second.id])
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-NIK"), by: "op")
        }
        try await Operator.work(station, seconds: 60, "kartu pertama tercetak") { ($0.jobs[.printed] ?? 0) == 1 }
        // The printer is ready with blangko, and the second still waits.
        try await Task.sleep(for: .seconds(1))
        try await station.withClient { client in
            let held = try await client.job(second.id).summary
            #expect(held.state == .queued && held.heldFor == first.id, "\(held)")
            #expect(try await client.job(first.id).summary.state == .printed)
            #expect(try await client.status().alerts.contains { $0.alert.kind == .duplicateNIK && $0.alert.message.contains(first.id.rawValue) })
            // An operator cannot release it, nor anyone without a reason.
            do {
                _ = try await client.releaseHold(second.id, JobReleaseRequest(reason: "kartu hilang", by: "op"))
                Issue.record("an operator released a duplicate NIK")
            } catch {
                #expect("\(error)".contains("kepala"), "\(error)")
            }
            do {
                _ = try await client.releaseHold(second.id, JobReleaseRequest(reason: "  ", by: "budi"))
                Issue.record("a release without a reason")
            } catch {
                #expect("\(error)".contains("alasan"), "\(error)")
            }
            let released = try await client.releaseHold(second.id, JobReleaseRequest(reason: "kartu pertama hilang, laporan polisi no. 12", by: "budi"))
            #expect(released.heldFor == nil)
            #expect(try await client.status().alerts.allSatisfy { $0.alert.kind != .duplicateNIK }, "the decision closes the alert")
            let history = try await client.job(second.id).history
            #expect(history.contains { $0.actor.hasPrefix("budi") && $0.detail.contains("laporan polisi") }, "\(history)")
        }
        try await Operator.work(station, seconds: 60, "kartu kedua tercetak setelah dilepas") { ($0.jobs[.printed] ?? 0) == 2 }
    }
}
