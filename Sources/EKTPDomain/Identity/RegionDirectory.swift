/// Kemendagri region codes (province, kabupaten/kota, kecamatan), parsed from the text of
/// `wilayah.csv`. Parsing is pure; reading the file is the caller's business.
public struct RegionDirectory: Sendable {
    public enum Level: String, Sendable { case provinsi, kabupatenKota = "kabupaten_kota", kecamatan }

    public struct Region: Sendable, Hashable {
        public let code: String
        public let name: String
        public let level: Level
    }

    private var byCode: [String: Region] = [:]
    public private(set) var kecamatanCodes: [String] = []

    public struct Malformed: Error, CustomStringConvertible {
        public let line: Int
        public let text: String
        public var description: String { "wilayah.csv baris \(line) tidak bisa dibaca: \(text)" }
    }

    /// Parses `kode,nama,tingkat` lines; a quoted name may hold commas.
    public init(csv: String) throws(Malformed) {
        var lineNumber = 0
        for raw in csv.split(whereSeparator: \.isNewline) {
            lineNumber += 1
            if lineNumber == 1 && raw.hasPrefix("kode") { continue }
            let fields = Self.splitCSV(String(raw))
            guard fields.count == 3, let level = Level(rawValue: fields[2]) else {
                throw Malformed(line: lineNumber, text: String(raw))
            }
            let region = Region(code: fields[0], name: fields[1], level: level)
            byCode[region.code] = region
            if level == .kecamatan { kecamatanCodes.append(region.code) }
        }
    }

    private static func splitCSV(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            switch c {
            case "\"" where quoted:
                quoted = false
            case "\"" where current.isEmpty:
                quoted = true
            case "," where !quoted:
                fields.append(current)
                current = ""
            default:
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }

    public func region(_ code: String) -> Region? { byCode[code] }
    public func kecamatan(_ code: String) -> Region? {
        guard let r = byCode[code], r.level == .kecamatan else { return nil }
        return r
    }
    /// Province and kabupaten/kota above a kecamatan code `PP.KK.CC`.
    public func parents(ofKecamatan code: String) -> (provinsi: Region, kabupatenKota: Region)? {
        let parts = code.split(separator: ".")
        guard parts.count == 3, let p = byCode[String(parts[0])],
            let k = byCode["\(parts[0]).\(parts[1])"]
        else { return nil }
        return (p, k)
    }
    /// Kecamatan codes under a kabupaten/kota code `PP.KK`, in order.
    public func kecamatan(under kabupatenCode: String) -> [Region] {
        kecamatanCodes.filter { $0.hasPrefix(kabupatenCode + ".") }.compactMap { byCode[$0] }
    }
}
