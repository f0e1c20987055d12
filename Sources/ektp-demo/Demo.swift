import ArgumentParser
import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPSynthetic
import EKTPWire
import Foundation

/// The demo: a station with three simulated printers (one takes print planes like an
/// Evolis, one takes PDF like a Fargo behind CUPS, one is the real Evolis USB driver on
/// the Evolis emulator) prints synthetic signed jobs through the real daemon, with faults
/// on the way, and ends with the ledger checked.
@main
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ektp-demo",
        abstract: "Demo stasiun: ektpd mencetak job sintetis di tiga printer simulasi, dengan gangguan, lalu ringkasan.")

    @Option(help: "Jumlah job.") var jobs = 40
    @Option(help: "Folder hasil (dikosongkan dulu).") var output = "demo-output"
    @Option(help: "Kode kecamatan (Kabupaten Bekasi: 32.16.01–32.16.23).") var kecamatan = "32.16.01"
    @Option(help: "Waktu cetak per kartu di printer simulasi (ms).") var printMs = 150
    @Option(help: "Batas waktu demo (detik).") var timeout = 300

    func run() async throws {
        let root = URL(fileURLWithPath: output).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        for sub in ["state", "cards", "printers"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        say("Menyiapkan \(jobs) job sintetis untuk kecamatan \(kecamatan)…")
        let regions = try RegionData.load()
        let signer = ApprovalSigner.generate(keyId: "demo-approval")
        let factory = SyntheticJobs(regions: regions, signer: signer)
        let jobList = try factory.jobs(count: jobs, kecamatan: kecamatan, prefix: "DEMO")
        let jobFile = root.appendingPathComponent("jobs.json")
        try factory.signedFile(jobList).write(to: jobFile)

        let socket = root.appendingPathComponent("ektpd.sock").path
        let printerState = root.appendingPathComponent("printers").path
        let cards = root.appendingPathComponent("cards").path
        let evolis =
            "sim://evolis-primacy-2?serial=DEMO-EVO-01&ms=\(printMs)&faults=jam@4,cover-open@9,power-loss@13&state=\(printerState)&output=\(cards)"
        let fargo =
            "sim://hid-fargo-hdp5000?serial=DEMO-HDP-01&ms=\(printMs + 50)&faults=ribbon-out@7,outside-print@11&state=\(printerState)&output=\(cards)"
        // A third printer runs the real Evolis USB driver, byte for byte, against the Evolis
        // emulator: the same escape commands a Primacy 2 receives over USB.
        let emulated = "sim+evolis://evolis-primacy-2?serial=DEMO-EVO-USB&ms=\(printMs)&faults=jam@5"
        let config = """
            [station]
            kecamatan = "\(kecamatan)"
            state_directory = "\(root.appendingPathComponent("state").path)"
            socket = "\(socket)"
            printers = ["\(evolis)", "\(fargo)", "\(emulated)"]
            regions = "\(RegionData.path())"
            poll_milliseconds = 50

            [approval]
            keys = ["\(signer.keyId):\(signer.publicKeyBase64)"]
            """
        let configFile = root.appendingPathComponent("ektpd.toml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)

        let daemon = try startDaemon(config: configFile.path, log: root.appendingPathComponent("ektpd.log").path)
        defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        try await StationClient.withClient(socketPath: socket, userAgent: "ektp-demo") { client in
            try await waitForSocket(client, daemon: daemon)
            try await operate(client, jobFile: jobFile, printerState: printerState)
        }
        daemon.terminate()
        daemon.waitUntilExit()
        say("ektpd berhenti (kode \(daemon.terminationStatus)). Kartu tercetak ada di \(cards), log di \(root.path)/ektpd.log")
    }

    // MARK: The operator's day

    func operate(_ client: StationClient, jobFile: URL, printerState: String) async throws {
        let by = "demo-operator"
        let devices = try await client.devices()
        say("Printer: " + devices.map { "\($0.id) (\($0.model))" }.joined(separator: ", "))
        _ = try await client.stock(
            .receive, StockRequest(quantity: 150, document: "SJ/3216/DEMO/001", serialFirst: "KTP-0000001", serialLast: "KTP-0000150", by: by))
        for d in devices { _ = try await client.stock(.load, StockRequest(quantity: 25, device: d.id, by: by)) }
        say("Blangko: 150 diterima di gudang, 25 dimuat ke tiap printer.")

        let imported = try await client.importJobs(try Data(contentsOf: jobFile))
        say("Impor: \(imported.stored.count) job disimpan (tanda tangan diperiksa), \(imported.duplicates.count) duplikat.")
        // The same file again: every job is a duplicate, nothing prints twice.
        let again = try await client.importJobs(try Data(contentsOf: jobFile))
        say("Impor ulang berkas yang sama: \(again.stored.count) disimpan, \(again.duplicates.count) duplikat diabaikan.")

        var decided = 0
        var reprinted = 0
        var faultSeen: [DeviceID: Date] = [:]
        var lastLine = ""
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while true {
            let status = try await client.status()
            let n = { (s: JobState) in status.jobs[s.rawValue] ?? 0 }
            let line =
                "tercetak \(n(.printed) + n(.handedOver))/\(jobs) · antre \(n(.queued)) · mencetak \(n(.printing)) · rusak \(n(.spoiled)) · perlu keputusan \(n(.outcomeUnknown))"
                + (status.held.map { " · ditahan: \($0)" } ?? "")
            if line != lastLine { say("  " + line); lastLine = line }
            if n(.printed) + n(.handedOver) == jobs { break }
            guard Date() < deadline else { throw ValidationError("demo melewati batas waktu \(timeout) detik") }

            for job in try await client.jobs(state: .outcomeUnknown) {
                // The operator looks in the printer: the simulator's log is what they would see.
                let used = try await client.job(job.id).blangkoUsed ?? 0
                let (decision, cause, why) = inspect(job, blangkoUsed: used, printerState: printerState)
                _ = try await client.recordOutcome(job.id, OutcomeRequest(decision: decision, cause: cause, reason: why, by: by))
                say("  Operator memutuskan \(job.id) (\(job.maskedNIK)): \(decision.rawValue) — \(why)")
                decided += 1
            }
            for job in try await client.jobs(state: .spoiled) {
                _ = try await client.reprint(job.id, ReprintRequest(reason: "kartu rusak, cetak ulang", by: by))
                say("  Cetak ulang \(job.id) dengan alasan tercatat")
                reprinted += 1
            }
            // A printer in error is the operator's to fix: clear the jam, close the cover,
            // change the ribbon, switch it back on.
            for d in try await client.devices() where d.state.status == .error || d.state.status == .offline {
                if let since = faultSeen[d.id], Date().timeIntervalSince(since) > 0.6 {
                    _ = try await client.injectFault(d.id, FaultRequest(fault: "clear"))
                    say("  Operator membereskan \(d.id): \(d.state.reasons.map(\.label).joined(separator: ", "))")
                    faultSeen[d.id] = nil
                } else if faultSeen[d.id] == nil {
                    faultSeen[d.id] = Date()
                }
            }
            for d in try await client.devices() where d.hopperLedger < 3 {
                let room = d.hopperCapacity - d.hopperLedger
                _ = try? await client.stock(.load, StockRequest(quantity: min(room, 10), device: d.id, by: by))
            }
            try await Task.sleep(for: .milliseconds(200))
        }

        // Hand-over: a few cards picked up, a few to PT Pos.
        let printed = try await client.jobs(state: .printed, limit: 6)
        for (i, job) in printed.enumerated() {
            _ = try await client.handover(
                job.id, HandoverRequest(by: by, recipient: i < 3 ? "pemohon sendiri" : nil, posReceipt: i < 3 ? nil : "POS-DEMO-\(i)"))
        }
        // Spoiled cards destroyed under a record with witnesses.
        let stock = try await client.stockView()
        if let spoiled = stock.places["spoiled"], spoiled > 0 {
            _ = try await client.stock(
                .destroy, StockRequest(quantity: spoiled, document: "BA/3216/DEMO/001", witnesses: ["Kasi Pelayanan", "Operator Cetak"], by: "kepala"))
        }
        try await summary(client, decided: decided, reprinted: reprinted, handedOver: printed.count)
    }

    func inspect(_ job: JobSummary, blangkoUsed: Int, printerState: String) -> (OutcomeRequest.Decision, SpoilCause?, String) {
        switch SimulatedPrinter.inspect(job: job.id.rawValue, blangkoCounted: blangkoUsed, stateDirectory: printerState) {
        case .printed: (.printed, nil, "kartu keluar dengan baik")
        case .spoiled(let cause): (.spoiled, cause, "kartu tertahan di printer saat listrik padam")
        case .notFed: (.notFed, nil, "tidak ada kartu yang ditarik")
        }
    }

    func summary(_ client: StationClient, decided: Int, reprinted: Int, handedOver: Int) async throws {
        let status = try await client.status()
        let stock = try await client.stockView()
        let month = CivilDate.today()
        let report = try await client.monthlyReport(month: try ReportMonth(year: month.year, month: month.month))
        let audit = try await client.verifyAudit()
        say("")
        say("══ Ringkasan demo ══")
        say("Kecamatan          : \(status.kecamatanCode) \(status.kecamatanName ?? "")")
        say("Job                : \(status.jobs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        say("Tercetak bulan ini : \(report.printed)")
        say(
            "Rusak              : \(report.spoiledTotal)"
                + (report.spoiled.isEmpty ? "" : " (" + report.spoiled.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        )
        say("Keputusan operator : \(decided) hasil tak diketahui diputuskan, \(reprinted) cetak ulang dengan alasan, \(handedOver) diserahkan")
        say("Dimusnahkan        : \(report.destroyed)")
        say("Stok per tempat    :")
        for (place, q) in stock.places.sorted(by: { $0.key < $1.key }) where !["supplier", "adjustment"].contains(place) {
            say("  \(place.padding(toLength: 28, withPad: " ", startingAt: 0)) \(q)")
        }
        for d in status.devices {
            say(
                "Printer \(d.id): \(d.state.status.label), hopper \(d.hopperLedger)/\(d.hopperCapacity), tercetak \(d.printed), rusak \(d.spoiled), penghitung \(d.state.supplies.cardCounter.map(String.init) ?? "-")"
            )
        }
        say(
            "Laporan bulanan    : awal \(report.opening) + terima \(report.received) − cetak \(report.printed) − rusak \(report.spoiledFromUnused) = akhir \(report.closing) \(report.balances ? "✓" : "✗")"
        )
        say("Identitas buku blangko:")
        for i in stock.identities { say("  \(i.holds ? "✓" : "✗") \(i.name): \(i.lhs) = \(i.rhs)") }
        for a in status.alerts.reversed() { say("Peringatan [\(a.alert.kind.rawValue)]: \(a.alert.message)") }
        say("Audit              : \(audit.message)")
        say("Antrean outbox     : \(status.outboxBacklog) peristiwa menunggu dikirim ke hub")
        guard stock.identities.allSatisfy(\.holds), audit.valid, report.balances else {
            throw ValidationError("identitas buku blangko atau rantai audit TIDAK utuh")
        }
        say("Semua identitas blangko dan rantai audit utuh.")
    }

    // MARK: The daemon

    func startDaemon(config: String, log: String) throws -> Process {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("ektpd")
        guard FileManager.default.isExecutableFile(atPath: exe.path) else { throw ValidationError("ektpd tidak ditemukan di \(exe.path)") }
        let process = Process()
        process.executableURL = exe
        process.arguments = ["--config", config]
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        say("ektpd berjalan (pid \(process.processIdentifier)).")
        return process
    }

    func waitForSocket(_ client: StationClient, daemon: Process) async throws {
        for _ in 0..<200 {
            if (try? await client.status()) != nil { return }
            guard daemon.isRunning else { throw ValidationError("ektpd berhenti saat mulai; lihat log") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ValidationError("ektpd tidak menjawab di soketnya")
    }

    func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
