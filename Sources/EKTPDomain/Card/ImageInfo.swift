import Foundation

/// Format and pixel size of a photo or signature, read from the file's own headers
/// without decoding pixels. A file whose headers do not hold together is refused here,
/// long before a blangko is fed.
public struct ImageInfo: Equatable, Sendable {
    public enum Format: String, Sendable { case jpeg = "JPEG", png = "PNG" }
    public let format: Format
    public let width: Int
    public let height: Int

    public struct Undecodable: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "gambar tidak bisa dibaca: \(reason)" }
    }

    public init(data: Data) throws(Undecodable) {
        let b = [UInt8](data)
        if b.count >= 24, b[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            guard b[12..<16].elementsEqual(Array("IHDR".utf8)) else { throw Undecodable(reason: "PNG tanpa IHDR") }
            let w = Int(b[16]) << 24 | Int(b[17]) << 16 | Int(b[18]) << 8 | Int(b[19])
            let h = Int(b[20]) << 24 | Int(b[21]) << 16 | Int(b[22]) << 8 | Int(b[23])
            guard w > 0, h > 0, w <= 10_000, h <= 10_000 else { throw Undecodable(reason: "ukuran PNG \(w)×\(h) tidak wajar") }
            guard b.suffix(8).starts(with: Array("IEND".utf8)) else { throw Undecodable(reason: "PNG terpotong") }
            self.init(format: .png, width: w, height: h)
            return
        }
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { throw Undecodable(reason: "bukan JPEG atau PNG") }
        // Walk the JPEG markers to the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC).
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { throw Undecodable(reason: "penanda JPEG rusak di byte \(i)") }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { throw Undecodable(reason: "JPEG terpotong") }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard length >= 7 else { throw Undecodable(reason: "SOF JPEG terlalu pendek") }
                let h = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                guard w > 0, h > 0, w <= 10_000, h <= 10_000 else { throw Undecodable(reason: "ukuran JPEG \(w)×\(h) tidak wajar") }
                guard b.suffix(2).elementsEqual([0xFF, 0xD9]) else { throw Undecodable(reason: "JPEG terpotong (tanpa EOI)") }
                self.init(format: .jpeg, width: w, height: h)
                return
            }
            if marker == 0xDA { break }
            i += 2 + length
        }
        throw Undecodable(reason: "JPEG tanpa ukuran gambar (SOF)")
    }

    init(format: Format, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}
