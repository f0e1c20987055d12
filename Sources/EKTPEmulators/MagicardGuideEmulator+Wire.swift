import Foundation

// The Magicard wire format, written from the vendor sources only (fact sheet /tmp/research/magicard.md, "§"):
// the vendor document "File format for the Magicard Enduro/Pronto printers" (Document 1315, "doc"), Magicard's Linux
// filter rastertoultra.c and its capture magicard.prn, the Windows-driver capture and selphy_print's backend.

/// One complete unit the host sent.
enum MagicardFrame {
    /// `SOH , REQ , <command> , FS ETX` (vendor) or `SOH REQ , <command> , FS ETX` (selphy), command without the
    /// trailing comma, e.g. "INF", "STA,TCQ" (§2.1).
    case request(String)
    case job(MagicardJob)
    /// The printer refused to parse the bytes; the reason, with the stream offset where the unit started.
    case framingError(String)
}

/// A print job (one card side) whose framing is correct: `SOH , header FS (data FS letter :)+ ETX` (§1.7, doc p.5-6).
struct MagicardJob {
    /// Header fields in order, split into the 3-letter mnemonic and its value (§1.2).
    var fields: [(String, String)]
    var width: Int
    var height: Int
    /// Plane letter (B, G, R or K) and its raw bytes, in the order sent.
    var planes: [(String, [UInt8])]

    func value(_ mnemonic: String) -> String? { fields.first { $0.0 == mnemonic }?.1 }
}

/// The KGE print head (Enduro family, Alto/Opera/Tempo): 672 dots in 24 32-bit words per bit-plane and line (§1.5,
/// doc §4). Colour planes carry 6 bit-planes per line (576 bytes), the K plane one (96 bytes).
enum MagicardHead {
    static let dots = 672
    static let bytesPerBitPlane = 96
    static let colourBitPlanes = 6
    /// Emulator limit on WID (the vendor drivers send 1016 or 1000 lines for a CR80 card, §1.5).
    static let maxLines = 1100
    /// Emulator limit on the header, so that garbage without FS cannot grow without bound.
    static let maxHeader = 8192

    static func planeSize(_ letter: String, width: Int) -> Int {
        bytesPerBitPlane * (letter == "K" ? 1 : colourBitPlanes) * width
    }

    /// Byte offset within a 96-byte bit-plane block and bit mask of head dot `p` (doc §4 lookup table; rastertoultra
    /// layout, §1.5): dots 0-287 sit on the even bits of words 6-23, dots 288-671 on the odd bits of words 0-23. The
    /// doc numbers bits on a big-endian word from the MSB; the Enduro filter produces the same bytes on x86 by bit
    /// order reversal within each byte, so bit b of a word is byte b/8 of the word, mask 0x80 >> b%8 (§1.5, §1.9).
    static func slot(ofDot p: Int) -> (offset: Int, mask: UInt8) {
        let word: Int, bit: Int
        if p < 288 {
            word = 6 + p / 16
            bit = (p % 16) * 2
        } else {
            word = (p - 288) / 16
            bit = ((p - 288) % 16) * 2 + 1
        }
        return (word * 4 + bit / 8, UInt8(0x80) >> UInt8(bit % 8))
    }

    /// Decodes one plane to an upright landscape image, `width` × `height`, row-major from the top left, 0 = no ink.
    /// Line x is card column x (line 0 = left edge); head dot `margin + (height − 1 − y)` is card row y (§1.6).
    /// Colour densities are 6-bit, lowest bit-plane first (doc §4 writes bits 2-7 of an 8-bit value); they are
    /// widened back to 8 bits as d·4 + d/16 so that 63 → 255 and `value >> 2` is the density. K dots become 255.
    static func decode(_ data: [UInt8], letter: String, width: Int, height: Int, margin: Int) -> [UInt8] {
        let depth = letter == "K" ? 1 : colourBitPlanes
        let stride = bytesPerBitPlane * depth
        var image = [UInt8](repeating: 0, count: width * height)
        guard data.count >= stride * width else { return image }
        let rows: [(offset: Int, mask: UInt8)?] = (0..<height).map { y in
            let dot = margin + (height - 1 - y)
            return (0..<dots).contains(dot) ? slot(ofDot: dot) : nil
        }
        data.withUnsafeBufferPointer { raw in
            image.withUnsafeMutableBufferPointer { out in
                for x in 0..<width {
                    let line = x * stride
                    for (y, slot) in rows.enumerated() {
                        guard let slot else { continue }
                        var density = 0
                        for k in 0..<depth where raw[line + k * bytesPerBitPlane + slot.offset] & slot.mask != 0 {
                            density |= 1 << k
                        }
                        guard density != 0 else { continue }
                        out[y * width + x] = depth == 1 ? 255 : UInt8(density * 4 + density / 16)
                    }
                }
            }
        }
        return image
    }
}

/// Splits the byte stream into frames. It never scans plane data for FS (0x1C occurs inside it, §1.1): plane data is
/// counted from the SZx fields. After a framing error it discards bytes until the next lead (0x05) or SOH (0x01);
/// false starts found while resynchronising inside binary data are dropped silently.
struct MagicardFrameParser {
    private enum Phase { case idle, skip, lead, soh, header, requestEnd, planeData, planeEnd, jobEnd }

    private static let soh: UInt8 = 0x01, etx: UInt8 = 0x03, lead: UInt8 = 0x05, fs: UInt8 = 0x1C
    private static let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":")

    private var phase = Phase.idle
    private var quiet = false  // resynchronising: errors before FS are not reported
    private var position = 0  // bytes consumed since power-on
    private var start = 0  // stream offset of the unit being parsed
    private var text: [UInt8] = []
    private var request = ""
    private var job: MagicardJob?
    private var plane = 0
    private var planeBytes: [UInt8] = []
    private var trailer: [UInt8] = []

    mutating func reset() { self = MagicardFrameParser() }

    mutating func feed(_ bytes: [UInt8], into frames: inout [MagicardFrame]) {
        var i = 0
        while i < bytes.count {
            if phase == .planeData, let job {
                let want = MagicardHead.planeSize(job.planes[plane].0, width: job.width) - planeBytes.count
                let take = min(want, bytes.count - i)
                planeBytes.append(contentsOf: bytes[i..<(i + take)])
                i += take
                position += take
                if take == want {
                    self.job?.planes[plane].1 = planeBytes
                    planeBytes = []
                    trailer = []
                    phase = .planeEnd
                }
                continue
            }
            step(bytes[i], &frames)
            i += 1
            position += 1
        }
    }

    private mutating func step(_ b: UInt8, _ frames: inout [MagicardFrame]) {
        switch phase {
        case .idle, .skip, .lead:
            if b == Self.lead {
                if phase != .lead { start = position }
                phase = .lead
            } else if b == Self.soh {
                if phase != .lead { start = position }
                phase = .soh
            } else if phase == .idle {
                start = position
                fail("byte 0x\(hex(b)) outside a job (expected 0x05 lead or SOH)", b, &frames)
            } else if phase == .lead {
                fail("lead-in (0x05) not followed by SOH but 0x\(hex(b))", b, &frames)
            }
        case .soh:
            // Vendor form: SOH ','; selphy's status requests: SOH 'REQ,' (§2.1, §5.3).
            guard b == Self.comma || b == UInt8(ascii: "R") else {
                return fail("SOH not followed by ',' but 0x\(hex(b))", b, &frames)
            }
            text = [b]
            phase = .header
        case .header:
            if b == Self.fs {
                quiet = false
                endOfHeader(&frames)
            } else if b < 0x20 || b > 0x7E {
                fail("control byte 0x\(hex(b)) in the header before FS", b, &frames)
            } else if text.count >= MagicardHead.maxHeader {
                fail("header longer than \(MagicardHead.maxHeader) bytes without FS", b, &frames)
            } else {
                text.append(b)
            }
        case .requestEnd:
            guard b == Self.etx else { return fail("REQ,\(request): FS not followed by ETX but 0x\(hex(b))", b, &frames) }
            frames.append(.request(request))
            finish()
        case .planeEnd:
            guard let job else { return finish() }
            let letter = job.planes[plane].0
            let expected = [Self.fs, letter.utf8.first ?? 0, Self.colon]
            guard b == expected[trailer.count] else {
                return fail(
                    "plane \(letter): expected 1C \(hex(expected[1])) 3A after its \(job.planes[plane].1.count) data bytes (SZ\(letter)), "
                        + "got 0x\(hex(b)) at trailer byte \(trailer.count)", b, &frames)
            }
            trailer.append(b)
            guard trailer.count == 3 else { return }
            plane += 1
            phase = plane < job.planes.count ? .planeData : .jobEnd
        case .jobEnd:
            guard b == Self.etx, let job else { return fail("missing ETX after the last plane (got 0x\(hex(b)))", b, &frames) }
            frames.append(.job(job))
            finish()
        case .planeData:
            break  // handled in bulk by feed
        }
    }

    private mutating func finish() {
        phase = .idle
        quiet = false
        text = []
        job = nil
        planeBytes = []
    }

    private mutating func fail(_ why: String, _ b: UInt8, _ frames: inout [MagicardFrame]) {
        if !quiet { frames.append(.framingError("unit at byte \(start): \(why)")) }
        finish()
        phase = .skip
        quiet = true
        if b == Self.lead || b == Self.soh { step(b, &frames) }  // the offending byte may start the next unit
    }

    private func hex(_ b: UInt8) -> String { String(format: "%02X", b) }

    private mutating func endOfHeader(_ frames: inout [MagicardFrame]) {
        let header = String(decoding: text, as: UTF8.self)
        for prefix in [",REQ,", "REQ,"] where header.hasPrefix(prefix) {
            let body = header.dropFirst(prefix.count)
            // Doc Fig.8: "REQ," command "," FS ETX — the trailing comma is part of the frame.
            guard body.count > 1, body.hasSuffix(",") else {
                return fail("REQ command '\(body)' must end with ',' before FS (doc Fig.8)", 0, &frames)
            }
            request = String(body.dropLast())
            phase = .requestEnd
            return
        }
        guard header.hasPrefix(",") else { return fail("SOH not followed by ','", 0, &frames) }
        switch Self.parseJobHeader(header.dropFirst()) {
        case .success(let parsed):
            job = parsed
            plane = 0
            planeBytes = []
            planeBytes.reserveCapacity(MagicardHead.planeSize(parsed.planes[0].0, width: parsed.width))
            phase = .planeData
        case .failure(let error):
            fail(error.why, 0, &frames)
        }
    }

    struct HeaderError: Error { var why: String }

    /// A plain decimal number as the drivers print them (`%u`), no sign or spaces.
    static func integer<S: StringProtocol>(_ s: S) -> Int? {
        guard !s.isEmpty, s.count <= 9, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    /// Fields separated by ',' with no trailing comma (doc Fig.3); PCT/NCT/REA carry four comma-separated numbers
    /// (doc 3.20, 3.28; §1.7). NOC must come first (doc 3.22). WID/HGT give the plane sizes; the SZx fields name the
    /// planes sent, in B, G, R, K order, each 576·WID (colour) or 96·WID (K) bytes for the KGE head (§1.3, §1.5).
    static func parseJobHeader(_ header: Substring) -> Result<MagicardJob, HeaderError> {
        let tokens = header.split(separator: ",", omittingEmptySubsequences: false)
        var fields: [(String, String)] = []
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            guard !token.isEmpty else {
                return .failure(HeaderError(why: "empty header field #\(fields.count + 1) (a comma before FS or a doubled comma)"))
            }
            guard token.count >= 3 else { return .failure(HeaderError(why: "header field '\(token)' shorter than a mnemonic")) }
            let mnemonic = String(token.prefix(3))
            var value = String(token.dropFirst(3))
            if ["PCT", "NCT", "REA"].contains(mnemonic) {
                guard i + 3 < tokens.count, tokens[(i + 1)...(i + 3)].allSatisfy({ integer($0) != nil }), integer(value) != nil else {
                    return .failure(HeaderError(why: "\(mnemonic) needs four comma-separated integers"))
                }
                value = ([Substring(value)] + tokens[(i + 1)...(i + 3)]).joined(separator: ",")
                i += 3
            }
            fields.append((mnemonic, value))
            i += 1
        }
        guard fields.first?.0 == "NOC" else { return .failure(HeaderError(why: "NOC is not the first header command (doc 3.22)")) }
        func number(_ name: String, _ range: ClosedRange<Int>) -> Int? {
            fields.first { $0.0 == name }.flatMap { integer($0.1) }.flatMap { range.contains($0) ? $0 : nil }
        }
        guard let width = number("WID", 1...MagicardHead.maxLines) else {
            return .failure(HeaderError(why: "WID missing or not in 1...\(MagicardHead.maxLines)"))
        }
        guard let height = number("HGT", 1...MagicardHead.dots) else {
            return .failure(HeaderError(why: "HGT missing or not in 1...\(MagicardHead.dots) (KGE head)"))
        }
        var planes: [(String, [UInt8])] = []
        var last = -1
        for (name, value) in fields where name.hasPrefix("SZ") {
            let letter = String(name.dropFirst(2))
            guard let order = ["B", "G", "R", "K"].firstIndex(of: letter) else {
                return .failure(HeaderError(why: "unknown plane \(name) (planes are B, G, R, K)"))
            }
            guard order > last else { return .failure(HeaderError(why: "\(name) out of B, G, R, K order or repeated")) }
            last = order
            let size = MagicardHead.planeSize(letter, width: width)
            guard integer(value) == size else {
                return .failure(HeaderError(why: "\(name)\(value) is not the KGE plane size \(size) for WID\(width)"))
            }
            planes.append((letter, []))
        }
        guard !planes.isEmpty else { return .failure(HeaderError(why: "no SZx field: a job carries at least one plane (§1.3)")) }
        return .success(MagicardJob(fields: fields, width: width, height: height, planes: planes))
    }
}
