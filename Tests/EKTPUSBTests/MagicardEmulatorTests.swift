import EKTPDomain
import EKTPEmulators
import EKTPRendering
import EKTPSimulator
import EKTPSynthetic
import Foundation
import Testing

@testable import EKTPDrivers

/// The real Magicard driver against `MagicardGuideEmulator`, a printer written from
/// Magicard's file-format document and its filter's capture alone (it cannot import the
/// driver): the vendor grammar parsed by its own parser, planes decoded by its own decoder.
@Suite struct MagicardEmulatorTests {
    static let geometry = PanelGeometry(width: 1016, height: 642)
    static let profile = TestMaterial.profile(
        id: "magicard-enduro", protocol: "magicard", vendor: "magicard", vendorID: 0x0c1f, productID: nil, width: 1016, height: 642)
    static let info = DeviceInfo(id: DeviceID(vendor: "magicard", serial: "MC0042"), uri: "test", model: "Enduro", serial: "MC0042", hopperCapacity: 100)

    static let rendered: PrintPlanes = {
        let renderer = try! CardRenderer.standard()
        let card = CardRecord(
            provinsi: "JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try! NIK("3216011205900001"), nama: "BUDI SANTOSO",
            tempatLahir: "BEKASI", tanggalLahir: try! CivilDate(year: 1990, month: 5, day: 12), jenisKelamin: .lakiLaki, golonganDarah: .a,
            alamat: "JL. MELATI NO. 3", rt: "001", rw: "002", kelurahanDesa: "BABELAN KOTA", kecamatan: "BABELAN", agama: "ISLAM",
            statusPerkawinan: .belumKawin, pekerjaan: "PELAJAR/MAHASISWA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "KAB. BEKASI",
            tanggalTerbit: try! CivilDate(year: 2024, month: 3, day: 4), foto: try! SyntheticPortrait.jpeg(seed: 11),
            tandaTangan: try! SyntheticSignature.png(seed: 11))
        return try! renderer.planes(card, geometry: geometry)
    }()

    func rig(hopper: Int = 10, total: Int = 500) -> (MagicardGuideEmulator, MagicardPrinter) {
        let emulator = MagicardGuideEmulator(.init(serial: "MC0042", hopper: hopper, totalCards: total))
        let driver = MagicardPrinter(
            info: Self.info, profile: Self.profile, source: EmulatorTransport(emulator), replyTimeout: .seconds(1), pollInterval: .milliseconds(5))
        return (emulator, driver)
    }

    /// What the printer decoded is the rendered card: every plane, upright.
    @Test func aRenderedCardArrivesAsRendered() async throws {
        let (emulator, driver) = rig(hopper: 2, total: 500)
        let planes = Self.rendered
        #expect(await driver.print(.planes(planes), job: TestMaterial.job) == .printed(counter: 501))
        #expect(emulator.framingErrors.isEmpty, "\(emulator.framingErrors)")
        let card = try #require(emulator.cards.first)
        #expect(card.width == 1016 && card.height == 642)
        let w = Self.geometry.width
        let h = Self.geometry.height
        for (letter, plane) in [("B", planes.yellow), ("G", planes.magenta), ("R", planes.cyan)] {
            let got = try #require(card.planes[letter], "plane \(letter)")
            let differing = (0..<(w * h)).filter { got[$0] >> 2 != plane[$0] >> 2 }.count
            #expect(differing == 0, "plane \(letter): \(differing) dots differ")
        }
        let black = try #require(card.planes["K"])
        let rowBytes = (w + 7) / 8
        var differing = 0
        for y in 0..<h {
            for x in 0..<w where (planes.black[y * rowBytes + x / 8] & (0x80 >> UInt8(x % 8)) != 0) != (black[y * w + x] != 0) { differing += 1 }
        }
        #expect(differing == 0, "plane K: \(differing) dots differ")
        #expect(black.contains { $0 != 0 })
        let header = Dictionary(card.header.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(header["IMF"] == "BGRK" && header["LC1"] == "" && header["OVR"] == "ON" && header["WID"] == "1016", "\(card.header)")
        #expect(emulator.hopper == 1 && emulator.totalCards == 501)
        let state = await driver.status()
        #expect(state.status == .ready && state.supplies.cardCounter == 501)
    }

    @Test func anEmptyHopperIsCardNotFedAndUsesNoBlangko() async {
        let (emulator, driver) = rig(hopper: 0, total: 7)
        let outcome = await driver.print(.planes(Self.rendered), job: TestMaterial.job)
        #expect(outcome == .failedBeforePick(reason: "hopper kosong (kartu tidak masuk, 11:01)", counter: 7), "\(outcome)")
        #expect(await driver.status().reasons == [.mediaEmpty])
        emulator.load(1)
        #expect(await driver.status().status == .ready)
        #expect(await driver.print(.planes(Self.rendered), job: TestMaterial.job) == .printed(counter: 8))
    }

    /// Codes Magicard does not publish are never read as printed, nor as a known fault.
    @Test(arguments: [MagicardGuideEmulator.Fault.jam, .ribbonOut, .coverOpen])
    func anUnpublishedErrorCodeLeavesTheCardUnknown(fault: MagicardGuideEmulator.Fault) async {
        let (emulator, driver) = rig(hopper: 3, total: 40)
        emulator.schedule(fault, atCard: 1)
        guard case .unknown = await driver.print(.planes(Self.rendered), job: TestMaterial.job) else {
            Issue.record("\(fault) must leave the card unknown")
            return
        }
        let stopped = await driver.status()
        #expect(stopped.status == .error, "\(stopped)")
        #expect(await driver.print(.planes(Self.rendered), job: TestMaterial.job) == .failedBeforePick(reason: stopped.vendorDetail ?? "", counter: 40))
        emulator.closeCover()
        emulator.clearError()
        #expect(await driver.status().status == .ready)
    }

    @Test func unpluggedAfterTheJobIsUnknown() async {
        let emulator = MagicardGuideEmulator(.init(serial: "MC0042", hopper: 3, totalCards: 0))
        let transport = EmulatorTransport(emulator) { bytes in
            if bytes.starts(with: MagicardProtocol.lead) {
                emulator.receive(bytes)
                emulator.unplugged = true
            }
        }
        let driver = MagicardPrinter(
            info: Self.info, profile: Self.profile, source: transport, replyTimeout: .milliseconds(300), pollInterval: .milliseconds(5))
        if case .unknown = await driver.print(.planes(Self.rendered), job: TestMaterial.job) {} else { Issue.record("expected unknown") }
        #expect(await driver.status().status == .offline)
        emulator.unplugged = false
        #expect(await driver.status().status == .ready)
    }

    @Test func registryBuildsTheDriverOnTheEmulator() async throws {
        let registry = DriverRegistry.withSimulators(profiles: try TestMaterial.repositoryCatalog())
        let printer = try await registry.open("sim+magicard://magicard-rio-pro-360?serial=MAG42&hopper=1&faults=hopper-empty@2")
        let device = try #require(printer as? any SimulatedDevice)
        #expect(device.info.id.rawValue == "sim-MAG42")
        #expect(await device.print(.planes(Self.rendered), job: TestMaterial.job) == .printed(counter: 1))
        guard case .failedBeforePick = await device.print(.planes(Self.rendered), job: TestMaterial.job) else {
            Issue.record("the second card finds no card to feed")
            return
        }
        await device.loadCards(1)
        await device.inject(.clear)
        #expect(await device.status().status == .ready)
        #expect(await device.print(.planes(Self.rendered), job: TestMaterial.job) == .printed(counter: 2))
        await device.close()
    }
}
