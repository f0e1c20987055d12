import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

@Suite struct MagicardTests {
    static let info = DeviceInfo(id: DeviceID(vendor: "magicard", serial: "MC1"), uri: "test", model: "t", serial: "MC1", hopperCapacity: 100)

    static func sta(_ state: String, _ tcq: Int, _ dfr: Int = 1000) -> ScriptedTransport.Answer {
        .bytes([0x01] + Array("STA,\(state),TCQ,\(tcq),DFR,\(dfr),MSR,MC1".utf8) + [0x1C, 0x03])
    }

    @Test func frames() {
        #expect(MagicardProtocol.status == Array(repeating: 0x05, count: 64) + [0x01] + Array("REQ,STA".utf8) + [0x1C, 0x03])
        let planes = TestMaterial.planes()
        let job = MagicardProtocol.job(planes, ribbon: "YMCKO")
        let header = Array("IMF,YMCK,SZB16,SZG16,SZR16,SZK2,HGT2,WID8,LC1,OVRON".utf8)
        #expect(
            job == Array(repeating: 0x05, count: 64) + [0x01] + header + [0x1C] + Array(planes.yellow) + Array(planes.magenta) + Array(planes.cyan) + [
                0xAA, 0x55, 0x1C, 0x03,
            ])
        #expect(
            MagicardProtocol.fields([0x01] + Array("STA,READY,TCQ,12,DFR,40,MSR,X9".utf8) + [0x1C, 0x03]) == [
                "STA": "READY", "TCQ": "12", "DFR": "40", "MSR": "X9",
            ])
    }

    @Test func statusMapsFields() async {
        let script = ScriptedTransport([.init(expect: MagicardProtocol.status, answer: Self.sta("COVER OPEN;RIBBON LOW", 12, 500))])
        let driver = MagicardPrinter(info: Self.info, profile: TestMaterial.magicard, source: script, pollInterval: .zero)
        let state = await driver.status()
        #expect(state.status == .error)
        #expect(state.reasons == [.coverOpen, .markerSupplyLow])
        #expect(state.supplies.cardCounter == 12)
        #expect(state.supplies.ribbonRemaining == 100)
    }

    func run(_ after: [ScriptedTransport.Answer]) async -> (PrintOutcome, ScriptedTransport) {
        let planes = TestMaterial.planes()
        var steps: [ScriptedTransport.Step] = [
            .init(expect: MagicardProtocol.status, answer: Self.sta("READY", 20)),
            .init(expect: MagicardProtocol.job(planes, ribbon: "YMCKO"), answer: .none),
        ]
        steps += after.map { .init(expect: MagicardProtocol.status, answer: $0) }
        let script = ScriptedTransport(steps)
        let driver = MagicardPrinter(info: Self.info, profile: TestMaterial.magicard, source: script, pollInterval: .zero)
        return (await driver.print(.planes(planes), job: TestMaterial.job), script)
    }

    @Test func printsWhenTheCounterMoves() async {
        let (outcome, script) = await run([Self.sta("BUSY", 20), Self.sta("READY", 21)])
        #expect(outcome == .printed(counter: 21))
        #expect(await script.mismatches.isEmpty)
        #expect(await script.remaining == 0)
    }

    @Test func jamSpoils() async {
        let (outcome, _) = await run([Self.sta("BUSY", 21), Self.sta("JAM", 21)])
        #expect(outcome == .spoiled(cause: .gagalCetak, detail: "kartu macet di printer (JAM)", counter: 21))
    }

    @Test func emptyHopperBeforeTheCounterMoves() async {
        let (outcome, _) = await run([Self.sta("FEEDER EMPTY", 20)])
        #expect(outcome == .failedBeforePick(reason: StateReason.mediaEmpty.label, counter: 20))
    }

    @Test func vanishedMidCardIsUnknown() async {
        let (outcome, _) = await run([.fail(.disconnected("LIBUSB_ERROR_NO_DEVICE"))])
        guard case .unknown = outcome else {
            Issue.record("expected unknown, got \(outcome)")
            return
        }
    }

    @Test func refusesWhileInError() async {
        let script = ScriptedTransport([.init(expect: MagicardProtocol.status, answer: Self.sta("COVER OPEN", 5))])
        let driver = MagicardPrinter(info: Self.info, profile: TestMaterial.magicard, source: script, pollInterval: .zero)
        #expect(await driver.print(.planes(TestMaterial.planes()), job: TestMaterial.job) == .failedBeforePick(reason: StateReason.coverOpen.label, counter: 5))
    }
}

@Suite struct USBURITests {
    @Test func parses() throws {
        #expect(try USBDrivers.parse("usb://0f49:0e00/PRI0123456") == .init(vendorID: 0x0f49, productID: 0x0e00, serial: "PRI0123456", model: nil))
        #expect(
            try USBDrivers.parse("usb://0c1f/MC%2042?model=magicard-rio-pro-360")
                == .init(vendorID: 0x0c1f, productID: nil, serial: "MC 42", model: "magicard-rio-pro-360"))
        #expect(throws: USBDrivers.Problem.self) { try USBDrivers.parse("usb://0f49:0e00/") }
        #expect(throws: USBDrivers.Problem.self) { try USBDrivers.parse("usb://zz:0e00/S") }
    }

    /// The device is identified by vendor and serial, whatever port it hangs on.
    @Test func opensByProfileWithSerialIdentity() async throws {
        let catalog = try TestMaterial.repositoryCatalog()
        let evolis = try USBDrivers.open(uri: "usb://0f49:0e00/PRI0123456", profiles: catalog)
        #expect(evolis is EvolisPrinter)
        #expect(evolis.info.id.rawValue == "evolis-PRI0123456")
        #expect(evolis.info.model == "Evolis Primacy 2")
        let registry = DriverRegistry(profiles: catalog)
        let magicard = try await registry.open("usb://0c1f:1800/MC0042")
        #expect(magicard is MagicardPrinter)
        #expect(magicard.info.id.rawValue == "magicard-MC0042")
        #expect(throws: USBDrivers.Problem.self) { try USBDrivers.open(uri: "usb://09b0:2400/F1", profiles: catalog) }
    }
}

@Suite("usb:// through the registry")
struct USBRegistryTests {
    /// A product id with letters (0e00) is a USB id, not a URL port: the registry passes the
    /// raw URI to the driver. Nothing is plugged in here, so the printer is offline.
    @Test func evolisProductIdIsNotReadAsAPort() async throws {
        let registry = DriverRegistry(profiles: try ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory()))
        let printer = try await registry.open("usb://0f49:0e00/PRI0123456")
        #expect(printer.info.id.rawValue == "evolis-PRI0123456")
        #expect(printer.info.model == "Evolis Primacy 2")
        #expect(await printer.status().status == .offline)
    }
}
