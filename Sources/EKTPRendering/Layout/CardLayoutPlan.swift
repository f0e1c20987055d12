import EKTPDomain
import Foundation

/// One card laid out: every text run with its fitted size and lines, the photo and the
/// signature decoded and placed. Computed once per card by `CardRenderer.plan(_:)` and
/// shared by the PDF, the planes and the preview, so all three agree to the dot.
/// A value: any thread may read it.
public struct CardLayoutPlan: Sendable {
    /// Text placed on the card.
    public struct PlacedText: Hashable, Sendable {
        public enum Role: String, Hashable, Sendable { case label, colon, value }
        public struct Line: Hashable, Sendable {
            public let text: String
            /// Left edge of the text, millimetres.
            public let x: Double
            public let baseline: Double
            /// Advance width at `size`, millimetres.
            public let width: Double
        }
        public let field: CardField
        public let role: Role
        public let bold: Bool
        /// Em size, millimetres.
        public let size: Double
        /// The layout's size for this text before any shrinking.
        public let nominalSize: Double
        public let lines: [Line]
        public var shrunk: Bool { size < nominalSize }
        public var wrapped: Bool { lines.count > 1 }
        public var text: String { lines.map(\.text).joined(separator: " ") }
    }

    public let layout: CardLayout
    public let texts: [PlacedText]
    /// Where the photo goes; it fills the box (cover, centred) and is clipped to it.
    public var photoBox: CardRect { layout.photo.box }
    /// Where the signature's ink is drawn: its trimmed ink, scaled to fit the layout's
    /// signature box and centred in it.
    public let signatureRect: CardRect
    public let fontFamily: String

    let photo: PreparedPhoto
    let signature: PreparedSignature
    let fonts: CardFonts

    /// The value printed for a field.
    public func value(_ field: CardField) -> PlacedText? {
        texts.first { $0.field == field && $0.role == .value }
    }

    init(card: CardRecord, layout: CardLayout, fonts: CardFonts) throws {
        let measurer = try TextMeasurer(fonts: fonts)
        var planner = Planner(layout: layout, measure: measurer)
        try planner.placeText(card)
        self.layout = layout
        self.fonts = fonts
        self.fontFamily = fonts.family
        self.texts = planner.placed
        photo = try PreparedPhoto(card.foto, layout: layout.photo)
        signature = try PreparedSignature(card.tandaTangan, layout: layout.signature)
        let box = layout.signature.box
        let scale = min(box.width / Double(signature.width), box.height / Double(signature.height))
        let w = Double(signature.width) * scale
        let h = Double(signature.height) * scale
        signatureRect = CardRect(x: box.x + (box.width - w) / 2, y: box.y + (box.height - h) / 2, width: w, height: h)
    }
}

/// Fitting rules (see docs/rendering.md): a value is printed at the layout's size if it
/// fits; otherwise it shrinks, down to the layout's floor; a field allowed two lines then
/// wraps at a space or after a hyphen, at the largest size (up to the nominal one) at which
/// both lines fit; what still does not fit is refused, naming the field. Nothing is ever
/// clipped.
private struct Planner {
    let layout: CardLayout
    let measure: TextMeasurer
    var placed: [CardLayoutPlan.PlacedText] = []
    /// Sizes are rounded down to this step (mm), so a plan does not depend on the last bits
    /// of floating point.
    static let step = 0.01
    static let epsilon = 1e-6

    init(layout: CardLayout, measure: TextMeasurer) {
        self.layout = layout
        self.measure = measure
    }

    mutating func placeText(_ card: CardRecord) throws {
        try placeCentred(layout.header, card)
        try placeNIK(card)
        try placeFields(card)
        try placeCentred(layout.issue, card)
    }

    private mutating func placeCentred(_ block: CardLayout.CentredBlock, _ card: CardRecord) throws {
        for line in block.lines {
            var text = line.field.value(in: card)
            if block.uppercase { text = text.uppercased() }
            if let prefix = line.prefix, !text.uppercased().hasPrefix(prefix.uppercased()) {
                text = prefix + text
            }
            let fitted = try fit(
                line.field, text, bold: block.bold, size: block.size, floor: block.floor, width: block.maxWidth, maxLines: 1)
            let width = measure.width(fitted.lines[0], bold: block.bold) * fitted.size
            placed.append(
                .init(
                    field: line.field, role: .value, bold: block.bold, size: fitted.size, nominalSize: block.size,
                    lines: [.init(text: fitted.lines[0], x: block.centerX - width / 2, baseline: line.baseline, width: width)]))
        }
    }

    private mutating func placeNIK(_ card: CardRecord) throws {
        let n = layout.nik
        try label(.nik, n.label, x: n.labelX, limit: n.colonX, baseline: n.baseline, size: n.size, bold: n.bold)
        colon(.nik, x: n.colonX, baseline: n.baseline, size: n.size, bold: n.bold)
        try value(
            .nik, card.nik.digits, x: n.valueX, right: n.right, baseline: n.baseline, pitch: 0, size: n.size,
            floor: n.floor, bold: n.bold, maxLines: 1)
    }

    private mutating func placeFields(_ card: CardRecord) throws {
        let f = layout.fields
        var line = 0
        for row in f.rows {
            let baseline = f.firstBaseline + Double(line) * f.pitch
            guard baseline <= f.lastBaseline + Self.epsilon else {
                throw RenderRefusal(
                    field: row.field.label,
                    message: "tidak ada tempat lagi di kartu: isian di atasnya memakai dua baris")
            }
            let labelX = f.labelX + (row.indent ?? 0)
            try label(row.field, row.label, x: labelX, limit: f.colonX, baseline: baseline, size: f.labelSize, bold: false)
            colon(row.field, x: f.colonX, baseline: baseline, size: f.labelSize, bold: false)
            let lines = try value(
                row.field, row.field.value(in: card), x: f.valueX, right: row.right ?? f.right, baseline: baseline,
                pitch: f.pitch, size: f.size, floor: f.floor, bold: false, maxLines: row.maxLines ?? 1)
            if let inline = row.inline {
                try label(
                    inline.field, inline.label, x: inline.labelX, limit: inline.colonX, baseline: baseline,
                    size: f.labelSize, bold: false)
                colon(inline.field, x: inline.colonX, baseline: baseline, size: f.labelSize, bold: false)
                try value(
                    inline.field, inline.field.value(in: card), x: inline.valueX, right: f.right, baseline: baseline,
                    pitch: f.pitch, size: f.size, floor: f.floor, bold: false, maxLines: 1)
            }
            let last = baseline + Double(lines - 1) * f.pitch
            guard last <= f.lastBaseline + Self.epsilon else {
                throw RenderRefusal(
                    field: row.field.label, message: "baris kedua tidak muat lagi di bagian bawah kartu")
            }
            line += lines
        }
    }

    /// Labels are the layout's own text: one that does not fit is a layout error, not the card's.
    private mutating func label(
        _ field: CardField, _ text: String, x: Double, limit: Double, baseline: Double, size: Double, bold: Bool
    ) throws(RenderError) {
        let width = measure.width(text, bold: bold) * size
        guard x + width < limit else {
            throw RenderError("tata letak kartu salah: label \"\(text)\" menabrak titik dua")
        }
        placed.append(
            .init(
                field: field, role: .label, bold: bold, size: size, nominalSize: size,
                lines: [.init(text: text, x: x, baseline: baseline, width: width)]))
    }

    private mutating func colon(_ field: CardField, x: Double, baseline: Double, size: Double, bold: Bool) {
        placed.append(
            .init(
                field: field, role: .colon, bold: bold, size: size, nominalSize: size,
                lines: [.init(text: ":", x: x, baseline: baseline, width: measure.width(":", bold: bold) * size)]))
    }

    /// Places a value and returns how many lines it took.
    @discardableResult
    private mutating func value(
        _ field: CardField, _ text: String, x: Double, right: Double, baseline: Double, pitch: Double, size: Double,
        floor: Double, bold: Bool, maxLines: Int
    ) throws(RenderRefusal) -> Int {
        let fitted = try fit(field, text, bold: bold, size: size, floor: floor, width: right - x, maxLines: maxLines)
        let lines = fitted.lines.enumerated().map { i, line in
            CardLayoutPlan.PlacedText.Line(
                text: line, x: x, baseline: baseline + Double(i) * pitch,
                width: measure.width(line, bold: bold) * fitted.size)
        }
        placed.append(.init(field: field, role: .value, bold: bold, size: fitted.size, nominalSize: size, lines: lines))
        return lines.count
    }

    func fit(
        _ field: CardField, _ text: String, bold: Bool, size nominal: Double, floor: Double, width: Double, maxLines: Int
    ) throws(RenderRefusal) -> (lines: [String], size: Double) {
        if let missing = measure.missingGlyph(in: text, bold: bold) {
            let code = missing.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
            throw RenderRefusal(
                field: field.label, message: "huruf \"\(missing)\" (\(code)) tidak ada dalam font \(layout.font.family)")
        }
        func sizeFor(_ em: Double) -> Double {
            em <= 0 ? nominal : min(nominal, (width / em / Self.step + Self.epsilon).rounded(.down) * Self.step)
        }
        let single = sizeFor(measure.width(text, bold: bold))
        if single >= floor - Self.epsilon { return ([text], single) }

        if maxLines >= 2 {
            var best: (lines: [String], size: Double)?
            for split in Self.breaks(in: text) {
                let first = String(text[..<split]).trimmingCharacters(in: .whitespaces)
                let second = String(text[split...]).trimmingCharacters(in: .whitespaces)
                guard !first.isEmpty, !second.isEmpty else { continue }
                let size = sizeFor(max(measure.width(first, bold: bold), measure.width(second, bold: bold)))
                // Later breaks win ties: the first line as full as it can be.
                if best == nil || size >= best!.size - Self.epsilon { best = ([first, second], size) }
            }
            if let best, best.size >= floor - Self.epsilon { return best }
        }
        let lines = maxLines >= 2 ? "dua baris" : "satu baris"
        throw RenderRefusal(
            field: field.label,
            message:
                "terlalu panjang (\(text.count) huruf): tidak muat dalam \(lines) walau huruf diperkecil sampai \(Self.millimetres(floor)) mm"
        )
    }

    /// Where a value may wrap: at a space, or just after a hyphen.
    static func breaks(in text: String) -> [String.Index] {
        var result: [String.Index] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if text[index] == " " { result.append(index) } else if text[index] == "-", next < text.endIndex { result.append(next) }
            index = next
        }
        return result
    }

    /// `1,6` — a decimal comma, as Indonesian writes it.
    static func millimetres(_ value: Double) -> String {
        String(format: "%.1f", value).replacingOccurrences(of: ".", with: ",")
    }
}
