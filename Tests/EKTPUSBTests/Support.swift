import EKTPDomain
import Foundation

@testable import EKTPDrivers

/// Shared test material: tiny-panel profiles (so byte streams stay readable), the test
/// card, and a scripted transport that checks every byte the driver writes.
enum TestMaterial {
    static let width = 8
    static let height = 2

    static func profile(id: String, protocol proto: String, vendor: String, vendorID: Int, productID: Int?, width: Int = width, height: Int = height)
        -> PrinterProfile
    {
        let json = """
            {"id":"\(id)","name":"\(id)","vendor":"\(vendor)","protocol":"\(proto)","document":"planes",
             "usb":{"vendor_id":\(vendorID),"product_ids":[\(productID.map(String.init) ?? "")]},
             "print":{"dpi":300,"panel_width":\(width),"panel_height":\(height),"seconds_per_card":20,"seconds_per_encode":0},
             "hopper":{"capacity":100},"ribbon":{"type":"YMCKO","capacity":300}}
            """
        return try! JSONDecoder().decode(PrinterProfile.self, from: Data(json.utf8))
    }

    /// An Evolis at the guide's panel size (1016 lines of 648 dots), as the printer takes it.
    /// No product id: any Evolis with a printer-class interface (usb.ids names only the Zenius).
    static let evolisFull = profile(id: "evolis-full", protocol: "evolis", vendor: "evolis", vendorID: 0x0f49, productID: nil, width: 1016, height: 648)
    static let magicard = profile(id: "magicard-test", protocol: "magicard", vendor: "magicard", vendorID: 0x0c1f, productID: 0x1800)
    static let catalog = ProfileCatalog(profiles: [evolisFull, magicard])

    /// The repository's own profiles.
    static func repositoryCatalog() throws -> ProfileCatalog {
        try ProfileCatalog.load(directory: repositoryRoot + "/drivers/profiles")
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The test card; the same values as `Fixtures/make-fixtures.py`.
    static func planes(width: Int = width, height: Int = height) -> PrintPlanes {
        let n = width * height
        let rowBytes = (width + 7) / 8
        let k: [UInt8] = width == 8 && height == 2 ? [0xAA, 0x55] : (0..<(rowBytes * height)).map { UInt8(truncatingIfNeeded: $0 * 37) }
        return PrintPlanes(
            geometry: PanelGeometry(width: width, height: height, dpi: 300),
            yellow: Data((0..<n).map { UInt8(truncatingIfNeeded: $0 * 16) }), magenta: Data(repeating: 0xFE, count: n), cyan: Data(repeating: 0, count: n),
            black: Data(k), overlay: Data(repeating: 0xFF, count: rowBytes * height))
    }

    /// The card of the umockdev scripts (`Fixtures/make-fixtures.py`, `guide_card`), upright
    /// landscape at the Evolis panel size: colour ramps, a diagonal black pattern, overlay
    /// everywhere; asymmetric, so a turned or mirrored panel cannot match the script.
    static func guideCard() -> PrintPlanes {
        let (w, h) = (1016, 648)
        let rowBytes = (w + 7) / 8
        var y = Data(count: w * h)
        var m = Data(count: w * h)
        var k = Data(count: rowBytes * h)
        for row in 0..<h {
            for x in 0..<w {
                y[row * w + x] = UInt8((x * 7 + row * 3) % 256)
                m[row * w + x] = UInt8((x / 4) % 256)
                if (x + 2 * row) % 5 == 0 { k[row * rowBytes + x / 8] |= 0x80 >> UInt8(x % 8) }
            }
        }
        return PrintPlanes(
            geometry: PanelGeometry(width: w, height: h, dpi: 300), yellow: y, magenta: m, cyan: Data(count: w * h), black: k,
            overlay: Data(repeating: 0xFF, count: rowBytes * h))
    }

    static let job = try! JobID("JOB-USB-1")

    static func esc(_ text: String) -> [UInt8] { [0x1B] + Array(text.utf8) + [0x0D] }
}

/// A transport that plays a printer from a script: each step is the exact bytes the
/// driver must write and the reply (nil: no reply; a thrown error: the device fails).
actor ScriptedTransport: ByteTransport, TransportSource {
    enum Answer: Sendable {
        case reply(String)
        case bytes([UInt8])
        case none
        case fail(TransportError)
    }
    struct Step: Sendable {
        var expect: [UInt8]
        var answer: Answer
    }

    private var steps: [Step]
    private var pending: [[UInt8]] = []
    private(set) var mismatches: [String] = []
    private(set) var written: [[UInt8]] = []
    private(set) var connects = 0

    init(_ steps: [Step]) { self.steps = steps }

    var remaining: Int { steps.count }

    func connect() async throws -> any ByteTransport {
        connects += 1
        return self
    }

    func write(_ bytes: [UInt8]) async throws {
        written.append(bytes)
        guard !steps.isEmpty else {
            mismatches.append("unexpected write \(String(decoding: bytes.prefix(40), as: UTF8.self).debugDescription)")
            throw TransportError.io("script ended")
        }
        let step = steps.removeFirst()
        guard step.expect == bytes else {
            mismatches.append(
                "expected \(String(decoding: step.expect.prefix(60), as: UTF8.self).debugDescription), got \(String(decoding: bytes.prefix(60), as: UTF8.self).debugDescription)"
            )
            throw TransportError.io("bytes differ")
        }
        switch step.answer {
        case .reply(let text): pending.append(Array(text.utf8) + [0x0D])
        case .bytes(let b): pending.append(b)
        case .none: break
        case .fail(let e): throw e
        }
    }

    func read(timeout: Duration) async throws -> [UInt8] {
        guard !pending.isEmpty else { throw TransportError.timeout }
        return pending.removeFirst()
    }

    func close() async {}
}
