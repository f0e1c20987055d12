import EKTPDomain
import EKTPDrivers
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A card printer in software: a hopper, a ribbon, a lifetime card counter, a print time
/// and injectable faults. It is what the demo and most tests print on.
///
/// `sim://MODEL?serial=S&hopper=N&ribbon=N&ms=N&faults=jam@5,cover-open@9&clear-ms=N&state=DIR&output=DIR`
/// - `MODEL`: a profile id from `drivers/profiles` (geometry, hopper capacity, ribbon).
/// - `hopper`, `ribbon`: cards physically there at first start (default 0 and a full roll).
/// - `ms`: print time per card (default 0).
/// - `faults`: faults that strike at the Nth print attempt (see `SimulatedFault`).
/// - `clear-ms`: a standing fault clears by itself after this long (the operator fixing
///   it); 0 (default) waits for `clear`.
/// - `state`: a folder where the printer's physical state (hopper, ribbon, counter, the
///   card inside) and a log of every card survive the daemon, as a real printer would.
/// - `output`: a folder where each printed card lands (`JOB.pdf`, or `JOB.ppm` for planes).
public actor SimulatedPrinter: SimulatedDevice {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    let profile: PrinterProfile
    let printTime: Duration
    let clearAfter: Duration?
    let scheduled: [Int: [SimulatedFault]]
    let stateDirectory: URL?
    let outputDirectory: URL?

    /// The printer's physical state.
    struct Physical: Codable {
        var hopper: Int
        var ribbon: Int
        var counter: Int
        var attempts: Int
        var standing: [SimulatedFault] = []
        /// The job whose card is inside the printer, between pick and eject.
        var cardInside: String?
        var faultSince: Double?
        /// Every card movement, `PICK JOB`, `DONE JOB`, `JAM JOB`, `LOST JOB`, `OUTSIDE N`,
        /// saved with the counts in one atomic write, so the record and the counts agree
        /// whenever the daemon dies.
        var events: [String] = []
        /// When each event happened (seconds since 1970), so the record of several
        /// printers reads in the order things happened: a card spoiled in one printer and
        /// then printed in another is printed.
        var eventTimes: [Double]? = nil
    }
    var physical: Physical
    var busy = false

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url: URLComponents, profiles: ProfileCatalog) throws {
        let model = url.host ?? ""
        let profile = try profiles.profile(model)
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] { query[item.name] = item.value ?? "" }
        func int(_ name: String, _ fallback: Int) throws -> Int {
            guard let text = query[name] else { return fallback }
            guard let v = Int(text), v >= 0 else { throw Problem(description: "sim://: \(name)=\(text) harus angka ≥ 0") }
            return v
        }
        let serial = query["serial"] ?? "SIM0001"
        var scheduled: [Int: [SimulatedFault]] = [:]
        for spec in (query["faults"] ?? "").split(separator: ",") {
            let parts = spec.split(separator: "@")
            guard parts.count == 2, let fault = SimulatedFault(rawValue: String(parts[0])), fault != .clear, let n = Int(parts[1]), n > 0 else {
                throw Problem(
                    description:
                        "sim://: gangguan \"\(spec)\" tidak dikenal (bentuk: NAMA@N, nama: \(SimulatedFault.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            scheduled[n, default: []].append(fault)
        }
        self.profile = profile
        self.scheduled = scheduled
        self.printTime = .milliseconds(try int("ms", 0))
        let clear = try int("clear-ms", 0)
        self.clearAfter = clear > 0 ? .milliseconds(clear) : nil
        self.stateDirectory = query["state"].map { URL(fileURLWithPath: $0) }
        self.outputDirectory = query["output"].map { URL(fileURLWithPath: $0) }
        self.info = DeviceInfo(
            id: DeviceID(vendor: "sim", serial: serial), uri: url.string ?? "sim://\(model)", model: profile.name + " (simulasi)", serial: serial,
            hopperCapacity: profile.hopper.capacity)
        self.documentKind = profile.documentKind
        let initial = Physical(
            hopper: min(try int("hopper", 0), profile.hopper.capacity), ribbon: try int("ribbon", profile.ribbon.capacity), counter: 0, attempts: 0)
        if let dir = stateDirectory {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let file = dir.appendingPathComponent("\(serial).json")
            if let data = try? Data(contentsOf: file) {
                guard let saved = try? JSONDecoder().decode(Physical.self, from: data) else {
                    throw Problem(description: "keadaan printer simulasi \(file.path) rusak")
                }
                physical = saved
            } else {
                physical = initial
            }
        } else {
            physical = initial
        }
        if let out = outputDirectory { try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true) }
    }

    // MARK: CardPrinter

    public func status() async -> DeviceState {
        expireFaults()
        if physical.standing.contains(.offline) || physical.standing.contains(.powerLoss) {
            return DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "simulasi: tidak menjawab")
        }
        var reasons: [StateReason] = []
        if physical.standing.contains(.jam) { reasons.append(.mediaJam) }
        if physical.standing.contains(.coverOpen) { reasons.append(.coverOpen) }
        if physical.ribbon == 0 || physical.standing.contains(.ribbonOut) {
            reasons.append(.markerSupplyEmpty)
        } else if physical.ribbon * 10 < profile.ribbon.capacity {
            reasons.append(.markerSupplyLow)
        }
        if physical.hopper == 0 || physical.standing.contains(.hopperEmpty) {
            reasons.append(.mediaEmpty)
        } else if physical.hopper <= 5 {
            reasons.append(.mediaLow)
        }
        return DeviceState(
            status: DeviceState.status(forReasons: reasons, busy: busy), reasons: reasons,
            supplies: Supplies(
                ribbonRemaining: physical.ribbon, ribbonCapacity: profile.ribbon.capacity, hopperLevel: physical.hopper, cardCounter: physical.counter))
    }

    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome {
        expireFaults()
        if physical.standing.contains(.offline) || physical.standing.contains(.powerLoss) {
            return .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil)
        }
        guard document.kind == documentKind else {
            return .failedBeforePick(reason: "printer ini menerima \(documentKind), bukan \(document.kind)", counter: physical.counter)
        }
        physical.attempts += 1
        let strikes = scheduled[physical.attempts] ?? []
        for fault in strikes where [.coverOpen, .ribbonOut, .hopperEmpty, .offline].contains(fault) {
            standing(fault)
        }
        if strikes.contains(.outsidePrint), physical.hopper > 0 {
            physical.hopper -= 1
            physical.counter += 1
            log("OUTSIDE \(physical.counter)")
        }
        save()
        let state = await status()
        if state.status == .offline { return .failedBeforePick(reason: "printer tidak menjawab; job tidak terkirim", counter: nil) }
        if let blocking = state.reasons.first(where: \.isError) {
            return .failedBeforePick(reason: blocking.label, counter: physical.counter)
        }
        busy = true
        defer { busy = false }
        physical.hopper -= 1
        physical.counter += 1
        physical.cardInside = job.rawValue
        log("PICK \(job) \(physical.counter)")
        if printTime > .zero { try? await Task.sleep(for: printTime) }
        if strikes.contains(.powerLoss) {
            standing(.powerLoss)
            log("LOST \(job)")
            return .unknown(reason: "listrik printer padam saat mencetak")
        }
        physical.cardInside = nil
        if strikes.contains(.jam) {
            standing(.jam)
            log("JAM \(job)")
            return .spoiled(cause: .gagalCetak, detail: "kartu macet di printer", counter: physical.counter)
        }
        physical.ribbon = max(0, physical.ribbon - 1)
        writeCard(document, job: job)
        log("DONE \(job)")
        return .printed(counter: physical.counter)
    }

    public func close() async { save() }

    // MARK: SimulatedDevice

    public func loadCards(_ count: Int) async {
        physical.hopper = min(profile.hopper.capacity, physical.hopper + count)
        if physical.hopper > 0 { physical.standing.removeAll { $0 == .hopperEmpty } }
        save()
    }

    public func unloadCards(_ count: Int) async {
        physical.hopper = max(0, physical.hopper - count)
        save()
    }

    public func inject(_ fault: SimulatedFault) async {
        switch fault {
        case .clear: clearAll()
        case .outsidePrint:
            if physical.hopper > 0 {
                physical.hopper -= 1
                physical.counter += 1
                log("OUTSIDE \(physical.counter)")
            }
        default: standing(fault)
        }
        save()
    }

    /// What a person opening the printer would find for a job whose outcome is unknown,
    /// from the printer's saved record: given the number of blangko the ledger already
    /// counts against the job, was another card picked, and did it come out?
    public static func inspect(job: String, blangkoCounted: Int, stateDirectory: String) -> OutcomeDecision {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory).filter { $0.hasSuffix(".json") }) ?? []
        var timed: [(at: Double, event: String)] = []
        for f in files.sorted() {
            if let data = FileManager.default.contents(atPath: stateDirectory + "/" + f), let p = try? JSONDecoder().decode(Physical.self, from: data) {
                let times = p.eventTimes ?? []
                for (i, e) in p.events.enumerated() where e.split(separator: " ").dropFirst().first.map(String.init) == job {
                    timed.append((i < times.count ? times[i] : 0, e))
                }
            }
        }
        // At equal times, the order read (one printer's own order) decides.
        let events = timed.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.event)
        let picks = events.filter { $0.hasPrefix("PICK") }.count
        guard picks > blangkoCounted else { return .notFed }
        return events.last?.hasPrefix("DONE") == true ? .printed : .spoiled(.gagalCetak)
    }

    /// The printer's saved record of card movements.
    public var events: [String] { physical.events }

    /// The physical counts, for tests: cards in the hopper, ribbon left, lifetime counter.
    public var physicalCounts: (hopper: Int, ribbon: Int, counter: Int) { (physical.hopper, physical.ribbon, physical.counter) }

    // MARK: Internals

    private func standing(_ fault: SimulatedFault) {
        if !physical.standing.contains(fault) { physical.standing.append(fault) }
        physical.faultSince = Date().timeIntervalSince1970
    }

    private func clearAll() {
        if physical.standing.contains(.ribbonOut) || physical.ribbon == 0 { physical.ribbon = profile.ribbon.capacity }
        physical.standing.removeAll()
        physical.faultSince = nil
        physical.cardInside = nil
    }

    private func expireFaults() {
        guard let clearAfter, let since = physical.faultSince, !physical.standing.isEmpty else { return }
        let seconds = Double(clearAfter.components.seconds) + Double(clearAfter.components.attoseconds) / 1e18
        if Date().timeIntervalSince1970 - since >= seconds {
            clearAll()
            save()
        }
    }

    /// Writes the physical state atomically and durably: it is the world outside the daemon.
    private func save() {
        guard let dir = stateDirectory, let data = try? JSONEncoder().encode(physical) else { return }
        let file = dir.appendingPathComponent("\(info.serial).json")
        let temp = dir.appendingPathComponent("\(info.serial).json.tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        Glibc.close(fd)
        rename(temp.path, file.path)
    }

    private func log(_ line: String) {
        physical.events.append(line)
        var times = physical.eventTimes ?? []
        // An older record without times: its earlier events count as long ago.
        times += Array(repeating: 0, count: max(0, physical.events.count - 1 - times.count))
        times.append(Date().timeIntervalSince1970)
        physical.eventTimes = times
        save()
        guard let dir = stateDirectory else { return }
        let path = dir.appendingPathComponent("\(info.serial).log").path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        _ = write(fd, bytes, bytes.count)
        fsync(fd)
        Glibc.close(fd)
    }

    private func writeCard(_ document: CardDocument, job: JobID) {
        guard let out = outputDirectory else { return }
        var name = job.rawValue
        var n = 1
        let ext = if case .pdf = document { "pdf" } else { "ppm" }
        while FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name).\(ext)").path) {
            n += 1
            name = "\(job.rawValue)-\(n)"
        }
        let data: Data
        switch document {
        case .pdf(let pdf): data = pdf
        case .planes(let planes): data = Self.composite(planes)
        }
        try? data.write(to: out.appendingPathComponent("\(name).\(ext)"))
    }

    /// The card as it would look: YMC ink over white, resin black on top (binary PPM).
    static func composite(_ p: PrintPlanes) -> Data {
        let w = p.geometry.width, h = p.geometry.height
        var out = Data("P6\n\(w) \(h)\n255\n".utf8)
        var rgb = [UInt8](repeating: 255, count: w * h * 3)
        let y = [UInt8](p.yellow), m = [UInt8](p.magenta), c = [UInt8](p.cyan), k = [UInt8](p.black)
        let rowBytes = p.bitRowBytes
        for row in 0..<h {
            for col in 0..<w {
                let i = row * w + col
                let black = k.count == rowBytes * h && (k[row * rowBytes + col / 8] & (0x80 >> UInt8(col % 8))) != 0
                if black {
                    rgb[i * 3] = 0; rgb[i * 3 + 1] = 0; rgb[i * 3 + 2] = 0
                } else if i < y.count, i < m.count, i < c.count {
                    rgb[i * 3] = 255 - c[i]; rgb[i * 3 + 1] = 255 - m[i]; rgb[i * 3 + 2] = 255 - y[i]
                }
            }
        }
        out.append(contentsOf: rgb)
        return out
    }
}
