import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPRendering
import EKTPSimulator
import EKTPStation
import EKTPStationStore
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB
import Logging

/// Station benchmarks, each against a baseline measured in the same run:
/// 1. jobs/s through the pipeline (claim, verify, render, print on a zero-time simulator,
///    record) against the storage floor (the same two durable transactions per job, empty);
/// 2. ektpd start-up time and resident memory, idle, with 0 and 100,000 queued jobs.
enum StationBench {
    static func run(_ args: [String]) async throws {
        let pipelineJobs = Int(ProcessInfo.processInfo.environment["EKTP_BENCH_JOBS"] ?? "") ?? 1000
        let queued = Int(ProcessInfo.processInfo.environment["EKTP_BENCH_QUEUED"] ?? "") ?? 100_000
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-station-bench-\(getpid())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let regions = try RegionData.load()
        let signer = ApprovalSigner.generate(keyId: "bench")
        let factory = SyntheticJobs(regions: regions, signer: signer)
        let clock = ContinuousClock()

        // MARK: 0. Rendering (one core), against CUPS's own filter chain for the same card PDF

        if !args.contains("--skip-render") {
            say("== rendering: kartu per detik, satu inti, dibanding cupsfilter ==")
            _ = try RenderBench.run(cards: 300, cupsCards: 10, output: say)
        }

        // MARK: 1. Pipeline

        say("== pipeline: \(pipelineJobs) kartu, simulator tanpa waktu cetak ==")
        let jobs = try factory.jobs(count: pipelineJobs, kecamatan: "32.16.01", prefix: "B")
        let key = try DataKeyFile.loadOrCreate(path: root.path + "/p.key")
        let store = try StationStore(path: root.path + "/pipeline.sqlite", key: key)
        let intake = JobIntake(store: store, verifier: JobVerifier(trusted: [signer.approvalKey]), kecamatan: "32.16.01", regions: regions)
        // In files under the intake's size limit, as an office would split a large export.
        var fileStart = 0
        while fileStart < jobs.count {
            var fileEnd = jobs.count
            var file = try factory.signedFile(Array(jobs[fileStart..<fileEnd]))
            while file.count > JobIntake.maxFileBytes * 9 / 10 {
                fileEnd = fileStart + max(1, (fileEnd - fileStart) / 2)
                file = try factory.signedFile(Array(jobs[fileStart..<fileEnd]))
            }
            _ = try intake.importFile(file, actor: "bench")
            fileStart = fileEnd
        }
        let profiles = try ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory())
        let printer = try SimulatedPrinter(url: URLComponents(string: "sim://evolis-primacy-2?serial=BENCH&ribbon=1000000")!, profiles: profiles)
        try store.register(printer.info)
        _ = try store.receive(pipelineJobs, document: "SJ-BENCH", serialFirst: nil, serialLast: nil, by: "bench")
        let worker = PrintWorker(
            store: store, printers: PrinterSet([printer]), intake: intake, composer: RenderingComposer(renderer: try CardRenderer.standard()),
            poll: .milliseconds(50),
            retentionDays: 30, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        var printed = 0
        let pipelineTime = try await clock.measure {
            while printed < pipelineJobs {
                let inHopper = try store.balances()[.hopper(printer.info.id)] ?? 0
                let room = min(100 - inHopper, pipelineJobs - printed)
                if room > 0 {
                    _ = try store.load(printer.info.id, room, by: "bench")
                    await printer.loadCards(room)
                }
                let sent = try await worker.printUntilIdle(printer)
                guard sent > 0 else { throw StationError(.invalid, "pipeline berhenti: \(try store.jobCounts())") }
                printed += sent
            }
        }
        let pipelineRate = Double(pipelineJobs) / seconds(pipelineTime)

        // Baseline: two durable write transactions per job (claim, record) doing minimal work.
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let floorDB = try DatabasePool(path: root.path + "/floor.sqlite", configuration: config)
        try await floorDB.write { db in
            try db.execute(sql: "CREATE TABLE t(id INTEGER PRIMARY KEY, state TEXT); CREATE TABLE o(seq INTEGER PRIMARY KEY AUTOINCREMENT, e TEXT)")
            for i in 0..<pipelineJobs { try db.execute(sql: "INSERT INTO t VALUES (?, 'queued')", arguments: [i]) }
        }
        let floorTime = try clock.measure {
            for i in 0..<pipelineJobs {
                for state in ["printing", "printed"] {
                    try floorDB.write { db in
                        try db.execute(sql: "UPDATE t SET state = ? WHERE id = ?", arguments: [state, i])
                        try db.execute(sql: "INSERT INTO o(e) VALUES (?)", arguments: [state])
                    }
                }
            }
        }
        let floorRate = Double(pipelineJobs) / seconds(floorTime)
        say(String(format: "pipeline        : %8.1f kartu/s", pipelineRate))
        say(String(format: "lantai SQLite   : %8.1f job/s (2 transaksi tahan-lama per job, tanpa isi)", floorRate))
        say(String(format: "rasio           : %8.2f (pipeline / lantai)", pipelineRate / floorRate))

        // MARK: 2. Start-up and memory

        func prepare(_ name: String, jobs count: Int) throws -> String {
            let dir = root.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = try StationStore(path: dir + "/station.sqlite", key: try DataKeyFile.loadOrCreate(path: dir + "/ektpd.key"))
            // Queued jobs carry a header-only photo: start-up never reads the sealed blobs, and
            // 100,000 real portraits would make a 2.7 GB database for nothing.
            let tiny = Data([
                0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x90, 0x01, 0x2C, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9,
            ])
            var template = try factory.jobs(count: 1, kecamatan: "32.16.01", prefix: "T")[0]
            template.card.foto = tiny
            template.card.tandaTangan = tiny
            var done = 0
            while done < count {
                let batch = try (done..<min(count, done + 2000)).map { i -> VerifiedJob in
                    var j = template
                    j.id = try JobID(String(format: "Q-%07d", i))
                    return try JobVerifier(trusted: [signer.approvalKey]).verify(bytes: try signer.sign(j))
                }
                _ = try store.store(batch, actor: "bench")
                done += batch.count
                if done % 20000 == 0 { say("  \(name): \(done) job disimpan") }
            }
            return dir
        }

        func measureDaemon(_ dir: String) async throws -> (startup: Double, rssMiB: Double) {
            let socket = dir + "/s.sock"
            let configFile = dir + "/ektpd.toml"
            try StationConfigFile(
                kecamatan: "32.16.01", stateDirectory: dir, socket: socket, printers: ["sim://evolis-primacy-2?serial=IDLE"],
                approvalKeys: ["\(signer.keyId):\(signer.publicKeyBase64)"]
            ).write(to: configFile)
            let exe = URL(fileURLWithPath: args[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ektpd")
            let p = Process()
            p.executableURL = exe
            p.arguments = ["--config", configFile]
            p.environment = ["EKTP_LOG_LEVEL": "error"]
            let start = clock.now
            try p.run()
            defer { p.terminate(); p.waitUntilExit() }
            let startup: Duration = try await StationClient.withClient(socketPath: socket) { client in
                while true {
                    if (try? await client.status()) != nil { return clock.now - start }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await Task.sleep(for: .seconds(2))
            guard let memory = ProcessMemory(pid: p.processIdentifier) else { throw BenchProblem("memori ektpd tidak terbaca dari /proc") }
            return (seconds(startup), memory.rss)
        }

        say("== ektpd: mulai dan memori saat diam ==")
        let empty = try await measureDaemon(try prepare("empty", jobs: 0))
        let fullDir = try prepare("full", jobs: queued)
        let full = try await measureDaemon(fullDir)
        say(String(format: "0 job antre      : mulai %6.3f s, RSS %6.1f MiB", empty.startup, empty.rssMiB))
        say(String(format: "%d job antre : mulai %6.3f s, RSS %6.1f MiB", queued, full.startup, full.rssMiB))
        say(String(format: "rasio %d/0    : mulai %.2f×, RSS %.2f×", queued, full.startup / empty.startup, full.rssMiB / empty.rssMiB))
        try? FileManager.default.removeItem(at: root)
    }
}
