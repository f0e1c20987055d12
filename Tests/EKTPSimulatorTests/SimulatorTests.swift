import EKTPDomain
import EKTPDrivers
import EKTPSimulator
import Foundation
import Testing

@Suite("Simulated printer")
struct SimulatorTests {
    static let profiles = try! ProfileCatalog.load(directory: ProfileCatalog.defaultDirectory())
    static let planes = PrintPlanes(
        geometry: PanelGeometry(width: 1016, height: 648), yellow: Data(), magenta: Data(), cyan: Data(), black: Data(), overlay: Data())
    let job = try! JobID("J-1")

    func printer(_ query: String) throws -> SimulatedPrinter {
        try SimulatedPrinter(url: URLComponents(string: "sim://evolis-primacy-2?\(query)")!, profiles: Self.profiles)
    }

    @Test func profilesLoadWithTheirGeometry() throws {
        #expect(try Self.profiles.profile("evolis-primacy-2").geometry == PanelGeometry(width: 1016, height: 648))
        #expect(try Self.profiles.profile("magicard-rio-pro-360").geometry == PanelGeometry(width: 1016, height: 642))
        #expect(try Self.profiles.profile("hid-fargo-hdp5000").documentKind == .pdf)
        #expect(try Self.profiles.profile("hid-fargo-hdp5000").usb?.vendor_id == 0x09b0)
    }

    @Test func printsAndCountsACard() async throws {
        let p = try printer("serial=S1&hopper=2")
        #expect(await p.print(.planes(Self.planes), job: job) == .printed(counter: 1))
        let counts = await p.physicalCounts
        #expect(counts.hopper == 1 && counts.counter == 1)
        #expect(await p.status().status == .warning, "one card left is media-low")
    }

    @Test func faultsGiveTheRightOutcome() async throws {
        let p = try printer("serial=S2&hopper=10&faults=cover-open@1,jam@2,power-loss@3")
        guard case .failedBeforePick = await p.print(.planes(Self.planes), job: job) else { Issue.record("cover open must refuse before pick"); return }
        #expect(await p.status().reasons.contains(.coverOpen))
        #expect(await p.physicalCounts.hopper == 10, "no card used")
        await p.inject(.clear)
        guard case .spoiled(.gagalCetak, _, _) = await p.print(.planes(Self.planes), job: job) else { Issue.record("a jam spoils the card"); return }
        #expect(await p.status().status == .error)
        await p.inject(.clear)
        guard case .unknown = await p.print(.planes(Self.planes), job: job) else { Issue.record("power loss mid-card is unknown"); return }
        #expect(await p.status().status == .offline)
        #expect(await p.physicalCounts.hopper == 8)
    }

    @Test func wrongDocumentKindIsRefusedBeforePick() async throws {
        let p = try printer("serial=S3&hopper=5")
        guard case .failedBeforePick = await p.print(.pdf(Data("%PDF".utf8)), job: job) else { Issue.record("planes printer must refuse a PDF"); return }
        #expect(await p.physicalCounts.hopper == 5)
    }

    @Test func physicalStateOutlivesTheDriverAndTheOperatorCanInspectIt() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try printer("serial=S4&hopper=5&faults=power-loss@2&state=\(dir)")
        _ = await first.print(.planes(Self.planes), job: try JobID("A"))
        _ = await first.print(.planes(Self.planes), job: try JobID("B"))
        let again = try printer("serial=S4&hopper=99&state=\(dir)")
        #expect(await again.physicalCounts.hopper == 3, "the saved hopper wins over the URI")
        #expect(SimulatedPrinter.inspect(job: "A", blangkoCounted: 0, stateDirectory: dir) == .printed)
        #expect(SimulatedPrinter.inspect(job: "B", blangkoCounted: 0, stateDirectory: dir) == .spoiled(.gagalCetak))
        #expect(SimulatedPrinter.inspect(job: "C", blangkoCounted: 0, stateDirectory: dir) == .notFed)
        #expect(SimulatedPrinter.inspect(job: "A", blangkoCounted: 1, stateDirectory: dir) == .notFed, "a card already counted is not counted twice")
    }

    @Test func aCardSpoiledInOnePrinterAndPrintedInAnotherIsPrinted() async throws {
        // Both orders, so the answer cannot depend on the order the records are read.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try printer("serial=S5-A&hopper=5&faults=power-loss@1&state=\(dir)")
        let b = try printer("serial=S5-B&hopper=5&faults=power-loss@2&state=\(dir)")
        guard case .unknown = await a.print(.planes(Self.planes), job: try JobID("X")) else { Issue.record("power loss on A"); return }
        #expect(await b.print(.planes(Self.planes), job: try JobID("X")) == .printed(counter: 1))
        guard case .unknown = await b.print(.planes(Self.planes), job: try JobID("Y")) else { Issue.record("power loss on B"); return }
        await a.inject(.clear)
        #expect(await a.print(.planes(Self.planes), job: try JobID("Y")) == .printed(counter: 2))
        #expect(SimulatedPrinter.inspect(job: "X", blangkoCounted: 1, stateDirectory: dir) == .printed)
        #expect(SimulatedPrinter.inspect(job: "Y", blangkoCounted: 1, stateDirectory: dir) == .printed)
        #expect(SimulatedPrinter.inspect(job: "X", blangkoCounted: 2, stateDirectory: dir) == .notFed)
    }

    @Test func unknownSchemesAndModelsAreClearErrors() async throws {
        let registry = DriverRegistry.withSimulators(profiles: Self.profiles)
        await #expect(throws: DriverRegistry.Problem.self) { try await registry.open("lpd://x") }
        await #expect(throws: ProfileCatalog.Problem.self) { try await registry.open("sim://no-such-model") }
        await #expect(throws: SimulatedPrinter.Problem.self) { try await registry.open("sim://evolis-primacy-2?faults=melt@1") }
    }
}
