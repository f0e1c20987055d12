import EKTPClient
import EKTPDomain
import EKTPStationStore
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The real ektpd encoding chips as an office would run it: an emulated Evolis printer
/// (written from the vendor's guide) whose contactless station puts a test chip in a real
/// pcscd's vpcd reader while a card waits there, the reference personalisation module, and
/// the operator's commands over the local API. What each chip holds at the end comes from
/// the chip program's own record, not from ektpd.
@Suite("ektpd encodes chips", .serialized, .daemons)
struct ChipPrintingTests {
    static let device = DeviceID(vendor: "sim", serial: "ENC-A")

    /// A station with one encoding printer and its own PC/SC stack.
    final class Office {
        let root: URL
        let stack: SmartCardStack
        let socket: String
        let stateDir: String
        let config: String
        let signer = ApprovalSigner.generate(keyId: "chip-test")
        let metricsPort: Int
        var process: Process?

        init(module: Bool = true) async throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-chip-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            stack = try await SmartCardStack.start(in: root.appendingPathComponent("pcsc"))
            socket = root.appendingPathComponent("s.sock").path
            stateDir = root.appendingPathComponent("state").path
            config = root.appendingPathComponent("ektpd.toml").path
            let printer = "sim+evolis://evolis-primacy-2?serial=ENC-A&hopper=30&ms=20&chipfield=\(stack.controlPath)"
            var file = StationConfigFile(
                kecamatan: "32.16.05", stateDirectory: stateDir, socket: socket, printers: [printer],
                approvalKeys: ["\(signer.keyId):\(signer.publicKeyBase64)"])
            file["station", "poll_milliseconds"] = 20
            file["web", "enabled"] = false
            metricsPort = try LoopbackPort.free()
            file["metrics", "listen"] = .string("127.0.0.1:\(metricsPort)")
            if module { file["chip", "module"] = .strings(["/usr/bin/python3", SmartCardStack.script("ektp-test-module")]) }
            file["chip", "encoders"] = .strings(["\(ChipPrintingTests.device)=\(stack.readerName)"])
            file["chip", "step_seconds"] = 5
            file["chip", "card_wait_seconds"] = 3
            file["chip", "rest_seconds"] = 0
            try file.write(to: config)
        }

        func start() async throws {
            let p = Process()
            p.executableURL = try BuiltExecutable.locate("ektpd")
            p.arguments = ["--config", config]
            p.environment = ProcessInfo.processInfo.environment.merging(stack.environment) { $1 }.merging(["EKTP_LOG_LEVEL": "warning"]) { $1 }
            p.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try p.run()
            process = p
            try await StationClient.withClient(socketPath: socket) { client in
                for _ in 0..<400 {
                    if (try? await client.status()) != nil { return }
                    guard p.isRunning else { throw HarnessError("ektpd berhenti saat mulai") }
                    try await Task.sleep(for: .milliseconds(25))
                }
                throw HarnessError("ektpd tidak menjawab")
            }
        }

        /// The operator on this PC account, 30 blangko received and loaded, `count` jobs in.
        func prepare(jobs count: Int) async throws -> [PrintJob] {
            let factory = SyntheticJobs(regions: try RegionData.load(), signer: signer)
            let jobs = try factory.jobs(count: count, kecamatan: "32.16.05", prefix: "CHIP", urgentEvery: 1000)
            try await client { client in
                _ = try await client.addWebUser(
                    WebUserRequest(name: "op", fullName: "Operator", role: "operator", password: "kata-sandi-op-1", pcAccount: String(getuid())))
                _ = try await client.stock(.receive(quantity: 30, document: "SJ-CHIP"))
                _ = try await client.stock(.load(device: ChipPrintingTests.device, quantity: 30))
                #expect(try await client.importJobs(try factory.signedFile(jobs)).stored.count == count)
            }
            return jobs
        }

        func client<T: Sendable>(_ body: (StationClient) async throws -> T) async throws -> T {
            try await StationClient.withClient(socketPath: socket, body)
        }

        func kill9() {
            guard let process else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            process?.terminate()
            process?.waitUntilExit()
            stack.stop()
            try? FileManager.default.removeItem(at: root)
        }

        func store() throws -> StationStore {
            try StationStore(path: stateDir + "/station.sqlite", key: try DataKeyFile.loadOrCreate(path: stateDir + "/ektpd.key"))
        }
    }

    static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02X", $0) }.joined() }

    @Test(.enabled(if: SmartCardStack.available), .timeLimit(.minutes(3)))
    func eachCardIsEncodedVerifiedThenPrintedAndEveryOtherEndIsAccounted() async throws {
        let office = try await Office()
        defer { office.stop() }
        // The blangko as they come: good, one whose chip refuses the write, one of another
        // kind (no KTP-el applet), then good ones.
        try office.stack.command("mode ok")
        try office.stack.command("mode refuse-write")
        try office.stack.command("mode foreign")
        try await office.start()
        let jobs = try await office.prepare(jobs: 4)

        let view = try await office.client { client in
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                let counts = try await client.status().jobs
                if counts[.printed] == 3, counts[.spoiled] == 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return try #require(try await client.devices().first { $0.id == Self.device })
        }
        // Five cards fed: three printed, one spoiled gagal-encode, one back to the store whole.
        #expect(view.printed == 3)
        #expect(view.spoiled == 1)
        #expect(view.hopperLedger == 25)
        #expect(view.chip == ChipCounts(verified: 3, refused: 1, failed: 1, interrupted: 0), "\(String(describing: view.chip))")
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(office.metricsPort)/metrics")!)
        let text = String(decoding: metrics, as: UTF8.self)
        for (result, n) in [("verified", 3), ("refused", 1), ("failed", 1), ("interrupted", 0)] {
            #expect(text.contains("ektp_station_chip_encodings_total{device=\"\(Self.device)\",result=\"\(result)\"} \(n)"), "\(result)")
        }
        office.process?.terminate()
        office.process?.waitUntilExit()

        let store = try office.store()
        #expect(try store.jobCounts() == [.printed: 3, .spoiled: 1])
        #expect(try store.balances()[.store] == 1, "the card returned whole is back in the store")
        let spoiled = try store.spoiledByPlaceAndCause()
        #expect(spoiled.count == 1 && spoiled[0].cause == .gagalEncode && spoiled[0].quantity == 1, "\(spoiled)")
        #expect(try store.verifyStock().allSatisfy { $0.holds })

        // The chips, as the chip program recorded them when each left the field.
        let chips = office.stack.chips()
        #expect(chips.map(\.mode) == ["ok", "refuse-write", "foreign", "ok", "ok"])
        let written = chips.filter(\.written)
        #expect(written.count == 3)
        let printed = Set(try store.jobs(state: .printed, limit: 10).map(\.id))
        for job in jobs where printed.contains(job.id) {
            let mine = written.filter { $0.data.hasSuffix(Self.hex(job.card.nik.digits)) }
            #expect(mine.count == 1, "job \(job.id): \(mine.count) chips carry its NIK")
            #expect(mine.first?.data.count == 64 + 32, "content hash then NIK")
        }
    }

    @Test(.enabled(if: SmartCardStack.available), .timeLimit(.minutes(2)))
    func withoutAModuleTheJobsWaitAndNoBlangkoIsFed() async throws {
        let office = try await Office(module: false)
        defer { office.stop() }
        try await office.start()
        _ = try await office.prepare(jobs: 2)
        try await Task.sleep(for: .seconds(2))
        let view = try await office.client { try #require(try await $0.devices().first { $0.id == Self.device }) }
        #expect(view.state.status == .error)
        #expect(view.state.reasons.contains(.chipEncoderNotReady))
        #expect(view.state.vendorDetail?.contains("chip.module") == true, "\(String(describing: view.state.vendorDetail))")
        #expect(view.hopperLedger == 30)
        #expect(try await office.client { try await $0.status().jobs } == [.queued: 2])
        #expect(office.stack.chips().isEmpty)
        #expect(try office.stack.command("status") == "empty")
    }

    @Test(.enabled(if: SmartCardStack.available), .timeLimit(.minutes(2)))
    func aDaemonKilledMidWriteLeavesTheOutcomeToAPerson() async throws {
        let office = try await Office()
        defer { office.stop() }
        try office.stack.command("mode slow-write")
        try await office.start()
        _ = try await office.prepare(jobs: 1)
        // The chip is in the field and its write under way (the slow chip takes 30 s).
        for _ in 0..<200 where (try? office.stack.command("status")) != "in-field" { try await Task.sleep(for: .milliseconds(25)) }
        try await Task.sleep(for: .seconds(2))
        #expect(try await office.client { try await $0.status().jobs } == [.printing: 1])
        office.kill9()
        try await office.start()
        let (counts, alerts) = try await office.client { client in (try await client.status().jobs, try await client.alerts()) }
        #expect(counts == [.outcomeUnknown: 1])
        #expect(alerts.contains { $0.alert.kind == .outcomeUnknown })
    }
}
