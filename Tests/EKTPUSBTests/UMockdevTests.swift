import EKTPDomain
import EKTPTestSlots
import Foundation
import Testing

@testable import EKTPDrivers

/// The libusb drivers against printers played by umockdev: `Fixtures/printers.umockdev`
/// describes a fake Evolis (1-3, /dev/bus/usb/001/005) and a fake Magicard (1-4,
/// /dev/bus/usb/001/007) with sysfs attributes and raw descriptors (one printer-class
/// interface 7/1/2, bulk OUT 0x01 and bulk IN 0x82); `Fixtures/*.ioctl` (written by
/// `make-fixtures.py`) check every byte the driver writes and answer it.
///
/// umockdev works by LD_PRELOAD, so libusb must run in a process umockdev-run starts:
/// the parent test re-runs this very test binary under umockdev-run with
/// `EKTP_USB_CHILD=SCENARIO`, which turns `UMockdevChild.scenario` on; the child writes
/// what it saw to `EKTP_USB_RESULT` and the parent checks it.
@Suite(.daemons) struct UMockdevTests {
    static let umockdevRun = "/usr/bin/umockdev-run"

    static func fixture(_ name: String) throws -> String {
        if name.hasSuffix(".ioctl") { return try generated() + "/" + name }
        let url = try #require(Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil))
        return url.path
    }

    /// The ioctl scripts, written once per run by `make-fixtures.py` into a temporary folder.
    static func generated() throws -> String {
        try generatedFolder.get()
    }
    static let generatedFolder: Result<String, any Error> = Result {
        let script = try #require(Bundle.module.url(forResource: "Fixtures/make-fixtures.py", withExtension: nil))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-usb-fixtures-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (status, output) = try runTool("/usr/bin/env", ["python3", script.path, folder.path], environment: ProcessInfo.processInfo.environment)
        guard status == 0 else { throw FixtureError(description: "make-fixtures.py: \(output)") }
        return folder.path
    }
    struct FixtureError: Error, CustomStringConvertible { let description: String }

    /// Runs one child scenario; nil when umockdev is not installed (the test says so).
    static func run(_ scenario: String, devices: String = "printers.umockdev", ioctl: (device: String, file: String)) throws -> [String]? {
        guard FileManager.default.isExecutableFile(atPath: umockdevRun) else {
            Issue.record("umockdev-run is missing: apt-get install umockdev (scripts/install-deps.sh)")
            return nil
        }
        let binary = CommandLine.arguments[0]
        let result = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-usb-\(scenario)-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: result) }
        var env = ProcessInfo.processInfo.environment
        env["EKTP_USB_CHILD"] = scenario
        env["EKTP_USB_RESULT"] = result.path
        let args = [
            "--device", try fixture(devices), "--ioctl", "\(ioctl.device)=\(try fixture(ioctl.file))", "--",
            binary, "--testing-library", "swift-testing", "--filter", "UMockdevChild",
        ]
        let (status, output) = try runTool(umockdevRun, args, environment: env)
        let lines = (try? String(contentsOf: result, encoding: .utf8))?.split(separator: "\n").map(String.init)
        #expect(status == 0, "child under umockdev failed:\n\(output.suffix(4000))")
        #expect(lines != nil, "child wrote no result:\n\(output.suffix(4000))")
        return lines
    }

    @Test func evolisOverLibusb() throws {
        guard let lines = try Self.run("evolis", ioctl: ("/dev/bus/usb/001/005", "evolis.ioctl")) else { return }
        #expect(
            lines == [
                "enumerate 0f49:0a00 bus 1 addr 5 (1-3) serial PRI0123456 Evolis Zenius",
                "identify Evolis Zenius PRI0123456 1.2.3",
                "status ready [] counter 1234 ribbon 250/300",
                "card printed(counter: Optional(1235))",
                "card failedBeforePick(reason: \"tutup printer terbuka\", counter: Optional(1235))",
                "card failedBeforePick(reason: \"hopper kosong\", counter: Optional(1235))",
                "card failedBeforePick(reason: \"ribbon habis atau tidak cocok\", counter: Optional(1235))",
                "card spoiled(cause: EKTPDomain.SpoilCause.gagalCetak, detail: \"kartu rusak di printer: kartu macet (CARD JAM)\", counter: Optional(1236))",
                "status error [media-jam] counter 1236 ribbon 250/300",
                "status ready [] counter 1236 ribbon 250/300",
                "card unknown",
                // Re-enumerated, reopened by serial and answering again. umockdev replays a
                // freshly opened device node from the top of its script, so the replugged
                // printer answers the script's first status (counter 1234).
                "status ready [] counter 1234 ribbon 250/300",
            ])
    }

    /// No serial in sysfs, and control transfers (the string descriptor) cannot be
    /// scripted: the driver finds the printer by asking it (`Rsn`).
    @Test func evolisSerialFromThePrinterItself() throws {
        guard let lines = try Self.run("evolis-no-serial", devices: "evolis-no-serial.umockdev", ioctl: ("/dev/bus/usb/001/005", "evolis-no-serial.ioctl"))
        else { return }
        #expect(
            lines == [
                "enumerate 0f49:0a00 bus 1 addr 5 (1-3) serial - Evolis Zenius",
                "status ready [] counter 1234 ribbon 250/300",
            ])
    }

    /// The script accepts only the exact bytes: a card with other pixels is refused at
    /// the yellow panel (the URB matches nothing), a transfer error mid-job.
    @Test func scriptRefusesOtherBytes() throws {
        guard let lines = try Self.run("evolis-other-card", ioctl: ("/dev/bus/usb/001/005", "evolis.ioctl")) else { return }
        #expect(lines == ["card unknown"])
    }

    @Test func magicardOverLibusb() throws {
        guard let lines = try Self.run("magicard", ioctl: ("/dev/bus/usb/001/007", "magicard.ioctl")) else { return }
        #expect(
            lines == [
                "enumerate 0c1f:4800 bus 1 addr 7 (1-4) serial MC0042 Magicard Enduro",
                "status ready [] counter 500 ribbon 240/300",
                "card printed(counter: Optional(501))",
                "card failedBeforePick(reason: \"hopper kosong (kartu tidak masuk, 11:01)\", counter: Optional(501))",
            ])
    }
}

/// The child half: does nothing unless started by `UMockdevTests` under umockdev-run.
@Suite(.daemons) struct UMockdevChild {
    @Test func scenario() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let scenario = env["EKTP_USB_CHILD"], let resultPath = env["EKTP_USB_RESULT"] else { return }
        var lines: [String] = []
        func describe(_ s: DeviceState) -> String {
            "status \(s.status.rawValue) [\(s.reasons.map(\.rawValue).joined(separator: ","))] counter \(s.supplies.cardCounter.map(String.init) ?? "-") ribbon \(s.supplies.ribbonRemaining.map(String.init) ?? "-")/\(s.supplies.ribbonCapacity.map(String.init) ?? "-")"
        }
        func card(_ o: PrintOutcome) -> String {
            if case .unknown = o { return "card unknown" }
            return "card \(o)"
        }
        func enumerate(_ vendor: Int) {
            for r in USBBus.devices(vendor: vendor) {
                lines.append(
                    String(
                        format: "enumerate %04x:%04x bus %d addr %d (%@) serial %@ %@ %@", r.vendorID, r.productID, r.bus, r.address, r.portPath,
                        r.serial ?? "-", r.manufacturer ?? "-", r.product ?? "-"))
            }
        }
        let job = TestMaterial.job
        switch scenario {
        case "evolis":
            enumerate(0x0f49)
            let info = DeviceInfo(
                id: DeviceID(vendor: "evolis", serial: "PRI0123456"), uri: "usb://0f49:0a00/PRI0123456", model: "t", serial: "PRI0123456", hopperCapacity: 100)
            let source = USBTransportSource(vendorID: 0x0f49, productIDs: [0x0a00], serial: "PRI0123456", serialProbe: USBDrivers.evolisSerial)
            let printer = EvolisPrinter(info: info, profile: TestMaterial.evolisFull, source: source)
            let id = try await printer.identify()
            lines.append("identify \(id.model) \(id.serial) \(id.firmware)")
            lines.append(describe(await printer.status()))
            let guideCard = CardDocument.planes(TestMaterial.guideCard())
            for _ in 0..<5 { lines.append(card(await printer.print(guideCard, job: job))) }
            lines.append(describe(await printer.status()))
            lines.append(describe(await printer.status()))
            lines.append(card(await printer.print(guideCard, job: job)))
            lines.append(describe(await printer.status()))
            await printer.close()
        case "evolis-no-serial":
            enumerate(0x0f49)
            let printer = try USBDrivers.open(uri: "usb://0f49/PRI0123456?model=evolis-full", profiles: TestMaterial.catalog)
            lines.append(describe(await printer.status()))
            await printer.close()
        case "evolis-other-card":
            let printer = try USBDrivers.open(uri: "usb://0f49/PRI0123456?model=evolis-full", profiles: TestMaterial.catalog)
            var other = TestMaterial.guideCard()
            other.yellow = Data(repeating: 0x10, count: other.yellow.count)
            lines.append(card(await printer.print(.planes(other), job: job)))
            await printer.close()
        case "magicard":
            enumerate(0x0c1f)
            let info = DeviceInfo(
                id: DeviceID(vendor: "magicard", serial: "MC0042"), uri: "usb://0c1f/MC0042", model: "t", serial: "MC0042", hopperCapacity: 100)
            let source = USBTransportSource(vendorID: 0x0c1f, productIDs: nil, serial: "MC0042", serialProbe: USBDrivers.magicardSerial)
            // The script's clock (the capture's own TDT), so the header is the script's byte for byte.
            let printer = MagicardPrinter(
                info: info, profile: TestMaterial.magicardFull, source: source, pollInterval: .zero, clock: { Date(timeIntervalSince1970: 0x5362_BAB5) })
            lines.append(describe(await printer.status()))
            let dot = CardDocument.planes(TestMaterial.oneBlackDot(x: 1015, y: 320, width: 1016, height: 642))
            lines.append(card(await printer.print(dot, job: job)))
            lines.append(card(await printer.print(dot, job: job)))
            await printer.close()
        default:
            lines.append("unknown scenario \(scenario)")
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: resultPath, atomically: true, encoding: .utf8)
    }
}
