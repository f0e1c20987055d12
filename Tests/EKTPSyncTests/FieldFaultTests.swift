import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// Faults a kecamatan office really has, made with the real `ektpd` (issue: a second
/// daemon, a lost or replaced key): the second start is refused and says why, and nothing
/// the first holds is touched.
@Suite(.daemons) struct FieldFaultTests {
    /// Runs `ektpd` once more on a station's configuration and returns its exit status and
    /// what it said, waiting at most a minute.
    static func runAgain(_ station: StationUnderTest) throws -> (status: Int32, log: String) {
        let p = Process()
        p.executableURL = station.child.executable
        p.arguments = station.child.arguments
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test(.timeLimit(.minutes(2)))
    func aSecondDaemonOnTheSameFolderIsRefused() async throws {
        let scratch = try Scratch("second-daemon")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "a", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=DUA-1"])
        try await station.start()
        defer { station.child.stop() }
        let pid = try #require(station.child.process?.processIdentifier)
        let second = try Self.runAgain(station)
        #expect(second.status != 0)
        #expect(second.log.contains("ektpd lain (pid \(pid))"), "\(second.log)")
        // The first keeps its socket and answers.
        #expect(FileManager.default.fileExists(atPath: station.socket))
        #expect(try await station.withClient { try await $0.status() }.devices.count == 1)
    }

    @Test(.timeLimit(.minutes(2)))
    func aDamagedDatabaseIsFoundAtStartAndLeftAsItIs() async throws {
        let scratch = try Scratch("damaged")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "a", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=RUSAK-1"])
        try await station.start()
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        _ = try await station.withClient {
            try await $0.importJobs(try factory.signedFile(try factory.jobs(count: 30, kecamatan: "32.16.01", prefix: "RUSAK")))
        }
        station.child.stop()
        // A damaged stretch in the middle of the file (a bad disk sector).
        let database = station.stateDirectory + "/station.sqlite"
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: database))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2 / 4096 * 4096)
        try handle.write(contentsOf: Data(repeating: 0xAB, count: 8192))
        try handle.close()
        let damaged = try FileManager.default.contents(atPath: database)
        let run = try Self.runAgain(station)
        #expect(run.status != 0)
        #expect(run.log.contains("rusak") || run.log.contains("tidak bisa dibuka"), "\(run.log)")
        #expect(run.log.contains("cadangan"), "\(run.log)")
        #expect(FileManager.default.contents(atPath: database) == damaged, "the damaged file is left as it is")
    }

    @Test(.timeLimit(.minutes(2)))
    func aMissingOrReplacedKeyStopsTheStartAndSaysWhichFile() async throws {
        let scratch = try Scratch("lost-key")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "a", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=KEY-1"])
        try await station.start()
        let jobs = try SyntheticJobs(regions: try RegionData.load(), signer: approval).jobs(count: 2, kecamatan: "32.16.01", prefix: "KUNCI")
        let file = try SyntheticJobs(regions: try RegionData.load(), signer: approval).signedFile(jobs)
        _ = try await station.withClient { try await $0.importJobs(file) }
        station.child.stop()

        let keyPath = station.stateDirectory + "/ektpd.key"
        let original = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        try FileManager.default.removeItem(atPath: keyPath)
        let missing = try Self.runAgain(station)
        #expect(missing.status != 0)
        #expect(missing.log.contains(keyPath) && missing.log.contains("tidak ada"), "\(missing.log)")
        #expect(!FileManager.default.fileExists(atPath: keyPath), "no new key was made")

        // Another key in its place: refused, the database untouched.
        let other = open(keyPath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        let bytes = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        #expect(write(other, bytes, 32) == 32)
        close(other)
        let replaced = try Self.runAgain(station)
        #expect(replaced.status != 0)
        #expect(replaced.log.contains("tidak cocok"), "\(replaced.log)")

        // The right key back: the station starts and still holds both jobs, readable.
        try FileManager.default.removeItem(atPath: keyPath)
        #expect(FileManager.default.createFile(atPath: keyPath, contents: original, attributes: [.posixPermissions: 0o600]))
        try await station.start()
        defer { station.child.stop() }
        let detail = try await station.withClient { try await $0.job(jobs[0].id) }
        #expect(detail.summary.id == jobs[0].id)
        #expect(detail.nama == jobs[0].card.nama, "the personal data opens with the right key")
    }
}

/// The wall clock stepped back (a dead CMOS battery, a hand "fix"): ektpd run under
/// libfaketime two days behind. Genuine jobs dated today must wait, never be refused.
@Suite(.daemons) struct ClockStepTests {
    @Test(.timeLimit(.minutes(3)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/faketime")))
    func jobsWaitForTheClockAndTheOperatorIsTold() async throws {
        let scratch = try Scratch("clock")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let hub = try HubUnderTest(scratch: scratch, trusted: [approval])
        try await hub.start()
        defer { Task { await hub.shutdown() } }
        let behind = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=JAM-1"],
            launcher: ["/usr/bin/faketime", "-f", "-2d"])
        try await behind.start()
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let local = try factory.jobs(count: 2, kecamatan: "32.16.01", prefix: "JAM")
        let fromHub = try factory.jobs(count: 1, kecamatan: "32.16.01", prefix: "JAMHUB", seed: 5)
        try await behind.withClient { client in
            // Imported: taken in, with a warning, not refused.
            let imported = try await client.importJobs(try factory.signedFile(local))
            #expect(imported.stored.count == 2, "\(imported)")
            #expect(imported.warnings.contains { $0.contains("jam") }, "\(imported.warnings)")
            _ = try await client.stock(.receive(quantity: 10, document: "SJ-JAM"))
            let device = try #require(try await client.devices().first).id
            _ = try await client.stock(.load(device: device, quantity: 10))
            // From the hub: the same.
            let token = try await hub.admin.enrollmentToken(kecamatan: "32.16.01")
            _ = try await client.enroll(EnrollStationRequest(hubURL: hub.url, token: token))
        }
        _ = try await hub.admin.intake(try factory.signedFile(fromHub))
        try await eventually("job dari hub diterima dan ditahan, jam diperingatkan", seconds: 60) {
            let status = try await behind.withClient { try await $0.status() }
            return status.jobs[.queued] == 3 && (status.held?.contains("jam PC") ?? false) && status.sync?.clockWarning != nil
        }
        let status = try await behind.withClient { try await $0.status() }
        #expect(status.jobs[.rejected] == nil, "no genuine job refused: \(status.jobs)")
        #expect(status.jobs[.printed] == nil)
        #expect(status.sync?.clockWarning?.contains("terlambat") == true, "\(status.sync?.clockWarning ?? "-")")
        behind.child.stop()

        // The clock right again: the same station prints them all.
        let right = Child(try BuiltExecutable.locate("ektpd"), ["--config", behind.config], log: scratch.path("ektpd-right.log"))
        try right.start()
        defer { right.stop() }
        try await eventually("semua tercetak setelah jam benar", seconds: 90) {
            let s = try? await behind.withClient { try await $0.status() }
            return s?.jobs[.printed] == 3
        }
    }
}

/// A database that went back in time (a copy taken before cards printed, put back): the
/// station notices from its own generation record and holds printing, so no card prints a
/// second time until a person has looked.
@Suite(.daemons) struct RollbackTests {
    @Test(.timeLimit(.minutes(3)))
    func aRestoredDatabaseHoldsPrintingUntilAPersonDecides() async throws {
        let scratch = try Scratch("rollback")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=MUNDUR-1"])
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let jobs = try factory.jobs(count: 3, kecamatan: "32.16.01", prefix: "MUNDUR")
        try await station.start()
        let device = try await station.withClient { client -> DeviceID in
            let device = try #require(try await client.devices().first).id
            // The printer is off while the jobs arrive: they wait, blangko loaded.
            _ = try await client.injectFault(device, FaultRequest(fault: "offline"))
            _ = try await client.stock(.receive(quantity: 10, document: "SJ-M"))
            _ = try await client.stock(.load(device: device, quantity: 10))
            _ = try await client.importJobs(try factory.signedFile(jobs))
            return device
        }
        station.child.stop()
        // The backup: the database files as they are now, three jobs queued.
        let database = station.stateDirectory + "/station.sqlite"
        let backup = scratch.path("backup")
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
            try FileManager.default.copyItem(atPath: database + suffix, toPath: backup + "/station.sqlite" + suffix)
        }
        // The cards print.
        try await station.start()
        _ = try await station.withClient { try await $0.injectFault(device, FaultRequest(fault: "clear")) }
        try await eventually("tiga kartu tercetak", seconds: 60) {
            try await station.withClient { try await $0.status() }.jobs[.printed] == 3
        }
        let counter = try await station.withClient { try await $0.devices() }.first?.state.supplies.cardCounter
        #expect(counter == 3)
        station.child.stop()

        // The old copy put back, as a restore from yesterday's backup would.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: backup + "/station.sqlite" + suffix) {
            try FileManager.default.copyItem(atPath: backup + "/station.sqlite" + suffix, toPath: database + suffix)
        }
        try await station.start()
        defer { station.child.stop() }
        try await station.withClient { client in
            let status = try await client.status()
            #expect(status.held?.contains("pencetakan ditahan") == true, "\(status.held ?? "-")")
            #expect(status.alerts.contains { $0.alert.kind == .rollback })
            #expect(status.jobs[.queued] == 3)
            // Given time, nothing prints: the printer's counter stays where the cards left it.
            try await Task.sleep(for: .seconds(2))
            #expect(try await client.devices().first?.state.supplies.cardCounter == 3, "no card printed a second time")
            #expect(try await client.status().jobs[.printed] == nil)
            // The kecamatan head decides, saying what they checked; not the operator.
            await #expect(throws: StationClientError.self) { try await client.releaseHold(ReasonRequest(reason: "tiga kartu ada di tray")) }
            #expect(try await station.kepala.ektpctl(["hold", "release", "--reason", "  "]).status == 2)
            let released: HoldReleased = try await station.kepala.json(
                ["hold", "release", "--reason", "tiga kartu MUNDUR ada di tray; dicatat tercetak lewat jobs outcome"], decoder: WireCoding.decoder())
            #expect(released.generation > 0)
            #expect(try await client.status().held?.contains("pencetakan ditahan") != true)
        }
    }
}

/// The whole state folder put back from a copy (database, key and the generation record
/// alike), so the station's own record cannot tell: the printer's card counter can. It is
/// ahead of the restored ledger, and printing holds until a person has looked.
@Suite(.daemons) struct CounterRollbackTests {
    @Test(.timeLimit(.minutes(3)))
    func aWholeFolderRestoredIsCaughtByThePrinterCounter() async throws {
        let scratch = try Scratch("rollback-counter")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=HITUNG-1"])
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        try await station.start()
        let device = try await station.withClient { client -> DeviceID in
            let device = try #require(try await client.devices().first).id
            _ = try await client.injectFault(device, FaultRequest(fault: "offline"))
            _ = try await client.stock(.receive(quantity: 10, document: "SJ-H"))
            _ = try await client.stock(.load(device: device, quantity: 10))
            _ = try await client.importJobs(try factory.signedFile(try factory.jobs(count: 3, kecamatan: "32.16.01", prefix: "HITUNG")))
            return device
        }
        station.child.stop()
        let backup = scratch.path("cadangan-folder")
        try FileManager.default.copyItem(atPath: station.stateDirectory, toPath: backup)

        try await station.start()
        _ = try await station.withClient { try await $0.injectFault(device, FaultRequest(fault: "clear")) }
        try await eventually("tiga kartu tercetak", seconds: 60) {
            try await station.withClient { try await $0.status() }.jobs[.printed] == 3
        }
        station.child.stop()

        try FileManager.default.removeItem(atPath: station.stateDirectory)
        try FileManager.default.copyItem(atPath: backup, toPath: station.stateDirectory)
        try await station.start()
        defer { station.child.stop() }
        try await eventually("pencetakan ditahan", seconds: 20) {
            try await station.withClient { try await $0.status() }.held?.contains("penghitung kartu printer \(device)") == true
        }
        try await Task.sleep(for: .seconds(2))
        try await station.withClient { client in
            #expect(try await client.devices().first?.state.supplies.cardCounter == 3, "no card printed a second time")
            let status = try await client.status()
            #expect(status.jobs[.queued] == 3 && status.jobs[.printed] == nil)
            #expect(status.alerts.contains { $0.alert.kind == .rollback })
        }
    }
}

/// `ektpctl backup FILE` while ektpd runs: a consistent copy and its key, both 0600.
@Suite(.daemons) struct BackupTests {
    @Test(.timeLimit(.minutes(2)))
    func aBackupWhileRunningIsWholeAndProtected() async throws {
        let scratch = try Scratch("backup")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=CAD-1"])
        try await station.start()
        defer { station.child.stop() }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        let path = scratch.path("cadangan.sqlite")
        let made = try await station.withClient { client -> BackupMade in
            _ = try await client.importJobs(try factory.signedFile(try factory.jobs(count: 4, kecamatan: "32.16.01", prefix: "CAD")))
            return try await client.backup(BackupRequest(path: path))
        }
        #expect(made.jobs == 4 && made.database == path && made.key == path + ".key")
        for file in [path, path + ".key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        #expect(FileManager.default.contents(atPath: path + ".key") == FileManager.default.contents(atPath: station.stateDirectory + "/ektpd.key"))
        let copy = try GRDBReader(path: path)
        let sealed = try await copy.queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM job WHERE sealed IS NOT NULL") }
        let integrity = try await copy.queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(sealed == 4 && integrity == "ok")
        // Never over an existing file.
        await #expect(throws: StationClientError.self) { try await station.withClient { try await $0.backup(BackupRequest(path: path)) } }
    }
}

/// A request too large for the local API gets words, not an empty 413, and changes nothing.
@Suite(.daemons) struct OversizedRequestTests {
    @Test(.timeLimit(.minutes(2)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")))
    func anOversizedRequestIsRefusedWithTheLimit() async throws {
        let scratch = try Scratch("oversized")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=BESAR-1"])
        try await station.start()
        defer { station.child.stop() }
        let body = scratch.path("besar.json")
        try ("{\"reason\": \"" + String(repeating: "x", count: 200_000) + "\"}").write(toFile: body, atomically: true, encoding: .utf8)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = [
            "-s", "-o", scratch.path("answer.json"), "-w", "%{http_code}", "--unix-socket", station.socket, "-H", "Content-Type: application/json",
            "--data-binary", "@\(body)", "http://localhost/v1/hold/release",
        ]
        let out = Pipe()
        curl.standardOutput = out
        try curl.run()
        curl.waitUntilExit()
        let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let answer = (try? String(contentsOfFile: scratch.path("answer.json"), encoding: .utf8)) ?? ""
        #expect(status == "413", "\(status) \(answer)")
        #expect(answer.contains("terlalu besar") && answer.contains("KiB"), "\(answer)")
    }
}
