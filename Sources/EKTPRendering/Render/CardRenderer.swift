internal import CCairo
import EKTPDomain
import Foundation

/// Turns a card record into print-ready output: a card-size PDF for the CUPS path, YMC/K/O
/// planes for direct drivers, and a PNG preview. Every output is drawn from one
/// `CardLayoutPlan`, so they agree. Thread-safe: each call makes its own cairo objects.
public struct CardRenderer: Sendable {
    public let layout: CardLayout
    private let fonts: CardFonts

    /// A renderer for `layout`. Loads the layout's font (once per process).
    public init(layout: CardLayout) throws(RenderError) {
        self.layout = layout
        fonts = try CardFonts.named(layout.font.family)
    }

    /// A renderer for the KTP-el layout shipped with the package.
    public static func standard() throws(RenderError) -> CardRenderer {
        try CardRenderer(layout: CardLayout.standard())
    }

    /// Lays the card out: fits every value, decodes and checks the photo and signature.
    /// Throws `RenderRefusal` when the card's data cannot be printed well, `RenderError`
    /// when the station cannot render.
    public func plan(_ card: CardRecord) throws -> CardLayoutPlan {
        try CardLayoutPlan(card: card, layout: layout, fonts: fonts)
    }

    // MARK: PDF

    /// A one-page PDF exactly the size of the card (85.60 × 53.98 mm), variable data only.
    public func pdf(_ card: CardRecord) throws -> Data { try pdf(plan(card)) }

    /// The PDF of an already computed plan.
    public func pdf(_ plan: CardLayoutPlan) throws(RenderError) -> Data {
        let pointsPerMillimetre = 72 / 25.4
        let sink = ByteSink(capacity: 96 * 1024)
        try withExtendedLifetime(sink) { () throws(RenderError) in
            let surface = try CairoSurface(
                pdfTo: sink, widthPoints: plan.layout.card.width * pointsPerMillimetre,
                heightPoints: plan.layout.card.height * pointsPerMillimetre)
            cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_CREATOR, "ektp")
            let cr = try CairoContext(surface)
            cairo_scale(cr.pointer, pointsPerMillimetre, pointsPerMillimetre)
            try CardDrawing.draw(plan, .all, on: cr, forPDF: true)
            cairo_show_page(cr.pointer)
            try cr.check("menutup halaman PDF")
            try surface.finish()
        }
        return sink.data
    }

    // MARK: Planes

    /// Print planes for a direct driver at the printer's panel geometry. The card is centred
    /// on the panel. `overlayKeepOut` lists areas (card millimetres) the overlay must not
    /// cover, such as a chip or a hologram window.
    public func planes(_ card: CardRecord, geometry: PanelGeometry, overlayKeepOut: [CardRect] = []) throws -> PrintPlanes {
        try planes(plan(card), geometry: geometry, overlayKeepOut: overlayKeepOut)
    }

    /// The planes of an already computed plan.
    public func planes(
        _ plan: CardLayoutPlan, geometry: PanelGeometry, overlayKeepOut: [CardRect] = []
    ) throws(RenderError) -> PrintPlanes {
        let (w, h) = (geometry.width, geometry.height)
        guard w > 0, h > 0, w <= 4000, h <= 4000, geometry.dpi >= 100, geometry.dpi <= 1200 else {
            throw RenderError("geometri panel \(w)×\(h) pada \(geometry.dpi) dpi tidak wajar")
        }
        let scale = Double(geometry.dpi) / 25.4
        let originX = (Double(w) - plan.layout.card.width * scale) / 2
        let originY = (Double(h) - plan.layout.card.height * scale) / 2
        func place(_ cr: CairoContext) {
            cairo_translate(cr.pointer, originX, originY)
            cairo_scale(cr.pointer, scale, scale)
        }

        // Colour: the photo only, dye-sublimated; text and signature go to resin black.
        // Only the photo box's dots are drawn and converted: elsewhere there is no dye.
        let box = plan.photoBox
        let bx0 = max(0, Int((originX + box.x * scale).rounded(.down)))
        let by0 = max(0, Int((originY + box.y * scale).rounded(.down)))
        let bx1 = min(w, Int((originX + box.maxX * scale).rounded(.up)))
        let by1 = min(h, Int((originY + box.maxY * scale).rounded(.up)))
        var yellow = Data(count: w * h)
        var magenta = Data(count: w * h)
        var cyan = Data(count: w * h)
        if bx0 < bx1, by0 < by1 {
            let colour = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: bx1 - bx0, height: by1 - by0)
            do {
                let cr = try CairoContext(colour)
                cairo_set_source_rgb(cr.pointer, 1, 1, 1)
                cairo_paint(cr.pointer)
                cairo_translate(cr.pointer, originX - Double(bx0), originY - Double(by0))
                cairo_scale(cr.pointer, scale, scale)
                try CardDrawing.draw(plan, .photo, on: cr)
            }
            colour.withPixels { base, stride in
                yellow.withUnsafeMutableBytes { yRaw in
                    magenta.withUnsafeMutableBytes { mRaw in
                        cyan.withUnsafeMutableBytes { cRaw in
                            let (y, m, c) = (
                                yRaw.bindMemory(to: UInt8.self), mRaw.bindMemory(to: UInt8.self),
                                cRaw.bindMemory(to: UInt8.self)
                            )
                            for row in 0..<(by1 - by0) {
                                let pixels = UnsafeRawPointer(base + row * stride).assumingMemoryBound(to: UInt32.self)
                                let start = (by0 + row) * w + bx0
                                for x in 0..<(bx1 - bx0) {
                                    // Subtractive complement of 0x00RRGGBB; colour management is
                                    // the printer's own (its ribbon LUT).
                                    let p = ~pixels[x]
                                    c[start + x] = UInt8(truncatingIfNeeded: p >> 16)
                                    m[start + x] = UInt8(truncatingIfNeeded: p >> 8)
                                    y[start + x] = UInt8(truncatingIfNeeded: p)
                                }
                            }
                        }
                    }
                }
            }
        }

        // Resin black: text and signature, antialiased and then cut at half coverage.
        let coverage = try CairoSurface(format: CAIRO_FORMAT_A8, width: w, height: h)
        do {
            let cr = try CairoContext(coverage)
            place(cr)
            try CardDrawing.draw(plan, [.text, .signature], on: cr)
        }
        let rowBytes = (w + 7) / 8
        var black = Data(count: rowBytes * h)
        coverage.withPixels { base, stride in
            black.withUnsafeMutableBytes { raw in
                let out = raw.bindMemory(to: UInt8.self)
                for row in 0..<h {
                    let a = base + row * stride
                    let o = row * rowBytes
                    var x = 0
                    // Most of the card has no text: skip eight blank dots at a time.
                    while x < w {
                        if x + 8 <= w, UnsafeRawPointer(a + x).loadUnaligned(as: UInt64.self) == 0 {
                            x += 8
                            continue
                        }
                        if a[x] >= 128 { out[o + x >> 3] |= 0x80 >> UInt8(x & 7) }
                        x += 1
                    }
                }
            }
        }

        // Overlay: everywhere, less the keep-out areas (whole dots, rounded outward).
        var overlay = Data(repeating: 0xFF, count: rowBytes * h)
        if w % 8 != 0 {
            let lastMask = UInt8(truncatingIfNeeded: 0xFF << (8 - w % 8))
            for row in 0..<h { overlay[row * rowBytes + rowBytes - 1] = lastMask }
        }
        for rect in overlayKeepOut {
            let x0 = max(0, Int((originX + rect.x * scale).rounded(.down)))
            let x1 = min(w, Int((originX + rect.maxX * scale).rounded(.up)))
            let y0 = max(0, Int((originY + rect.y * scale).rounded(.down)))
            let y1 = min(h, Int((originY + rect.maxY * scale).rounded(.up)))
            guard x0 < x1, y0 < y1 else { continue }
            for row in y0..<y1 {
                for x in x0..<x1 { overlay[row * rowBytes + x >> 3] &= ~(0x80 >> UInt8(x & 7)) }
            }
        }
        return PrintPlanes(
            geometry: geometry, yellow: yellow, magenta: magenta, cyan: cyan, black: black, overlay: overlay)
    }

    // MARK: Driver documents

    /// What a printer of `kind` takes for this card: the PDF, or the planes at its geometry.
    public func document(
        _ card: CardRecord, for kind: CardDocumentKind, overlayKeepOut: [CardRect] = []
    ) throws -> CardDocument {
        let plan = try plan(card)
        switch kind {
        case .pdf: return .pdf(try pdf(plan))
        case .planes(let geometry): return .planes(try planes(plan, geometry: geometry, overlayKeepOut: overlayKeepOut))
        }
    }

    // MARK: PNG preview

    /// An 8-bit RGB PNG preview of the card at `dpi` (white card with a faint outline).
    public func png(_ card: CardRecord, dpi: Int = 300) throws -> Data { try png(plan(card), dpi: dpi) }

    /// The preview of an already computed plan.
    public func png(_ plan: CardLayoutPlan, dpi: Int = 300) throws(RenderError) -> Data {
        guard (36...1200).contains(dpi) else { throw RenderError("resolusi pratinjau \(dpi) dpi tidak wajar") }
        let scale = Double(dpi) / 25.4
        let card = plan.layout.card
        let surface = try CairoSurface(
            format: CAIRO_FORMAT_RGB24, width: Int((card.width * scale).rounded()),
            height: Int((card.height * scale).rounded()))
        let cr = try CairoContext(surface)
        let c = cr.pointer
        cairo_set_source_rgb(c, 1, 1, 1)
        cairo_paint(c)
        cairo_scale(c, scale, scale)
        // The card's edge, so the preview reads as a card on a white page.
        let inset = 0.15
        let r = card.cornerRadius - inset
        let (x0, y0, x1, y1) = (inset, inset, card.width - inset, card.height - inset)
        cairo_new_sub_path(c)
        cairo_arc(c, x1 - r, y0 + r, r, -.pi / 2, 0)
        cairo_arc(c, x1 - r, y1 - r, r, 0, .pi / 2)
        cairo_arc(c, x0 + r, y1 - r, r, .pi / 2, .pi)
        cairo_arc(c, x0 + r, y0 + r, r, .pi, 3 * .pi / 2)
        cairo_close_path(c)
        cairo_set_source_rgb(c, 0.75, 0.75, 0.75)
        cairo_set_line_width(c, 0.2)
        cairo_stroke(c)
        try CardDrawing.draw(plan, .all, on: cr)
        return try PNGWriter.rgb(surface)
    }
}

extension PrintPlanes {
    /// Whether the K plane has resin at a dot.
    public func blackDot(x: Int, y: Int) -> Bool { Self.bit(black, x, y, bitRowBytes) }
    /// Whether the O plane has overlay at a dot.
    public func overlayDot(x: Int, y: Int) -> Bool { Self.bit(overlay, x, y, bitRowBytes) }

    private static func bit(_ plane: Data, _ x: Int, _ y: Int, _ rowBytes: Int) -> Bool {
        plane[plane.startIndex + y * rowBytes + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
    }
}
