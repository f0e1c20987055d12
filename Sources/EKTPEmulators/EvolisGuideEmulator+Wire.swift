import Foundation

// The byte level of the Evolis emulator: command framing (host → printer) and panel rasters.
// Written from the fact sheet /tmp/research/evolis.md only (Evolis Programming Guide A5013 Rev E, "guide p.N").

/// One framed command as the printer parsed it.
struct EvolisCommand: Sendable {
    /// The command name, e.g. `Pem`, `Db`, `Rco` (case-sensitive, as in the guide's tables).
    var name: String
    /// The `;`-separated parameters after the name (text part only; binary data is in `payload`).
    var params: [String]
    /// Binary data of `Db`/`Dbc`; nil for every other command, and for a download whose length could not be known.
    var payload: [UInt8]?
    /// A printable rendering for `commandsReceived`, binary data summarised as `<N bytes>`.
    var summary: String
}

/// Splits the host's byte stream into commands.
///
/// Frame (guide p.4): `<start> Command [<sep> param]* <stop>` with start ESC, separator `;`, stop CR; `Psc` (guide p.27)
/// changes the three characters. "The start character is optional right after a CR" (guide p.4), so a letter that
/// directly follows a CR also opens a command. NULs between commands are ignored (the Windows driver pads with them,
/// WINCAP; sim.pl l.37-38 drops them).
///
/// `Db;<panel>;<levels>;<data>` has no length field (guide p.14, SDK CPrinter.vb l.293-294): the data length follows from
/// the level count, so the parser switches to counting bytes after the third separator, and a CR inside the data does
/// not end the command. `Dbc;<panel>;<levels>;<n>;<n bytes>` uses the guide p.6 form, the one the Windows driver sends
/// (WINCAP); the p.15 form cannot be told apart at the fourth separator and is not supported.
struct EvolisFrameParser: Sendable {
    /// A command header longer than this is garbage (the longest documented header is a few dozen bytes).
    static let maxHeader = 4096
    /// The largest `Dbc` byte count accepted: an uncompressed 8-bit panel; anything above is a corrupt length.
    static let maxCompressed = EvolisRaster.pixels

    var start: UInt8 = 0x1B
    var separator: UInt8 = 0x3B
    var end: UInt8 = 0x0D

    private enum State: Sendable {
        case idle(afterEnd: Bool)
        case header
        case payload(remaining: Int)
        case afterPayload
        case discard
    }

    private var state = State.idle(afterEnd: false)
    private var header: [UInt8] = []
    private var pending: EvolisCommand?

    /// Back to the power-on framing and an empty buffer.
    mutating func reset() {
        self = EvolisFrameParser()
    }

    /// Consumes bytes from `index` until one command is complete (returned) or the input runs out (nil).
    mutating func next(_ bytes: [UInt8], _ index: inout Int) -> EvolisCommand? {
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .idle(let afterEnd):
                index += 1
                if byte == start {
                    header = []
                    state = .header
                } else if afterEnd, Self.isLetter(byte) {
                    header = [byte]
                    state = .header
                } else {
                    // NUL padding, CR/LF, stray bytes between commands: dropped.
                    state = .idle(afterEnd: byte == end)
                }
            case .header:
                index += 1
                if byte == end {
                    state = .idle(afterEnd: true)
                    return textCommand()
                }
                if byte == start {
                    header = []  // a new start character abandons an unfinished header
                    continue
                }
                header.append(byte)
                if header.count > Self.maxHeader {
                    pending = EvolisCommand(name: "", params: [], payload: nil, summary: "<overlong command>")
                    state = .discard
                } else if byte == separator, let done = beginPayloadIfDownload() {
                    return done
                }
            case .payload(let remaining):
                let count = min(remaining, bytes.count - index)
                pending?.payload?.append(contentsOf: bytes[index..<(index + count)])
                index += count
                if count == remaining {
                    state = .afterPayload
                    return takePending()
                }
                state = .payload(remaining: remaining - count)
            case .afterPayload:
                // The CR after binary data is optional in the guide's p.69 example; swallow it when present.
                if byte == end {
                    index += 1
                    state = .idle(afterEnd: true)
                } else {
                    state = .idle(afterEnd: false)
                }
            case .discard:
                index += 1
                if byte == end {
                    state = .idle(afterEnd: true)
                    return takePending()
                }
            }
        }
        return nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private func fields() -> [String] {
        header.split(separator: separator, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    private mutating func takePending() -> EvolisCommand? {
        defer { pending = nil }
        return pending
    }

    private func textCommand() -> EvolisCommand {
        let parts = fields()
        let name = parts.first ?? ""
        return EvolisCommand(name: name, params: Array(parts.dropFirst()), payload: nil, summary: parts.joined(separator: ";"))
    }

    /// Called after each separator: switches to byte counting once a `Db`/`Dbc` header is complete.
    private mutating func beginPayloadIfDownload() -> EvolisCommand? {
        let parts = fields()  // the last element is the empty text after the separator just read
        let length: Int?
        switch (parts.first, parts.count) {
        case ("Db", 4):
            length = EvolisRaster.bits(forLevels: parts[2]).map(EvolisRaster.byteCount(bits:))
        case ("Dbc", 5):
            length = Int(parts[3]).flatMap { (0...Self.maxCompressed).contains($0) ? $0 : nil }
        default:
            return nil
        }
        let params = Array(parts.dropFirst().dropLast())
        let text = parts.dropLast().joined(separator: ";")
        guard let length else {
            // Unknown level count or corrupt length: the printer cannot know where the data ends; skip to the next CR.
            pending = EvolisCommand(name: parts[0], params: params, payload: nil, summary: text + ";<data skipped>")
            state = .discard
            return nil
        }
        var data: [UInt8] = []
        data.reserveCapacity(length)
        pending = EvolisCommand(name: parts[0], params: params, payload: data, summary: text + ";<\(length) bytes>")
        if length == 0 {
            state = .afterPayload
            return takePending()
        }
        state = .payload(remaining: length)
        return nil
    }
}

/// Panel geometry and pixel decoding (fact sheet §2).
enum EvolisRaster {
    /// Print-head lines per panel, along the card's long side (guide p.4).
    static let lines = 1016
    /// Dots per line, across the card's short side (guide p.4).
    static let dots = 648
    /// 648 × 1016 = 658,368 (the guide's 676,992 on p.14 is arithmetically wrong; fact sheet §2 "Size formula").
    static let pixels = lines * dots

    /// Bits per pixel for a `Db` level count (guide p.14): 2 → 1, 32 → 5, 64 → 6, 128 → 7.
    static func bits(forLevels levels: String) -> Int? {
        switch levels {
        case "2": 1
        case "32": 5
        case "64": 6
        case "128": 7
        default: nil
        }
    }

    /// Bytes of an uncompressed panel: 82,296 / 411,480 / 493,776 / 576,072 (fact sheet §2 size table).
    static func byteCount(bits: Int) -> Int {
        pixels * bits / 8
    }

    /// Unpacks a continuous MSB-first bitstream into one value per dot, in stream order (guide p.14, QZ compactBits).
    static func unpack(_ data: [UInt8], bits: Int) -> [UInt8]? {
        guard (1...8).contains(bits), data.count >= byteCount(bits: bits) else { return nil }
        var values = [UInt8](repeating: 0, count: pixels)
        var accumulator: UInt32 = 0
        var available = 0
        var source = 0
        let mask = UInt32(1 << bits) - 1
        for pixel in 0..<pixels {
            while available < bits {
                accumulator = (accumulator << 8) | UInt32(data[source])
                source += 1
                available += 8
            }
            available -= bits
            values[pixel] = UInt8((accumulator >> UInt32(available)) & mask)
            accumulator &= (UInt32(1) << UInt32(available)) - 1
        }
        return values
    }

    /// `Dbc` K/O line compression (guide p.5-6, sim.pl l.66-93): per line a byte 0x00 (blank), 0xFF (all black) or
    /// N in 1...81 followed by N data bytes (the rest of the line blank). Returns the 82,296-byte packed panel.
    static func inflateMono(_ data: [UInt8]) -> [UInt8]? {
        let lineBytes = dots / 8
        var packed = [UInt8](repeating: 0, count: lines * lineBytes)
        var source = 0
        for line in 0..<lines {
            guard source < data.count else { return nil }
            let code = Int(data[source])
            source += 1
            switch code {
            case 0x00:
                continue
            case 0xFF:
                packed.replaceSubrange((line * lineBytes)..<((line + 1) * lineBytes), with: repeatElement(0xFF, count: lineBytes))
            case 1...lineBytes:
                guard source + code <= data.count else { return nil }
                packed.replaceSubrange((line * lineBytes)..<(line * lineBytes + code), with: data[source..<(source + code)])
                source += code
            default:
                return nil
            }
        }
        return source == data.count ? packed : nil
    }

    /// `Dbc` colour compression (guide p.5) — ⚠ unverified by any capture, the emulator's best reading: a byte with
    /// MSB 0 is one dot (value in the low bits); MSB 1 repeats its low-bit value for the count in the next byte, the
    /// spare bits above the value (bit 6, and bit 5 at 5 bits) adding 256 each; count 0 blanks the rest of the line.
    static func inflateColour(_ data: [UInt8], bits: Int) -> [UInt8]? {
        guard (5...7).contains(bits) else { return nil }
        var values = [UInt8](repeating: 0, count: pixels)
        let mask = (1 << bits) - 1
        var source = 0
        var pixel = 0
        while source < data.count, pixel < pixels {
            let code = Int(data[source])
            source += 1
            if code & 0x80 == 0 {
                values[pixel] = UInt8(code & mask)
                pixel += 1
                continue
            }
            guard source < data.count else { return nil }
            var count = Int(data[source])
            source += 1
            if count == 0 {
                pixel = min(pixels, (pixel / dots + 1) * dots)
                continue
            }
            for bit in bits..<7 where code & (1 << bit) != 0 {
                count += 256
            }
            let stop = min(pixels, pixel + count)
            for index in pixel..<stop {
                values[index] = UInt8(code & mask)
            }
            pixel = stop
        }
        return values
    }

    /// Stream-order dot values → upright landscape image, 1016 wide × 648 high, row-major from the top-left.
    ///
    /// Mapping from the Windows-driver capture (fact sheet §2 "Bit order and pixel order", WINCAP, drv.pl l.56):
    /// line n = landscape column X = n, dot d = landscape row Y = 647 − d. A 1-bit value becomes 0 or 255; a b-bit
    /// value v becomes `v << (8 − b) | v >> (2b − 8)` (7 bits: `v << 1 | v >> 6`), so 0 stays "no ink" (QZ l.84-91).
    /// Check vectors for 2 levels: byte 0 = 0x80 → (0, 647); byte 80 = 0x01 → (0, 0); byte 82,215 = 0x80 → (1015, 647)
    /// (the fact sheet's table prints 81,215, but 1015 × 81 = 82,215); byte 82,295 = 0x01 → (1015, 0).
    static func landscape(_ values: [UInt8], bits: Int) -> [UInt8] {
        let scale: [UInt8] = (0..<256).map { raw in
            let value = raw & ((1 << bits) - 1)
            if bits == 1 { return value == 0 ? 0 : 255 }
            return UInt8(truncatingIfNeeded: (value << (8 - bits)) | (value >> (2 * bits - 8)))
        }
        var image = [UInt8](repeating: 0, count: pixels)
        for line in 0..<lines {
            let base = line * dots
            for dot in 0..<dots {
                image[(dots - 1 - dot) * lines + line] = scale[Int(values[base + dot])]
            }
        }
        return image
    }
}
