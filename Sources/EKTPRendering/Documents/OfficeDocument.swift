internal import CCairo
import Foundation

/// A document an office files or hands out (tanda terima, PT Pos manifest, monthly report,
/// berita acara): a title, a block of fields, a table, notes, place and date, and the
/// signature blocks. What it says is the caller's; how it lies on A4 paper is here.
public struct OfficeDocument: Sendable {
    public struct Table: Sendable {
        public var headers: [String]
        public var rows: [[String]]
        /// Columns whose cells are numbers, set flush right.
        public var numeric: Set<Int>
        /// Relative column widths; equal when empty.
        public var weights: [Double]

        public init(headers: [String], rows: [[String]], numeric: Set<Int> = [], weights: [Double] = []) {
            self.headers = headers
            self.rows = rows
            self.numeric = numeric
            self.weights = weights
        }
    }

    /// Who signs: the role over the space for the signature, then the name and the NIP.
    public struct Signature: Sendable {
        public var role: String
        public var name: String
        public var nip: String?

        public init(role: String, name: String, nip: String? = nil) {
            self.role = role
            self.name = name
            self.nip = nip
        }
    }

    public var title: String
    /// Lines under the title: the office, the number.
    public var heading: [String]
    public var fields: [(String, String)]
    public var table: Table?
    public var notes: [String]
    /// `Bekasi, 2 Desember 2026`, over the signatures.
    public var placeAndDate: String?
    public var signatures: [Signature]

    public init(
        title: String, heading: [String] = [], fields: [(String, String)] = [], table: Table? = nil, notes: [String] = [], placeAndDate: String? = nil,
        signatures: [Signature] = []
    ) {
        self.title = title
        self.heading = heading
        self.fields = fields
        self.table = table
        self.notes = notes
        self.placeAndDate = placeAndDate
        self.signatures = signatures
    }

    /// The document as an A4 PDF, as many pages as the table needs; the table's header is
    /// repeated on each page and every page is numbered.
    public func pdf(fontFamily: String = "Liberation Sans") throws -> Data {
        let fonts = try CardFonts.named(fontFamily)
        let sink = ByteSink(capacity: 64 * 1024)
        try withExtendedLifetime(sink) { () throws(RenderError) in
            let surface = try CairoSurface(pdfTo: sink, widthPoints: Page.width, heightPoints: Page.height)
            cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_CREATOR, "ektp")
            cairo_pdf_surface_set_metadata(surface.pointer, CAIRO_PDF_METADATA_TITLE, title)
            let cr = try CairoContext(surface)
            var writer = PageWriter(cr: cr.pointer, fonts: fonts, footer: title)
            writer.draw(self)
            writer.finishPage()
            try cr.check("menulis dokumen \(title)")
            try surface.finish()
        }
        return sink.data
    }
}

/// A4 in points, and the margins.
enum Page {
    static let width = 595.28
    static let height = 841.89
    static let margin = 56.0
    static let bottom = height - 64.0
}

/// Lays text down a page from the top, breaking pages where the next thing does not fit.
struct PageWriter {
    let cr: OpaquePointer
    let fonts: CardFonts
    let footer: String
    var y = Page.margin
    var page = 1
    let left = Page.margin
    let right = Page.width - Page.margin

    init(cr: OpaquePointer, fonts: CardFonts, footer: String) {
        self.cr = cr
        self.fonts = fonts
        self.footer = footer
        withCardFontOptions { cairo_set_font_options(cr, $0) }
        cairo_set_source_rgb(cr, 0, 0, 0)
    }

    mutating func draw(_ doc: OfficeDocument) {
        text(doc.title, size: 14, bold: true, centred: true)
        for line in doc.heading { text(line, size: 10, centred: true) }
        y += 12
        let keyWidth = min(170, (doc.fields.map { width($0.0, size: 10, bold: false) }.max() ?? 0) + 12)
        for (key, value) in doc.fields {
            let lines = wrap(value, size: 10, bold: false, width: right - left - keyWidth)
            ensure(Double(lines.count) * 14)
            show(key, at: left, size: 10, bold: false)
            for line in lines {
                show(line, at: left + keyWidth, size: 10, bold: false)
                y += 14
            }
        }
        if let table = doc.table {
            y += 8
            draw(table)
        }
        for note in doc.notes {
            y += 6
            for line in wrap(note, size: 9, bold: false, width: right - left) { text(line, size: 9) }
        }
        if !doc.signatures.isEmpty { signatures(doc.signatures, placeAndDate: doc.placeAndDate) }
    }

    mutating func draw(_ table: OfficeDocument.Table) {
        let count = table.headers.count
        let weights = table.weights.count == count ? table.weights : Array(repeating: 1, count: count)
        let total = weights.reduce(0, +)
        let widths = weights.map { $0 / total * (right - left) }
        let xs = widths.indices.map { i in left + widths[..<i].reduce(0, +) }
        let size = 9.0
        let lineHeight = 12.0
        func row(_ cells: [String], bold: Bool) -> [[String]] {
            (0..<count).map { i in wrap(i < cells.count ? cells[i] : "", size: size, bold: bold, width: widths[i] - 6) }
        }
        func drawRow(_ wrapped: [[String]], bold: Bool) {
            let height = Double(wrapped.map(\.count).max() ?? 1) * lineHeight + 4
            for (i, lines) in wrapped.enumerated() {
                for (n, line) in lines.enumerated() {
                    let x = table.numeric.contains(i) ? xs[i] + widths[i] - 3 - width(line, size: size, bold: bold) : xs[i] + 3
                    show(line, at: x, baselineOffset: Double(n) * lineHeight, size: size, bold: bold)
                }
            }
            rule(at: y + height - 11)
            y += height
        }
        let header = row(table.headers, bold: true)
        let headerHeight = Double(header.map(\.count).max() ?? 1) * lineHeight + 4
        ensure(headerHeight + lineHeight + 4)
        rule(at: y - 11)
        drawRow(header, bold: true)
        for cells in table.rows {
            let wrapped = row(cells, bold: false)
            let height = Double(wrapped.map(\.count).max() ?? 1) * lineHeight + 4
            if y + height > Page.bottom {
                newPage()
                rule(at: y - 11)
                drawRow(header, bold: true)
            }
            drawRow(wrapped, bold: false)
        }
    }

    mutating func signatures(_ people: [OfficeDocument.Signature], placeAndDate: String?) {
        let blockHeight = 110.0
        ensure(blockHeight + (placeAndDate == nil ? 0 : 16))
        y += 18
        let columns = min(people.count, 3)
        let columnWidth = (right - left) / Double(columns)
        if let placeAndDate {
            show(placeAndDate, at: left + columnWidth * Double(columns - 1), size: 10, bold: false)
            y += 16
        }
        var top = y
        for (i, person) in people.enumerated() {
            if i > 0, i % columns == 0 {
                top += blockHeight
                ensure(blockHeight)
                top = max(top, y)
            }
            let x = left + columnWidth * Double(i % columns)
            y = top
            show(person.role, at: x, size: 10, bold: false)
            y = top + 64
            // A blank name is written by hand on the line.
            show(person.name.isEmpty ? "(" + String(repeating: ".", count: 40) + ")" : person.name, at: x, size: 10, bold: !person.name.isEmpty)
            if let nip = person.nip {
                y += 13
                show("NIP \(nip)", at: x, size: 9, bold: false)
            }
        }
        y = top + blockHeight
    }

    // MARK: Text

    mutating func text(_ s: String, size: Double, bold: Bool = false, centred: Bool = false) {
        ensure(size + 4)
        let x = centred ? (Page.width - width(s, size: size, bold: bold)) / 2 : left
        show(s, at: x, size: size, bold: bold)
        y += size + 5
    }

    func show(_ s: String, at x: Double, baselineOffset: Double = 0, size: Double, bold: Bool) {
        cairo_set_font_face(cr, fonts.face(bold: bold))
        cairo_set_font_size(cr, size)
        cairo_move_to(cr, x, y + baselineOffset)
        cairo_show_text(cr, s)
    }

    func width(_ s: String, size: Double, bold: Bool) -> Double {
        cairo_set_font_face(cr, fonts.face(bold: bold))
        cairo_set_font_size(cr, size)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, s, &extents)
        return extents.x_advance
    }

    /// `s` in lines no wider than `limit`, broken between words (a word wider than the line
    /// is broken between characters). Leading spaces (an indented row) are kept.
    func wrap(_ s: String, size: Double, bold: Bool, width limit: Double) -> [String] {
        var lines: [String] = []
        var current = String(s.prefix { $0 == " " })
        for word in s.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.allSatisfy({ $0 == " " }) ? current + word : current + " " + word
            if width(candidate, size: size, bold: bold) <= limit {
                current = candidate
                continue
            }
            if current.contains(where: { $0 != " " }) { lines.append(current) }
            current = ""
            for c in word {
                if width(current + String(c), size: size, bold: bold) > limit, !current.isEmpty {
                    lines.append(current)
                    current = ""
                }
                current.append(c)
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    func rule(at lineY: Double) {
        cairo_set_line_width(cr, 0.5)
        cairo_move_to(cr, left, lineY)
        cairo_line_to(cr, right, lineY)
        cairo_stroke(cr)
    }

    // MARK: Pages

    mutating func ensure(_ height: Double) {
        if y + height > Page.bottom { newPage() }
    }

    mutating func newPage() {
        finishPage()
        page += 1
        y = Page.margin
    }

    /// The footer (the document's title and the page number), then the page out.
    func finishPage() {
        cairo_set_font_face(cr, fonts.face(bold: false))
        cairo_set_font_size(cr, 8)
        cairo_move_to(cr, left, Page.height - 36)
        cairo_show_text(cr, "\(footer) · halaman \(page)")
        cairo_show_page(cr)
    }
}
