import EKTPDomain
import EKTPEmulators
import EKTPRendering
import EKTPSimulator
import EKTPSynthetic
import Foundation
import Testing

@testable import EKTPDrivers

/// The real Evolis driver against `EvolisGuideEmulator`, a printer written from the
/// Programming Guide alone (its target cannot import the driver): full-size panels, the
/// guide's reply words and error modes.
@Suite struct EvolisEmulatorTests {
    static let geometry = PanelGeometry(width: 1016, height: 648)
    static let profile = TestMaterial.profile(
        id: "evolis-primacy", protocol: "evolis", vendor: "evolis", vendorID: 0x0f49, productID: 0x0a00, width: 1016, height: 648)
    static let info = DeviceInfo(id: DeviceID(vendor: "evolis", serial: "PRI777"), uri: "test", model: "Primacy", serial: "PRI777", hopperCapacity: 100)

    /// A rendered KTP-el at the Evolis geometry (the renderer's own test card).
    static let rendered: PrintPlanes = {
        let renderer = try! CardRenderer.standard()
        let card = CardRecord(
            provinsi: "JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try! NIK("3216015205900002"), nama: "SITI NURHALIZA",
            tempatLahir: "BEKASI", tanggalLahir: try! CivilDate(year: 1990, month: 5, day: 12), jenisKelamin: .perempuan, golonganDarah: .o,
            alamat: "JL. MERDEKA NO. 17", rt: "003", rw: "011", kelurahanDesa: "SETIA MEKAR", kecamatan: "TAMBUN SELATAN", agama: "ISLAM",
            statusPerkawinan: .kawin, pekerjaan: "KARYAWAN SWASTA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "KAB. BEKASI",
            tanggalTerbit: try! CivilDate(year: 2024, month: 3, day: 4), foto: try! SyntheticPortrait.jpeg(seed: 7),
            tandaTangan: try! SyntheticSignature.png(seed: 7))
        return try! renderer.planes(card, geometry: geometry)
    }()

    func rig(hopper: Int = 10, ribbon: Int = 300, counter: Int = 0) -> (EvolisGuideEmulator, EvolisPrinter) {
        let emulator = EvolisGuideEmulator(
            .init(model: "Evolis Primacy", serial: "PRI777", firmware: "EMU-1", hopper: hopper, ribbonCards: ribbon, counter: counter))
        let driver = EvolisPrinter(info: Self.info, profile: Self.profile, source: EmulatorTransport(emulator), waits: { _ in .seconds(1) })
        return (emulator, driver)
    }

    @Test func identifies() async throws {
        let (_, driver) = rig()
        #expect(try await driver.identify() == .init(model: "Evolis Primacy", serial: "PRI777", firmware: "EMU-1"))
    }

    /// The printer decodes each panel by the guide and the capture's dot order; what it
    /// received must be the rendered card itself: upright, not mirrored, not sheared.
    @Test func aRenderedCardArrivesUprightAndUnsheared() async throws {
        let (emulator, driver) = rig(hopper: 3, counter: 41)
        let planes = Self.rendered
        #expect(await driver.print(.planes(planes), job: TestMaterial.job) == .printed(counter: 42))
        let card = try #require(emulator.cards.first)
        #expect(emulator.cards.count == 1 && !card.rejected && card.ribbon == "ymcko")
        let w = Self.geometry.width
        let h = Self.geometry.height
        let rowBytes = (w + 7) / 8
        for (name, plane) in [("y", planes.yellow), ("m", planes.magenta), ("c", planes.cyan)] {
            let got = try #require(card.panels[name])
            #expect(got.count == w * h)
            let differing = (0..<(w * h)).filter { got[$0] >> 1 != plane[$0] >> 1 }.count
            #expect(differing == 0, "panel \(name): \(differing) dots differ")
        }
        for (name, plane) in [("k", planes.black), ("o", planes.overlay)] {
            let got = try #require(card.panels[name])
            var differing = 0
            for y in 0..<h {
                for x in 0..<w where (plane[y * rowBytes + x / 8] & (0x80 >> UInt8(x % 8)) != 0) != (got[y * w + x] != 0) { differing += 1 }
            }
            #expect(differing == 0, "panel \(name): \(differing) dots differ")
        }
        // The black panel carries ink (the text), so an all-blank comparison cannot pass by luck.
        #expect(card.panels["k"]!.contains { $0 != 0 })
        #expect(emulator.counter == 42 && emulator.hopper == 2)
        // The error mode was given back to the printer after the card.
        #expect(emulator.commandsReceived.first == "Pem;2")
        #expect(emulator.commandsReceived.suffix(2).first == "Pem;0" || emulator.commandsReceived.contains("Pem;0"))
        // The printer's own pictures of what it received, for a person to look at.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-evolis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try emulator.writeImages(of: 0, to: folder)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == [
                "card-0-c.pgm", "card-0-k.pgm", "card-0-m.pgm", "card-0-o.pgm", "card-0-y.pgm",
            ])
    }

    @Test func statusReadsTheSensorsTheSDKReads() async {
        let (emulator, driver) = rig(hopper: 5, ribbon: 120, counter: 9)
        let ready = await driver.status()
        #expect(ready.status == .ready && ready.reasons.isEmpty)
        #expect(ready.supplies.cardCounter == 9 && ready.supplies.ribbonRemaining == 120 && ready.supplies.ribbonCapacity == 300)
        emulator.openCover()
        let open = await driver.status()
        #expect(open.status == .error && open.reasons == [.coverOpen], "\(open)")
        emulator.closeCover()
        emulator.replaceRibbon(cards: 0)
        #expect(await driver.status().reasons == [.markerSupplyEmpty])
    }

    /// Faults the printer answers before any card leaves the feeder: no blangko used.
    @Test func faultsBeforeTheCardUseNoBlangko() async {
        let (emulator, driver) = rig(hopper: 2, counter: 5)
        emulator.openCover()
        #expect(await driver.print(.planes(Self.rendered), job: TestMaterial.job) == .failedBeforePick(reason: StateReason.coverOpen.label, counter: 5))
        emulator.closeCover()
        _ = emulator.unload()
        #expect(await driver.print(.planes(Self.rendered), job: TestMaterial.job) == .failedBeforePick(reason: "hopper kosong", counter: 5))
        emulator.load(1)
        emulator.replaceRibbon(cards: 0)
        #expect(await driver.print(.planes(Self.rendered), job: TestMaterial.job) == .failedBeforePick(reason: StateReason.markerSupplyEmpty.label, counter: 5))
        #expect(emulator.counter == 5 && emulator.hopper == 1 && emulator.cards.isEmpty)
        emulator.replaceRibbon(cards: 300)
        #expect(await driver.print(.planes(Self.rendered), job: TestMaterial.job) == .printed(counter: 6))
    }

    /// Faults that strike a card already fed: a jam spoils it; everything else leaves it for
    /// a person to decide, never printed.
    @Test(arguments: EvolisGuideEmulator.Fault.allCases)
    func aFaultMidCardIsNeverPrinted(fault: EvolisGuideEmulator.Fault) async {
        let (emulator, driver) = rig(hopper: 3, counter: 20)
        emulator.schedule(fault, atCard: 1)
        let outcome = await driver.print(.planes(Self.rendered), job: TestMaterial.job)
        switch fault {
        case .jam:
            #expect(outcome == .spoiled(cause: .gagalCetak, detail: "kartu rusak di printer: kartu macet (CARD JAM)", counter: 21))
            #expect(await driver.status().reasons.contains(.mediaJam))
            emulator.clearJam()
            #expect(await driver.status().status == .ready)
        case .feederEmpty:
            #expect(outcome == .failedBeforePick(reason: "hopper kosong", counter: 20))
            #expect(emulator.hopper == 3)
        default:
            guard case .unknown(let reason) = outcome else {
                Issue.record("\(fault): \(outcome)")
                return
            }
            #expect(reason.contains(fault.reply), "\(reason)")
        }
        #expect(emulator.cards.allSatisfy { $0.fault != nil || fault == .feederEmpty })
    }

    /// Pulled out mid-card: unknown; plugged back: the same printer, in service.
    @Test func unpluggedMidCardIsUnknownAndReplugIsTheSameDevice() async {
        let emulator = EvolisGuideEmulator(.init(serial: "PRI777", hopper: 3, ribbonCards: 300, counter: 0))
        let magenta = Array("Db;m;".utf8)
        let transport = EmulatorTransport(emulator) { bytes in
            if bytes.dropFirst().starts(with: magenta) { emulator.unplugged = true }
        }
        let driver = EvolisPrinter(info: Self.info, profile: Self.profile, source: transport, waits: { _ in .milliseconds(300) })
        let outcome = await driver.print(.planes(Self.rendered), job: TestMaterial.job)
        if case .unknown = outcome {} else { Issue.record("expected unknown, got \(outcome)") }
        #expect(await driver.status().status == .offline)
        emulator.unplugged = false
        // Back on the bus with the half-printed card still inside: the printer says so
        // (`Rlr;p`) until someone takes it out.
        let back = await driver.status()
        #expect(back.status == .error && back.reasons == [.mediaJam], "\(back)")
        emulator.removeCard()
        #expect(await driver.status().status == .ready)
    }

    /// A printer that never answers: the job is not sent and nothing is counted.
    @Test func aSilentPrinterGetsNoJob() async {
        let (emulator, driver) = rig()
        emulator.unplugged = true
        #expect(await driver.status().status == .offline)
        #expect(
            await driver.print(.planes(Self.rendered), job: TestMaterial.job)
                == .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil))
        #expect(emulator.commandsReceived.isEmpty)
    }

    /// Guide p.20: in its power-on mode (`Pem;0`) the printer holds an error and answers
    /// nothing until someone acts; the driver's `Pem;2` makes it answer at once.
    @Test func theErrorModeDecidesWhetherAFaultIsAnsweredOrHeld() {
        let emulator = EvolisGuideEmulator(.init(serial: "P", hopper: 1, ribbonCards: 10, counter: 0))
        emulator.openCover()
        emulator.receive(EvolisProtocol.command("Ss"))
        #expect(emulator.nextReply() == nil, "Pem;0 holds the fault")
        emulator.closeCover()
        #expect(emulator.nextReply().map(EvolisProtocol.text) == "OK")
        emulator.receive(EvolisProtocol.command("Se"))
        _ = emulator.nextReply()
        emulator.receive(EvolisProtocol.hostManagesErrors)
        #expect(emulator.nextReply().map(EvolisProtocol.text) == "OK")
        emulator.openCover()
        emulator.receive(EvolisProtocol.command("Ss"))
        #expect(emulator.nextReply().map(EvolisProtocol.text) == "COVER OPEN")
    }

    /// `sim+evolis://` through the registry with the repository's own Primacy 2 profile and
    /// the operator's hooks.
    @Test func registryBuildsTheDriverOnTheEmulator() async throws {
        let registry = DriverRegistry.withSimulators(profiles: try TestMaterial.repositoryCatalog())
        let printer = try await registry.open("sim+evolis://evolis-primacy-2?serial=EVO42&hopper=2&faults=jam@2")
        let device = try #require(printer as? any SimulatedDevice)
        #expect(device.info.id.rawValue == "sim-EVO42")
        let planes = Self.rendered
        #expect(await device.print(.planes(planes), job: TestMaterial.job) == .printed(counter: 1))
        guard case .spoiled(_, _, 2) = await device.print(.planes(planes), job: TestMaterial.job) else {
            Issue.record("the second card should jam")
            return
        }
        await device.inject(.clear)
        #expect(await device.status().status == .ready)
        #expect(await device.print(.planes(planes), job: TestMaterial.job) == .failedBeforePick(reason: "hopper kosong", counter: 2))
        await device.loadCards(1)
        #expect(await device.print(.planes(planes), job: TestMaterial.job) == .printed(counter: 3))
        await device.inject(.outsidePrint)
        #expect(await device.status().supplies.cardCounter == 3, "outside-print needs a card in the hopper")
        await device.loadCards(2)
        await device.inject(.outsidePrint)
        #expect(await device.status().supplies.cardCounter == 4)
        await device.close()
    }
}
