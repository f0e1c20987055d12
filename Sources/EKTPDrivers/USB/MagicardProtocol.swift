import EKTPDomain
import Foundation

// Sources cited below (read-only references, nothing copied):
// - rc:N    = pc-coholic/magicardppd `src/rastertoultra.c` line N — Magicard's own CUPS filter
//             ("Sourcecode as provided by Magicard"); ch:N = its `src/command.h`, gd:N = `src/gndefs.h`,
//             mg:N = `src/magigen.h`.
// - prn@N   = byte offset N (decimal, 0-based) in pc-coholic/magicardppd `tools-and-traces/magicard.prn`,
//             a 1 853 486-byte job written by that filter for an Enduro-family printer (KGE2 head),
//             1016×642, YMCK + overcoat + HoloKote. The job proper starts at prn@12 (prn@0-11 is the
//             `REQ,INF` status request the filter sends first).
// - doc pN  = "File format for the Magicard Enduro/Pronto printers", Ultra Electronics document 1315
//             issue 1.1 (2010), page N (`doc_magicard/Print Command Summary.pdf` in the same repository).
// - win     = the Magicard Windows driver 1.7.2.0 capture `tools-and-traces/win/capture.pcapng` (same
//             repository), used only where it confirms the Linux filter.
// - sp:N    = Performed/selphy_print `backend_magicard.c` line N (reverse-engineered backend).

/// The Magicard host protocol for the Enduro family (Enduro, Enduro+, Pronto, Rio Pro and their OEM
/// twins): KGE print head, 672 dots across the card's short side, framed exactly as Magicard's own
/// Linux filter frames it. Pure and I/O-free.
///
/// A job is `lead · SOH "," · header fields · FS · planes · ETX`:
/// ```
/// 05×64  01 2C  NOC1,VER…,LANENG,TDT…,[LCn,]KGE2,DPXOFF,PAG1,IMFBGRK,XCO0,YCO0,WID1016,HGT642,
///               OVRON,NNNOFF,USFOFF,PCT0,0,1015,641,ICC3,CPW50,DDD50,SZB585216,…,SZK97536  1C
/// <B data> 1C 'B' ':'  <G data> 1C 'G' ':'  <R data> 1C 'R' ':'  <K data> 1C 'K' ':'  03
/// ```
/// (doc p5 Fig.1-3, p6 Fig.4; rc:1611-2606 header, rc:4797-4848 sizes, rc:4600-4785 planes.)
public enum MagicardProtocol {

    // MARK: - Framing bytes

    /// Start of header (doc p5 Fig.3). Every vendor frame writes it followed by a comma
    /// (`CMD_STR_SOH "\001,"`, ch:20; prn@76-77 = `01 2C`).
    public static let soh: UInt8 = 0x01
    /// Field separator inside the header (doc p5: "No comma follows the last command in the header").
    public static let comma: UInt8 = 0x2C
    /// File separator: ends the header and follows every plane (ch:155; prn@288, prn@585505, …).
    public static let fs: UInt8 = 0x1C
    /// Plane-terminator suffix after the plane letter (ch:122-125; doc p6 Fig.4).
    public static let colon: UInt8 = 0x3A
    /// End of text: ends one card side (ch:21; prn@1853485, the file's last byte).
    public static let etx: UInt8 = 0x03

    /// Lead-in before every print job: 64 × `0x05` (`CMD_STR_LEADCHAR` ch:19 × `NUMBER_05S` = 64 mg:121,
    /// written at rc:1611-1614; prn@12-75; win stream offsets 12-75). Not in the vendor document;
    /// the vendor's status requests carry no lead-in (rc:7639).
    public static let lead = [UInt8](repeating: 0x05, count: 64)

    /// A status/control request as the vendor drivers send it: `01 "," "REQ" "," <command> "," 1C 03`.
    /// `request("INF")` is byte for byte rc:7639 (`"\x01,REQ,INF,\x1C\x03"`) and prn@0-11 /
    /// `tools-and-traces/INF.prn`; the Windows driver sends `request("ERR")` the same way (win frame 14).
    /// The vendor document's form (doc p18 Fig.8) is the same without the comma after SOH; selphy_print
    /// (sp:117-124) prefixes 9 × `0x05` and also omits that comma — this follows the vendor drivers.
    /// Commands in the vendor document: `INF`, `CAN`, `OKY`, `CLN`, `ERASE` (doc p18-20).
    public static func request(_ command: String) -> [UInt8] {
        [soh, comma] + Array("REQ,".utf8) + Array(command.utf8) + [comma, fs, etx]
    }

    // MARK: - Ribbon

    /// The dye-film (ribbon) type, sent as `LCn,` (ch:116-119; gd:326-331). Meanings of the codes are
    /// single-sourced: sp:1018 ("LC1, LC3, LC6, LC8 for YMCKO/MONO/KO/YMCKOK"). The vendor Linux filter
    /// never sends LC (its "Auto" default sends nothing, rc:1751-1762, "default and can only be changed
    /// in Rio"); neither vendor capture contains it. Printers ignore header commands they do not know
    /// (doc p7).
    public enum Ribbon: String, Hashable, Sendable, CaseIterable {
        case ymcko, mono, ko, ymckok

        /// Parses a profile's ribbon type: "YMCKO", "K" or "MONO", "KO", "YMCKOK" (case and
        /// surrounding blanks ignored); nil for anything else.
        public init?(profileType: String) {
            switch profileType.trimmingCharacters(in: .whitespacesAndNewlines).uppercased() {
            case "YMCKO": self = .ymcko
            case "K", "MONO": self = .mono
            case "KO": self = .ko
            case "YMCKOK": self = .ymckok
            default: return nil
            }
        }

        /// The header field: `LC1` YMCKO, `LC3` mono, `LC6` KO, `LC8` YMCKOK (ch:116-119, sp:1018).
        public var field: String {
            switch self {
            case .ymcko: "LC1"
            case .mono: "LC3"
            case .ko: "LC6"
            case .ymckok: "LC8"
            }
        }

        /// Whether the ribbon has Y, M and C panels (otherwise only resin K is printed).
        public var hasColour: Bool { self == .ymcko || self == .ymckok }

        /// The `IMF` value for a side with ink: `BGRK` for a colour ribbon (ch:145, the filter's default
        /// front format "YMCK"; prn@139 `IMFBGRK`), `K` for a resin-only ribbon (ch:147).
        public var imageFormat: String { hasColour ? "BGRK" : "K" }
    }

    /// Resin quality for `RSP` (ch:93, ch:150-152; rc:1694-1714 — Enduro-family, not Rio Pro types).
    public enum ResinQuality: String, Hashable, Sendable {
        case standard = "DEF"
        case fast = "FAST"
        case high = "HQ"
    }

    // MARK: - Job

    /// Settings of one card side. The `ICC`/`CPW`/`DDD` defaults are the vendor filter's defaults
    /// (enduro.ppd, rc:785-800, rc:919-921). `RSP` (sent by the filter for Enduro/Enduro+/Pronto, not
    /// for Rio Pro) and `SLW` (Rio Pro only) are opt-in because they depend on the model.
    public struct JobOptions: Hashable, Sendable {
        /// `NOC<n>` — number of copies; must be the first field (doc p15 §3.22; ch:23; prn@78 `NOC1`).
        public var copies: Int
        /// `OVR<ON|OFF>` — clear overcoat over the card (ch:48; prn@172 `OVRON`).
        public var overcoat: Bool
        /// Sent as `LCn` (see `Ribbon`) and decides `IMF` and which planes may be sent.
        public var ribbon: Ribbon
        /// Printhead vertical position, INF field 16 (doc p19 Fig.10; rc:7456-7459). The image is
        /// shifted across the head by it (rc:5262-5265 reads it, default 50 when 0 or unknown;
        /// rc:5593-5596; doc p17 `y += 50 - position`). Clamped as the filter clamps it.
        public var headPosition: Int
        /// `TDT<hex>` — the job's time: Unix seconds, upper-case hex, no padding (rc:1684-1687, ch:85;
        /// prn@98 `TDT5362BAB5`).
        public var time: Date
        /// `VER<driver>-<firmware>` (ch:25-26, rc:1648-1659; prn@83 `VER1.0-`). The Enduro branch of
        /// the filter always appends `-` and the firmware string from INF field 6 (empty when the
        /// printer did not answer INF, as in the capture).
        public var driverVersion: String
        /// Firmware version from INF field 6, appended after `VER<driver>-` (rc:1650-1652).
        public var firmwareVersion: String
        /// `LAN<xxx>` — language of the printer's status texts; the Linux filter hard-codes `ENG`
        /// (rc:1682; prn@91), the German Windows driver sent `LANDEU` (win).
        public var language: String
        /// `RSP<DEF|FAST|HQ>` — resin quality. The filter sends it for Enduro-family models that are
        /// not Rio Pro types (rc:1694-1714; prn@110 `RSPDEF`). nil = not sent.
        public var resinQuality: ResinQuality?
        /// `SLW<ON|OFF>` (ColourSure) right after the head id — the filter sends it only for Rio Pro
        /// types (rc:1915-1920). nil = not sent.
        public var colourSure: Bool?
        /// `ICC<n>` — colour-correction mode, "always sent … informs firmware of base heat"
        /// (rc:2531-2535): 0 none, 1 gamma 1, 2 gamma 2, 3 ICC internal, 4 ICC external (gd:112-117).
        /// The filter's default ("Driver managed", enduro.ppd) becomes 3 (rc:919-921; prn@233 `ICC3`);
        /// the Windows driver sent `ICC1`.
        public var colourCorrection: Int
        /// `CPW<n>` — YMC head power 0-100, default 50. Sent when `colourCorrection` is 3 or 4, or when
        /// it differs from 50 (rc:2537-2545; prn@238 `CPW50`).
        public var ymcPower: Int
        /// `DDD<n>` — the filter's print-head position setting, hard-coded 50 ("to be populated by
        /// status monitor feedback", rc:793) and sent whenever non-zero (rc:2559-2564; prn@244 `DDD50`).
        /// It is not the INF value used to shift the image (`headPosition`). nil = not sent.
        public var headPositionField: Int?

        public init(
            copies: Int = 1, overcoat: Bool, ribbon: Ribbon, headPosition: Int = 50, time: Date = Date(),
            driverVersion: String = "1.0", firmwareVersion: String = "", language: String = "ENG",
            resinQuality: ResinQuality? = nil, colourSure: Bool? = nil, colourCorrection: Int = 3,
            ymcPower: Int = 50, headPositionField: Int? = 50
        ) {
            self.copies = copies
            self.overcoat = overcoat
            self.ribbon = ribbon
            self.headPosition = headPosition
            self.time = time
            self.driverVersion = driverVersion
            self.firmwareVersion = firmwareVersion
            self.language = language
            self.resinQuality = resinQuality
            self.colourSure = colourSure
            self.colourCorrection = colourCorrection
            self.ymcPower = ymcPower
            self.headPositionField = headPositionField
        }
    }

    /// One encoded plane with its letter (`B` yellow, `G` magenta, `R` cyan, `K` resin black;
    /// doc p6 Fig.4, ch:110-113 / ch:122-125).
    public struct Plane: Hashable, Sendable {
        public var letter: Character
        public var data: [UInt8]
    }

    /// The planes a job carries, in the fixed order B, G, R, K (rc:4750-4767 loops PLANE_Y…PLANE_K,
    /// cmnDef.h:18-21), only those with ink (`bDataInPlane`, rc:4758; a colour line has ink when a
    /// 6-bit density is non-zero, rc:5987-5993). A side with no ink at all still carries an all-zero K
    /// plane — the filter's blank-card rule (rc:4770-4781, rc:4838-4845). The colour planes are left
    /// out for a resin-only ribbon. The overlay plane is not used: the Magicard overcoat is the
    /// rectangular `PCT` area, not a bitmap (ch:51-54).
    public static func planes(_ planes: PrintPlanes, options: JobOptions) -> [Plane] {
        let g = planes.geometry
        var out: [Plane] = []
        if options.ribbon.hasColour {
            for (letter, ink) in [("B", planes.yellow), ("G", planes.magenta), ("R", planes.cyan)] as [(Character, Data)] {
                let data = encodeColourPlane(ink, width: g.width, height: g.height, headPosition: options.headPosition)
                if data.contains(where: { $0 != 0 }) { out.append(Plane(letter: letter, data: data)) }
            }
        }
        let black = encodeBlackPlane(planes.black, width: g.width, height: g.height, headPosition: options.headPosition)
        if out.isEmpty || black.contains(where: { $0 != 0 }) { out.append(Plane(letter: "K", data: black)) }
        return out
    }

    /// The header fields of one simplex front side, in the filter's order (rc:1611-2606). Each field is
    /// one element; `PCT` carries its embedded commas. Fields the filter would send that ektp does not:
    /// `COEH/COEL` and the other magnetic-encoding fields (rc:1778-1829, prn@117 `COEH`), the erase
    /// commands of rewritable cards (rc:1717-1749), `CR79`, `BSO`, `BAC` (duplex), and the HoloKote
    /// group `HKT/CKI/HKM/TRO` (prn@191-216), which the filter only sends when HoloKote,
    /// "use with laminate" or HoloPatch is on (rc:2294).
    public static func headerFields(_ planes: PrintPlanes, options: JobOptions, sent: [Plane]) -> [String] {
        let g = planes.geometry
        var f: [String] = []
        f.append("NOC\(max(0, options.copies))")  // ch:23, rc:1626; prn@78
        f.append("VER\(options.driverVersion)-\(options.firmwareVersion)")  // ch:25-26, rc:1648-1652; prn@83
        f.append("LAN\(options.language)")  // ch:27, rc:1682; prn@91
        let seconds = max(0, Int64(options.time.timeIntervalSince1970.rounded(.down)))
        f.append("TDT" + String(UInt32(truncatingIfNeeded: seconds), radix: 16, uppercase: true))  // rc:1685-1687; prn@98
        if let rsp = options.resinQuality { f.append("RSP\(rsp.rawValue)") }  // rc:1694-1714; prn@110
        f.append(options.ribbon.field)  // rc:1751-1762: after TDT/CR79/RSP/erase, before JIS2/MAG and head id
        f.append("KGE2")  // ch:105, rc:1870-1878 (INF head type 0 → KGE2; KEE1/KEE4 use the same KGE data, rc:5745-5758); prn@122
        if let slw = options.colourSure { f.append("SLW" + (slw ? "ON" : "OFF")) }  // ch:41, rc:1915-1920
        f.append("DPXOFF")  // ch:42, rc:1946-1952 (Enduro OEM always sends DPX); prn@127
        f.append("PAG1")  // ch:45, rc:2022 (front page); prn@134
        // IMF: the side's format when it has ink, `K` for a blank side (rc:2024-2058); prn@139.
        let hasInk = sent.contains { $0.data.contains(where: { $0 != 0 }) }
        f.append("IMF" + (hasInk ? options.ribbon.imageFormat : "K"))
        f.append("XCO0")  // ch:46 "XCO0,YCO0,", rc:2100; prn@147
        f.append("YCO0")  // prn@152
        f.append("WID\(g.width)")  // ch:47, rc:2110-2114 (epPaperXdots); prn@157 `WID1016`
        f.append("HGT\(g.height)")  // prn@165 `HGT642`
        if options.overcoat {
            f.append("OVRON")  // ch:48, rc:2281-2285; prn@172
            f.append("NNNOFF")  // "use with laminate" off — always sent with OVRON (ch:49, rc:2286-2288; prn@178)
            f.append("USFOFF")  // HoloKote off — always sent with OVRON (ch:50, rc:2290-2292; prn@185 shows USFON)
            // No HKT/CKI/HKM/TRO: only with HoloKote/laminate/HoloPatch (rc:2294-2382).
            // Overcoat area, the Enduro fixed string `PCT0,0,1015,641` (ch:53, rc:2399-2412; prn@217),
            // i.e. the whole image, which is what this generalises to for other sizes.
            f.append("PCT0,0,\(g.width - 1),\(g.height - 1)")
        } else {
            f.append("OVROFF")  // rc:2276-2280: nothing else overcoat-related follows
        }
        f.append("ICC\(options.colourCorrection)")  // ch:95, rc:2535; prn@233
        if options.colourCorrection == 3 || options.colourCorrection == 4 || options.ymcPower != 50 {
            f.append("CPW\(options.ymcPower)")  // ch:64, rc:2537-2545; prn@238
        }
        if let ddd = options.headPositionField, ddd != 0 { f.append("DDD\(ddd)") }  // ch:67, rc:2559-2564; prn@244
        // Plane sizes, only for the planes sent, order B,G,R,K (ch:110-113, rc:4797-4848); prn@250-287.
        for p in sent { f.append("SZ\(p.letter)\(p.data.count)") }
        return f
    }

    /// The whole print job for one simplex card side, exactly in the vendor filter's grammar:
    /// `lead`, `01 ","`, the header fields joined by `,` (no comma before FS — ch:99-102, doc p5),
    /// `1C`, then for every plane its bytes + `1C <letter> ":"`, and a final `03` (rc:1611-1614,
    /// rc:4600-4785, rc:2628-2645; prn@12-1853485).
    /// Length: 64 + 2 + header + 1 + Σ(size + 3) + 1 (prn: 12 + 1 853 474).
    /// The `REQ,INF` status request the filter sends before the job (prn@0-11) is not part of it.
    public static func job(_ planes: PrintPlanes, options: JobOptions) -> [UInt8] {
        let sent = self.planes(planes, options: options)
        let header = headerFields(planes, options: options, sent: sent).joined(separator: ",")
        var out = [UInt8]()
        out.reserveCapacity(lead.count + 3 + header.utf8.count + sent.reduce(1) { $0 + $1.data.count + 3 })
        out += lead
        out += [soh, comma]
        out += Array(header.utf8)
        out.append(fs)
        for p in sent {
            out += p.data
            out += [fs, UInt8(ascii: p.letter.unicodeScalars.first!), colon]
        }
        out.append(etx)
        return out
    }

    // MARK: - Plane encoding (KGE head)

    /// Dots across the print head (rc:5231 `PRINTHEAD_WIDTH`; doc p16 "canvas … 672 pixels high").
    public static let headDots = 672
    /// Bytes per bit-plane per line: 24 32-bit words = 768 bit slots (doc p16; `OUTPUT_DATA_WIDTH_ALTO`
    /// 576 / 6, mg:426).
    public static let bytesPerBitPlane = 96
    /// Bit-planes of a colour plane: 6-bit densities (rc:5228; doc p17 uses bits 2-7 of 0-255).
    public static let colourBitPlanes = 6

    /// Bytes of one encoded plane: 576·WID for colour, 96·WID for K (rc:4474-4478;
    /// prn: SZB585216 = 576×1016, SZK97536 = 96×1016).
    public static func planeSize(width: Int, bitPlanes: Int) -> Int { width * bitPlanes * bytesPerBitPlane }

    /// The first head dot used by image pixel 0 of a line: the filter's `margin_index`
    /// (rc:5586-5597): `MARGIN(h) = (672 − h) / 2` (15 for the full-bleed 642, rc:5234-5237), the head
    /// position clamped to `50 ± MARGIN(h)`, margin = `50 + MARGIN(h) − position`. Position 50 → 15;
    /// the decoded capture has ink exactly on head dots 15…656.
    public static func margin(height: Int, headPosition: Int) -> Int {
        let m = max(0, (headDots - height) / 2)
        let position = min(max(headPosition == 0 ? 50 : headPosition, 50 - m), 50 + m)
        return 50 + m - position
    }

    /// Where head dot `p` (0…671) lives inside a 96-byte bit-plane block: byte index and bit mask.
    /// Dots 0-287 take the even bits of 32-bit words 6-23, dots 288-671 the odd bits of words 0-23
    /// (doc p16; rc:5441-5540 `print_format` table, word = 6 + p/16, bit = 2·(p%16), resp.
    /// word = (p−288)/16, bit = 2·((p−288)%16)+1). The filter builds little-endian words (bit b of a word
    /// is bit b%8 of byte 4·word + b/8) and then, for the Enduro family, reverses the bit order inside
    /// every byte (rc:5700-5708) — so the mask is `0x80 >> (b % 8)`. (Non-Enduro KGE models byte-swap
    /// the words instead, rc:5710-5723; the Windows DCP100 capture shows that variant. Not used here.)
    public static func dotLocation(_ p: Int) -> (byte: Int, mask: UInt8) {
        let word: Int
        let bit: Int
        if p < 288 {
            word = 6 + p / 16
            bit = (p % 16) * 2
        } else {
            word = (p - 288) / 16
            bit = ((p - 288) % 16) * 2 + 1
        }
        return (word * 4 + bit / 8, UInt8(0x80) >> UInt8(bit % 8))
    }

    /// Head dot carrying landscape row `y` of an image `height` rows high: line pixel `i` goes to dot
    /// `margin + i` (rc:5599-5610), and pixel `i` is card row `height − 1 − i` (the head runs from the
    /// card's bottom edge to its top — observed in prn: the black bar, card rows 0-120, is on head dots
    /// 536-656). nil when the row falls off the head.
    public static func headDot(row y: Int, height: Int, headPosition: Int) -> Int? {
        let p = margin(height: height, headPosition: headPosition) + (height - 1 - y)
        return (0..<headDots).contains(p) ? p : nil
    }

    /// One line per landscape column, line 0 = the card's left edge (observed in prn: decoded text
    /// reads left to right), `height` pixels across the head.
    private static func rowTable(height: Int, headPosition: Int) -> [(row: Int, byte: Int, mask: UInt8)] {
        (0..<height).compactMap { y in
            headDot(row: y, height: height, headPosition: headPosition).map { p in
                let l = dotLocation(p)
                return (y, l.byte, l.mask)
            }
        }
    }

    /// Encodes a colour plane (8-bit ink amounts, landscape, row-major, top-left first, 0 = no ink) into
    /// the KGE wire format: `width` lines of 6 × 96 bytes; within a line bit-plane k (k = 0…5) holds bit
    /// k of the 6-bit density, lowest first (rc:5599-5650), and the 6-bit density is the top 6 bits of
    /// the 8-bit amount (`>> 2`, rc:7233-7235; doc p17 uses masks 0x04…0x80). Missing input bytes count
    /// as no ink.
    public static func encodeColourPlane(_ ink: Data, width: Int, height: Int, headPosition: Int = 50) -> [UInt8] {
        let lineBytes = colourBitPlanes * bytesPerBitPlane
        var out = [UInt8](repeating: 0, count: planeSize(width: width, bitPlanes: colourBitPlanes))
        let rows = rowTable(height: height, headPosition: headPosition)
        ink.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            out.withUnsafeMutableBufferPointer { dst in
                for x in 0..<width {
                    let base = x * lineBytes
                    for r in rows {
                        let i = r.row * width + x
                        guard i < src.count else { continue }
                        let d = src[i] >> 2
                        if d == 0 { continue }
                        for k in 0..<colourBitPlanes where d & (1 << k) != 0 {
                            dst[base + k * bytesPerBitPlane + r.byte] |= r.mask
                        }
                    }
                }
            }
        }
        return out
    }

    /// Encodes the resin-black plane (1-bit rows of (width+7)/8 bytes, MSB first, 1 = print) into the
    /// KGE wire format: `width` lines of 96 bytes, same dot mapping as colour (rc:5653-5697).
    public static func encodeBlackPlane(_ bits: Data, width: Int, height: Int, headPosition: Int = 50) -> [UInt8] {
        let rowBytes = (width + 7) / 8
        var out = [UInt8](repeating: 0, count: planeSize(width: width, bitPlanes: 1))
        let rows = rowTable(height: height, headPosition: headPosition)
        bits.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            out.withUnsafeMutableBufferPointer { dst in
                for x in 0..<width {
                    let base = x * bytesPerBitPlane
                    let column = x / 8
                    let bit = UInt8(0x80) >> UInt8(x % 8)
                    for r in rows {
                        let i = r.row * rowBytes + column
                        guard i < src.count, src[i] & bit != 0 else { continue }
                        dst[base + r.byte] |= r.mask
                    }
                }
            }
        }
        return out
    }

    /// The inverse of the plane encoders, for tests and emulators: KGE wire bytes (`bitPlanes` 6 for a
    /// colour plane, 1 for K) → a landscape image of `width × height` bytes, row-major, top-left first.
    /// Colour densities d (0-63) come back as `(d << 2) | (d >> 4)` (0 → 0, 63 → 255, top 6 bits = d, so
    /// re-encoding is exact); K dots come back as 255. Head dots outside the image are ignored; missing
    /// bytes read as 0.
    public static func decodePlane(_ bytes: [UInt8], width: Int, height: Int, bitPlanes: Int, headPosition: Int = 50) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height)
        let lineBytes = bitPlanes * bytesPerBitPlane
        let rows = rowTable(height: height, headPosition: headPosition)
        for x in 0..<width {
            let base = x * lineBytes
            for r in rows {
                var d = 0
                for k in 0..<bitPlanes {
                    let i = base + k * bytesPerBitPlane + r.byte
                    if i < bytes.count, bytes[i] & r.mask != 0 { d |= 1 << k }
                }
                if d == 0 { continue }
                out[r.row * width + x] = bitPlanes == 1 ? 255 : UInt8(truncatingIfNeeded: (d << 2) | (d >> 4))
            }
        }
        return out
    }

    // MARK: - Status (INF)

    /// What ektp reads from the `INF` reply (doc p19 Fig.9-10; rc:7319-7520). Index = position in the
    /// reply, as the filter's `DataID` counts it.
    public struct Status: Hashable, Sendable {
        /// All positional fields, as text.
        public var fields: [String]
        /// Field 1, model name (rc:7353).
        public var model: String?
        /// Field 3, printer serial number (rc:7355).
        public var serial: String?
        /// Field 6, firmware version (rc:7358; goes after `VER…-` in job headers).
        public var firmware: String?
        /// Field 9, total cards printed (rc:7443).
        public var totalCards: Int?
        /// Field 16, printhead vertical position (rc:7456-7459); 0 or nil means the default 50
        /// (rc:5262-5265). Feed it to `JobOptions.headPosition`.
        public var headPosition: Int?
        /// Fields 19 and 20, major and minor error code (rc:7462-7466).
        public var majorError: Int?
        public var minorError: Int?
        /// Fields 22 and 23, total shots on the dye film and shots used so far (rc:7468-7469).
        public var ribbonShotsTotal: Int?
        public var ribbonShotsUsed: Int?

        /// Shots left on the film: field 22 − field 23 (derived; the sources do not state it).
        public var ribbonShotsRemaining: Int? {
            guard let t = ribbonShotsTotal, let u = ribbonShotsUsed else { return nil }
            return max(0, t - u)
        }
    }

    /// Parses the reply to `request("INF")`: `01 "STA$$" <fields> "," 03` (doc p19 Fig.9). The filter
    /// checks `STA$$` at bytes 1-5 and splits the rest on `:`, `,` and `03` (rc:7648-7649,
    /// rc:7338-7346). Numbers are plain decimal (rc:7272-7298); a non-numeric field stays nil.
    /// Returns nil when the reply is not an INF reply. Leading `0x05`/`0x00` padding is skipped.
    public static func parseINF(_ reply: [UInt8]) -> Status? {
        var start = 0
        while start < reply.count, reply[start] == 0x05 || reply[start] == 0x00 { start += 1 }
        let tag = Array("STA$$".utf8)
        guard reply.count >= start + 1 + tag.count, reply[start] == soh,
            Array(reply[(start + 1)..<(start + 1 + tag.count)]) == tag
        else { return nil }
        var fields: [String] = []
        var current: [UInt8] = []
        var ended = false
        for b in reply[(start + 1 + tag.count)...] {
            if b == 0x00 { break }
            if b == UInt8(ascii: ":") || b == comma || b == etx {
                fields.append(String(decoding: current, as: UTF8.self))
                current = []
                if b == etx {
                    ended = true
                    break
                }
            } else {
                current.append(b)
            }
        }
        if !ended, !current.isEmpty { fields.append(String(decoding: current, as: UTF8.self)) }
        func text(_ i: Int) -> String? { i < fields.count ? fields[i] : nil }
        func number(_ i: Int) -> Int? {
            guard let s = text(i), !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(s)
        }
        return Status(
            fields: fields, model: text(1), serial: text(3), firmware: text(6), totalCards: number(9),
            headPosition: number(16), majorError: number(19), minorError: number(20),
            ribbonShotsTotal: number(22), ribbonShotsUsed: number(23))
    }

    /// What a major:minor error code means. Magicard's code table is not public; the only codes in
    /// the sources are `00:00` "Printerstatus OK." and `11:01` card not fed ("Karte wurde nicht in den
    /// Drucker eingezogen", win `ERR` replies). Any other non-zero code is reported as unknown and
    /// treated as stopping the printer (the printer reports it as an error; there is no way to tell).
    public static func condition(major: Int, minor: Int) -> (reason: String, stopsPrinting: Bool) {
        switch (major, minor) {
        case (0, 0): ("OK", false)
        case (11, 1): ("card not fed into the printer (11:01)", true)
        default: ("unknown Magicard error code \(twoDigits(major)):\(twoDigits(minor)) (code table not public)", true)
        }
    }

    private static func twoDigits(_ n: Int) -> String { n >= 0 && n < 10 ? "0\(n)" : "\(n)" }
}
