import EKTPDomain
import EKTPDrivers
import EKTPEmulators
import Foundation

/// `sim+magicard://MODEL?serial=S&hopper=N&ribbon=N&counter=N&ms=N&faults=hopper-empty@4`:
/// the real `MagicardPrinter` driver on a `MagicardGuideEmulator`, a printer written from
/// Magicard's file-format document and its Linux filter's captured output alone. `MODEL` is
/// a `magicard` profile; `ribbon` counts cards (the emulator counts film panels). Faults
/// strike the Nth card: `hopper-empty`, `jam`, `ribbon-out`, `cover-open` inside the
/// emulator; `offline` (off the bus before the card), `power-loss` (off the bus once the
/// job went out) and `outside-print` around it.
public actor EmulatedMagicardPrinter: EmulatorBackedPrinter {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    public nonisolated let emulator: MagicardGuideEmulator
    let driver: MagicardPrinter
    let profile: PrinterProfile
    var device: any CardPrinter { driver }
    nonisolated var hand: any EmulatedHopper { emulator }

    public init(url: URLComponents, profiles: ProfileCatalog) throws {
        let uri = try EmulatorURI(url, scheme: "sim+magicard", protocol: .magicard, profiles: profiles)
        let profile = uri.profile
        let panels = max(1, profile.ribbon.type.count)
        let cards = try uri.int("ribbon", profile.ribbon.capacity)
        let emulator = MagicardGuideEmulator(
            .init(
                model: profile.name, serial: uri.serial, hopper: try uri.int("hopper", 0), hopperCapacity: profile.hopper.capacity,
                ribbonPanelsTotal: profile.ribbon.capacity * panels, ribbonPanelsUsed: (profile.ribbon.capacity - min(cards, profile.ribbon.capacity)) * panels,
                totalCards: try uri.int("counter", 0), printTime: .milliseconds(uri.ms)))
        let around = uri.scheduleFaults(own: { MagicardGuideEmulator.Fault(rawValue: $0.rawValue) }) { emulator.schedule($0, atCard: $1) }
        self.emulator = emulator
        self.profile = profile
        info = uri.info(kind: "emulasi Magicard")
        documentKind = profile.documentKind
        let transport = EmulatorTransport(emulator, observe: Self.faultsAround(around, emulator: emulator, profile: profile))
        let poll = Duration.milliseconds(max(5, min(250, uri.ms / 4)))
        driver = MagicardPrinter(info: info, profile: profile, source: transport, replyTimeout: uri.replyLimit, pollInterval: poll)
    }

    /// Counts the jobs the driver sends (each begins with the 64 × 0x05 lead and `SOH ,`)
    /// and pulls the plug or sends a card through from elsewhere when the Nth comes.
    static func faultsAround(_ faults: [Int: [SimulatedFault]], emulator: MagicardGuideEmulator, profile: PrinterProfile)
        -> @Sendable ([UInt8]) -> Void
    {
        guard !faults.isEmpty else { return { _ in } }
        let counter = EmulatedEvolisPrinter.Counter()
        let start = MagicardProtocol.lead + [MagicardProtocol.soh, MagicardProtocol.comma]
        return { bytes in
            guard bytes.starts(with: start) else { return }
            let n = counter.next()
            for fault in faults[n] ?? [] {
                switch fault {
                case .offline: emulator.unplugged = true
                case .outsidePrint: outsidePrint(emulator, profile: profile)
                case .powerLoss:
                    // The job reaches the printer, then the power goes.
                    emulator.receive(bytes)
                    emulator.unplugged = true
                default: break
                }
            }
        }
    }

    /// A card through the printer from another program: the counter and hopper move.
    static func outsidePrint(_ emulator: MagicardGuideEmulator, profile: PrinterProfile) {
        let g = profile.geometry
        let rowBytes = (g.width + 7) / 8
        var black = Data(count: rowBytes * g.height)
        black[0] = 0x80
        let planes = PrintPlanes(
            geometry: g, yellow: Data(count: g.width * g.height), magenta: Data(count: g.width * g.height), cyan: Data(count: g.width * g.height),
            black: black, overlay: Data(count: rowBytes * g.height))
        let options = MagicardProtocol.JobOptions(overcoat: false, ribbon: .mono, time: Date())
        emulator.receive(MagicardProtocol.job(planes, options: options))
    }

    public func inject(_ fault: SimulatedFault) async {
        switch fault {
        case .coverOpen: emulator.openCover()
        case .hopperEmpty: _ = emulator.unload()
        case .ribbonOut: emulator.schedule(.ribbonOut, atCard: emulator.nextJobNumber)
        case .jam: emulator.schedule(.jam, atCard: emulator.nextJobNumber)
        case .offline, .powerLoss: emulator.unplugged = true
        case .outsidePrint: Self.outsidePrint(emulator, profile: profile)
        case .clear:
            emulator.unplugged = false
            emulator.closeCover()
            emulator.clearError()
        }
    }
}
