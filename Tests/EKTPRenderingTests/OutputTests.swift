import EKTPDomain
import EKTPSynthetic
import Foundation
import Testing

@testable import EKTPRendering

@Suite struct OutputTests {
    let renderer = Fixture.renderer

    @Test(arguments: [Fixture.evolis, Fixture.magicard, PanelGeometry(width: 1013, height: 640)])
    func planesHaveThePanelSizeAndBitDepth(_ geometry: PanelGeometry) throws {
        let planes = try renderer.planes(Fixture.card(), geometry: geometry)
        let (w, h) = (geometry.width, geometry.height)
        #expect(planes.geometry == geometry)
        for plane in [planes.yellow, planes.magenta, planes.cyan] { #expect(plane.count == w * h) }
        #expect(planes.bitRowBytes == (w + 7) / 8)
        #expect(planes.black.count == (w + 7) / 8 * h)
        #expect(planes.overlay.count == (w + 7) / 8 * h)
        // Padding bits past the last dot of a row are zero in both 1-bit planes.
        if w % 8 != 0 {
            let padding = UInt8(0xFF) >> UInt8(w % 8)
            for y in 0..<h {
                let last = y * planes.bitRowBytes + planes.bitRowBytes - 1
                #expect(planes.black[last] & padding == 0)
                #expect(planes.overlay[last] & padding == 0)
            }
        }
    }

    @Test(arguments: [Fixture.evolis, Fixture.magicard])
    func textIsResinBlackAndThePhotoIsDyeOnly(_ geometry: PanelGeometry) throws {
        let plan = try renderer.plan(Fixture.card())
        let planes = try renderer.planes(plan, geometry: geometry)
        let dots = Dots(geometry)
        let w = geometry.width
        let photo = plan.photoBox

        // No resin in the photo box, dye all over it.
        #expect(dots.count(photo, in: planes) { planes.blackDot(x: $0, y: $1) } == 0)
        let dyed = dots.count(photo, inset: 2, in: planes) { x, y in
            let i = y * w + x
            return planes.yellow[i] > 0 || planes.magenta[i] > 0 || planes.cyan[i] > 0
        }
        let (x0, y0) = dots.point(photo.x, photo.y)
        let (x1, y1) = dots.point(photo.maxX, photo.maxY)
        #expect(dyed == (x1 - x0 - 4) * (y1 - y0 - 4))

        // Resin where each value is written, and no dye there.
        for field in [CardField.nik, .nama, .alamat, .provinsi, .tempatTerbit] {
            let text = try #require(plan.value(field))
            let line = text.lines[0]
            let box = CardRect(x: line.x, y: line.baseline - text.size * 0.75, width: line.width, height: text.size * 0.75)
            let ink = dots.count(box, in: planes) { planes.blackDot(x: $0, y: $1) }
            #expect(ink > 20 * line.text.count / 2, "\(field): \(ink) dots of resin")
            #expect(dots.count(box, in: planes) { planes.cyan[$1 * w + $0] > 0 } == 0, "\(field): dye under text")
        }
        // Nothing outside the card area on the K plane; the margin between header lines is clear.
        let gap = CardRect(x: 2, y: 8.6, width: 58, height: 1.3)
        #expect(dots.count(gap, in: planes) { planes.blackDot(x: $0, y: $1) } == 0)
    }

    @Test func overlayCoversAllButTheKeepOutAreas() throws {
        let chip = CardRect(x: 10.25, y: 19.23, width: 12.0, height: 10.0)
        let card = Fixture.card()
        let plain = try renderer.planes(card, geometry: Fixture.evolis)
        #expect(plain.overlay.allSatisfy { $0 == 0xFF })
        let planes = try renderer.planes(card, geometry: Fixture.evolis, overlayKeepOut: [chip])
        let dots = Dots(Fixture.evolis)
        let cleared = dots.count(chip, inset: 1, in: planes) { !planes.overlayDot(x: $0, y: $1) }
        let (x0, y0) = dots.point(chip.x, chip.y)
        let (x1, y1) = dots.point(chip.maxX, chip.maxY)
        #expect(cleared == (x1 - x0 - 2) * (y1 - y0 - 2))
        let total = planes.overlay.reduce(0) { $0 + $1.nonzeroBitCount }
        let expectedCleared = Double(12.0 * 10.0) * dots.scale * dots.scale
        let missing = Double(1016 * 648 - total)
        #expect(abs(missing - expectedCleared) < 0.05 * expectedCleared)
        // Everything else is identical.
        #expect(planes.black == plain.black && planes.cyan == plain.cyan)
    }

    @Test func pdfIsOneCardSizedPage() throws {
        let pdf = try renderer.pdf(Fixture.card())
        #expect(pdf.starts(with: Array("%PDF-".utf8)))
        let text = String(decoding: pdf, as: UTF8.self)
        let boxes = mediaBoxes(text)
        #expect(boxes.count == 1)
        let box = try #require(boxes.first)
        #expect(box[0] == 0 && box[1] == 0)
        #expect(abs(box[2] - 85.60 / 25.4 * 72) < 0.01)
        #expect(abs(box[3] - 53.98 / 25.4 * 72) < 0.01)
        #expect(text.contains("/Type /Page\n") || text.contains("/Type /Page "))
        #expect(text.contains("LiberationSans-Bold"))
        #expect(text.contains("LiberationSans"))
        // The photo goes in as the record's own JPEG, not re-compressed pixels.
        #expect(text.contains("/DCTDecode"))
        #expect(pdf.range(of: Fixture.photo.prefix(600)) != nil)
    }

    @Test func pngPreviewIsEightBitRGBAtTheAskedResolution() throws {
        for (dpi, w, h) in [(300, 1011, 638), (150, 506, 319)] {
            let png = try renderer.png(Fixture.card(), dpi: dpi)
            let b = [UInt8](png)
            #expect(b.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            #expect(Array(b[12..<16]) == Array("IHDR".utf8))
            let width = b[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = b[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect((width, height) == (w, h))
            #expect(b[24] == 8, "bit depth")
            #expect(b[25] == 2, "colour type RGB")
        }
        #expect(throws: RenderError.self) { try renderer.png(Fixture.card(), dpi: 5) }
    }

    @Test func allOutputsComeFromOnePlanAndAgree() throws {
        // The PNG at 300 dpi and the planes on a panel of the card's size put the same text
        // in the same dots: every dark preview pixel has resin within one dot, and back.
        // (The panel centres the card, a fraction of a dot off the preview's origin.)
        let plan = try renderer.plan(Fixture.card(nama: "RADEN AYU SITI NURHALIZAH KUSUMAWARDHANI PRAWIROHADIKUSUMO"))
        let (w, h) = (1011, 638)
        let planes = try renderer.planes(plan, geometry: PanelGeometry(width: w, height: h))
        let preview = try CairoSurface(png: renderer.png(plan, dpi: 300))
        let perMillimetre = 300 / 25.4
        var dark = [Bool](repeating: false, count: w * h)
        var resin = [Bool](repeating: false, count: w * h)
        preview.withPixels { base, stride in
            for y in 0..<h {
                let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<w {
                    let inPhoto =
                        Double(x) / perMillimetre >= plan.photoBox.x - 0.2
                        && Double(y) / perMillimetre < plan.photoBox.maxY + 0.2
                    guard !inPhoto else { continue }
                    // Black at 50 % coverage or more, the K plane's own cut.
                    dark[y * w + x] = row[x] & 0xFF < 128
                    resin[y * w + x] = planes.blackDot(x: x, y: y)
                }
            }
        }
        func near(_ plane: [Bool], _ x: Int, _ y: Int) -> Bool {
            for dy in -1...1 { for dx in -1...1 where plane[min(h - 1, max(0, y + dy)) * w + min(w - 1, max(0, x + dx))] { return true } }
            return false
        }
        var matched = 0
        var unmatched = 0
        for y in 0..<h {
            for x in 0..<w where dark[y * w + x] || resin[y * w + x] {
                let ok = dark[y * w + x] ? near(resin, x, y) : near(dark, x, y)
                if ok { matched += 1 } else { unmatched += 1 }
            }
        }
        #expect(matched > 20_000)
        #expect(unmatched < 20, "preview and K plane disagree at \(unmatched) dots")
    }

    @Test func rendersConcurrentlyWithTheSameResult() async throws {
        let cards = (0..<6).map { Fixture.card(nama: "ANAK KE \($0)") }
        let renderer = renderer
        let sequential = try cards.map { try renderer.planes($0, geometry: Fixture.evolis) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, PrintPlanes).self) { group in
            for (i, card) in cards.enumerated() {
                group.addTask { (i, try renderer.planes(card, geometry: Fixture.evolis)) }
            }
            var out: [Int: PrintPlanes] = [:]
            for try await (i, planes) in group { out[i] = planes }
            return (0..<cards.count).map { out[$0]! }
        }
        #expect(concurrent == sequential)
    }

    @Test func documentFollowsThePrinterKind() throws {
        guard case .pdf(let pdf) = try renderer.document(Fixture.card(), for: .pdf) else {
            Issue.record("expected a PDF")
            return
        }
        #expect(pdf.starts(with: Array("%PDF".utf8)))
        guard case .planes(let planes) = try renderer.document(Fixture.card(), for: .planes(Fixture.magicard)) else {
            Issue.record("expected planes")
            return
        }
        #expect(planes.geometry == Fixture.magicard)
    }

    private func mediaBoxes(_ pdf: String) -> [[Double]] {
        var result: [[Double]] = []
        var rest = pdf[...]
        while let r = rest.range(of: "/MediaBox") {
            rest = rest[r.upperBound...]
            guard let open = rest.firstIndex(of: "["), let close = rest.firstIndex(of: "]") else { break }
            result.append(rest[rest.index(after: open)..<close].split(separator: " ").compactMap { Double($0) })
            rest = rest[close...]
        }
        return result
    }
}

@Suite struct GoldenTests {
    let renderer = Fixture.renderer

    @Test func standardCard() throws {
        try GoldenImage.check(renderer.png(Fixture.card(), dpi: 150), named: "standard")
    }

    @Test func longNameAndAddressWrapped() throws {
        let card = Fixture.card(
            nama: "RADEN AYU SITI NURHALIZAH KUSUMAWARDHANI PRAWIROHADIKUSUMO",
            alamat: "JL. RAYA SETU CIBITUNG KM. 12 PERUM GRIYA ASRI BLOK C.7 NO. 21 KAMPUNG BULAK"
        ) {
            $0.pekerjaan = "KARYAWAN BADAN USAHA MILIK NEGARA"
            $0.agama = "KEPERCAYAAN TERHADAP TUHAN YME"
            $0.provinsi = "KEPULAUAN BANGKA BELITUNG"
            $0.kabupatenKota = "KABUPATEN BANGKA BARAT"
        }
        try GoldenImage.check(renderer.png(card, dpi: 150), named: "long-wrapped")
    }

    @Test func punctuatedNameForeignResident() throws {
        let card = Fixture.card(
            nama: "MUH. RIDWAN A'ISYAH NUR-HALIZA", female: false,
            foto: try SyntheticPortrait.jpeg(seed: 2), tandaTangan: try SyntheticSignature.png(seed: 2, transparent: true)
        ) {
            $0.kewarganegaraan = .wna
            $0.berlakuHingga = .until(try! CivilDate(year: 2029, month: 3, day: 4))
            $0.golonganDarah = .abNeg
            $0.statusPerkawinan = .belumKawin
        }
        try GoldenImage.check(renderer.png(card, dpi: 150), named: "punctuated-wna")
    }
}
