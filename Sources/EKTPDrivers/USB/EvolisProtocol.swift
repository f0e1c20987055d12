import EKTPDomain
import Foundation

/// The Evolis escape-command protocol as ektp speaks it (docs/usb.md, "Evolis"): every
/// command is `ESC`, a command name, `;`-separated parameters and `CR`; the printer
/// answers each command with one reply (one bulk IN transfer) in ASCII.
///
/// Replies ektp understands:
/// - `OK`: a command accepted; `READY`: idle; `BUSY` / `PRINTING`: working.
/// - conditions, `;`-separated when there are several: `ERR FEEDER EMPTY`, `ERR JAM`,
///   `ERR RIBBON END`, `ERR NO RIBBON`, `ERR COVER OPEN`, `ERR OFFLINE`, any other `ERR …`,
///   and warnings `WARN RIBBON LOW`, `WARN FEEDER LOW`, `WARN CLEANING`.
/// - numbers for `Rco;c`, `Rco;p`, `Rlr`, `Rcr`; text for `Rtp`, `Rsn`, `Rfv`.
public enum EvolisProtocol {
    public static let esc: UInt8 = 0x1B
    public static let cr: UInt8 = 0x0D

    /// `ESC name;p1;p2 CR`.
    public static func command(_ name: String, _ parameters: String...) -> [UInt8] {
        [esc] + Array(([name] + parameters).joined(separator: ";").utf8) + [cr]
    }

    // Identity, status, counters.
    public static let model = command("Rtp")
    public static let serial = command("Rsn")
    public static let firmware = command("Rfv")
    public static let state = command("Rse")
    /// Prints the ribbon still holds (ektp's reading of `Rlr`).
    public static let ribbonRemaining = command("Rlr")
    /// Prints a full ribbon holds (ektp's reading of `Rcr`).
    public static let ribbonCapacity = command("Rcr")
    public static let cardCounter = command("Rco", "c")
    public static let panelCounter = command("Rco", "p")

    /// Grey levels sent for the colour panels: 128 levels, 7 bits a pixel, packed MSB first.
    public static let colourLevels = 128
    /// Levels of the resin-black and overlay panels: 2, one bit a pixel.
    public static let bitLevels = 2

    /// Bits a pixel takes at `levels` grey levels (2 → 1, 32 → 5, 64 → 6, 128 → 7, 256 → 8).
    public static func bits(forLevels levels: Int) -> Int? {
        switch levels {
        case 2: 1
        case 32: 5
        case 64: 6
        case 128: 7
        case 256: 8
        default: nil
        }
    }

    /// `ESC Db;PANEL;LEVELS;DATA CR`: one panel's bitmap.
    public static func download(panel: String, levels: Int, data: [UInt8]) -> [UInt8] {
        [esc] + Array("Db;\(panel);\(levels);".utf8) + data + [cr]
    }

    /// The commands of one card, in order: start the sequence, set the ribbon, front side,
    /// the five panels, end (print).
    public static func job(_ planes: PrintPlanes, ribbon: String) -> [[UInt8]] {
        let bits = bits(forLevels: colourLevels)!
        var commands: [[UInt8]] = [command("Ss"), command("Pr", ribbon.lowercased()), command("Sr")]
        for (panel, plane) in [("y", planes.yellow), ("m", planes.magenta), ("c", planes.cyan)] {
            commands.append(download(panel: panel, levels: colourLevels, data: pack(Array(plane), bits: bits)))
        }
        commands.append(download(panel: "k", levels: bitLevels, data: Array(planes.black)))
        commands.append(download(panel: "o", levels: bitLevels, data: Array(planes.overlay)))
        commands.append(command("Se"))
        return commands
    }

    /// Bytes in a panel's data at `bits` bits a pixel: colour panels pack the whole image
    /// as one bit stream; 1-bit panels are rows padded to whole bytes (as `PrintPlanes`).
    public static func dataLength(_ geometry: PanelGeometry, bits: Int) -> Int {
        bits == 1 ? (geometry.width + 7) / 8 * geometry.height : (geometry.width * geometry.height * bits + 7) / 8
    }

    /// Keeps the top `bits` bits of each 8-bit value and packs them MSB first.
    public static func pack(_ values: [UInt8], bits: Int) -> [UInt8] {
        if bits == 8 { return values }
        var out = [UInt8]()
        out.reserveCapacity((values.count * bits + 7) / 8)
        var acc: UInt32 = 0
        var n = 0
        for v in values {
            acc = (acc << UInt32(bits)) | UInt32(v >> UInt8(8 - bits))
            n += bits
            while n >= 8 {
                n -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(n)))
            }
            acc &= (1 << UInt32(n)) - 1
        }
        if n > 0 { out.append(UInt8(truncatingIfNeeded: acc << UInt32(8 - n))) }
        return out
    }

    /// The inverse of `pack`: `count` values scaled back to 8 bits.
    public static func unpack(_ bytes: [UInt8], bits: Int, count: Int) -> [UInt8] {
        if bits == 8 { return Array(bytes.prefix(count)) }
        var out = [UInt8]()
        out.reserveCapacity(count)
        var acc: UInt32 = 0
        var n = 0
        var it = bytes.makeIterator()
        while out.count < count {
            while n < bits {
                guard let b = it.next() else { return out }
                acc = (acc << 8) | UInt32(b)
                n += 8
            }
            n -= bits
            let v = UInt8((acc >> UInt32(n)) & ((1 << UInt32(bits)) - 1))
            out.append(v << UInt8(8 - bits))
            acc &= (1 << UInt32(n)) - 1
        }
        return out
    }

    /// A reply as text, without the trailing `CR`, NULs and spaces.
    public static func text(_ reply: [UInt8]) -> String {
        String(decoding: reply, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r\n\0 "))
    }

    /// What a reply means.
    public enum Reply: Equatable, Sendable {
        case ok
        case busy
        /// Idle or in a fault: the canonical reasons and whether any condition stops printing.
        case condition(reasons: [StateReason], error: Bool)
    }

    /// Maps a reply to canonical reasons (IPP keywords). Unknown `ERR …` text is an error
    /// with reason `other`; the text itself goes into the vendor detail.
    public static func interpret(_ text: String) -> Reply {
        let upper = text.uppercased()
        if upper == "OK" { return .ok }
        if upper == "BUSY" || upper == "PRINTING" { return .busy }
        var reasons: [StateReason] = []
        var error = false
        for part in upper.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            switch part {
            case "READY", "OK": continue
            case "BUSY", "PRINTING": continue
            case "ERR FEEDER EMPTY", "ERR HOPPER EMPTY", "ERR NO CARD": reasons.append(.mediaEmpty)
            case "ERR JAM", "ERR CARD JAM", "ERR BLOCKED": reasons.append(.mediaJam)
            case "ERR RIBBON END", "ERR NO RIBBON", "ERR RIBBON": reasons.append(.markerSupplyEmpty)
            case "ERR COVER OPEN", "ERR COVER": reasons.append(.coverOpen)
            case "ERR OFFLINE": reasons.append(.offlineReport)
            case "WARN RIBBON LOW": reasons.append(.markerSupplyLow)
            case "WARN FEEDER LOW": reasons.append(.mediaLow)
            case "WARN CLEANING": reasons.append(.cleanerLifeAlmostOver)
            default:
                if part.hasPrefix("ERR") {
                    reasons.append(.other)
                    error = true
                } else if part.hasPrefix("WARN") {
                    reasons.append(.other)
                }
            }
        }
        if reasons.contains(where: \.isError) { error = true }
        return .condition(reasons: reasons, error: error)
    }
}
