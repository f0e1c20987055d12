internal import CCairo

/// Draws a plan in card millimetres: the caller sets the context's transform from
/// millimetres to its device units. The same code draws every output.
enum CardDrawing {
    struct Parts: OptionSet {
        let rawValue: Int
        static let photo = Parts(rawValue: 1)
        static let text = Parts(rawValue: 2)
        static let signature = Parts(rawValue: 4)
        static let all: Parts = [.photo, .text, .signature]
    }

    static func draw(_ plan: CardLayoutPlan, _ parts: Parts, on cr: CairoContext, forPDF: Bool = false) throws(RenderError) {
        let c = cr.pointer
        if parts.contains(.photo) {
            let photo = try plan.photo.surface(forPDF: forPDF)
            let box = plan.photoBox
            let scale = max(box.width / Double(plan.photo.width), box.height / Double(plan.photo.height))
            cairo_save(c)
            cairo_rectangle(c, box.x, box.y, box.width, box.height)
            cairo_clip(c)
            cairo_translate(
                c, box.x + (box.width - Double(plan.photo.width) * scale) / 2,
                box.y + (box.height - Double(plan.photo.height) * scale) / 2)
            cairo_scale(c, scale, scale)
            cairo_set_source_surface(c, photo.pointer, 0, 0)
            let pattern = cairo_get_source(c)
            // PAD: the box edge samples the photo's own edge pixels, not transparency. Not in
            // a PDF, where the image is placed whole and clipped, and where a padded pattern
            // would make cairo re-encode the photo instead of embedding the record's JPEG.
            if !forPDF { cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD) }
            cairo_pattern_set_filter(pattern, CAIRO_FILTER_GOOD)
            cairo_paint(c)
            cairo_restore(c)
            try cr.check("menggambar foto")
        }
        if parts.contains(.text) {
            cairo_save(c)
            cairo_set_source_rgb(c, 0, 0, 0)
            withCardFontOptions { cairo_set_font_options(c, $0) }
            for text in plan.texts {
                cairo_set_font_face(c, plan.fonts.face(bold: text.bold))
                cairo_set_font_size(c, text.size)
                for line in text.lines {
                    cairo_move_to(c, line.x, line.baseline)
                    cairo_show_text(c, line.text)
                }
            }
            cairo_restore(c)
            try cr.check("menulis teks")
        }
        if parts.contains(.signature) {
            let mask = try plan.signature.surface()
            let rect = plan.signatureRect
            cairo_save(c)
            cairo_set_source_rgb(c, 0, 0, 0)
            cairo_translate(c, rect.x, rect.y)
            cairo_scale(c, rect.width / Double(plan.signature.width), rect.height / Double(plan.signature.height))
            let pattern = cairo_pattern_create_for_surface(mask.pointer)!
            cairo_pattern_set_filter(pattern, CAIRO_FILTER_GOOD)
            cairo_mask(c, pattern)
            cairo_pattern_destroy(pattern)
            cairo_restore(c)
            try cr.check("menggambar tanda tangan")
        }
    }
}
