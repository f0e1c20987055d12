import EKTPClient
import EKTPDomain
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

/// The station's folder on a real small file system (a tmpfs of a few MiB, mounted for the
/// test), filled up and made read-only under a running `ektpd`: the operator reads what
/// happened and what to do, nothing already stored is lost, and printing goes on by itself
/// once the disk is right again. Needs root (mount), as CI has.
@Suite(.serialized, .daemons) struct StorageFaultTests {
    static let canMount = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/mount")

    final class SmallDisk: Sendable {
        let path: String
        init(at path: String, size: String) throws {
            self.path = path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0750", "tmpfs", path])
        }
        /// Writes a file until the disk refuses: the disk is full.
        func fill() throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/isi-penuh", isDirectory: false).creatingIfNeeded())
            defer { try? handle.close() }
            while (try? handle.write(contentsOf: Data(count: 16_384))) != nil {}
        }
        func free() throws { try FileManager.default.removeItem(atPath: path + "/isi-penuh") }
        deinit { _ = try? run("/usr/bin/umount", ["-l", path]) }
    }

    @Test(.timeLimit(.minutes(3)), .enabled(if: canMount))
    func aFullDiskIsToldInWordsAndNothingIsLost() async throws {
        let scratch = try Scratch("disk-full")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=PENUH-1"])
        let disk = try SmallDisk(at: station.stateDirectory, size: "6m")
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        try await station.start()
        defer { station.child.stop() }
        let device = try await station.withClient { client -> DeviceID in
            let device = try #require(try await client.devices().first).id
            _ = try await client.injectFault(device, FaultRequest(fault: "offline"))
            _ = try await client.stock(.receive(quantity: 20, document: "SJ-P"))
            _ = try await client.stock(.load(device: device, quantity: 20))
            _ = try await client.importJobs(try factory.signedFile(try factory.jobs(count: 3, kecamatan: "32.16.01", prefix: "PENUH")))
            return device
        }

        try disk.fill()
        let refused = try await station.withClient { client -> String in
            do {
                _ = try await client.importJobs(try factory.signedFile(try factory.jobs(count: 40, kecamatan: "32.16.01", prefix: "LEBIH")))
                return "diterima"
            } catch let error as StationClientError {
                return "\(error)"
            }
        }
        #expect(refused.contains("disk penuh"), "\(refused)")
        #expect(!refused.contains("SQLite error"), "\(refused)")
        let full = try await station.withClient { try await $0.status() }
        #expect(full.held?.contains("disk penuh") == true, "\(full.held ?? "-")")
        #expect(full.held?.contains("df -h") == true, "the operator is told what to look at")
        #expect(full.jobs[.queued] == 3, "what was stored stays")
        #expect(station.child.isRunning)

        // Room again: the status clears by itself and the cards print.
        try disk.free()
        try await eventually("status tanpa disk penuh", seconds: 20) {
            try await station.withClient { try await $0.status() }.held?.contains("disk penuh") != true
        }
        _ = try await station.withClient { try await $0.injectFault(device, FaultRequest(fault: "clear")) }
        try await eventually("tiga kartu tercetak", seconds: 60) {
            try await station.withClient { try await $0.status() }.jobs[.printed] == 3
        }
        #expect(try await station.withClient { try await $0.devices() }.first?.state.supplies.cardCounter == 3)
        #expect(try await station.withClient { try await $0.verifyAudit() }.valid)
    }

    static let canMakeExt4 =
        canMount && FileManager.default.fileExists(atPath: "/sys/fs/ext4") && FileManager.default.isExecutableFile(atPath: "/sbin/mkfs.ext4")

    /// ext4 on a loop device mounted `errors=remount-ro`, as a station PC's disk is: the
    /// kernel's own error path (`trigger_fs_error`) turns it read-only under the daemon, as a
    /// failing disk does in the field. After fsck and a restart, everything stored is there.
    @Test(.timeLimit(.minutes(3)), .enabled(if: canMakeExt4))
    func aDiskTurnedReadOnlyIsToldInWordsAndNothingIsLost() async throws {
        let scratch = try Scratch("disk-ro")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=RO-1"])
        let image = scratch.path("disk.img")
        try run("/usr/bin/truncate", ["-s", "64M", image])
        try run("/sbin/mkfs.ext4", ["-q", "-F", image])
        let mount = { try run("/usr/bin/mount", ["-o", "loop,errors=remount-ro", image, station.stateDirectory]) }
        try FileManager.default.createDirectory(atPath: station.stateDirectory, withIntermediateDirectories: true)
        try mount()
        defer { _ = try? run("/usr/bin/umount", ["-l", station.stateDirectory]) }
        let factory = SyntheticJobs(regions: try RegionData.load(), signer: approval)
        try await station.start()
        _ = try await station.withClient { try await $0.importJobs(try factory.signedFile(try factory.jobs(count: 2, kecamatan: "32.16.01", prefix: "RO"))) }

        // The disk fails: the kernel turns the file system read-only. (What the journal held
        // is first written home: on this kernel an ext4 abort also drops the journal's
        // committed tail, which no program above the file system can prevent.)
        try run("/usr/bin/sync", ["-f", station.stateDirectory])
        let source = try output("/usr/bin/findmnt", ["-n", "-o", "SOURCE", station.stateDirectory]).trimmingCharacters(in: .whitespacesAndNewlines)
        try "1\n".write(toFile: "/sys/fs/ext4/\((source as NSString).lastPathComponent)/trigger_fs_error", atomically: false, encoding: .utf8)
        let refused = try await station.withClient { client -> String in
            do {
                _ = try await client.stock(.receive(quantity: 5, document: "SJ-RO"))
                return "diterima"
            } catch let error as StationClientError {
                return "\(error)"
            }
        }
        #expect(refused.contains("hanya bisa dibaca") || refused.contains("disk gagal"), "\(refused)")
        #expect(!refused.contains("SQLite error"), "\(refused)")
        let held = try await station.withClient { try await $0.status() }.held ?? "-"
        #expect(held.contains("hanya bisa dibaca") || held.contains("disk gagal"), "\(held)")
        #expect(station.child.isRunning)

        // The technician's repair: stop, fsck, mount again, start.
        station.child.stop()
        try run("/usr/bin/umount", [station.stateDirectory])
        // The loop device detaches after the unmount, not with it: fsck only once it has.
        for _ in 0..<100 where !(try output("/sbin/losetup", ["-j", image])).isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        _ = try? run("/sbin/e2fsck", ["-f", "-y", image])
        try mount()
        let options = try output("/usr/bin/findmnt", ["-n", "-o", "OPTIONS", station.stateDirectory])
        #expect(options.hasPrefix("rw"), "\(options)")
        try await station.start()
        defer { station.child.stop() }
        let status = try await station.withClient { client in
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-RO"))
            return try await client.status()
        }
        #expect(status.jobs[.queued] == 2 && status.blangkoOnHand == 5, "\(status.jobs) \(status.blangkoOnHand)")
        #expect(status.held?.contains("hanya bisa dibaca") != true && status.held?.contains("disk gagal") != true, "\(status.held ?? "-")")
    }
}

@discardableResult
private func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw HarnessError("\(tool) \(arguments.joined(separator: " ")) gagal (\(p.terminationStatus))") }
    return p.terminationStatus
}

private func output(_ tool: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

extension URL {
    fileprivate func creatingIfNeeded() -> URL {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        return self
    }
}
