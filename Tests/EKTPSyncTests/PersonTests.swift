import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// The person in the audit trail is a known person, through the real `ektpd` and its
/// socket: the PC account comes from the kernel (`SO_PEERCRED`), a declared name is one line
/// of printable text, and once the station has user accounts it must be one of them.
@Suite struct PersonTests {
    @Test(.timeLimit(.minutes(2)))
    func theAuditTrailNamesAKnownPerson() async throws {
        let scratch = try Scratch("person")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=ORANG-1"])
        try await station.start()
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let account = String(cString: getpwuid(getuid())!.pointee.pw_name)

        try await station.withClient { client in
            // Crafted names are refused with the field named, and change nothing.
            for bad in ["", "   ", "budi\nkepala: setuju", String(repeating: "x", count: 20_000), "siti\u{202E}atrebil", "nul\u{0}"] {
                await #expect(throws: StationClientError.self, "\(bad.prefix(20).debugDescription)") {
                    _ = try await client.stock(.receive(quantity: 5, document: "SJ-1"), by: bad)
                }
                do {
                    _ = try await client.stock(.receive(quantity: 5, document: "SJ-1"), by: bad)
                } catch {
                    #expect("\(error)".contains("nama operator"), "\(error)")
                }
            }
            #expect(try await client.status().blangkoOnHand == 0)

            // A well-formed name is recorded with the PC account the kernel names.
            let imported = try await client.importJobs(try factory.signedFile(try factory.jobs(count: 1, kecamatan: "32.16.01", prefix: "ORANG")), by: "dewi")
            let job = try #require(imported.stored.first)
            let actors = try await client.job(job).history.map(\.actor)
            #expect(actors.contains(account == "dewi" ? "dewi" : "dewi (akun PC \(account))"), "\(actors)")

            // Once the station has accounts, only they may be named.
            _ = try await client.addWebUser(WebUserRequest(name: "siti", fullName: "Siti Aminah", role: "operator", password: "kata-sandi-panjang-1"))
            do {
                _ = try await client.stock(.receive(quantity: 5, document: "SJ-2"), by: "dewi")
                Issue.record("a name that is no account was accepted")
            } catch {
                #expect("\(error)".contains("bukan pengguna stasiun ini") && "\(error)".contains("siti"), "\(error)")
            }
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-2"), by: "siti")
            #expect(try await client.status().blangkoOnHand == 5)
        }
    }
}
