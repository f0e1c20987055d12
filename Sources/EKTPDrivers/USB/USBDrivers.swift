import EKTPDomain
import Foundation

/// The `usb://` scheme.
///
/// `usb://VID:PID/SERIAL` or `usb://VID/SERIAL` (hex ids; the serial is the printer's
/// USB iSerial or its own serial command). The model profile is the one whose
/// `usb.vendor_id` (and product id, if given) matches and whose protocol is `evolis` or
/// `magicard`; `?model=PROFILE` picks one explicitly.
public enum USBDrivers {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        package init(description: String) { self.description = description }
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
            // A profile naming the product id first, then one for any model of the vendor.
            let candidates = profiles.profiles.values.filter {
                guard let usb = $0.usb, $0.protocol.isDirectUSB, usb.vendor_id == target.vendorID else { return false }
                return target.productID.map { usb.product_ids.isEmpty || usb.product_ids.contains($0) } ?? true
            }.sorted { a, b in
                let named = { (p: PrinterProfile) in target.productID.map { p.usb?.product_ids.contains($0) == true } ?? false }
                return named(a) != named(b) ? named(a) : a.id < b.id
            }
            guard let first = candidates.first else {
                throw Problem(
                    description: String(
                        format: "tidak ada profil Evolis/Magicard untuk USB %04x%@", target.vendorID, target.productID.map { String(format: ":%04x", $0) } ?? ""
                    ))
            }
            profile = first
        }
        guard let usb = profile.usb else { throw Problem(description: "profil \(profile.id) tidak punya id USB") }
        let products = target.productID.map { [$0] } ?? (usb.product_ids.isEmpty ? nil : usb.product_ids)
        let info = DeviceInfo(
            id: DeviceID(vendor: profile.vendor, serial: target.serial), uri: uri, model: profile.name, serial: target.serial,
            hopperCapacity: profile.hopper.capacity)
        switch profile.protocol {
        case .evolis:
            let source = USBTransportSource(vendorID: usb.vendor_id, productIDs: products, serial: target.serial, serialProbe: evolisSerial)
            return EvolisPrinter(info: info, profile: profile, source: source)
        case .magicard:
            let source = USBTransportSource(vendorID: usb.vendor_id, productIDs: products, serial: target.serial, serialProbe: magicardSerial)
            return MagicardPrinter(info: info, profile: profile, source: source)
        case .cups:
            throw Problem(description: "profil \(profile.id) memakai protokol cups, bukan evolis atau magicard")
        }
    }

    /// The serial an Evolis printer reports (`Rsn`).
    @Sendable public static func evolisSerial(_ t: any ByteTransport) async -> String? {
        guard (try? await t.write(EvolisProtocol.serial)) != nil, let reply = try? await t.read(timeout: .seconds(2)) else { return nil }
        return EvolisProtocol.text(reply)
    }

    /// The serial a Magicard printer reports (field 3 of `REQ,INF`).
    @Sendable public static func magicardSerial(_ t: any ByteTransport) async -> String? {
        guard (try? await t.write(MagicardProtocol.request("INF"))) != nil, let reply = try? await t.read(timeout: .seconds(2)) else { return nil }
        return MagicardProtocol.parseINF(reply)?.serial
    }
}
