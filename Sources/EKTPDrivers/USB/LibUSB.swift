import CLibUSB
import Dispatch
import Foundation

/// The process's libusb context, made once.
final class USBContext: @unchecked Sendable {
    static let shared = USBContext()
    let context: OpaquePointer?
    let problem: String?

    private init() {
        var ctx: OpaquePointer?
        let rc = libusb_init(&ctx)
        if rc == 0 {
            context = ctx
            problem = nil
        } else {
            context = nil
            problem = USBContext.name(rc)
        }
    }

    static func name(_ code: Int32) -> String {
        String(cString: libusb_error_name(code))
    }

    static func error(_ code: Int32) -> TransportError {
        switch code {
        case LIBUSB_ERROR_NO_DEVICE.rawValue, LIBUSB_ERROR_NOT_FOUND.rawValue: .disconnected(name(code))
        case LIBUSB_ERROR_TIMEOUT.rawValue: .timeout
        default: .io(name(code))
        }
    }
}

/// One USB device seen on the bus.
public struct USBDeviceRecord: Sendable, Hashable, CustomStringConvertible {
    public var vendorID: Int
    public var productID: Int
    public var bus: Int
    public var address: Int
    /// The port path, e.g. `1-3.2`: where it hangs now, never its identity.
    public var portPath: String
    /// The USB iSerial, from sysfs or the string descriptor; nil when neither is readable.
    public var serial: String?
    public var manufacturer: String?
    public var product: String?

    public var description: String {
        String(format: "%04x:%04x bus %d addr %d (%@) serial %@", vendorID, productID, bus, address, portPath, serial ?? "?")
    }
}

/// Enumeration: every device of a vendor (and product ids, if given). Each call
/// re-enumerates the bus, so a printer moved to another port is found again.
public enum USBBus {
    public static func devices(vendor: Int, products: [Int]? = nil) -> [USBDeviceRecord] {
        withDevices(vendor: vendor, products: products) { records in records.map(\.0) }
    }

    /// Calls `body` with the matching records and their libusb devices; the list is freed
    /// after.
    static func withDevices<T>(vendor: Int, products: [Int]?, _ body: ([(USBDeviceRecord, OpaquePointer)]) -> T) -> T {
        guard let ctx = USBContext.shared.context else { return body([]) }
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let n = libusb_get_device_list(ctx, &list)
        guard n >= 0, let list else { return body([]) }
        defer { libusb_free_device_list(list, 1) }
        var found: [(USBDeviceRecord, OpaquePointer)] = []
        for i in 0..<Int(n) {
            guard let dev = list[i] else { continue }
            var desc = libusb_device_descriptor()
            guard libusb_get_device_descriptor(dev, &desc) == 0, Int(desc.idVendor) == vendor else { continue }
            // Named product ids (a profile's, from usb.ids or the vendor's driver), or else any
            // device of the vendor with a printer-class interface: a model no profile lists is
            // found too, never a vendor's card reader or hub.
            if let products, !products.isEmpty {
                guard products.contains(Int(desc.idProduct)) else { continue }
            } else if !hasPrinterInterface(dev) {
                continue
            }
            let bus = Int(libusb_get_bus_number(dev))
            var ports = [UInt8](repeating: 0, count: 8)
            let depth = libusb_get_port_numbers(dev, &ports, Int32(ports.count))
            let portPath = depth > 0 ? "\(bus)-" + ports.prefix(Int(depth)).map(String.init).joined(separator: ".") : "usb\(bus)"
            var record = USBDeviceRecord(
                vendorID: vendor, productID: Int(desc.idProduct), bus: bus, address: Int(libusb_get_device_address(dev)),
                portPath: portPath, serial: sysfs(portPath, "serial"), manufacturer: sysfs(portPath, "manufacturer"), product: sysfs(portPath, "product"))
            if record.serial == nil, desc.iSerialNumber != 0 {
                record.serial = stringDescriptor(dev, index: desc.iSerialNumber)
            }
            found.append((record, dev))
        }
        return body(found)
    }

    /// Whether the device's configuration has a printer-class interface (class 7).
    static func hasPrinterInterface(_ dev: OpaquePointer) -> Bool {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(dev, &config) == 0 || libusb_get_config_descriptor(dev, 0, &config) == 0, let config else { return false }
        defer { libusb_free_config_descriptor(config) }
        for i in 0..<Int(config.pointee.bNumInterfaces) {
            let iface = config.pointee.interface[i]
            for a in 0..<Int(iface.num_altsetting) where iface.altsetting[a].bInterfaceClass == UInt8(LIBUSB_CLASS_PRINTER.rawValue) { return true }
        }
        return false
    }

    /// A sysfs attribute of a device (`/sys/bus/usb/devices/1-3/serial`).
    static func sysfs(_ portPath: String, _ attribute: String) -> String? {
        guard let text = try? String(contentsOfFile: "/sys/bus/usb/devices/\(portPath)/\(attribute)", encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A string descriptor through a control transfer (needs the device opened).
    static func stringDescriptor(_ dev: OpaquePointer, index: UInt8) -> String? {
        var handle: OpaquePointer?
        guard libusb_open(dev, &handle) == 0, let handle else { return nil }
        defer { libusb_close(handle) }
        var buf = [UInt8](repeating: 0, count: 256)
        let n = libusb_get_string_descriptor_ascii(handle, index, &buf, Int32(buf.count))
        guard n > 0 else { return nil }
        return String(decoding: buf.prefix(Int(n)), as: UTF8.self)
    }
}

/// Bulk OUT and bulk IN on a printer-class interface (class 7) over libusb. The kernel's
/// usblp is detached when it holds the interface and given back on close.
public final class LibUSBTransport: ByteTransport, @unchecked Sendable {
    let handle: OpaquePointer
    let interface: Int32
    let endpointOut: UInt8
    let endpointIn: UInt8
    let detached: Bool
    /// Bytes asked for in one bulk IN transfer (one reply).
    public static let readSize = 512
    /// The largest bulk OUT transfer the driver makes; longer commands go as several.
    public static let writeChunk = 16_384
    private let queue = DispatchQueue(label: "ektp.usb")
    private let lock = NSLock()
    private var closed = false

    /// Opens the device, finds its printer interface and claims it.
    static func open(_ dev: OpaquePointer) throws -> LibUSBTransport {
        var handleOut: OpaquePointer?
        let rc = libusb_open(dev, &handleOut)
        guard rc == 0, let handle = handleOut else { throw USBContext.error(rc) }
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(dev, &config) == 0 || libusb_get_config_descriptor(dev, 0, &config) == 0, let config else {
            libusb_close(handle)
            throw TransportError.io("deskriptor konfigurasi tidak terbaca")
        }
        defer { libusb_free_config_descriptor(config) }
        var chosen: (Int32, UInt8, UInt8)?
        for i in 0..<Int(config.pointee.bNumInterfaces) where chosen == nil {
            let iface = config.pointee.interface[i]
            for a in 0..<Int(iface.num_altsetting) {
                let alt = iface.altsetting[a]
                guard alt.bInterfaceClass == UInt8(LIBUSB_CLASS_PRINTER.rawValue) else { continue }
                var out: UInt8?
                var inp: UInt8?
                for e in 0..<Int(alt.bNumEndpoints) {
                    let ep = alt.endpoint[e]
                    guard ep.bmAttributes & 0x03 == UInt8(LIBUSB_TRANSFER_TYPE_BULK.rawValue) else { continue }
                    if ep.bEndpointAddress & 0x80 != 0 { inp = inp ?? ep.bEndpointAddress } else { out = out ?? ep.bEndpointAddress }
                }
                if let out, let inp {
                    chosen = (Int32(alt.bInterfaceNumber), out, inp)
                    break
                }
            }
        }
        guard let (number, out, inp) = chosen else {
            libusb_close(handle)
            throw TransportError.io("antarmuka printer (kelas 7) dengan bulk IN/OUT tidak ada")
        }
        var detached = false
        if libusb_kernel_driver_active(handle, number) == 1 {
            let d = libusb_detach_kernel_driver(handle, number)
            guard d == 0 else {
                libusb_close(handle)
                throw TransportError.io("usblp tidak mau melepas printer: \(USBContext.name(d))")
            }
            detached = true
        }
        let claim = libusb_claim_interface(handle, number)
        guard claim == 0 else {
            if detached { libusb_attach_kernel_driver(handle, number) }
            libusb_close(handle)
            throw USBContext.error(claim)
        }
        return LibUSBTransport(handle: handle, interface: number, endpointOut: out, endpointIn: inp, detached: detached)
    }

    private init(handle: OpaquePointer, interface: Int32, endpointOut: UInt8, endpointIn: UInt8, detached: Bool) {
        self.handle = handle
        self.interface = interface
        self.endpointOut = endpointOut
        self.endpointIn = endpointIn
        self.detached = detached
    }

    private func isClosed() -> Bool { lock.withLock { closed } }

    public func write(_ bytes: [UInt8]) async throws {
        let result: Result<Void, TransportError> = await withCheckedContinuation { cont in
            queue.async { [self] in
                guard !isClosed() else { return cont.resume(returning: .failure(.disconnected("ditutup"))) }
                // One bulk transfer per 16 KiB, in turn: a panel of half a megabyte is not one
                // transfer that libusb would split into dozens of URBs in flight at once.
                var offset = 0
                repeat {
                    var chunk = Array(bytes[offset..<min(bytes.count, offset + Self.writeChunk)])
                    var sent: Int32 = 0
                    let rc = libusb_bulk_transfer(handle, endpointOut, &chunk, Int32(chunk.count), &sent, 30_000)
                    if rc != 0 { return cont.resume(returning: .failure(USBContext.error(rc))) }
                    offset += Int(sent)
                    if Int(sent) != chunk.count { return cont.resume(returning: .failure(.io("terkirim \(offset) dari \(bytes.count) bita"))) }
                } while offset < bytes.count
                cont.resume(returning: .success(()))
            }
        }
        try result.get()
    }

    public func read(timeout: Duration) async throws -> [UInt8] {
        let ms = UInt32(max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        let result: Result<[UInt8], TransportError> = await withCheckedContinuation { cont in
            queue.async { [self] in
                guard !isClosed() else { return cont.resume(returning: .failure(.disconnected("ditutup"))) }
                var buf = [UInt8](repeating: 0, count: Self.readSize)
                var got: Int32 = 0
                let rc = libusb_bulk_transfer(handle, endpointIn, &buf, Int32(buf.count), &got, ms)
                if rc != 0 { return cont.resume(returning: .failure(USBContext.error(rc))) }
                cont.resume(returning: .success(Array(buf.prefix(Int(got)))))
            }
        }
        return try result.get()
    }

    public func close() async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                let already = lock.withLock { () -> Bool in
                    defer { closed = true }
                    return closed
                }
                if !already {
                    libusb_release_interface(handle, interface)
                    if detached { libusb_attach_kernel_driver(handle, interface) }
                    libusb_close(handle)
                }
                cont.resume()
            }
        }
    }
}

/// Finds one printer by vendor id and serial number (never by bus position) and opens it.
/// When neither sysfs nor the string descriptor gives a serial, `serialProbe` asks the
/// printer itself (Evolis `Rsn`, Magicard `REQ,STA` → `MSR`).
public struct USBTransportSource: TransportSource {
    public var vendorID: Int
    public var productIDs: [Int]?
    public var serial: String
    public var serialProbe: (@Sendable (any ByteTransport) async -> String?)?

    public init(vendorID: Int, productIDs: [Int]?, serial: String, serialProbe: (@Sendable (any ByteTransport) async -> String?)? = nil) {
        self.vendorID = vendorID
        self.productIDs = productIDs
        self.serial = serial
        self.serialProbe = serialProbe
    }

    public func connect() async throws -> any ByteTransport {
        if let problem = USBContext.shared.problem { throw TransportError.io("libusb: \(problem)") }
        // The printer whose USB serial matches; else, when a device tells no serial, ask
        // each such device itself.
        let opened: Result<LibUSBTransport, TransportError>? = USBBus.withDevices(vendor: vendorID, products: productIDs) { records in
            guard let (_, dev) = records.first(where: { $0.0.serial == serial }) else { return nil }
            do { return .success(try LibUSBTransport.open(dev)) } catch let e as TransportError { return .failure(e) } catch {
                return .failure(.io("\(error)"))
            }
        }
        if let opened { return try opened.get() }
        let unknown: [LibUSBTransport] =
            serialProbe == nil
            ? []
            : USBBus.withDevices(vendor: vendorID, products: productIDs) { records in
                records.filter { $0.0.serial == nil }.compactMap { try? LibUSBTransport.open($0.1) }
            }
        var match: LibUSBTransport?
        for t in unknown {
            if match == nil, let probe = serialProbe, await probe(t) == serial { match = t } else { await t.close() }
        }
        if let match { return match }
        throw TransportError.disconnected(String(format: "printer %04x dengan nomor seri %@ tidak ada di USB", vendorID, serial))
    }
}
