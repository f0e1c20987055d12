import EKTPDomain
import Foundation

/// A printer found on the USB bus that a profile can drive.
public struct DiscoveredPrinter: Codable, Sendable, Hashable {
    /// The identity it would have (vendor and serial, never the port).
    public var id: DeviceID
    /// The `usb://VID:PID/SERIAL?model=PROFILE` URI that opens it.
    public var uri: String
    public var profile: String
    public var vendorID: Int
    public var productID: Int
    public var serial: String
    /// What the device calls itself (its USB strings), for the operator.
    public var name: String
    public var port: String
}

/// The printers on the bus now, for every vendor whose profiles ektpd drives directly
/// (Evolis, Magicard): devices with a printer-class interface, named by a profile that
/// lists their product id, else by one for any model of the vendor. A device that tells no
/// serial in sysfs or its descriptor is left out: without one it has no identity.
public enum USBDiscovery {
    public static func scan(profiles: ProfileCatalog) -> [DiscoveredPrinter] {
        let direct = profiles.profiles.values.filter { $0.protocol.isDirectUSB && $0.usb != nil }
        var found: [DiscoveredPrinter] = []
        for vendor in Set(direct.compactMap { $0.usb?.vendor_id }).sorted() {
            for record in USBBus.devices(vendor: vendor) {
                guard let serial = record.serial, !serial.isEmpty, !serial.contains("/") else { continue }
                let candidates = direct.filter { $0.usb?.vendor_id == vendor }
                    .filter { $0.usb!.product_ids.isEmpty || $0.usb!.product_ids.contains(record.productID) }
                    .sorted { a, b in
                        let named = { (p: PrinterProfile) in p.usb?.product_ids.contains(record.productID) == true }
                        return named(a) != named(b) ? named(a) : a.id < b.id
                    }
                guard let profile = candidates.first else { continue }
                let name = [record.manufacturer, record.product].compactMap { $0 }.joined(separator: " ")
                found.append(
                    DiscoveredPrinter(
                        id: DeviceID(vendor: profile.vendor, serial: serial),
                        uri: String(format: "usb://%04x:%04x/", vendor, record.productID)
                            + (serial.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? serial) + "?model=" + profile.id,
                        profile: profile.id,
                        vendorID: vendor, productID: record.productID, serial: serial, name: name.isEmpty ? profile.name : name, port: record.portPath))
            }
        }
        return found
    }
}
