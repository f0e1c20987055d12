import CCairo
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
    public func planes(_ card: CardRecord, geometry: PanelGeometry, overlayKeepOut: [CardRect] = []) throws -> CardPlanes {
        try planes(plan(card), geometry: geometry, overlayKeepOut: overlayKeepOut)
    }

    /// The planes of an already computed plan.
    public func planes(
        _ plan: CardLayoutPlan, geometry: PanelGeometry, overlayKeepOut: [CardRect] = []
    ) throws(RenderError) -> CardPlanes {
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

        // Colour: the photo only, dye-sublimated. Text and signature go to resin black.
        let colour = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: w, height: h)
        do {
            let cr = try CairoContext(colour)
            cairo_set_source_rgb(cr.pointer, 1, 1, 1)
            cairo_paint(cr.pointer)
            place(cr)
            try CardDrawing.draw(plan, .photo, on: cr)
        }
        var yellow = [UInt8](repeating: 0, count: w * h)
        var magenta = [UInt8](repeating: 0, count: w * h)
        var cyan = [UInt8](repeating: 0, count: w * h)
        colour.withPixels { base, stride in
            yellow.withUnsafeMutableBufferPointer { y in
                magenta.withUnsafeMutableBufferPointer { m in
                    cyan.withUnsafeMutableBufferPointer { c in
                        for row in 0..<h {
                            let pixels = UnsafeRawPointer(base + row * stride).assumingMemoryBound(to: UInt32.self)
                            let start = row * w
                            for x in 0..<w {
                                // Subtractive complement of 0x00RRGGBB; colour management is the
                                // printer's own (its ribbon LUT).
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

        // Resin black: text and signature, antialiased and then cut at half coverage.
        let coverage = try CairoSurface(format: CAIRO_FORMAT_A8, width: w, height: h)
        do {
            let cr = try CairoContext(coverage)
            place(cr)
            try CardDrawing.draw(plan, [.text, .signature], on: cr)
        }
        let rowBytes = (w + 7) / 8
        var black = [UInt8](repeating: 0, count: rowBytes * h)
        coverage.withPixels { base, stride in
            black.withUnsafeMutableBufferPointer { out in
                for row in 0..<h {
                    let a = base + row * stride
                    let o = row * rowBytes
                    for x in 0..<w where a[x] >= 128 {
                        out[o + x >> 3] |= 0x80 >> UInt8(x & 7)
                    }
                }
            }
        }

        // Overlay: everywhere, less the keep-out areas (whole dots, rounded outward).
        var overlay = [UInt8](repeating: 0xFF, count: rowBytes * h)
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
        return CardPlanes(
            width: w, height: h, dpi: geometry.dpi, yellow: yellow, magenta: magenta, cyan: cyan, black: black,
            overlay: overlay)
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
        return try surface.pngData()
    }
}

/// A printer's panel: dots across and down, landscape, at `dpi`. Evolis Primacy: 1016 × 648;
/// Magicard: 1016 × 642 (both 300 dpi). The driver passes it; the renderer reads no profile.
public struct PanelGeometry: Hashable, Sendable, Codable {
    public var width: Int
    public var height: Int
    public var dpi: Int

    public init(width: Int, height: Int, dpi: Int = 300) {
        self.width = width
        self.height = height
        self.dpi = dpi
    }
}

/// Print planes for a direct driver, row-major from the top-left dot.
public struct CardPlanes: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public let dpi: Int
    /// Dye amounts for the photo, 8 bits a dot (0 = none, 255 = full), `width` bytes a row.
    public let yellow: [UInt8]
    public let magenta: [UInt8]
    public let cyan: [UInt8]
    /// Resin black for text and signature: 1 bit a dot, most significant bit first, each
    /// row padded to `bytesPerBitRow` bytes. 1 = ink.
    public let black: [UInt8]
    /// Overlay varnish, packed like `black`. 1 = varnish.
    public let overlay: [UInt8]

    /// Bytes in one row of a 1-bit plane.
    public var bytesPerBitRow: Int { (width + 7) / 8 }

    /// Whether the K plane has ink at a dot.
    public func blackDot(x: Int, y: Int) -> Bool { Self.bit(black, x, y, bytesPerBitRow) }
    /// Whether the O plane has varnish at a dot.
    public func overlayDot(x: Int, y: Int) -> Bool { Self.bit(overlay, x, y, bytesPerBitRow) }

    private static func bit(_ plane: [UInt8], _ x: Int, _ y: Int, _ rowBytes: Int) -> Bool {
        plane[y * rowBytes + x >> 3] & (0x80 >> UInt8(x & 7)) != 0
    }
}
