import EKTPDomain
import Foundation

/// The `usb://` and `sim+evolis://` schemes.
///
/// `usb://VID:PID/SERIAL` or `usb://VID/SERIAL` (hex ids; the serial is the printer's
/// USB iSerial or its own serial command). The model profile is the one whose
/// `usb.vendor_id` (and product id, if given) matches and whose protocol is `evolis` or
/// `magicard`; `?model=PROFILE` picks one explicitly.
public enum USBDrivers {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// What a `usb://` URI names.
    public struct Target: Equatable, Sendable {
        public var vendorID: Int
        public var productID: Int?
        public var serial: String
        public var model: String?
    }

    /// Parses `usb://VID[:PID]/SERIAL[?model=ID]` from the raw text (URLComponents refuses
    /// a product id such as `0e00` as a port).
    public static func parse(_ uri: String) throws -> Target {
        guard uri.hasPrefix("usb://") else { throw Problem(description: "bukan URI usb://: \(uri)") }
        var rest = Substring(uri.dropFirst(6))
        var model: String?
        if let q = rest.firstIndex(of: "?") {
            for item in rest[rest.index(after: q)...].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == "model" { model = String(kv[1]).removingPercentEncoding }
            }
            rest = rest[..<q]
        }
        let parts = rest.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let serial = String(parts[1]).removingPercentEncoding, !serial.isEmpty, !serial.contains("/") else {
            throw Problem(description: "URI usb:// harus berbentuk usb://VID:PID/NOMOR-SERI: \(uri)")
        }
        let ids = parts[0].split(separator: ":")
        guard (1...2).contains(ids.count), let vid = Int(ids[0], radix: 16), (0...0xFFFF).contains(vid) else {
            throw Problem(description: "id vendor USB tidak valid di \(uri)")
        }
        var pid: Int?
        if ids.count == 2 {
            guard let p = Int(ids[1], radix: 16), (0...0xFFFF).contains(p) else { throw Problem(description: "id produk USB tidak valid di \(uri)") }
            pid = p
        }
        return Target(vendorID: vid, productID: pid, serial: serial, model: model)
    }

    /// The `usb://` opener for `DriverRegistry`: `usb://VID[:PID]/SERIAL[?model=PROFILE]`.
    public static func open(uri: String, profiles: ProfileCatalog) throws -> any CardPrinter {
        let target = try parse(uri)
        let profile: PrinterProfile
        if let model = target.model {
            profile = try profiles.profile(model)
        } else {
            let candidates = profiles.profiles.values.filter {
                guard let usb = $0.usb, ["evolis", "magicard"].contains($0.protocol), usb.vendor_id == target.vendorID else { return false }
                return target.productID.map { usb.product_ids.contains($0) } ?? true
            }.sorted { $0.id < $1.id }
            guard let first = candidates.first else {
                throw Problem(
                    description: String(
                        format: "tidak ada profil Evolis/Magicard untuk USB %04x%@", target.vendorID, target.productID.map { String(format: ":%04x", $0) } ?? ""
                    ))
            }
            profile = first
        }
        guard let usb = profile.usb else { throw Problem(description: "profil \(profile.id) tidak punya id USB") }
        let products = target.productID.map { [$0] } ?? usb.product_ids
        let info = DeviceInfo(
            id: DeviceID(vendor: profile.vendor, serial: target.serial), uri: uri, model: profile.name, serial: target.serial,
            hopperCapacity: profile.hopper.capacity)
        switch profile.protocol {
        case "evolis":
            let source = USBTransportSource(vendorID: usb.vendor_id, productIDs: products, serial: target.serial, serialProbe: evolisSerial)
            return EvolisPrinter(info: info, profile: profile, source: source)
        case "magicard":
            let source = USBTransportSource(vendorID: usb.vendor_id, productIDs: products, serial: target.serial, serialProbe: magicardSerial)
            return MagicardPrinter(info: info, profile: profile, source: source)
        default:
            throw Problem(description: "profil \(profile.id) memakai protokol \(profile.protocol), bukan evolis atau magicard")
        }
    }

    /// The serial an Evolis printer reports (`Rsn`).
    @Sendable public static func evolisSerial(_ t: any ByteTransport) async -> String? {
        guard (try? await t.write(EvolisProtocol.serial)) != nil, let reply = try? await t.read(timeout: .seconds(2)) else { return nil }
        return EvolisProtocol.text(reply)
    }

    /// The serial a Magicard printer reports (`MSR` in `REQ,STA`).
    @Sendable public static func magicardSerial(_ t: any ByteTransport) async -> String? {
        guard (try? await t.write(MagicardProtocol.status)) != nil, let reply = try? await t.read(timeout: .seconds(2)) else { return nil }
        return MagicardProtocol.fields(reply)["MSR"]
    }
}

/// `sim+evolis://MODEL?serial=S&hopper=N&ribbon=N&counter=N&ms=N&faults=jam@5,cover-open@9`:
/// the real `EvolisPrinter` driver on an `EvolisEmulator`, so the demo and the station
/// print through the driver's own bytes. `MODEL` is an `evolis` profile.
/// The operator hooks (load, unload, faults) act on the emulated printer.
public actor EmulatedEvolisPrinter: SimulatedDevice {
    public nonisolated let info: DeviceInfo
    public nonisolated let documentKind: CardDocumentKind
    public let emulator: EvolisEmulator
    let driver: EvolisPrinter

    public init(url: URLComponents, profiles: ProfileCatalog) throws {
        let model = url.host ?? ""
        let profile = try profiles.profile(model)
        guard profile.protocol == "evolis" else {
            throw USBDrivers.Problem(description: "sim+evolis://: profil \(model) bukan printer Evolis")
        }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] { query[item.name] = item.value ?? "" }
        func int(_ name: String, _ fallback: Int) throws -> Int {
            guard let text = query[name] else { return fallback }
            guard let v = Int(text), v >= 0 else { throw USBDrivers.Problem(description: "sim+evolis://: \(name)=\(text) harus angka ≥ 0") }
            return v
        }
        var scheduled: [Int: [SimulatedFault]] = [:]
        for spec in (query["faults"] ?? "").split(separator: ",") {
            let parts = spec.split(separator: "@")
            guard parts.count == 2, let fault = SimulatedFault(rawValue: String(parts[0])), fault != .clear, let n = Int(parts[1]), n > 0 else {
                throw USBDrivers.Problem(
                    description:
                        "sim+evolis://: gangguan \"\(spec)\" tidak dikenal (bentuk: NAMA@N, nama: \(SimulatedFault.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            scheduled[n, default: []].append(fault)
        }
        let serial = query["serial"] ?? "EVOSIM0001"
        let ms = try int("ms", 0)
        let setup = EvolisEmulator.Setup(
            model: profile.name, serial: serial, geometry: profile.geometry, hopper: try int("hopper", 0), hopperCapacity: profile.hopper.capacity,
            ribbon: try int("ribbon", profile.ribbon.capacity), ribbonCapacity: profile.ribbon.capacity, counter: try int("counter", 0),
            printTime: .milliseconds(ms), scheduled: scheduled)
        emulator = EvolisEmulator(setup)
        info = DeviceInfo(
            id: DeviceID(vendor: "sim", serial: serial), uri: url.string ?? "sim+evolis://\(model)", model: profile.name + " (emulasi Evolis)", serial: serial,
            hopperCapacity: profile.hopper.capacity)
        documentKind = profile.documentKind
        driver = EvolisPrinter(
            info: info, profile: profile, source: emulator.source, replyTimeout: .seconds(1), pollInterval: .milliseconds(max(1, min(250, ms / 4))))
    }

    public func status() async -> DeviceState {
        var state = await driver.status()
        // The emulator knows its hopper as a real Evolis does not; the station's ledger
        // is the hopper level, so the driver's nil stays.
        state.supplies.hopperLevel = nil
        return state
    }

    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome { await driver.print(document, job: job) }
    public func close() async { await driver.close() }
    public func loadCards(_ count: Int) async { await emulator.load(count) }
    public func unloadCards(_ count: Int) async { await emulator.unload(count) }
    public func inject(_ fault: SimulatedFault) async { await emulator.inject(fault) }
}
