import EKTPDomain
import EKTPDrivers
import EKTPEmulators
import EKTPInstall
import Foundation

/// A printer emulated byte for byte (`EKTPEmulators`): what the host writes goes in, and
/// each reply comes out when the emulated printer has one.
public protocol EmulatedByteDevice: AnyObject, Sendable {
    func receive(_ bytes: [UInt8])
    func nextReply() -> [UInt8]?
    var unplugged: Bool { get set }
}

extension EvolisGuideEmulator: EmulatedByteDevice, EmulatedHopper {}
extension MagicardGuideEmulator: EmulatedByteDevice, EmulatedHopper {}

/// The hopper of an emulated printer, as the operator's hand fills and empties it.
protocol EmulatedHopper: Sendable {
    func load(_ cards: Int)
    func unload() -> Int
}

/// A real driver on an emulator: the driver does the printing, the operator's hooks act on
/// the emulated printer.
protocol EmulatorBackedPrinter: SimulatedDevice, Actor {
    var device: any CardPrinter { get }
    nonisolated var hand: any EmulatedHopper { get }
}

extension EmulatedEvolisPrinter: ChipEncodingPrinter {
    public func print(_ document: CardDocument, job: JobID, encoding encode: @Sendable () async -> ChipVerdict) async -> PrintOutcome {
        await driver.print(document, job: job, encoding: encode)
    }
}

extension EmulatorBackedPrinter {
    public func status() async -> DeviceState { await device.status() }
    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome { await device.print(document, job: job) }
    public func close() async { await device.close() }
    public func loadCards(_ count: Int) async { hand.load(count) }
    public func unloadCards(_ count: Int) async {
        let all = hand.unload()
        hand.load(max(0, all - count))
    }
}

/// What an emulated printer's URI says, for every `sim+VENDOR://MODEL?…` scheme:
/// `serial`, `hopper`, `ribbon`, `counter`, `ms` (print time) and `faults=NAME@N,…`.
struct EmulatorURI {
    let scheme: String
    let url: URLComponents
    let profile: PrinterProfile
    let query: [String: String]
    let serial: String
    let ms: Int
    /// Faults by card number, in the URI's order.
    let faults: [(SimulatedFault, Int)]

    /// Schedules in the emulator the faults it has itself (`own`); returns the others (the
    /// printer off the bus, a card from elsewhere) by card number, for the transport.
    func scheduleFaults<Fault>(own: (SimulatedFault) -> Fault?, schedule: (Fault, Int) -> Void) -> [Int: [SimulatedFault]] {
        var around: [Int: [SimulatedFault]] = [:]
        for (fault, n) in faults {
            if let inside = own(fault) { schedule(inside, n) } else { around[n, default: []].append(fault) }
        }
        return around
    }

    init(_ url: URLComponents, scheme: String, protocol proto: PrinterProfile.PrinterProtocol, profiles: ProfileCatalog) throws {
        let model = url.host ?? ""
        let profile = try profiles.profile(model)
        guard profile.protocol == proto else {
            throw USBDrivers.Problem(description: "\(scheme)://: profil \(model) bukan printer \(proto.rawValue)")
        }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] { query[item.name] = item.value ?? "" }
        var faults: [(SimulatedFault, Int)] = []
        for spec in (query["faults"] ?? "").split(separator: ",") {
            let parts = spec.split(separator: "@")
            guard parts.count == 2, let fault = SimulatedFault(rawValue: String(parts[0])), fault != .clear, let n = Int(parts[1]), n > 0 else {
                throw USBDrivers.Problem(
                    description:
                        "\(scheme)://: gangguan \"\(spec)\" tidak dikenal (bentuk: NAMA@N, nama: \(SimulatedFault.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            faults.append((fault, n))
        }
        self.scheme = scheme
        self.url = url
        self.profile = profile
        self.query = query
        self.serial = query["serial"] ?? "\(proto.rawValue.uppercased())SIM0001"
        self.faults = faults
        var ms = 0
        if let text = query["ms"] {
            guard let v = Int(text), v >= 0 else { throw USBDrivers.Problem(description: "\(scheme)://: ms=\(text) harus angka ≥ 0") }
            ms = v
        }
        self.ms = ms
    }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let text = query[name] else { return fallback }
        guard let v = Int(text), v >= 0 else { throw USBDrivers.Problem(description: "\(scheme)://: \(name)=\(text) harus angka ≥ 0") }
        return v
    }

    func info(kind: String) -> DeviceInfo {
        DeviceInfo(
            id: DeviceID(vendor: "sim", serial: serial), uri: url.string ?? "\(scheme)://\(profile.id)", model: profile.name + " (\(kind))",
            serial: serial, hopperCapacity: profile.hopper.capacity)
    }

    /// Replies within the emulated print time, a little over: a missing reply is found out in
    /// seconds, not the vendor's half minute.
    var replyLimit: Duration { .milliseconds(ms) * 2 + .seconds(1) }
}

/// The byte transport to an emulated printer, as libusb is to a real one: a write is
/// refused once the printer is off the bus, and a read waits for the printer's next reply
/// up to its time limit. `observe` sees every write first (the scheduled faults the
/// emulator itself does not model hook in there).
public struct EmulatorTransport: TransportSource, ByteTransport {
    let device: any EmulatedByteDevice
    let observe: @Sendable ([UInt8]) -> Void

    public init(_ device: any EmulatedByteDevice, observe: @escaping @Sendable ([UInt8]) -> Void = { _ in }) {
        self.device = device
        self.observe = observe
    }

    public func connect() async throws -> any ByteTransport {
        guard !device.unplugged else { throw TransportError.disconnected("printer tidak ada di USB") }
        return self
    }

    public func write(_ bytes: [UInt8]) async throws {
        observe(bytes)
        guard !device.unplugged else { throw TransportError.disconnected("printer hilang dari USB") }
        device.receive(bytes)
    }

    public func read(timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard !device.unplugged else { throw TransportError.disconnected("printer hilang dari USB") }
            if let reply = device.nextReply() { return reply }
            guard ContinuousClock.now < deadline else { throw TransportError.timeout }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    public func close() async {}
}

/// `sim+evolis://MODEL?serial=S&hopper=N&ribbon=N&counter=N&ms=N&faults=jam@5,cover-open@9&chipfield=SOCKET`:
/// the real `EvolisPrinter` driver on an `EvolisGuideEmulator`, a printer written from
/// Evolis's Programming Guide alone, so the demo and the station print through the
/// driver's own bytes into something that did not learn them from the driver. `MODEL` is
/// an `evolis` profile. Faults strike the Nth card: `jam`, `ribbon-out`, `hopper-empty`,
/// `cover-open` inside the emulator; `offline` (the printer off the bus before the card),
/// `power-loss` (off the bus once the card's first panel went out) and `outside-print` (a
/// card through the printer from elsewhere) around it. A model with an `[encoder]` has the
/// contactless station fitted; `chipfield` names the control socket of a test chip
/// (`scripts/chip/ektp-test-card`) that enters the reader's field while a card waits there.
public actor EmulatedEvolisPrinter: EmulatorBackedPrinter {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    public nonisolated let emulator: EvolisGuideEmulator
    let driver: EvolisPrinter
    let profile: PrinterProfile
    var device: any CardPrinter { driver }
    nonisolated var hand: any EmulatedHopper { emulator }

    public init(url: URLComponents, profiles: ProfileCatalog) throws {
        let uri = try EmulatorURI(url, scheme: "sim+evolis", protocol: .evolis, profiles: profiles)
        let profile = uri.profile
        let emulator = EvolisGuideEmulator(
            .init(
                model: profile.name, serial: uri.serial, hopper: try uri.int("hopper", 0), hopperCapacity: profile.hopper.capacity,
                ribbonCards: try uri.int("ribbon", profile.ribbon.capacity), ribbonType: profile.ribbon.type.lowercased(),
                counter: try uri.int("counter", 0), printTime: .milliseconds(uri.ms), contactless: profile.encoder != nil))
        if let field = uri.query["chipfield"], !field.isEmpty {
            // The test chip's program (scripts/chip/ektp-test-card) puts a chip in the
            // encoder's PC/SC reader while the emulator holds a card at the contactless station.
            emulator.observeContactlessField { inField in _ = try? UnixSocket.exchangeLine(field, inField ? "insert" : "remove") }
        }
        let around = uri.scheduleFaults(own: Self.emulatorFault) { emulator.schedule($0, atCard: $1) }
        self.emulator = emulator
        self.profile = profile
        info = uri.info(kind: "emulasi Evolis")
        documentKind = profile.documentKind
        let transport = EmulatorTransport(emulator, observe: Self.faultsAround(around, emulator: emulator, profile: profile))
        driver = EvolisPrinter(info: info, profile: profile, source: transport, waits: { _ in uri.replyLimit })
    }

    static func emulatorFault(_ fault: SimulatedFault) -> EvolisGuideEmulator.Fault? {
        switch fault {
        case .jam: .jam
        case .ribbonOut: .ribbonOut
        case .hopperEmpty: .feederEmpty
        case .coverOpen: .coverOpen
        default: nil
        }
    }

    /// Counts the cards the driver starts (`Ss`) and pulls the plug or sends a card through
    /// from elsewhere when the Nth comes.
    static func faultsAround(_ faults: [Int: [SimulatedFault]], emulator: EvolisGuideEmulator, profile: PrinterProfile)
        -> @Sendable ([UInt8]) -> Void
    {
        guard !faults.isEmpty else { return { _ in } }
        let start = EvolisProtocol.command("Ss")
        let counter = Counter()
        return { bytes in
            if bytes == start {
                let n = counter.next()
                for fault in faults[n] ?? [] {
                    switch fault {
                    case .offline: emulator.unplugged = true
                    case .outsidePrint: outsidePrint(emulator, profile: profile)
                    default: break
                    }
                }
                if faults[n]?.contains(.powerLoss) == true { counter.powerLossArmed = true }
            } else if counter.powerLossArmed, bytes.starts(with: [EvolisProtocol.esc] + Array("Db;".utf8)) {
                // The first panel reached the printer: the card is fed when the power goes.
                emulator.receive(bytes)
                emulator.unplugged = true
                counter.powerLossArmed = false
            }
        }
    }

    /// Someone prints a card from another program: the hopper and the counter move, and
    /// no job of the station's knows of it (the ledger check must catch it).
    static func outsidePrint(_ emulator: EvolisGuideEmulator, profile: PrinterProfile) {
        let blank = PrintPlanes(
            geometry: profile.geometry, yellow: Data(count: profile.geometry.width * profile.geometry.height),
            magenta: Data(count: profile.geometry.width * profile.geometry.height), cyan: Data(count: profile.geometry.width * profile.geometry.height),
            black: Data(count: (profile.geometry.width + 7) / 8 * profile.geometry.height),
            overlay: Data(count: (profile.geometry.width + 7) / 8 * profile.geometry.height))
        for step in EvolisProtocol.job(blank, ribbon: profile.ribbon.type) {
            emulator.receive(step.bytes)
            _ = emulator.nextReply()
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var cards = 0
        private var armed = false
        func next() -> Int {
            lock.withLock {
                cards += 1; return cards
            }
        }
        var powerLossArmed: Bool {
            get { lock.withLock { armed } }
            set { lock.withLock { armed = newValue } }
        }
    }

    /// The operator's hand on the emulated printer: open the cover, take the cards out, put
    /// an empty ribbon in, pull the plug; `clear` puts everything right.
    public func inject(_ fault: SimulatedFault) async {
        switch fault {
        case .coverOpen: emulator.openCover()
        case .hopperEmpty: _ = emulator.unload()
        case .ribbonOut: emulator.replaceRibbon(cards: 0)
        case .jam: emulator.schedule(.jam, atCard: emulator.nextCardNumber)
        case .offline, .powerLoss: emulator.unplugged = true
        case .outsidePrint: Self.outsidePrint(emulator, profile: profile)
        case .clear:
            emulator.unplugged = false
            emulator.closeCover()
            emulator.removeCard()
            emulator.acknowledge()
            if emulator.ribbonCardsLeft == 0 { emulator.replaceRibbon(cards: profile.ribbon.capacity) }
        }
    }
}
