import EKTPDomain
import Foundation

/// An Evolis printer in software that speaks the escape-command protocol byte for byte:
/// a hopper, a ribbon, card and panel counters, injectable faults. The real `EvolisPrinter`
/// driver talks to it through `EvolisEmulator.Source`, so tests and the demo run the
/// driver's own code.
public actor EvolisEmulator {
    public struct Setup: Sendable {
        public var model: String
        public var serial: String
        public var firmware: String
        public var geometry: PanelGeometry
        public var hopper: Int
        public var hopperCapacity: Int
        public var ribbon: Int
        public var ribbonCapacity: Int
        public var counter: Int
        /// How long a card takes after `Se`; `Rse` says `BUSY` meanwhile.
        public var printTime: Duration
        /// Faults that strike at the Nth card (`Ss`).
        public var scheduled: [Int: [SimulatedFault]]

        public init(
            model: String = "Evolis Primacy 2", serial: String = "EVOSIM0001", firmware: String = "EMU-1.0", geometry: PanelGeometry, hopper: Int = 0,
            hopperCapacity: Int = 100, ribbon: Int = 300, ribbonCapacity: Int = 300, counter: Int = 0, printTime: Duration = .zero,
            scheduled: [Int: [SimulatedFault]] = [:]
        ) {
            self.model = model
            self.serial = serial
            self.firmware = firmware
            self.geometry = geometry
            self.hopper = hopper
            self.hopperCapacity = hopperCapacity
            self.ribbon = ribbon
            self.ribbonCapacity = ribbonCapacity
            self.counter = counter
            self.printTime = printTime
            self.scheduled = scheduled
        }
    }

    public let setup: Setup
    public private(set) var hopper: Int
    public private(set) var ribbon: Int
    public private(set) var counter: Int
    public private(set) var panels = 0
    public private(set) var attempts = 0
    public private(set) var standing: [SimulatedFault] = []
    /// The printer is off the bus (power lost, unplugged): no transport connects.
    public private(set) var unplugged = false
    /// Every command received, byte for byte, in order.
    public private(set) var received: [[UInt8]] = []
    /// Cards that came out, as the printer decoded their panels.
    public private(set) var cards: [PrintPlanes] = []
    /// Card movements: `PICK n`, `DONE n`, `JAM n`, `LOST n`, `OUTSIDE n`.
    public private(set) var events: [String] = []

    private var buffer: [UInt8] = []
    private var job: Job?
    private var strikes: [SimulatedFault] = []
    private var busyUntil: ContinuousClock.Instant?

    struct Job {
        var ribbon: String?
        var front = false
        var panels: [String: [UInt8]] = [:]
    }

    public init(_ setup: Setup) {
        self.setup = setup
        hopper = min(setup.hopper, setup.hopperCapacity)
        ribbon = setup.ribbon
        counter = setup.counter
    }

    // MARK: The operator's hand

    public func load(_ count: Int) {
        hopper = min(setup.hopperCapacity, hopper + count)
        if hopper > 0 { standing.removeAll { $0 == .hopperEmpty } }
    }

    public func unload(_ count: Int) { hopper = max(0, hopper - count) }

    public func inject(_ fault: SimulatedFault) {
        switch fault {
        case .clear:
            if standing.contains(.ribbonOut) || ribbon == 0 { ribbon = setup.ribbonCapacity }
            standing.removeAll()
            unplugged = false
            job = nil
            buffer.removeAll()
        case .outsidePrint:
            outsidePrint()
        case .powerLoss:
            stand(.powerLoss)
            unplugged = true
        default:
            stand(fault)
        }
    }

    /// The printer is unplugged (`false`) or plugged back (`true`); its state stays.
    public func plug(_ connected: Bool) {
        unplugged = !connected
        if !connected {
            buffer.removeAll()
            job = nil
        }
    }

    /// Pulls the plug the moment this command arrives (it gets no reply): a printer
    /// unplugged in the middle of a job.
    public func unplug(whenReceiving command: [UInt8]) { unplugTrigger = command }
    private var unplugTrigger: [UInt8]?

    // MARK: The wire

    /// Takes bytes from the host; returns the replies to every command they complete.
    /// A printer that is offline answers nothing.
    public func receive(_ bytes: [UInt8]) -> [[UInt8]] {
        buffer += bytes
        var replies: [[UInt8]] = []
        while let command = nextCommand() {
            received.append(command)
            if let trigger = unplugTrigger, command == trigger {
                unplugTrigger = nil
                plug(false)
                return replies
            }
            if let reply = handle(command), !standing.contains(.offline), !unplugged {
                replies.append(Array(reply.utf8) + [EvolisProtocol.cr])
            }
        }
        return replies
    }

    /// Cuts one whole command off the buffer; `Db` data is binary, so its length comes
    /// from the panel geometry and the levels.
    private func nextCommand() -> [UInt8]? {
        while let first = buffer.first, first != EvolisProtocol.esc { buffer.removeFirst() }
        guard buffer.count >= 2 else { return nil }
        if buffer.starts(with: [EvolisProtocol.esc] + Array("Db;".utf8)) {
            var semicolons = 0
            var headerEnd: Int?
            for (i, b) in buffer.enumerated() where b == UInt8(ascii: ";") {
                semicolons += 1
                if semicolons == 3 {
                    headerEnd = i + 1
                    break
                }
            }
            guard let headerEnd else { return nil }
            let header = String(decoding: buffer[1..<headerEnd], as: UTF8.self).split(separator: ";")
            guard header.count >= 3, let levels = Int(header[2]), let bits = EvolisProtocol.bits(forLevels: levels) else {
                // Unreadable header: take up to the next CR and let `handle` refuse it.
                return cutThroughCR()
            }
            let total = headerEnd + EvolisProtocol.dataLength(setup.geometry, bits: bits) + 1
            guard buffer.count >= total else { return nil }
            let command = Array(buffer[0..<total])
            buffer.removeFirst(total)
            return command
        }
        return cutThroughCR()
    }

    private func cutThroughCR() -> [UInt8]? {
        guard let end = buffer.firstIndex(of: EvolisProtocol.cr) else { return nil }
        let command = Array(buffer[0...end])
        buffer.removeFirst(end + 1)
        return command
    }

    private func handle(_ command: [UInt8]) -> String? {
        if command.starts(with: [EvolisProtocol.esc] + Array("Db;".utf8)) { return download(command) }
        let text = String(decoding: command.dropFirst().dropLast(), as: UTF8.self)
        switch text {
        case "Rtp": return setup.model
        case "Rsn": return setup.serial
        case "Rfv": return setup.firmware
        case "Rse": return stateText()
        case "Rlr": return String(ribbon)
        case "Rcr": return String(setup.ribbonCapacity)
        case "Rco;c": return String(counter)
        case "Rco;p": return String(panels)
        case "Ss": return start()
        case "Sr":
            guard job != nil else { return "ERR SEQUENCE" }
            job?.front = true
            return "OK"
        case "Se": return end()
        default:
            if text.hasPrefix("Pr;") {
                guard job != nil else { return "ERR SEQUENCE" }
                let type = String(text.dropFirst(3))
                guard ["ymcko", "ymck", "k", "ymckok", "ymckh"].contains(type) else { return "ERR RIBBON TYPE" }
                job?.ribbon = type
                return "OK"
            }
            return "ERR CMD"
        }
    }

    /// `READY`, `BUSY`, or the standing conditions.
    private func stateText() -> String {
        if let until = busyUntil {
            if ContinuousClock.now < until { return "BUSY" }
            busyUntil = nil
        }
        var parts: [String] = []
        if standing.contains(.jam) { parts.append("ERR JAM") }
        if standing.contains(.coverOpen) { parts.append("ERR COVER OPEN") }
        if ribbon == 0 || standing.contains(.ribbonOut) {
            parts.append("ERR RIBBON END")
        } else if ribbon * 10 < setup.ribbonCapacity {
            parts.append("WARN RIBBON LOW")
        }
        if hopper == 0 || standing.contains(.hopperEmpty) { parts.append("ERR FEEDER EMPTY") }
        return parts.isEmpty ? "READY" : parts.joined(separator: ";")
    }

    /// The first error condition, if any stops a card.
    private func blocking() -> String? {
        stateText().split(separator: ";").map(String.init).first { $0.hasPrefix("ERR") }
    }

    private func start() -> String {
        attempts += 1
        strikes = setup.scheduled[attempts] ?? []
        for fault in strikes where [.coverOpen, .ribbonOut, .hopperEmpty, .offline].contains(fault) { stand(fault) }
        if strikes.contains(.outsidePrint) { outsidePrint() }
        if let error = blocking() {
            job = nil
            return error
        }
        job = Job()
        return "OK"
    }

    private func download(_ command: [UInt8]) -> String {
        guard job != nil else { return "ERR SEQUENCE" }
        let semis = command.indices.filter { command[$0] == UInt8(ascii: ";") }.prefix(3)
        guard semis.count == 3 else { return "ERR DATA" }
        let fields = String(decoding: command[1..<semis[2]], as: UTF8.self).split(separator: ";")
        let panel = String(fields[1])
        guard ["y", "m", "c", "k", "o"].contains(panel), let levels = Int(fields[2]), let bits = EvolisProtocol.bits(forLevels: levels) else {
            return "ERR DATA"
        }
        let data = Array(command[(semis[2] + 1)..<(command.count - 1)])
        guard data.count == EvolisProtocol.dataLength(setup.geometry, bits: bits) else { return "ERR DATA" }
        job?.panels[panel] = bits == 1 ? data : EvolisProtocol.unpack(data, bits: bits, count: setup.geometry.width * setup.geometry.height)
        return "OK"
    }

    private func end() -> String? {
        guard let current = job, current.front, current.panels.count == 5 else { return "ERR SEQUENCE" }
        job = nil
        if let error = blocking() { return error }
        hopper -= 1
        counter += 1
        events.append("PICK \(counter)")
        if strikes.contains(.powerLoss) {
            events.append("LOST \(counter)")
            stand(.powerLoss)
            unplugged = true
            return nil
        }
        if strikes.contains(.jam) {
            events.append("JAM \(counter)")
            stand(.jam)
            return "OK"
        }
        ribbon = max(0, ribbon - 1)
        panels += 5
        let p = current.panels
        cards.append(
            PrintPlanes(
                geometry: setup.geometry, yellow: Data(p["y"]!), magenta: Data(p["m"]!), cyan: Data(p["c"]!), black: Data(p["k"]!), overlay: Data(p["o"]!)))
        events.append("DONE \(counter)")
        if setup.printTime > .zero { busyUntil = ContinuousClock.now + setup.printTime }
        return "OK"
    }

    private func outsidePrint() {
        guard hopper > 0 else { return }
        hopper -= 1
        counter += 1
        events.append("OUTSIDE \(counter)")
    }

    private func stand(_ fault: SimulatedFault) {
        if !standing.contains(fault) { standing.append(fault) }
    }

    // MARK: Transport

    /// Connects the driver to this emulator; fails while the printer is unplugged.
    public nonisolated var source: Source { Source(emulator: self) }

    public struct Source: TransportSource {
        let emulator: EvolisEmulator
        public func connect() async throws -> any ByteTransport {
            guard await !emulator.unplugged else { throw TransportError.disconnected("printer tidak ada di USB") }
            return Transport(emulator: emulator)
        }
    }

    /// The in-memory byte pipe: a write hands the bytes to the emulator, a read takes its
    /// next reply; no reply pending is a timeout at once (nothing waits in tests).
    actor Transport: ByteTransport {
        let emulator: EvolisEmulator
        var pending: [[UInt8]] = []
        var closed = false

        init(emulator: EvolisEmulator) { self.emulator = emulator }

        func write(_ bytes: [UInt8]) async throws {
            let gone = await emulator.unplugged
            guard !closed, !gone else { throw TransportError.disconnected("printer hilang dari USB") }
            pending += await emulator.receive(bytes)
        }

        func read(timeout: Duration) async throws -> [UInt8] {
            if !pending.isEmpty { return pending.removeFirst() }
            let gone = await emulator.unplugged
            if closed || gone { throw TransportError.disconnected("printer hilang dari USB") }
            throw TransportError.timeout
        }

        func close() async { closed = true }
    }
}
