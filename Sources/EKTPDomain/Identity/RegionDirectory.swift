import Foundation

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
    /// Kecamatan codes by their kabupaten/kota's code, in order: the hub's views ask for
    /// each of 514 kabupaten in turn.
    private var kecamatanByKabupaten: [String: [String]] = [:]

    public struct Malformed: Error, CustomStringConvertible {
        public let line: Int
        public let text: String
        public var description: String { "wilayah.csv baris \(line) tidak bisa dibaca: \(text)" }
    }

    /// Parses `kode,nama,tingkat` lines; a quoted name may hold commas. Fields are trimmed;
    /// a code must have the shape of its level (`PP`, `PP.KK`, `PP.KK.CC`, digits), sit under
    /// a region already listed, and appear once; a name must be non-empty and free of control
    /// characters. The first line at fault is named.
    public init(csv: String) throws(Malformed) {
        var lineNumber = 0
        for raw in csv.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            if raw.allSatisfy(\.isWhitespace) { continue }
            if lineNumber == 1 && raw.hasPrefix("kode") { continue }
            let fields = Self.splitCSV(String(raw)).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3, let level = Level(rawValue: fields[2]) else {
                throw Malformed(line: lineNumber, text: String(raw))
            }
            let region = Region(code: fields[0], name: fields[1], level: level)
            if let problem = problem(with: region) { throw Malformed(line: lineNumber, text: "\(raw) (\(problem))") }
            byCode[region.code] = region
            if level == .kecamatan {
                kecamatanCodes.append(region.code)
                kecamatanByKabupaten[String(region.code.prefix(5)), default: []].append(region.code)
            }
        }
    }

    /// What is wrong with `region` given the regions read before it, if anything.
    private func problem(with region: Region) -> String? {
        let parts = region.code.split(separator: ".", omittingEmptySubsequences: false)
        let depth =
            switch region.level {
            case .provinsi: 1
            case .kabupatenKota: 2
            case .kecamatan: 3
            }
        guard parts.count == depth, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { ("0"..."9").contains($0) } }) else {
            return "kode \(region.code) bukan bentuk \(["PP", "PP.KK", "PP.KK.CC"][depth - 1])"
        }
        guard byCode[region.code] == nil else { return "kode \(region.code) sudah ada" }
        if depth > 1, byCode[parts.dropLast().joined(separator: ".")] == nil {
            return "induk \(parts.dropLast().joined(separator: ".")) belum tercantum"
        }
        guard !region.name.isEmpty else { return "nama kosong" }
        guard !region.name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }) else {
            return "nama memuat karakter kendali"
        }
        return nil
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
        (kecamatanByKabupaten[kabupatenCode] ?? []).compactMap { byCode[$0] }
    }
}
