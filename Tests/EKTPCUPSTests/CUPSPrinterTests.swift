import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

/// The CUPS driver against a real cupsd and ippeveprinter (see `CUPSEnvironment`).
@Suite(.serialized)
struct CUPSPrinterTests {
    static let profiles: ProfileCatalog = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try! ProfileCatalog.load(directory: root.appendingPathComponent("drivers/profiles").path)
    }()
    static let pdf = CardPDF.make()

    func open(_ env: CUPSEnvironment, _ extra: String = "") async throws -> any CardPrinter {
        try await DriverRegistry(profiles: Self.profiles).open(env.uri(extra))
    }

    /// Polls `status()` until `done` holds (bounded); returns the last state seen.
    @discardableResult
    func waitForState(_ printer: any CardPrinter, seconds: Double = 30, _ done: (DeviceState) -> Bool) async -> DeviceState {
        let deadline = Date().addingTimeInterval(seconds)
        var state = await printer.status()
        while !done(state), Date() < deadline {
            try? await Task.sleep(for: .milliseconds(100))
            state = await printer.status()
        }
        return state
    }

    func waitFor(seconds: Double = 30, _ done: () -> Bool) async {
        let deadline = Date().addingTimeInterval(seconds)
        while !done(), Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
    }

    // MARK: Printing

    @Test("a card prints through cupsd to the printer and is reported printed")
    func printsThroughCUPS() async throws {
        try await CUPSEnvironment.with { env in
            try env.write("cmd-stderr", "ATTR: marker-levels=37\n")
            #expect(try await CUPSPrinter.queues(server: env.server) == ["card1"])
            let printer = try await open(env, "&profile=hid-fargo-hdp5000")
            #expect(printer.info.id.rawValue.hasPrefix("cups-"))
            #expect(printer.info.hopperCapacity == 100)
            #expect(printer.documentKind == .pdf)
            #expect(await printer.status().status == .ready)

            let outcome = await printer.print(.pdf(Self.pdf), job: try JobID("J-1"))
            #expect(outcome == .printed(counter: nil))
            #expect(env.lines("finished.log").count == 1)
            // The card that reached the printer is our PDF, byte for byte.
            let spooled = try FileManager.default.contentsOfDirectory(atPath: env.path("spool")).filter { $0.hasSuffix(".pdf") }
            #expect(spooled.count == 1)
            if let name = spooled.first {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: env.path("spool/\(name)")))
                #expect(bytes.starts(with: Data("%PDF".utf8)))
            }
            // The ribbon level the printer reported (37 % of a 500-card ribbon).
            let state = await waitForState(printer) { $0.supplies.ribbonRemaining == 185 }
            #expect(state.supplies.ribbonRemaining == 185)
            #expect(state.supplies.ribbonCapacity == 500)
            #expect(state.status == .ready)
            await printer.close()
        }
    }

    @Test("the device id survives reopening and comes from the printer, not the port order")
    func identity() async throws {
        try await CUPSEnvironment.with { env in
            let a = try await open(env)
            let b = try await open(env, "&direct=0")
            #expect(a.info.id == DeviceID(vendor: "cups", serial: a.info.serial))
            #expect(a.info.id == (try await open(env)).info.id)
            // Without asking the printer, the device URI names it.
            #expect(b.info.serial.contains("127.0.0.1_\(env.printerPort)"))
        }
    }

    @Test("an unknown queue cannot be opened")
    func unknownQueue() async throws {
        _ = try await CUPSEnvironment.with { env in
            await #expect(throws: (any Error).self) {
                _ = try await DriverRegistry(profiles: Self.profiles).open("cups://nope?server=\(env.server)")
            }
        }
    }

    // MARK: Queue and server faults

    @Test("a stopped queue is offline and print refuses without queueing a job")
    func stoppedQueue() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env)
            try env.disableQueue()
            let state = await waitForState(printer) { $0.status == .offline }
            #expect(state.status == .offline)
            #expect(state.reasons.contains(.offlineReport))
            let outcome = await printer.print(.pdf(Self.pdf), job: try JobID("J-2"))
            guard case .failedBeforePick = outcome else { Issue.record("expected failedBeforePick, got \(outcome)"); return }
            #expect(try env.activeJobs().isEmpty)
            try env.enableQueue()
            #expect(await waitForState(printer) { $0.status == .ready }.status == .ready)
            #expect(await printer.print(.pdf(Self.pdf), job: try JobID("J-3")) == .printed(counter: nil))
        }
    }

    @Test("a queue rejecting jobs is offline and print refuses")
    func rejectingQueue() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env)
            try env.rejectJobs()
            #expect(await waitForState(printer) { $0.status == .offline }.status == .offline)
            guard case .failedBeforePick = await printer.print(.pdf(Self.pdf), job: try JobID("J-4")) else {
                Issue.record("expected failedBeforePick"); return
            }
            #expect(env.lines("started.log").isEmpty)
        }
    }

    @Test("cupsd stopped: offline, print refuses; cupsd back: ready and prints")
    func cupsdStoppedAndRestarted() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env)
            env.stopCUPS()
            let down = await waitForState(printer) { $0.status == .offline }
            #expect(down.status == .offline)
            #expect(down.reasons == [.offlineReport])
            guard case .failedBeforePick = await printer.print(.pdf(Self.pdf), job: try JobID("J-5")) else {
                Issue.record("expected failedBeforePick"); return
            }
            try env.startCUPS()
            #expect(await waitForState(printer) { $0.status == .ready }.status == .ready)
            #expect(await printer.print(.pdf(Self.pdf), job: try JobID("J-6")) == .printed(counter: nil))
        }
    }

    @Test("a printer that is switched off is offline and print refuses")
    func printerOffline() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env)
            env.killPrinter()
            let state = await waitForState(printer) { $0.status == .offline }
            #expect(state.status == .offline)
            #expect(state.reasons.contains(.offlineReport))
            guard case .failedBeforePick = await printer.print(.pdf(Self.pdf), job: try JobID("J-7")) else {
                Issue.record("expected failedBeforePick"); return
            }
            #expect(try env.activeJobs().isEmpty)
            try env.startPrinter()
            #expect(await waitForState(printer) { $0.status == .ready }.status == .ready)
        }
    }

    // MARK: Printer faults

    @Test("an empty hopper (media-empty from the printer's form) is an error and print refuses")
    func mediaEmpty() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env)
            try env.setMediaLevel(0)
            let state = await waitForState(printer) { $0.reasons.contains(.mediaEmpty) }
            #expect(state.status == .error)
            #expect(state.reasons.contains(.mediaEmpty))
            guard case .failedBeforePick(let reason, _) = await printer.print(.pdf(Self.pdf), job: try JobID("J-8")) else {
                Issue.record("expected failedBeforePick"); return
            }
            #expect(reason.contains("hopper kosong"))
            #expect(env.lines("started.log").isEmpty)
        }
    }

    @Test("an empty supply (the printer's supplies form) is ribbon out")
    func suppliesEmpty() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env)
            try env.setSupplies(0)
            let state = await waitForState(printer) { $0.reasons.contains(.markerSupplyEmpty) }
            #expect(state.status == .error)
            #expect(state.reasons.contains(.markerSupplyEmpty))
            guard case .failedBeforePick = await printer.print(.pdf(Self.pdf), job: try JobID("J-9")) else {
                Issue.record("expected failedBeforePick"); return
            }
        }
    }

    @Test(
        "a fault the printer reports while printing: the card is not printed, the state shows it, the next print refuses",
        arguments: [("media-jam", StateReason.mediaJam), ("marker-supply-empty", .markerSupplyEmpty), ("cover-open", .coverOpen)])
    func faultWhilePrinting(keyword: String, reason: StateReason) async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env, "&timeout=30")
            try env.write("cmd-stderr", "STATE: +\(keyword)-error\n")
            try env.write("cmd-exit", "1\n")
            let outcome = await printer.print(.pdf(Self.pdf), job: try JobID("J-10"))
            // The card went into the printer and the job failed there: not printed, and
            // not "nothing happened" either.
            guard case .unknown = outcome else { Issue.record("expected unknown, got \(outcome)"); return }
            let state = await waitForState(printer) { $0.reasons.contains(reason) }
            #expect(state.reasons.contains(reason))
            #expect(state.status == .error)
            let before = env.lines("started.log").count
            guard case .failedBeforePick = await printer.print(.pdf(Self.pdf), job: try JobID("J-11")) else {
                Issue.record("expected failedBeforePick"); return
            }
            #expect(env.lines("started.log").count == before)
        }
    }

    // MARK: Mid-job failures

    @Test("the printer disappears mid-job: outcome unknown, never printed")
    func printerDisappearsMidJob() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env, "&timeout=15")
            try env.write("cmd-sleep", "5\n")
            let job = Task { await printer.print(.pdf(Self.pdf), job: try JobID("J-12")) }
            await waitFor { env.lines("started.log").count == 1 }
            #expect(env.lines("started.log").count == 1)
            env.killPrinter()
            let outcome = try await job.value
            guard case .unknown = outcome else { Issue.record("expected unknown, got \(outcome)"); return }
            #expect(await waitForState(printer) { $0.status == .offline }.status == .offline)
            // The job is not left to print later unseen.
            #expect(try env.activeJobs().isEmpty)
        }
    }

    @Test("cupsd restarts mid-job: outcome unknown, and the queue comes back ready")
    func cupsdRestartMidJob() async throws {
        try await CUPSEnvironment.with { env in
            let printer = try await open(env, "&timeout=30")
            try env.write("cmd-sleep", "3\n")
            let job = Task { await printer.print(.pdf(Self.pdf), job: try JobID("J-13")) }
            await waitFor { env.lines("started.log").count == 1 }
            env.stopCUPS()
            try env.startCUPS()
            let outcome = try await job.value
            guard case .unknown = outcome else { Issue.record("expected unknown, got \(outcome)"); return }
            Swift.print("cupsd restart mid-job: \(outcome)")
            try env.write("cmd-sleep", "0\n")
            #expect(await waitForState(printer) { $0.status == .ready }.status == .ready)
            #expect(try env.activeJobs().isEmpty)
        }
    }

    // MARK: Benchmark

    @Test("benchmark: driver path against lp, same queue, same PDF (figures printed, not asserted)")
    func benchmark() async throws {
        try await CUPSEnvironment.with { env in
            let cards = Int(ProcessInfo.processInfo.environment["EKTP_CUPS_BENCH_CARDS"] ?? "") ?? 5
            let result = try await CUPSBenchmark.run(server: env.server, queue: env.queue, cards: cards, pdf: Self.pdf, profiles: Self.profiles)
            Swift.print(result)
            Swift.print("driver: \(result.driverSeconds.map { String(format: "%.3f", $0) }), lp: \(result.lpSeconds.map { String(format: "%.3f", $0) })")
            #expect(result.driverSeconds.count == cards)
        }
    }
}

/// The mapping from IPP keywords to the canonical state, without a server.
struct CUPSStateMappingTests {
    @Test func suffixes() {
        #expect(CUPSPrinterState.split("media-empty-error") == (.mediaEmpty, .error))
        #expect(CUPSPrinterState.split("media-low-warning") == (.mediaLow, .warning))
        #expect(CUPSPrinterState.split("media-jam-report") == (.mediaJam, .report))
        #expect(CUPSPrinterState.split("cover-open") == (.coverOpen, .error))
        #expect(CUPSPrinterState.split("offline-report") == (.offlineReport, .error))
        #expect(CUPSPrinterState.split("toner-empty-warning") == (.markerSupplyEmpty, .warning))
    }

    @Test func states() {
        let idle = CUPSPrinterState(printerState: 3, reasons: ["none"])
        #expect(idle.deviceState(ribbonCapacity: 500).status == .ready)
        let low = CUPSPrinterState(printerState: 3, reasons: ["media-low-warning"])
        #expect(low.deviceState(ribbonCapacity: 500).status == .warning)
        let stopped = CUPSPrinterState(printerState: 5, reasons: ["paused"])
        #expect(stopped.deviceState(ribbonCapacity: 500).status == .offline)
        let jammedAndStopped = CUPSPrinterState(printerState: 5, reasons: ["media-jam-report", "paused"])
        let s = jammedAndStopped.deviceState(ribbonCapacity: 500)
        #expect(s.status == .error)
        #expect(s.reasons.first == .mediaJam)
        let busy = CUPSPrinterState(printerState: 4, reasons: ["none"], markerNames: ["Ribbon"], markerLevels: [50], markerTypes: ["ribbon-wax"])
        #expect(busy.deviceState(ribbonCapacity: 500).status == .printing)
        #expect(busy.deviceState(ribbonCapacity: 500).supplies.ribbonRemaining == 250)
        let rejecting = CUPSPrinterState(printerState: 3, reasons: ["none"], acceptingJobs: false)
        #expect(rejecting.deviceState(ribbonCapacity: 500).status == .offline)
    }
}
