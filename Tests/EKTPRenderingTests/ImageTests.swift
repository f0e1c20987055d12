import CCairo
import EKTPDomain
import EKTPSynthetic
import Foundation
import Testing

@testable import EKTPRendering

@Suite struct ImageTests {
    let renderer = Fixture.renderer

    @Test func syntheticImagesDecodeAndPassTheRecordChecks() throws {
        for seed: UInt64 in [0, 1, 2, 3, 42, .max] {
            let photo = try SyntheticPortrait.jpeg(seed: seed)
            let info = try ImageInfo(data: photo)
            #expect(info.format == .jpeg)
            #expect((info.width, info.height) == (300, 400))
            #expect(photo.count < CardLimits.maxPhotoBytes)
            let signature = try SyntheticSignature.png(seed: seed)
            #expect(try ImageInfo(data: signature).format == .png)
            #expect(signature.count < CardLimits.maxSignatureBytes)
            let card = Fixture.card(foto: photo, tandaTangan: signature)
            let check = card.validate(today: try CivilDate(year: 2025, month: 1, day: 1))
            #expect(check.problem == nil)
            _ = try renderer.plan(card)
        }
    }

    @Test func syntheticImagesAreStablePerSeedAndVaryAcrossSeeds() throws {
        let (p5, p5again, p6) = try (SyntheticPortrait.jpeg(seed: 5), SyntheticPortrait.jpeg(seed: 5), SyntheticPortrait.jpeg(seed: 6))
        #expect(p5 == p5again)
        #expect(p5 != p6)
        let (s5, s5again, s6) = try (SyntheticSignature.png(seed: 5), SyntheticSignature.png(seed: 5), SyntheticSignature.png(seed: 6))
        #expect(s5 == s5again)
        #expect(s5 != s6)
    }

    @Test func portraitBackgroundIsRedOrBlue() throws {
        // The top corners of the photo box are background: the YMC planes there are the
        // complement of a saturated red (little cyan) or blue (little yellow).
        var seen: Set<String> = []
        for seed: UInt64 in 0..<8 {
            let card = Fixture.card(foto: try SyntheticPortrait.jpeg(seed: seed))
            let planes = try renderer.planes(card, geometry: Fixture.evolis)
            let box = renderer.layout.photo.box
            let (x, y) = Dots(Fixture.evolis).point(box.x + 1, box.y + 1)
            let i = y * planes.geometry.width + x
            let (c, m, ye) = (planes.cyan[i], planes.magenta[i], planes.yellow[i])
            if c < 80 && m > 150 && ye > 150 { seen.insert("red") }
            if ye < 80 && c > 150 { seen.insert("blue") }
        }
        #expect(seen == ["red", "blue"])
    }

    @Test func aLargePhotoIsDecodedAtReducedScaleAndStillFillsTheBox() throws {
        // 1500 × 2000, as a registry scanner might deliver: decoded at 1/4 scale (375 × 500,
        // still finer than the box at 400 dpi), then drawn like any other.
        let big = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: 1500, height: 2000)
        big.withPixels { base, stride in
            for y in 0..<2000 {
                for x in 0..<(1500 * 4) { base[y * stride + x] = x % 4 == 3 ? 0 : UInt8((x / 4 + y) / 16 % 200) }
            }
        }
        let jpeg = try JPEG.encode(big, quality: 80)
        let decoded = try JPEG.decode(jpeg, minWidth: 315, minHeight: 410)
        #expect((decoded.surface.width, decoded.surface.height) == (375, 500))
        #expect(!decoded.fullSize)
        let card = Fixture.card(foto: jpeg)
        let plan = try renderer.plan(card)
        let planes = try renderer.planes(plan, geometry: Fixture.evolis)
        let dots = Dots(Fixture.evolis)
        let blank = dots.count(plan.photoBox, inset: 2, in: planes) { x, y in
            let i = y * planes.geometry.width + x
            return planes.yellow[i] == 0 && planes.magenta[i] == 0 && planes.cyan[i] == 0
        }
        #expect(blank < 50)
        #expect(try renderer.pdf(plan).count > 1000)
    }

    @Test func missingPhotoIsRefused() throws {
        let error = #expect(throws: RenderRefusal.self) { try renderer.plan(Fixture.card(foto: Data())) }
        #expect(error?.field == "Foto")
    }

    @Test(arguments: CorruptPhoto.allCases)
    func corruptPhotoIsRefusedWithAReason(_ kind: CorruptPhoto) throws {
        let error = #expect(throws: RenderRefusal.self) {
            try renderer.plan(Fixture.card(foto: kind.bytes(from: Fixture.photo)))
        }
        #expect(error?.field == "Foto")
        #expect((error?.message.count ?? 0) > 8)
    }

    @Test func aPNGPhotoIsRefused() throws {
        let error = #expect(throws: RenderRefusal.self) { try renderer.plan(Fixture.card(foto: Fixture.signature)) }
        #expect(error?.field == "Foto")
        #expect(error?.message.contains("JPEG") == true)
    }

    @Test func blankDarkOrCorruptSignatureIsRefused() throws {
        let cases: [(Data, String)] = [
            (Data(), "tidak ada"),
            (try blankPNG(), "kosong"),
            // A photo in place of a signature: mostly dark after thresholding.
            (Fixture.photo, "separuh"),
            (Data(Fixture.signature.prefix(200)) + Fixture.signature.suffix(12), "rusak"),
        ]
        for (bytes, reason) in cases {
            let error = #expect(throws: RenderRefusal.self) { try renderer.plan(Fixture.card(tandaTangan: bytes)) }
            #expect(error?.field == "Tanda Tangan")
            #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        }
    }

    private func blankPNG() throws -> Data {
        let surface = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: 200, height: 80)
        surface.withPixels { base, stride in base.update(repeating: 0xFF, count: stride * 80) }
        return try surface.pngData()
    }

    @Test func signatureIsThresholdedToCleanBlack() throws {
        for transparent in [false, true] {
            let card = Fixture.card(tandaTangan: try SyntheticSignature.png(seed: 3, transparent: transparent))
            let plan = try renderer.plan(card)
            let planes = try renderer.planes(plan, geometry: Fixture.evolis)
            let dots = Dots(Fixture.evolis)
            let inked = dots.count(plan.signatureRect, in: planes) { planes.blackDot(x: $0, y: $1) }
            #expect(inked > 300, "signature ink on the K plane (transparent: \(transparent))")
            // The signature is resin only: no dye under it.
            #expect(dots.count(plan.signatureRect, in: planes) { planes.yellow[$1 * planes.geometry.width + $0] > 0 } == 0)
            // Trimmed to its ink and fitted to the box: it touches two opposite box edges.
            let box = renderer.layout.signature.box
            let touchesWidth = abs(plan.signatureRect.width - box.width) < 1e-6
            let touchesHeight = abs(plan.signatureRect.height - box.height) < 1e-6
            #expect(touchesWidth || touchesHeight)
        }
    }
}

enum CorruptPhoto: String, CaseIterable, CustomTestStringConvertible {
    case notAnImage, truncated, damagedScan, wrongMagic
    var testDescription: String { rawValue }

    func bytes(from jpeg: Data) -> Data {
        var b = [UInt8](jpeg)
        switch self {
        case .notAnImage: return Data("bukan gambar sama sekali".utf8)
        case .truncated: return Data(b.prefix(b.count / 2))
        case .wrongMagic:
            b[0] = 0x00
            return Data(b)
        case .damagedScan:
            // Garbage in the middle of the entropy-coded data; the file still ends with EOI,
            // so only the decoder can notice.
            var state: UInt32 = 12345
            for i in (b.count / 3)..<(b.count / 3 + 400) {
                state = state &* 1_103_515_245 &+ 12345
                b[i] = UInt8(truncatingIfNeeded: state >> 16)
                if b[i] == 0xFF { b[i] = 0xFE }
            }
            for i in stride(from: b.count / 3, to: b.count / 3 + 400, by: 50) { b[i] = 0xFF; b[i + 1] = 0xD5 }
            return Data(b)
        }
    }
}

/// Card millimetres to panel dots, the way the renderer centres the card on a panel.
struct Dots {
    let geometry: PanelGeometry
    init(_ geometry: PanelGeometry) { self.geometry = geometry }
    var scale: Double { Double(geometry.dpi) / 25.4 }
    var origin: (Double, Double) {
        ((Double(geometry.width) - 85.60 * scale) / 2, (Double(geometry.height) - 53.98 * scale) / 2)
    }
    func point(_ x: Double, _ y: Double) -> (Int, Int) {
        (Int(origin.0 + x * scale), Int(origin.1 + y * scale))
    }
    /// Dots inside `rect` (shrunk by `inset` dots) for which `test` holds.
    func count(_ rect: CardRect, inset: Int = 0, in planes: PrintPlanes, _ test: (Int, Int) -> Bool) -> Int {
        let (x0, y0) = point(rect.x, rect.y)
        let (x1, y1) = point(rect.maxX, rect.maxY)
        var n = 0
        for y in (y0 + inset)..<(y1 - inset) { for x in (x0 + inset)..<(x1 - inset) where test(x, y) { n += 1 } }
        return n
    }
}
