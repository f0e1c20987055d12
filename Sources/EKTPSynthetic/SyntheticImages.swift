internal import CCairo
import EKTPRendering
import Foundation

/// A passport-style portrait for demos and tests, never a real person: plain red or blue
/// background (as KTP-el photos have), head and shoulders varying with the seed.
public enum SyntheticPortrait {
    public static let width = 300
    public static let height = 400

    /// A 300 × 400 JPEG (libjpeg-turbo, quality 88), the same bytes for the same seed.
    public static func jpeg(seed: UInt64) throws -> Data {
        var rng = SplitMix64(seed: seed)
        let surface = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: width, height: height)
        let cr = try CairoContext(surface)
        let c = cr.pointer
        let (w, h) = (Double(width), Double(height))

        // Background: red or blue, with a slight vertical falloff as a studio backdrop has.
        let red = rng.next() % 2 == 0
        let background = cairo_pattern_create_linear(0, 0, 0, h)!
        if red {
            cairo_pattern_add_color_stop_rgb(background, 0, 0.86, 0.13, 0.15)
            cairo_pattern_add_color_stop_rgb(background, 1, 0.72, 0.08, 0.10)
        } else {
            cairo_pattern_add_color_stop_rgb(background, 0, 0.16, 0.38, 0.80)
            cairo_pattern_add_color_stop_rgb(background, 1, 0.10, 0.27, 0.64)
        }
        cairo_set_source(c, background)
        cairo_paint(c)
        cairo_pattern_destroy(background)

        let skins: [(Double, Double, Double)] = [(0.93, 0.76, 0.62), (0.84, 0.64, 0.47), (0.72, 0.52, 0.37), (0.58, 0.40, 0.28)]
        let skin = skins[Int(rng.next() % UInt64(skins.count))]
        let clothes: [(Double, Double, Double)] = [(0.12, 0.12, 0.14), (0.95, 0.95, 0.95), (0.18, 0.22, 0.36), (0.35, 0.10, 0.12)]
        let cloth = clothes[Int(rng.next() % UInt64(clothes.count))]
        let cx = w / 2 + rng.uniform(-8, 8)
        let headW = rng.uniform(0.40, 0.48) * w
        let headH = headW * rng.uniform(1.22, 1.36)
        let headY = h * rng.uniform(0.36, 0.41)
        let veiled = rng.next() % 3 == 0

        // Shoulders.
        let shoulderY = headY + headH * 0.62
        cairo_move_to(c, -10, h + 10)
        cairo_curve_to(c, -10, shoulderY + 40, cx - w * 0.30, shoulderY + 10, cx - headW * 0.25, shoulderY)
        cairo_line_to(c, cx + headW * 0.25, shoulderY)
        cairo_curve_to(c, cx + w * 0.30, shoulderY + 10, w + 10, shoulderY + 40, w + 10, h + 10)
        cairo_close_path(c)
        cairo_set_source_rgb(c, cloth.0, cloth.1, cloth.2)
        cairo_fill(c)

        // Neck.
        cairo_rectangle(c, cx - headW * 0.20, headY + headH * 0.30, headW * 0.40, headH * 0.38)
        cairo_set_source_rgb(c, skin.0 * 0.9, skin.1 * 0.9, skin.2 * 0.9)
        cairo_fill(c)

        func ellipse(_ x: Double, _ y: Double, _ rx: Double, _ ry: Double) {
            cairo_save(c)
            cairo_translate(c, x, y)
            cairo_scale(c, rx, ry)
            cairo_arc(c, 0, 0, 1, 0, 2 * .pi)
            cairo_restore(c)
        }

        if veiled {
            // A headscarf (kerudung) framing the face and falling over the shoulders.
            let scarf = (rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.6), rng.uniform(0.2, 0.7))
            ellipse(cx, headY - headH * 0.04, headW * 0.66, headH * 0.64)
            cairo_move_to(c, cx - headW * 0.66, headY)
            cairo_curve_to(c, cx - headW * 0.9, shoulderY + 30, cx - headW * 0.6, h, cx, h)
            cairo_curve_to(c, cx + headW * 0.6, h, cx + headW * 0.9, shoulderY + 30, cx + headW * 0.66, headY)
            cairo_set_source_rgb(c, scarf.0, scarf.1, scarf.2)
            cairo_fill(c)
        } else {
            // Ears, then hair behind the head.
            ellipse(cx - headW * 0.5, headY + headH * 0.02, headW * 0.08, headH * 0.10)
            ellipse(cx + headW * 0.5, headY + headH * 0.02, headW * 0.08, headH * 0.10)
            cairo_set_source_rgb(c, skin.0 * 0.95, skin.1 * 0.95, skin.2 * 0.95)
            cairo_fill(c)
            ellipse(cx, headY - headH * 0.16, headW * rng.uniform(0.52, 0.58), headH * rng.uniform(0.38, 0.46))
            let shade = rng.uniform(0.04, 0.16)
            cairo_set_source_rgb(c, shade, shade * 0.9, shade * 0.8)
            cairo_fill(c)
        }

        // Face.
        ellipse(cx, headY, headW * 0.5, headH * 0.5)
        let face = cairo_pattern_create_radial(cx - headW * 0.1, headY - headH * 0.15, 4, cx, headY, headW * 0.6)!
        cairo_pattern_add_color_stop_rgb(face, 0, min(1, skin.0 * 1.08), min(1, skin.1 * 1.08), min(1, skin.2 * 1.08))
        cairo_pattern_add_color_stop_rgb(face, 1, skin.0 * 0.86, skin.1 * 0.86, skin.2 * 0.86)
        cairo_set_source(c, face)
        cairo_fill(c)
        cairo_pattern_destroy(face)

        if !veiled {
            // Fringe.
            cairo_move_to(c, cx - headW * 0.5, headY - headH * 0.08)
            cairo_curve_to(
                c, cx - headW * 0.45, headY - headH * 0.50, cx + headW * 0.45, headY - headH * 0.55,
                cx + headW * 0.52, headY - headH * 0.05)
            cairo_curve_to(
                c, cx + headW * 0.3, headY - headH * rng.uniform(0.22, 0.34), cx - headW * 0.1,
                headY - headH * rng.uniform(0.26, 0.36), cx - headW * 0.5, headY - headH * 0.08)
            let shade = rng.uniform(0.03, 0.12)
            cairo_set_source_rgb(c, shade, shade * 0.9, shade * 0.8)
            cairo_fill(c)
        }

        // Eyes, brows, nose, mouth.
        let eyeY = headY - headH * 0.02
        let eyeDX = headW * rng.uniform(0.17, 0.21)
        for side in [-1.0, 1.0] {
            ellipse(cx + side * eyeDX, eyeY, headW * 0.065, headH * 0.028)
            cairo_set_source_rgb(c, 0.96, 0.96, 0.94)
            cairo_fill(c)
            ellipse(cx + side * eyeDX, eyeY, headW * 0.032, headH * 0.026)
            cairo_set_source_rgb(c, 0.12, 0.08, 0.06)
            cairo_fill(c)
            cairo_move_to(c, cx + side * (eyeDX - headW * 0.08), eyeY - headH * 0.07)
            cairo_curve_to(
                c, cx + side * eyeDX, eyeY - headH * 0.10, cx + side * (eyeDX + headW * 0.05), eyeY - headH * 0.09,
                cx + side * (eyeDX + headW * 0.09), eyeY - headH * 0.06)
            cairo_set_line_width(c, headH * 0.018)
            cairo_set_source_rgb(c, 0.10, 0.07, 0.05)
            cairo_stroke(c)
        }
        cairo_move_to(c, cx - headW * 0.02, eyeY + headH * 0.05)
        cairo_curve_to(
            c, cx - headW * 0.05, eyeY + headH * 0.16, cx - headW * 0.06, eyeY + headH * 0.19, cx + headW * 0.04,
            eyeY + headH * 0.19)
        cairo_set_line_width(c, headH * 0.01)
        cairo_set_source_rgb(c, skin.0 * 0.7, skin.1 * 0.7, skin.2 * 0.7)
        cairo_stroke(c)
        let mouthY = eyeY + headH * rng.uniform(0.27, 0.30)
        cairo_move_to(c, cx - headW * 0.13, mouthY)
        cairo_curve_to(
            c, cx - headW * 0.05, mouthY + headH * rng.uniform(0.01, 0.04), cx + headW * 0.05,
            mouthY + headH * 0.03, cx + headW * 0.13, mouthY)
        cairo_set_line_width(c, headH * 0.016)
        cairo_set_source_rgb(c, 0.55, 0.25, 0.22)
        cairo_stroke(c)
        try cr.check("menggambar potret sintetis")
        return try JPEG.encode(surface, quality: 88)
    }
}

/// A handwriting-like signature for demos and tests: one or two looping pen strokes in
/// black, varying with the seed.
public enum SyntheticSignature {
    public static let width = 360
    public static let height = 140

    /// A 360 × 140 PNG, black ink on white, or on transparency when `transparent`.
    public static func png(seed: UInt64, transparent: Bool = false) throws -> Data {
        var rng = SplitMix64(seed: seed)
        let surface = try CairoSurface(
            format: transparent ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24, width: width, height: height)
        let cr = try CairoContext(surface)
        let c = cr.pointer
        if !transparent {
            cairo_set_source_rgb(c, 1, 1, 1)
            cairo_paint(c)
        }
        cairo_set_source_rgb(c, 0.02, 0.02, 0.05)
        cairo_set_line_cap(c, CAIRO_LINE_CAP_ROUND)
        cairo_set_line_join(c, CAIRO_LINE_JOIN_ROUND)

        // A run of loops whose size, slant and spacing wander: the rhythm of cursive script.
        let (w, h) = (Double(width), Double(height))
        var x = w * rng.uniform(0.06, 0.14)
        let baseline = h * rng.uniform(0.55, 0.66)
        let slant = rng.uniform(0.15, 0.45)
        let loops = 5 + Int(rng.next() % 5)
        let step = (w * 0.72) / Double(loops)
        cairo_move_to(c, x, baseline + rng.uniform(-6, 6))
        for i in 0..<loops {
            let up = h * rng.uniform(0.18, i == 0 ? 0.50 : 0.38)
            let down = h * rng.uniform(0.0, i % 3 == 2 ? 0.28 : 0.10)
            let nx = x + step * rng.uniform(0.8, 1.2)
            cairo_curve_to(
                c, x + step * 0.9 + slant * up, baseline - up * 1.2, x - step * 0.2 + slant * up, baseline - up,
                x + step * 0.35, baseline + down)
            cairo_curve_to(c, x + step * 0.5, baseline + down * 1.5, nx - step * 0.3, baseline + 4, nx, baseline)
            x = nx
        }
        cairo_set_line_width(c, rng.uniform(2.6, 3.6))
        cairo_stroke(c)
        // A final flourish under the name.
        cairo_move_to(c, w * rng.uniform(0.05, 0.2), baseline + h * 0.2)
        cairo_curve_to(
            c, w * 0.4, baseline + h * rng.uniform(0.22, 0.34), w * 0.6, baseline + h * 0.05, w * rng.uniform(0.85, 0.95),
            baseline + h * rng.uniform(0.05, 0.2))
        cairo_set_line_width(c, rng.uniform(2.0, 3.0))
        cairo_stroke(c)
        try cr.check("menggambar tanda tangan sintetis")
        return try surface.pngData()
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same sequence everywhere.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
}
