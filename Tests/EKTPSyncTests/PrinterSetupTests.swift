import EKTPClient
import EKTPDomain
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB
import Testing

/// A new or repaired printer at a real `ektpd`: the test card (`ektpctl devices test-print`)
/// and a printer plugged in while the daemon runs (docs/usb.md, "Hot-plug").
@Suite(.daemons) struct PrinterSetupTests {
    /// The test card uses one blangko from the hopper, recorded as spoiled under
    /// `cetak-uji`; a printer that takes no card uses none; a card jammed is spoiled too.
    @Test(.timeLimit(.minutes(2)))
    func testCardIsInTheLedgerUnderItsOwnCause() async throws {
        let scratch = try Scratch("test-print")
        let approval = ApprovalSigner.generate(keyId: "approval")
        let station = try StationUnderTest(
            scratch: scratch, name: "s", kecamatan: "32.16.01", trusted: approval, printers: ["evolis-primacy-2?serial=UJI-1&faults=jam@2"])
        try await station.start()
        defer { station.child.stop() }
        try await station.withClient { client in
            let device = try #require(try await client.devices().first).id
            // Nothing in the hopper: no card, no entry.
            let empty = try await client.testPrint(device)
            #expect(empty.outcome == "failed-before-pick" && empty.ledgerEntry == nil, "\(empty)")
            _ = try await client.stock(.receive(quantity: 5, document: "SJ-UJI"))
            _ = try await client.stock(.load(device: device, quantity: 3))
            let counter = try await client.devices().first?.state.supplies.cardCounter ?? 0
            let printed = try await client.testPrint(device)
            #expect(printed.outcome == "printed" && printed.ledgerEntry != nil, "\(printed)")
            try await eventually("penghitung printer bergerak", seconds: 20) {
                (try await client.devices().first?.state.supplies.cardCounter ?? 0) == counter + 1
            }
            // The printer's second card jams: spoiled, and in the ledger the same way.
            let jammed = try await client.testPrint(device)
            #expect(jammed.outcome == "spoiled" && jammed.ledgerEntry != nil, "\(jammed)")
            _ = try await client.injectFault(device, FaultRequest(fault: "clear"))
            let places = try await client.stockView().places
            #expect(places[.hopper(device)] == 1 && places[.spoiled] == 2 && places[.store] == 2, "\(places)")
        }
        let ledger = try GRDBReader(path: station.stateDirectory + "/station.sqlite")
        let rows = try ledger.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, fromPlace, toPlace, quantity, cause, jobId FROM ledger WHERE cause = 'cetak-uji'")
        }
        #expect(rows.count == 2)
        #expect((rows.first?["fromPlace"] as String?)?.hasPrefix("hopper:") == true && (rows.first?["toPlace"] as String?) == "spoiled")
        #expect((rows.first?["jobId"] as String?) == nil, "a test card is no one's job")
    }

    /// An Evolis on the USB bus (umockdev) that `ektpd.toml` does not name: offered to the
    /// operator, added with one command, driven at once — and after a restart, still there.
    @Test(.timeLimit(.minutes(2)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-run")))
    func aPrinterPluggedInIsOfferedAndAddedWithoutARestart() async throws {
        let scratch = try Scratch("hotplug")
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("EKTPUSBTests/Fixtures")
        let scripts = scratch.path("ioctl")
        try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = ["python3", fixtures.appendingPathComponent("make-fixtures.py").path, scripts]
        try generate.run()
        generate.waitUntilExit()
        #expect(generate.terminationStatus == 0)
        let approval = ApprovalSigner.generate(keyId: "approval")
        let socket = scratch.path("s.sock")
        let config = scratch.path("ektpd.toml")
        var file = StationConfigFile(
            kecamatan: "32.16.01", stateDirectory: scratch.path("state"), socket: socket, approvalKeys: ["\(approval.keyId):\(approval.publicKeyBase64)"])
        file["station", "poll_milliseconds"] = 2000
        file["station", "hotplug_seconds"] = 1
        file["web", "enabled"] = false
        try file.write(to: config)
        func daemon(_ log: String) throws -> Child {
            Child(
                URL(fileURLWithPath: "/usr/bin/umockdev-run"),
                [
                    "--device", fixtures.appendingPathComponent("printers.umockdev").path,
                    "--ioctl", "/dev/bus/usb/001/005=\(scripts)/evolis-idle.ioctl", "--", try BuiltExecutable.locate("ektpd").path, "--config", config,
                ], log: scratch.path(log), wraps: true)
        }
        func withClient<T: Sendable>(_ body: (StationClient) async throws -> T) async throws -> T {
            try await StationClient.withClient(socketPath: socket, timeout: .seconds(30), userAgent: "ektp-test", body)
        }
        let first = try daemon("ektpd-1.log")
        try first.start()
        defer { first.stop() }
        try await eventually("ektpd menjawab", seconds: 30) { (try? await withClient { try await $0.status() }) != nil }
        #expect(try await withClient { try await $0.devices() }.isEmpty)
        // Offered: the Evolis the profiles can drive (any Evolis with a printer interface).
        var offered: [OfferedPrinterView] = []
        try await eventually("printer ditawarkan", seconds: 20) {
            offered = try await withClient { try await $0.offeredPrinters() }
            return !offered.isEmpty
        }
        // Both printers on the bus are offered; the Evolis is added.
        #expect(Set(offered.map(\.id.rawValue)) == ["evolis-PRI0123456", "magicard-MC0042"], "\(offered)")
        let offer = try #require(offered.first { $0.id.rawValue == "evolis-PRI0123456" })
        #expect(offer.serial == "PRI0123456" && offer.port == "1-3" && offer.uri == "usb://0f49:0a00/PRI0123456?model=evolis-zenius", "\(offer)")
        #expect(try await withClient { try await $0.status() }.alerts.contains { $0.alert.kind == .printerFound }, "the operator is told")
        // Added: driven at once, its state read from the printer itself.
        let added = try await withClient { try await $0.addPrinter(AddPrinterRequest(printer: offer.id.rawValue)) }
        #expect(added.id == offer.id)
        try await eventually("printer siap", seconds: 20) {
            try await withClient { try await $0.devices() }.first { $0.id == offer.id }?.state.status == .ready
        }
        #expect(try await withClient { try await $0.offeredPrinters() }.map(\.id.rawValue) == ["magicard-MC0042"])
        // Refused twice: it is already driven.
        await #expect(throws: StationClientError.self) { try await withClient { try await $0.addPrinter(AddPrinterRequest(printer: offer.id.rawValue)) } }
        // A restart keeps it, without ektpd.toml naming it.
        first.stop()
        let second = try daemon("ektpd-2.log")
        try second.start()
        defer { second.stop() }
        try await eventually("ektpd menjawab lagi", seconds: 30) { (try? await withClient { try await $0.status() }) != nil }
        #expect(try await withClient { try await $0.devices() }.map(\.id) == [offer.id])
    }
}
