import EKTPDomain
import Foundation

@testable import EKTPDrivers

/// Shared test material: profiles at the printers' own panel sizes and the test cards.
enum TestMaterial {
    static func profile(id: String, protocol proto: String, vendor: String, vendorID: Int, productID: Int?, width: Int, height: Int)
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
    /// A Magicard of the Enduro family at its image size (1016 × 642), any product id.
    static let magicardFull = profile(
        id: "magicard-full", protocol: "magicard", vendor: "magicard", vendorID: 0x0c1f, productID: nil, width: 1016, height: 642)
    static let catalog = ProfileCatalog(profiles: [evolisFull, magicardFull])

    /// A blank card with one black dot at (x, y).
    static func oneBlackDot(x: Int, y: Int, width: Int, height: Int) -> PrintPlanes {
        let rowBytes = (width + 7) / 8
        var black = Data(count: rowBytes * height)
        black[y * rowBytes + x / 8] = 0x80 >> UInt8(x % 8)
        return PrintPlanes(
            geometry: PanelGeometry(width: width, height: height, dpi: 300), yellow: Data(count: width * height), magenta: Data(count: width * height),
            cyan: Data(count: width * height), black: black, overlay: Data(count: rowBytes * height))
    }

    /// The repository's own profiles.
    static func repositoryCatalog() throws -> ProfileCatalog {
        try ProfileCatalog.load(directory: repositoryRoot + "/drivers/profiles")
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
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
