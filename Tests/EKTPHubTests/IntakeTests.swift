import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation
import HummingbirdTesting
import Testing

@testable import EKTPHub

@Suite("Intake of approved jobs")
struct IntakeTests {
    @Test("a signed batch is stored once, and sending it again stores nothing new", arguments: Backend.all)
    func idempotentIntake(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(3)
            let first = try await t.importJobs(jobs)
            #expect(first.stored.map(\.rawValue) == ["PRR-000001", "PRR-000002", "PRR-000003"])
            #expect(first.duplicates.isEmpty)
            let again = try await t.importJobs(jobs)
            #expect(again.stored.isEmpty)
            #expect(again.duplicates.count == 3)
            #expect(try await t.hub.store.jobCounts()[.approved] == 3)
        }
    }

    @Test("a tampered job refuses the whole file, with the reason, and stores nothing", arguments: Backend.all)
    func tamperedRefusesAll(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let jobs = try t.jobs(2)
            var docs = try [t.signer.sign(jobs[0]), t.signer.sign(jobs[1])].map { try JSONValue.parse($0) }
            // Change the name inside the second signed document.
            let text = String(decoding: docs[1].canonicalBytes(), as: UTF8.self).replacingOccurrences(of: jobs[1].card.nama, with: "BUDI PALSU")
            docs[1] = try JSONValue.parse(Data(text.utf8))
            let file = Data(JSONValue.array(docs).canonicalBytes())
            await #expect {
                try await t.hub.intake.importFile(file)
            } throws: { error in
                guard let e = error as? HubError else { return false }
                return e.code == .rejected && e.details.count == 1 && e.details[0].contains("PRR-000002") && e.details[0].contains("tanda tangan tidak cocok")
            }
            #expect(try await t.hub.store.jobCounts().isEmpty)
        }
    }

    @Test("unsigned jobs and jobs signed by an untrusted key are rejected")
    func unsignedAndUnknownKey() async throws {
        let t = try TestHub()
        let job = try t.jobs(1)[0]
        let unsigned = JSONValue.object([("format", .string("ektp-job/1")), ("job", try JSONValue.parse(try JobSignature.canonicalBytes(of: job)))])
        await #expect(throws: HubError.self) { try await t.hub.intake.importFile(Data(unsigned.canonicalBytes())) }
        let stranger = ApprovalSigner.generate(keyId: "stranger")
        await #expect {
            try await t.hub.intake.importFile(try stranger.sign(job))
        } throws: { ($0 as? HubError)?.details.first?.contains("tidak dipercaya") == true }
        #expect(try await t.hub.store.jobCounts().isEmpty)
    }

    @Test("a kecamatan code not in wilayah.csv is rejected", arguments: Backend.all)
    func unknownKecamatan(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            var job = try t.jobs(1)[0]
            job.kecamatanCode = "32.16.99"
            await #expect {
                try await t.hub.intake.importFile(try t.signer.sign(job))
            } throws: { ($0 as? HubError)?.details.first?.contains("32.16.99") == true }
            #expect(try await t.hub.store.jobCounts().isEmpty)
        }
    }

    @Test("a known job id with other content is refused and the held job is unchanged", arguments: Backend.all)
    func sameIDOtherContent(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let original = try t.jobs(1)
            try await t.importJobs(original)
            var changed = original[0]
            changed.priority = .urgent
            let fresh = try t.jobs(1, prefix: "NEW")
            await #expect {
                try await t.importJobs([fresh[0], changed])
            } throws: { error in
                guard let e = error as? HubError else { return false }
                return e.code == .conflict && e.details.first?.contains("PRR-000001") == true
            }
            // All or nothing: the fresh job of the same batch was not stored either.
            #expect(try await t.hub.store.job(fresh[0].id) == nil)
            #expect(try await t.hub.store.job(original[0].id)?.priority == .normal)
        }
    }

    @Test("POST /v1/intake needs the admin token and answers 201 with what was stored", arguments: Backend.all)
    func intakeOverHTTP(_ backend: Backend) async throws {
        try await TestHub.with(backend) { t in
            let file = try t.file(try t.jobs(2))
            try await t.app.test(.router) { client in
                let anonymous = try await client.call(.post, "/v1/intake", body: file)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.error?.code == "unauthorized")
                let wrong = try await client.call(.post, "/v1/intake", headers: Fixtures.bearer("guess"), body: file)
                #expect(wrong.status == .unauthorized)
                let ok = try await client.call(.post, "/v1/intake", headers: Fixtures.admin, body: file)
                #expect(ok.status == .created)
                #expect(try ok.decode(IntakeResult.self).stored.count == 2)
                let again = try await client.call(.post, "/v1/intake", headers: Fixtures.admin, body: file)
                #expect(again.status == .ok)
                #expect(try again.decode(IntakeResult.self).duplicates.count == 2)
            }
        }
    }

    @Test("ektp-hub sign output is accepted by intake")
    func signCommandOutput() async throws {
        let t = try TestHub()
        let jobs = try t.jobs(2)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let unsigned = try encoder.encode(jobs)
        let signed = try JobFileSigner.sign(unsigned, with: t.signer)
        #expect(signed.count == 2)
        let result = try await t.hub.intake.importFile(signed.file)
        #expect(result.stored == jobs.map(\.id))
        #expect(throws: HubError.self) { try JobFileSigner.sign(Data(#"[{"id": "X"}]"#.utf8), with: t.signer) }
    }
}
