import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// People, not free text, through the real `ektpd` and `ektpctl` at several PC accounts:
/// the station knows who runs ektpctl from the socket's peer credentials (`SO_PEERCRED`)
/// mapped to a station user; the pages' role rules hold on the command line; nobody
/// decides what they recorded themselves.
@Suite(.serialized, .daemons) struct PersonTests {
    static let decoder = WireCoding.decoder()

    @Test(.timeLimit(.minutes(3)), .enabled(if: OfficeAccount.available))
    func theSocketNamesThePersonAndTheirRole() async throws {
        let scratch = try Scratch("person")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=ORANG-1"])
        try await station.start(people: false)
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let root = OfficeAccount(uid: 0, socket: station.socket)
        let stranger = OfficeAccount(uid: 61_009, socket: station.socket)
        let account = String(cString: getpwuid(getuid())!.pointee.pw_name)

        // Just installed, no station users: operators' acts are recorded under the PC
        // account the kernel names; no kecamatan head's decision can be taken.
        let me: CallerView = try await root.json(["whoami"], decoder: Self.decoder)
        #expect(me.recordedAs == "akun PC \(account)" && me.user == nil && me.note?.contains("belum punya pengguna") == true, "\(me)")
        let job = try await station.withClient { client in
            let imported = try await client.importJobs(try factory.signedFile(try factory.jobs(count: 1, kecamatan: "32.16.01", prefix: "ORANG")))
            return try #require(imported.stored.first)
        }
        #expect(try await station.withClient { try await $0.job(job).history.map(\.actor) }.contains("akun PC \(account)"))
        let early = try await root.ektpctl(["jobs", "release", job.rawValue, "--reason", "uji"])
        #expect(early.status == 1 && early.stderr.contains("kepala kecamatan") && early.stderr.contains("user add"), "\(early)")

        // `--by` is gone: the name is never typed.
        let typed = try await root.ektpctl(["stock", "receive", "5", "--document", "SJ-1", "--by", "siti"])
        #expect(typed.status == 2, "\(typed)")

        // Only the administrator (root) adds people; a crafted PC account is refused and adds nobody.
        let refused = try await stranger.ektpctl(
            ["user", "add", "ani", "--role", "kepala", "--full-name", "Ani", "--akun-pc", "61009", "--password-stdin"], stdin: "kata-sandi-ani-1\n")
        #expect(refused.status == 1 && refused.stderr.contains("admin stasiun"), "\(refused)")
        for bad in ["root\nkepala", "../etc", "", "Budi Santoso", String(repeating: "a", count: 40)] {
            let run = try await root.ektpctl(
                ["user", "add", "tono", "--role", "operator", "--full-name", "Tono", "--akun-pc", bad, "--password-stdin"], stdin: "kata-sandi-tono-1\n")
            #expect(run.status != 0, "\(bad.debugDescription): \(run)")
        }
        #expect(try await station.withClient { try await $0.webUsers() }.isEmpty, "a refused user is not half-added")
        try await station.addPeople()
        let taken = try await root.ektpctl(["user", "link", "plt", String(StationUnderTest.kepalaUID)])
        #expect(taken.status == 1 && taken.stderr.contains("sudah milik kepala"), "\(taken)")

        // Each PC account is its person; an account no person holds acts for nobody.
        let head: CallerView = try await station.kepala.json(["whoami"], decoder: Self.decoder)
        #expect(head.user == "kepala" && head.role == "kepala" && head.recordedAs == "kepala", "\(head)")
        let nobody = try await stranger.ektpctl(["stock", "receive", "5", "--document", "SJ-2"])
        #expect(nobody.status == 1 && nobody.stderr.contains("belum terhubung"), "\(nobody)")

        // The pages' role rules on the command line: the kepala does not receive stock, the
        // operator (this test's own account) does not decide a count.
        let notHers = try await station.kepala.ektpctl(["stock", "receive", "5", "--document", "SJ-3"])
        #expect(notHers.status == 1 && notHers.stderr.contains("hanya operator"), "\(notHers)")
        let received = try await station.withClient { try await $0.stock(.receive(quantity: 5, document: "SJ-3")) }
        #expect(received.entry != nil)
        let history = try await station.withClient { try await $0.job(job).history }
        #expect(history.allSatisfy { !$0.actor.contains("siti") })

        // Nobody confirms their own count difference: the operator's count goes to a head;
        // a head's own count goes to the other head.
        let byOperator = try #require(
            try await station.withClient { try await $0.stock(.count(place: .store, counted: 4, reason: "satu hilang")) }.pendingCount)
        await #expect(throws: StationClientError.self) { try await station.withClient { try await $0.confirmCount(byOperator, CountDecision(note: nil)) } }
        let byHead: StockChanged = try await station.kepala.json(["stock", "count", "store", "3", "--reason", "dua hilang"], decoder: Self.decoder)
        let own = try await station.kepala.ektpctl(["stock", "confirm-count", "\(try #require(byHead.pendingCount))"])
        #expect(own.status == 1 && own.stderr.contains("sendiri"), "\(own)")
        let other: StockChanged = try await station.secondKepala.json(
            ["stock", "confirm-count", "\(try #require(byHead.pendingCount))"], decoder: Self.decoder)
        #expect(other.entry != nil)
        let first: StockChanged = try await station.kepala.json(["stock", "refuse-count", "\(byOperator)"], decoder: Self.decoder)
        #expect(first.entry == nil)
        #expect(try await station.withClient { try await $0.status() }.blangkoOnHand == 3)
    }
}
