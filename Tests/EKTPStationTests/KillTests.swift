import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPSimulator
import EKTPStationStore
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real daemon, killed with SIGKILL again and again in the middle of a 500-card run
/// on two simulated printers whose physical state survives it, as real printers would.
/// Between kills an operator decides the cards whose outcome is unknown by looking in the
/// printer. At the end: every job printed exactly once, the ledger equal to the printers'
/// own hoppers and counters, the identities and the audit chain intact.
@Suite("ektpd under SIGKILL", .serialized, .daemons)
struct KillTests {
    static let jobs = 500
    static let kills = 50

    @Test(.timeLimit(.minutes(10)))
    func noJobLostNoCardTwiceLedgerExact() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-kill-\(UUID().uuidString.prefix(8))")
        let printerState = root.appendingPathComponent("printers").path
        try FileManager.default.createDirectory(atPath: printerState, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let regions = try RegionData.load()
        let signer = ApprovalSigner.generate(keyId: "kill-test")
        let factory = SyntheticJobs(regions: regions, signer: signer)
        let jobFile = try factory.signedFile(try factory.jobs(count: Self.jobs, kecamatan: "32.16.05", prefix: "K"))
        let uris = ["evolis-primacy-2?serial=KILL-A", "hid-fargo-hdp5000?serial=KILL-B"].map { "sim://\($0)&ms=40&state=\(printerState)" }
        let socket = root.appendingPathComponent("s.sock").path
        let stateDir = root.appendingPathComponent("state").path
        let config = root.appendingPathComponent("ektpd.toml").path
        var file = StationConfigFile(
            kecamatan: "32.16.05", stateDirectory: stateDir, socket: socket, printers: uris, approvalKeys: ["\(signer.keyId):\(signer.publicKeyBase64)"])
        file["station", "poll_milliseconds"] = 20
        file["web", "enabled"] = false
        try file.write(to: config)
        let daemon = try BuiltExecutable.locate("ektpd")
        let catalog = try ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory())

        // First start: stock arrives, printers are loaded, the jobs are imported.
        var process = try Self.start(daemon, config: config)
        try await StationClient.withClient(socketPath: socket) { client in
            try await Self.waitReady(client, process)
            // The operator is this test's PC account; the kecamatan head, who approves
            // reprints, has their own.
            _ = try await client.addWebUser(
                WebUserRequest(name: "op", fullName: "Operator", role: "operator", password: "kata-sandi-op-1", pcAccount: String(getuid())))
            _ = try await client.addWebUser(
                WebUserRequest(name: "kepala", fullName: "Kepala", role: "kepala", password: "kata-sandi-kepala-1", pcAccount: String(Self.kepalaUID)))
            _ = try await client.stock(.receive(quantity: 700, document: "SJ-KILL"))
            for d in try await client.devices() { _ = try await client.stock(.load(device: d.id, quantity: 100)) }
            let result = try await client.importJobs(jobFile)
            #expect(result.stored.count == Self.jobs)
        }
        var killed = 0
        var decided = 0
        while killed < Self.kills {
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...300)))
            kill(process.processIdentifier, SIGKILL)
            try await OneShot.onThread { [process] in process.waitUntilExit() }
            killed += 1
            // The daemon is dead: the operator looks at the printers and decides.
            let store = try StationStore(path: stateDir + "/station.sqlite", key: try DataKeyFile.loadOrCreate(path: stateDir + "/ektpd.key"))
            _ = try store.recoverInterruptedJobs()
            decided += try Self.decide(store, printerState: printerState)
            try await Self.topUp(store, uris: uris, catalog: catalog)
            process = try Self.start(daemon, config: config)
            try await StationClient.withClient(socketPath: socket) { try await Self.waitReady($0, process) }
        }

        // Let the last run finish, deciding as an operator would while it runs.
        let kepala = OfficeAccount(uid: Self.kepalaUID, socket: socket)
        try await StationClient.withClient(socketPath: socket) { client in
            let deadline = Date().addingTimeInterval(240)
            while Date() < deadline {
                let counts = try await client.status().jobs
                if counts[.printed] == Self.jobs { break }
                for job in try await client.jobs(state: .outcomeUnknown) {
                    let used = try await client.job(job.id).blangkoUsed ?? 0
                    let decision = SimulatedPrinter.inspect(job: job.id.rawValue, blangkoCounted: used, stateDirectory: printerState)
                    _ = try await client.recordOutcome(job.id, Self.request(decision))
                }
                for job in try await client.jobs(state: .spoiled) {
                    let _: JobChanged = try await kepala.json(["jobs", "reprint", job.id.rawValue, "--reason", "kartu rusak"], decoder: WireCoding.decoder())
                }
                let inStore = try await client.stockView().places[.store] ?? 0
                for d in try await client.devices() where d.hopperLedger < 40 && inStore > 0 {
                    _ = try await client.stock(.load(device: d.id, quantity: min(d.hopperCapacity - d.hopperLedger, inStore)))
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        process.terminate()
        try await OneShot.onThread { [process] in process.waitUntilExit() }

        let store = try StationStore(path: stateDir + "/station.sqlite", key: try DataKeyFile.loadOrCreate(path: stateDir + "/ektpd.key"))
        #expect(killed >= Self.kills)
        // Invariant 2: no job lost.
        let counts = try store.jobCounts()
        #expect(counts == [.printed: Self.jobs], "\(counts)")
        // Invariant 1: each card came out of a printer exactly once.
        var done: [String: Int] = [:]
        for uri in uris {
            let printer = try SimulatedPrinter(url: URLComponents(string: uri)!, profiles: catalog)
            for e in await printer.events where e.hasPrefix("DONE ") { done[String(e.dropFirst(5)), default: 0] += 1 }
            // Invariant 3: the ledger equals what is physically in the printer.
            let physical = await printer.physicalCounts
            let view = try #require(try store.devices().first { $0.id == printer.info.id })
            #expect(view.hopperLedger == physical.hopper, "\(printer.info.id): ledger \(view.hopperLedger), hopper \(physical.hopper)")
            #expect(
                view.printed + view.spoiled == physical.counter, "\(printer.info.id): ledger used \(view.printed + view.spoiled), counter \(physical.counter)")
        }
        #expect(done.count == Self.jobs)
        #expect(done.values.allSatisfy { $0 == 1 }, "printed twice: \(done.filter { $0.value > 1 })")
        #expect(try store.verifyStock().allSatisfy { $0.holds })
        #expect(try store.verifyAudit().valid)
        // Invariant 4: the outbox sequence has no gap.
        let seqs = try store.outbox(after: 0, limit: 1_000_000).map(\.seq)
        #expect(seqs == Array(1...Int64(seqs.count)))
        print("kill test: \(killed) SIGKILLs, \(decided) outcomes decided while down, \(Self.jobs) cards printed once each")
    }

    // MARK: Operator and process helpers

    static let kepalaUID: UInt32 = 61_002

    static func request(_ d: OutcomeDecision) -> OutcomeRequest {
        switch d {
        case .printed: OutcomeRequest(decision: .printed, cause: nil, reason: "kartu ada di tray keluar")
        case .spoiled(let c): OutcomeRequest(decision: .spoiled, cause: c, reason: "kartu tertahan di printer")
        case .notFed: OutcomeRequest(decision: .notFed, cause: nil, reason: "tidak ada kartu ditarik")
        }
    }

    static func decide(_ store: StationStore, printerState: String) throws -> Int {
        let unknown = try store.jobs(state: .outcomeUnknown, limit: 1000)
        for job in unknown {
            let decision = SimulatedPrinter.inspect(job: job.id.rawValue, blangkoCounted: try store.blangkoUsed(by: job.id), stateDirectory: printerState)
            let r = request(decision)
            _ = try store.decideOutcome(job.id, decision, reason: r.reason, by: "op")
        }
        for job in try store.jobs(state: .spoiled, limit: 1000) {
            _ = try store.reprint(job.id, reason: "kartu rusak", by: "kepala")
        }
        return unknown.count
    }

    static func topUp(_ store: StationStore, uris: [String], catalog: ProfileCatalog) async throws {
        for uri in uris {
            let printer = try SimulatedPrinter(url: URLComponents(string: uri)!, profiles: catalog)
            let inHopper = try store.balances()[.hopper(printer.info.id)] ?? 0
            let inStore = try store.balances()[.store] ?? 0
            let add = min(100 - inHopper, inStore)
            if inHopper < 40, add > 0 {
                _ = try store.load(printer.info.id, add, by: "op")
                await printer.loadCards(add)
            }
        }
    }

    static func start(_ binary: URL, config: String) throws -> Process {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--config", config]
        p.environment = ProcessInfo.processInfo.environment.merging(["EKTP_LOG_LEVEL": "warning"]) { $1 }
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func waitReady(_ client: StationClient, _ process: Process) async throws {
        for _ in 0..<400 {
            if (try? await client.status()) != nil { return }
            guard process.isRunning else { throw StationError(.invalid, "ektpd berhenti saat mulai") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw StationError(.invalid, "ektpd tidak menjawab")
    }
}
