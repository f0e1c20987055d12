import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

/// The real Evolis driver against the Evolis emulator, over the in-memory transport.
@Suite struct EvolisEmulatorTests {
    typealias M = TestMaterial

    func rig(hopper: Int = 10, ribbon: Int = 300, counter: Int = 0, faults: [Int: [SimulatedFault]] = [:]) -> (EvolisEmulator, EvolisPrinter) {
        let emulator = EvolisEmulator(
            .init(
                model: "Primacy 2", serial: "PRI777", firmware: "EMU-1", geometry: M.evolis.geometry, hopper: hopper, ribbon: ribbon, counter: counter,
                scheduled: faults))
        let info = DeviceInfo(id: DeviceID(vendor: "evolis", serial: "PRI777"), uri: "test", model: "Primacy 2", serial: "PRI777", hopperCapacity: 100)
        return (emulator, EvolisPrinter(info: info, profile: M.evolis, source: emulator.source, replyTimeout: .seconds(1), pollInterval: .zero))
    }

    @Test func identifies() async throws {
        let (_, driver) = rig()
        let id = try await driver.identify()
        #expect(id == .init(model: "Primacy 2", serial: "PRI777", firmware: "EMU-1"))
    }

    @Test func printsACardByteForByte() async throws {
        let (emulator, driver) = rig(hopper: 3, counter: 41)
        let outcome = await driver.print(.planes(M.planes()), job: M.job)
        #expect(outcome == .printed(counter: 42))

        // The whole conversation, written out by hand (levels 128 = 7 bits a pixel MSB
        // first; k and o are the plane bytes as they are).
        let y = EvolisProtocol.pack((0..<16).map { UInt8($0 * 16) }, bits: 7)
        let m: [UInt8] = Array(repeating: 0xFF, count: 14)  // 0xFE >> 1 = 127: all ones
        let c: [UInt8] = Array(repeating: 0x00, count: 14)
        let status = [M.esc("Rse"), M.esc("Rlr"), M.esc("Rcr"), M.esc("Rco;c")]
        let expected: [[UInt8]] =
            status + [
                M.esc("Ss"), M.esc("Pr;ymcko"), M.esc("Sr"),
                [0x1B] + Array("Db;y;128;".utf8) + y + [0x0D],
                [0x1B] + Array("Db;m;128;".utf8) + m + [0x0D],
                [0x1B] + Array("Db;c;128;".utf8) + c + [0x0D],
                [0x1B] + Array("Db;k;2;".utf8) + [0xAA, 0x55] + [0x0D],
                [0x1B] + Array("Db;o;2;".utf8) + [0xFF, 0xFF] + [0x0D],
                M.esc("Se"), M.esc("Rse"), M.esc("Rco;c"),
            ]
        #expect(await emulator.received == expected)
        #expect(y.count == 14)

        // The printer decoded the same card (7-bit levels keep every even value).
        let cards = await emulator.cards
        #expect(cards.count == 1)
        #expect(cards.first == M.planes())
        #expect(await emulator.hopper == 2)
        #expect(await emulator.counter == 42)
        #expect(await emulator.panels == 5)

        let state = await driver.status()
        #expect(state.status == .ready)
        #expect(state.supplies.cardCounter == 42)
        #expect(state.supplies.ribbonRemaining == 299)
        #expect(state.supplies.ribbonCapacity == 300)
    }

    @Test func packsSevenBitLevels() {
        #expect(EvolisProtocol.pack([0xFF, 0x00, 0x80], bits: 7) == [0xFE, 0x02, 0x00])
        #expect(EvolisProtocol.unpack([0xFE, 0x02, 0x00], bits: 7, count: 3) == [0xFE, 0x00, 0x80])
        let values: [UInt8] = (0..<100).map { UInt8(($0 * 37) % 256) & 0xF8 }
        for bits in [5, 6, 7, 8] {
            #expect(EvolisProtocol.unpack(EvolisProtocol.pack(values, bits: bits), bits: bits, count: values.count) == values)
        }
    }

    @Test func standingCoverOpenRefusesBeforeAnyJobByte() async {
        let (emulator, driver) = rig()
        await emulator.inject(.coverOpen)
        let state = await driver.status()
        #expect(state.status == .error)
        #expect(state.reasons == [.coverOpen])
        #expect(state.vendorDetail == "Evolis: ERR COVER OPEN")
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .failedBeforePick(reason: StateReason.coverOpen.label, counter: 0))
        #expect(await emulator.received.contains(M.esc("Ss")) == false)
        await emulator.inject(.clear)
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .printed(counter: 1))
    }

    @Test func emptyHopperAndRibbonEnd() async {
        let (emulator, driver) = rig(hopper: 0)
        #expect(await driver.status().reasons == [.mediaEmpty])
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .failedBeforePick(reason: StateReason.mediaEmpty.label, counter: 0))
        await emulator.load(1)
        await emulator.inject(.ribbonOut)
        #expect(await driver.status().reasons == [.markerSupplyEmpty])
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .failedBeforePick(reason: StateReason.markerSupplyEmpty.label, counter: 0))
        await emulator.inject(.clear)
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .printed(counter: 1))
        #expect(await driver.status().reasons.contains(.mediaEmpty))
    }

    @Test func faultStrikingAtStartIsRefusalAtSs() async {
        let (emulator, driver) = rig(faults: [1: [.coverOpen]])
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .failedBeforePick(reason: StateReason.coverOpen.label, counter: 0))
        let sent = await emulator.received
        #expect(sent.last == M.esc("Ss"))
        #expect(await emulator.counter == 0)
    }

    @Test func jamSpoilsTheCardAndStaysUntilCleared() async {
        let (emulator, driver) = rig(hopper: 5, counter: 10, faults: [1: [.jam]])
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .spoiled(cause: .gagalCetak, detail: "kartu macet di printer (ERR JAM)", counter: 11))
        let state = await driver.status()
        #expect(state.status == .error)
        #expect(state.reasons == [.mediaJam])
        #expect(await emulator.hopper == 4)
        await emulator.inject(.clear)
        #expect(await driver.status().status == .ready)
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .printed(counter: 12))
    }

    @Test func powerLossMidCardIsUnknownThenBackInService() async {
        let (emulator, driver) = rig(hopper: 5, faults: [1: [.powerLoss]])
        let outcome = await driver.print(.planes(M.planes()), job: M.job)
        guard case .unknown = outcome else {
            Issue.record("expected unknown, got \(outcome)")
            return
        }
        #expect(await driver.status().status == .offline)
        #expect(await emulator.events == ["PICK 1", "LOST 1"])
        await emulator.inject(.clear)
        let back = await driver.status()
        #expect(back.status == .ready)
        #expect(back.supplies.cardCounter == 1)
    }

    @Test func unpluggedMidJobIsUnknownAndReplugIsTheSameDevice() async {
        let (emulator, driver) = rig(hopper: 5)
        #expect(await driver.status().status == .ready)
        // The printer vanishes as the magenta panel arrives.
        let planes = M.planes()
        await emulator.unplug(whenReceiving: EvolisProtocol.job(planes, ribbon: "YMCKO")[4])
        let outcome = await driver.print(.planes(planes), job: M.job)
        if case .unknown = outcome {} else { Issue.record("expected unknown, got \(outcome)") }
        #expect(await driver.status().status == .offline)
        await emulator.plug(true)
        #expect(await driver.status().status == .ready)
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .printed(counter: 1))
    }

    @Test func offlinePrinterAnswersNothing() async {
        let (emulator, driver) = rig()
        await emulator.inject(.offline)
        #expect(await driver.status() == DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "\(TransportError.timeout)"))
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil))
    }

    @Test func outsidePrintMovesTheCounter() async {
        let (emulator, driver) = rig(hopper: 5)
        await emulator.inject(.outsidePrint)
        #expect(await driver.status().supplies.cardCounter == 1)
        #expect(await driver.print(.planes(M.planes()), job: M.job) == .printed(counter: 2))
    }

    @Test func wrongDocumentIsRefused() async {
        let (emulator, driver) = rig()
        guard case .failedBeforePick(_, nil) = await driver.print(.pdf(Data("%PDF".utf8)), job: M.job) else {
            Issue.record("a PDF must be refused before pick")
            return
        }
        #expect(await emulator.received.isEmpty)
    }

    /// `sim+evolis://` through the registry with the repository's own Primacy 2 profile
    /// (full-size panels) and the operator hooks.
    @Test func registryBuildsTheDriverOnTheEmulator() async throws {
        let registry = DriverRegistry(profiles: try M.repositoryCatalog())
        let printer = try await registry.open("sim+evolis://evolis-primacy-2?serial=EVO42&hopper=2&faults=jam@2")
        let device = try #require(printer as? any SimulatedDevice)
        #expect(device.info.id.rawValue == "sim-EVO42")
        let planes = M.planes(width: 1016, height: 648)
        #expect(await device.print(.planes(planes), job: M.job) == .printed(counter: 1))
        guard case .spoiled(_, _, 2) = await device.print(.planes(planes), job: M.job) else {
            Issue.record("second card should jam")
            return
        }
        await device.inject(.clear)
        #expect(await device.status().reasons == [.mediaEmpty])
        await device.loadCards(1)
        #expect(await device.print(.planes(planes), job: M.job) == .printed(counter: 3))
        await device.loadCards(3)
        await device.unloadCards(3)
        #expect(await device.status().reasons == [.mediaEmpty])
        let emulated = try #require(printer as? EmulatedEvolisPrinter)
        #expect(await emulated.emulator.cards.last == planes)
        await device.close()
    }
}
