import EKTPDomain
import Foundation
import Testing

/// The region file as shipped, and the checks that keep a damaged one out.
@Suite struct RegionDirectoryTests {
    static let shipped: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("data/wilayah.csv"), encoding: .utf8)) ?? ""
    }()

    @Test func theShippedFileReadsWholeWithCleanNames() throws {
        let regions = try RegionDirectory(csv: Self.shipped)
        #expect(regions.kecamatanCodes.count == 7285)
        let lines = Self.shipped.split(whereSeparator: \.isNewline).dropFirst()
        var levels: [String: Int] = [:]
        for line in lines {
            let code = String(line.prefix { $0 != "," })
            let region = try #require(regions.region(code), "\(line)")
            levels[region.level.rawValue, default: 0] += 1
            #expect(region.name == region.name.trimmingCharacters(in: .whitespacesAndNewlines), "\(code): \"\(region.name)\"")
            #expect(!region.name.contains("  "), "\(code): \"\(region.name)\"")
            if region.level == .kecamatan { #expect(regions.parents(ofKecamatan: code) != nil, "\(code)") }
        }
        #expect(levels == ["provinsi": 38, "kabupaten_kota": 514, "kecamatan": 7285])
        // The name that once carried a trailing space (and cost its six kecamatan a 422).
        #expect(regions.region("31.72")?.name == "Kota Administrasi Jakarta Utara")
        #expect(regions.kecamatan(under: "31.72").count == 6)
    }

    @Test func fieldsAreTrimmedAsTheyAreRead() throws {
        let regions = try RegionDirectory(
            csv: "kode,nama,tingkat\r\n31, DKI Jakarta ,provinsi\r\n31.72,Kota Administrasi Jakarta Utara ,kabupaten_kota\r\n31.72.01,Penjaringan,kecamatan\r\n"
        )
        #expect(regions.region("31")?.name == "DKI Jakarta")
        #expect(regions.region("31.72")?.name == "Kota Administrasi Jakarta Utara")
        #expect(regions.kecamatan("31.72.01")?.name == "Penjaringan")
    }

    @Test(arguments: [
        ("32,Jawa Barat,provinsi\n32.1,Bekasi,kabupaten_kota", 3, "bukan bentuk"),
        ("32,Jawa Barat,provinsi\n32.16.01,Tarumajaya,kecamatan", 3, "induk 32.16"),
        ("32,Jawa Barat,provinsi\n32,Jawa Barat,provinsi", 3, "sudah ada"),
        ("32, ,provinsi", 2, "nama kosong"),
        ("32,Jawa\u{202E}Barat,provinsi", 2, "karakter kendali"),
        ("32,Jawa Barat,negara", 2, "negara"),
        ("3A,Jawa Barat,provinsi", 2, "bukan bentuk"),
    ])
    func aDamagedLineIsRefusedByNumber(body: String, line: Int, why: String) {
        #expect {
            _ = try RegionDirectory(csv: "kode,nama,tingkat\n" + body + "\n")
        } throws: { error in
            guard let malformed = error as? RegionDirectory.Malformed else { return false }
            return malformed.line == line && malformed.description.contains(why)
        }
    }
}
