import EKTPDomain
import Foundation
import Testing

@testable import EKTPDrivers

/// The Magicard encoder against what Magicard's own software sends: the capture of its Linux
/// filter's output in pc-coholic/magicardppd (`tools-and-traces/magicard.prn`), that filter's
/// source (`rastertoultra.c`) and Magicard's document "File format for the Magicard
/// Enduro/Pronto printers". The capture is not in this tree; the facts taken from it are
/// written here with their byte offsets (docs/usb.md, "Magicard").
@Suite struct MagicardConformanceTests {
    static let width = 1016
    static let height = 642
    static let geometry = PanelGeometry(width: width, height: height)
    static let options = MagicardProtocol.JobOptions(
        overcoat: true, ribbon: .ymcko, time: Date(timeIntervalSince1970: 0x5362_BAB5))

    /// The capture's header fields in order (offsets 78–287), names only: ours must be the
    /// same order, leaving out only fields for features ektp does not use (mag stripe COE,
    /// HoloKote HKT/CKI/HKM/TRO, resin quality RSP) and adding the ribbon code LC where the
    /// filter's code puts it (after TDT, before the head id).
    static let captureOrder = [
        "NOC", "VER", "LAN", "TDT", "RSP", "LC", "COE", "KGE2", "DPX", "PAG", "IMF", "XCO", "YCO", "WID", "HGT", "OVR", "NNN", "USF", "HKT",
        "CKI", "HKM", "TRO", "PCT", "ICC", "CPW", "DDD", "SZB", "SZG", "SZR", "SZK",
    ]

    static func card(ink: Bool = true) -> PrintPlanes {
        let n = width * height
        let rowBytes = (width + 7) / 8
        var y = Data(count: n)
        var k = Data(count: rowBytes * height)
        if ink {
            for row in 0..<height { for x in 0..<width where (x + row) % 9 == 0 { y[row * width + x] = 0xFF } }
            k[0] = 0x80
        }
        return PrintPlanes(
            geometry: geometry, yellow: y, magenta: Data(count: n), cyan: Data(count: n), black: k, overlay: Data(repeating: 0xFF, count: rowBytes * height))
    }

    /// Splits a job by the vendor's grammar, using the SZ lengths (0x1C also occurs inside
    /// plane data, capture offset 536715 for one).
    static func parse(_ job: [UInt8]) throws -> (fields: [String], planes: [(Character, [UInt8])], trailer: [UInt8]) {
        #expect(Array(job.prefix(64)) == [UInt8](repeating: 0x05, count: 64))  // offsets 12–75
        #expect(Array(job[64..<66]) == [0x01, 0x2C])  // offsets 76–77: SOH and its comma
        let fs = try #require(job[66...].firstIndex(of: 0x1C))
        let header = String(decoding: job[66..<fs], as: UTF8.self)
        #expect(!header.hasSuffix(","), "no comma before FS (offset 288)")
        // PCT carries three commas of its own (offset 217).
        var fields: [String] = []
        var parts = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)[...]
        while let field = parts.popFirst() {
            fields.append(field.hasPrefix("PCT") ? ([field] + parts.prefix(3)).joined(separator: ",") : field)
            if field.hasPrefix("PCT") { parts = parts.dropFirst(3) }
        }
        var at = fs + 1
        var planes: [(Character, [UInt8])] = []
        for field in fields where field.hasPrefix("SZ") {
            let letter = field[field.index(field.startIndex, offsetBy: 2)]
            let size = try #require(Int(field.dropFirst(3)))
            planes.append((letter, Array(job[at..<(at + size)])))
            at += size
            #expect(Array(job[at..<(at + 3)]) == [0x1C, UInt8(String(letter).utf8.first!), 0x3A], "plane \(letter) ends 1C \(letter) 3A")
            at += 3
        }
        return (fields, planes, Array(job[at...]))
    }

    @Test func aColourCardHasTheVendorsFraming() throws {
        let job = MagicardProtocol.job(Self.card(), options: Self.options)
        let (fields, planes, trailer) = try Self.parse(job)
        #expect(trailer == [0x03], "a single ETX after the last plane (offset 1853485)")
        let names = fields.map { f in Self.captureOrder.first { f.hasPrefix($0) } ?? "?" + f }
        #expect(!names.contains { $0.hasPrefix("?") }, "\(fields)")
        #expect(names == Self.captureOrder.filter(names.contains), "fields in the capture's order: \(names)")
        #expect(fields.contains("NOC1") && fields.first == "NOC1")
        #expect(fields.contains("TDT5362BAB5"), "Unix time in hex, as the filter writes it (offset 98)")
        #expect(fields.contains("LC1") && fields.contains("KGE2") && fields.contains("IMFBGRK") && fields.contains("XCO0") && fields.contains("YCO0"))
        #expect(fields.contains("WID1016") && fields.contains("HGT642") && fields.contains("OVRON") && fields.contains("PCT0,0,1015,641"))
        // Only planes with ink are sent, in B, G, R, K order; KGE sizes 576·WID and 96·WID
        // (capture: 585216 and 97536).
        #expect(planes.map(\.0) == ["B", "K"])
        #expect(planes.map(\.1.count) == [585_216, 97_536])
        #expect(fields.filter { $0.hasPrefix("SZ") } == ["SZB585216", "SZK97536"])
        #expect(fields.last == "SZK97536")
        let headerLength = job.count - 64 - 2 - 1 - planes.reduce(0) { $0 + $1.1.count + 3 } - 1
        #expect(headerLength == fields.joined(separator: ",").utf8.count)
    }

    /// A card with no ink at all still carries a zero K plane (rastertoultra.c 4838-4845).
    @Test func aBlankCardSendsAZeroBlackPlane() throws {
        let (fields, planes, _) = try Self.parse(MagicardProtocol.job(Self.card(ink: false), options: Self.options))
        #expect(fields.contains("IMFK") && fields.contains("SZK97536"))
        #expect(planes.count == 1 && planes[0].0 == "K" && planes[0].1.allSatisfy { $0 == 0 })
    }

    /// Single dots and where the capture's plane layout puts them (the KGE head's
    /// interleaved words and the Enduro bit reversal, decoded from the capture and checked
    /// by re-encoding its four planes byte for byte).
    @Test(arguments: [
        ("Y", 0, 0, UInt8(0xFF), 50, [92, 188, 284, 380, 476, 572], UInt8(0x40)),  // top-left, full ink: all six bit-planes
        ("Y", 1, 641, UInt8(0x04), 50, [603], UInt8(0x02)),  // density 1: bit-plane 0 only
        ("M", 10, 100, UInt8(0x80), 50, [6307], UInt8(0x40)),  // density 32: bit-plane 5
        ("Y", 0, 0, UInt8(0xFF), 60, [89, 185, 281, 377, 473, 569], UInt8(0x04)),  // head position 60
    ])
    func oneColourDotLandsWhereTheCaptureSays(plane: String, x: Int, y: Int, value: UInt8, head: Int, bytes: [Int], expected: UInt8) {
        var ink = Data(count: Self.width * Self.height)
        ink[y * Self.width + x] = value
        let encoded = MagicardProtocol.encodeColourPlane(ink, width: Self.width, height: Self.height, headPosition: head)
        #expect(encoded.count == 585_216)
        let set = encoded.indices.filter { encoded[$0] != 0 }
        #expect(set == bytes, "\(plane) at (\(x), \(y))")
        #expect(set.allSatisfy { encoded[$0] == expected })
    }

    @Test func oneBlackDotLandsWhereTheCaptureSays() {
        var bits = Data(count: 127 * Self.height)
        bits[320 * 127 + 1015 / 8] = 0x80 >> UInt8(1015 % 8)
        let encoded = MagicardProtocol.encodeBlackPlane(bits, width: Self.width, height: Self.height)
        #expect(encoded.count == 97_536)
        #expect(encoded.indices.filter { encoded[$0] != 0 } == [97_452])
        #expect(encoded[97_452] == 0x40)
    }

    /// The status request the filter sends before a job (capture offsets 0–11) and the
    /// `STA$$` reply it parses (document Fig. 9–10).
    @Test func statusIsTheINFRequestAndItsPositionalReply() throws {
        #expect(MagicardProtocol.request("INF") == [0x01, 0x2C] + Array("REQ,INF,".utf8) + [0x1C, 0x03])
        var fields = (0..<35).map { _ in "0" }
        fields[1] = "Enduro"
        fields[3] = "MC0042"
        fields[6] = "1.2.3"
        fields[9] = "501"
        fields[16] = "48"
        fields[19] = "11"
        fields[20] = "1"
        fields[22] = "1000"
        fields[23] = "250"
        let reply = [0x01] + Array(("STA$$" + fields.joined(separator: ",") + ",").utf8) + [0x03]
        let status = try #require(MagicardProtocol.parseINF(reply))
        #expect(status.model == "Enduro" && status.serial == "MC0042" && status.firmware == "1.2.3")
        #expect(status.totalCards == 501 && status.headPosition == 48 && status.majorError == 11 && status.minorError == 1)
        #expect(status.ribbonShotsRemaining == 750)
        #expect(MagicardProtocol.condition(major: 11, minor: 1).stopsPrinting)
        #expect(MagicardProtocol.parseINF(Array("OK".utf8)) == nil)
    }

    /// The ribbon codes (selphy_print's reading, the only public one: LC1 YMCKO, LC3 mono,
    /// LC6 KO, LC8 YMCKOK).
    @Test func ribbonCodes() {
        #expect(MagicardProtocol.Ribbon(profileType: "YMCKO")?.field == "LC1")
        #expect(MagicardProtocol.Ribbon(profileType: "K")?.field == "LC3")
        #expect(MagicardProtocol.Ribbon(profileType: "KO")?.field == "LC6")
        #expect(MagicardProtocol.Ribbon(profileType: "YMCKOK")?.field == "LC8")
        #expect(MagicardProtocol.Ribbon(profileType: "YMCKH") == nil)
    }
}
