internal import CCairo
import Foundation

/// The card font, regular and bold, loaded once per process.
///
/// fontconfig finds the file by family name; the match is refused unless it really is the
/// requested family, because a substitute (DejaVu, say) has other metrics and would move
/// every line on the card. The cairo font face is then built from a fresh pattern that holds
/// only the file, with hinting off, so the host's fontconfig settings cannot change glyph
/// widths: the PDF, the planes and the preview measure text identically at every size.
final class CardFonts: @unchecked Sendable {
    // cairo font faces are reference counted atomically and cairo-ft locks the FreeType
    // face while it uses it, so one face may serve every thread.
    let regular: OpaquePointer
    let bold: OpaquePointer
    let family: String

    private init(family: String) throws(RenderError) {
        self.family = family
        let regular = try Self.face(family: family, bold: false)
        do {
            bold = try Self.face(family: family, bold: true)
        } catch {
            cairo_font_face_destroy(regular)
            throw error
        }
        self.regular = regular
    }

    deinit {
        cairo_font_face_destroy(regular)
        cairo_font_face_destroy(bold)
    }

    func face(bold isBold: Bool) -> OpaquePointer { isBold ? bold : regular }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: CardFonts] = [:]

    /// The faces of `family`, loaded on first use and kept for the life of the process.
    static func named(_ family: String) throws(RenderError) -> CardFonts {
        lock.lock()
        defer { lock.unlock() }
        if let fonts = loaded[family] { return fonts }
        let fonts = try CardFonts(family: family)
        loaded[family] = fonts
        return fonts
    }

    private static func face(family: String, bold: Bool) throws(RenderError) -> OpaquePointer {
        let style = bold ? "Bold" : "Regular"
        guard let wanted = FcPatternCreate() else { throw RenderError("fontconfig kehabisan memori") }
        defer { FcPatternDestroy(wanted) }
        addString(wanted, FC_FAMILY, family)
        FcPatternAddInteger(wanted, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR)
        FcPatternAddInteger(wanted, FC_SLANT, FC_SLANT_ROMAN)
        FcConfigSubstitute(nil, wanted, FcMatchPattern)
        FcDefaultSubstitute(wanted)
        var result = FcResultNoMatch
        guard let match = FcFontMatch(nil, wanted, &result), result == FcResultMatch else {
            throw RenderError("font \(family) \(style) tidak ditemukan (pasang paket fonts-liberation2)")
        }
        defer { FcPatternDestroy(match) }

        var familyValue: UnsafeMutablePointer<FcChar8>?
        var fileValue: UnsafeMutablePointer<FcChar8>?
        var weight: Int32 = 0
        var index: Int32 = 0
        guard FcPatternGetString(match, FC_FAMILY, 0, &familyValue) == FcResultMatch,
            FcPatternGetString(match, FC_FILE, 0, &fileValue) == FcResultMatch,
            let familyValue, let fileValue
        else { throw RenderError("font \(family) \(style) tidak ditemukan") }
        FcPatternGetInteger(match, FC_WEIGHT, 0, &weight)
        FcPatternGetInteger(match, FC_INDEX, 0, &index)
        let found = String(cString: familyValue)
        guard found.caseInsensitiveCompare(family) == .orderedSame,
            bold ? weight >= FC_WEIGHT_BOLD : weight < FC_WEIGHT_DEMIBOLD
        else {
            throw RenderError(
                "font \(family) \(style) tidak terpasang (yang ada: \(found)); pasang paket fonts-liberation2")
        }

        guard let exact = FcPatternCreate() else { throw RenderError("fontconfig kehabisan memori") }
        defer { FcPatternDestroy(exact) }
        FcPatternAddString(exact, FC_FILE, fileValue)
        FcPatternAddInteger(exact, FC_INDEX, index)
        FcPatternAddBool(exact, FC_HINTING, 0)
        FcPatternAddBool(exact, FC_AUTOHINT, 0)
        FcPatternAddBool(exact, FC_ANTIALIAS, 1)
        let face = cairo_ft_font_face_create_for_pattern(exact)!
        let status = cairo_font_face_status(face)
        guard status == CAIRO_STATUS_SUCCESS else {
            cairo_font_face_destroy(face)
            throw RenderError(status: status, while: "memuat font \(family) \(style)")
        }
        return face
    }
}

/// Font options used for every context and every measurement: no hinting of outlines or
/// metrics, so advances scale exactly with the size.
func withCardFontOptions<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
    let options = cairo_font_options_create()!
    defer { cairo_font_options_destroy(options) }
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
    return try body(options)
}

/// Measures text in a card font: widths in em (multiply by the size) and whether every
/// character has a glyph. Holds its own scaled fonts; use from one thread.
final class TextMeasurer {
    private let regular: OpaquePointer
    private let bold: OpaquePointer
    private static let referenceSize = 100.0

    init(fonts: CardFonts) throws(RenderError) {
        var matrix = cairo_matrix_t()
        var identity = cairo_matrix_t()
        cairo_matrix_init_scale(&matrix, Self.referenceSize, Self.referenceSize)
        cairo_matrix_init_identity(&identity)
        let (r, b) = withCardFontOptions { options in
            (
                cairo_scaled_font_create(fonts.regular, &matrix, &identity, options)!,
                cairo_scaled_font_create(fonts.bold, &matrix, &identity, options)!
            )
        }
        regular = r
        bold = b
        // On failure deinit destroys both.
        for font in [r, b] where cairo_scaled_font_status(font) != CAIRO_STATUS_SUCCESS {
            throw RenderError(status: cairo_scaled_font_status(font), while: "menyiapkan font")
        }
    }

    deinit {
        cairo_scaled_font_destroy(regular)
        cairo_scaled_font_destroy(bold)
    }

    /// Advance width of `text` at size 1.
    func width(_ text: String, bold isBold: Bool) -> Double {
        guard !text.isEmpty else { return 0 }
        var extents = cairo_text_extents_t()
        cairo_scaled_font_text_extents(isBold ? bold : regular, text, &extents)
        return extents.x_advance / Self.referenceSize
    }

    /// The first character the font has no glyph for, if any.
    func missingGlyph(in text: String, bold isBold: Bool) -> Character? {
        let font = isBold ? bold : regular
        guard !hasGlyphs(text, font) else { return nil }
        return text.first { !hasGlyphs(String($0), font) }
    }

    private func hasGlyphs(_ text: String, _ font: OpaquePointer) -> Bool {
        var glyphs: UnsafeMutablePointer<cairo_glyph_t>?
        var count: Int32 = 0
        let status = cairo_scaled_font_text_to_glyphs(font, 0, 0, text, -1, &glyphs, &count, nil, nil, nil)
        defer { cairo_glyph_free(glyphs) }
        guard status == CAIRO_STATUS_SUCCESS else { return false }
        guard let glyphs else { return text.isEmpty }
        return !(0..<Int(count)).contains { glyphs[$0].index == 0 }
    }
}

private func addString(_ pattern: OpaquePointer, _ key: String, _ value: String) {
    value.withCString { text in
        text.withMemoryRebound(to: FcChar8.self, capacity: value.utf8.count + 1) { _ = FcPatternAddString(pattern, key, $0) }
    }
}
