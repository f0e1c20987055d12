import EKTPDomain
import EKTPRendering
import Foundation
import Testing

@Suite struct FittingTests {
    let renderer = Fixture.renderer
    var layout: CardLayout { renderer.layout }

    @Test func plainCardPrintsEveryValueAtTheLayoutSize() throws {
        let plan = try renderer.plan(Fixture.card())
        for field in CardField.allCases {
            let placed = try #require(plan.value(field), "no value placed for \(field)")
            #expect(!placed.shrunk, "\(field) shrunk")
            #expect(!placed.wrapped, "\(field) wrapped")
        }
        #expect(plan.value(.nama)?.text == "SITI NURHALIZA")
        #expect(plan.value(.nik)?.text == "3216015205900002")
        #expect(plan.value(.tempatTanggalLahir)?.text == "BEKASI, 12-05-1990")
        #expect(plan.value(.rtRw)?.text == "003/011")
        #expect(plan.value(.berlakuHingga)?.text == "SEUMUR HIDUP")
        #expect(plan.value(.tanggalTerbit)?.text == "04-03-2024")
    }

    @Test func headerIsUpperCaseCentredWithTheProvinsiPrefixOnce() throws {
        for provinsi in ["JAWA BARAT", "Jawa Barat", "PROVINSI JAWA BARAT"] {
            let plan = try renderer.plan(
                Fixture.card {
                    $0.provinsi = provinsi; $0.kabupatenKota = "Kabupaten Bekasi"
                })
            let p = try #require(plan.value(.provinsi))
            let k = try #require(plan.value(.kabupatenKota))
            #expect(p.text == "PROVINSI JAWA BARAT")
            #expect(k.text == "KABUPATEN BEKASI")
            for line in p.lines + k.lines {
                #expect(abs(line.x + line.width / 2 - layout.header.centerX) < 0.001)
            }
        }
        let kota = try renderer.plan(Fixture.card { $0.kabupatenKota = "KOTA BEKASI" })
        #expect(kota.value(.kabupatenKota)?.text == "KOTA BEKASI")
    }

    @Test func labelsAndAlignedColonsInOneColumn() throws {
        let plan = try renderer.plan(Fixture.card())
        let rowFields = Set(layout.fields.rows.map(\.field))
        let colons = plan.texts.filter { $0.role == .colon && rowFields.contains($0.field) }
        #expect(colons.count == layout.fields.rows.count)
        #expect(Set(colons.map { $0.lines[0].x }) == [layout.fields.colonX])
        let labels = plan.texts.filter { $0.role == .label && rowFields.contains($0.field) }.map(\.text)
        #expect(labels == layout.fields.rows.map(\.label))
        #expect(
            labels == [
                "Nama", "Tempat/Tgl Lahir", "Jenis Kelamin", "Alamat", "RT/RW", "Kel/Desa", "Kecamatan", "Agama",
                "Status Perkawinan", "Pekerjaan", "Kewarganegaraan", "Berlaku Hingga",
            ])
        // Gol. Darah shares the Jenis Kelamin line.
        #expect(plan.value(.golonganDarah)?.lines[0].baseline == plan.value(.jenisKelamin)?.lines[0].baseline)
        // No value runs into the photo.
        for text in plan.texts where text.role == .value && ![.tempatTerbit, .tanggalTerbit].contains(text.field) {
            for line in text.lines where line.baseline > plan.photoBox.y && line.baseline < plan.photoBox.maxY + 3 {
                #expect(line.x + line.width <= plan.photoBox.x, "\(text.field) overlaps the photo")
            }
        }
    }

    @Test func longNameShrinksOnOneLineBeforeWrapping() throws {
        let name = "MUHAMMAD RIZKY ADITYA PRATAMA SAPUTRA"
        let plan = try renderer.plan(Fixture.card(nama: name, female: false))
        let nama = try #require(plan.value(.nama))
        #expect(nama.text == name)
        #expect(nama.lines.count == 1)
        #expect(nama.shrunk)
        #expect(nama.size >= layout.fields.floor)
        #expect(nama.lines[0].x + nama.lines[0].width <= layout.fields.right + 1e-9)
    }

    @Test func longestRealNamesAndAddressesWrapToASecondLine() throws {
        let name = "RADEN AYU SITI NURHALIZAH KUSUMAWARDHANI PRAWIROHADIKUSUMO"
        let address = "JL. RAYA SETU CIBITUNG KM. 12 PERUM GRIYA ASRI BLOK C.7 NO. 21 KAMPUNG BULAK"
        let plan = try renderer.plan(Fixture.card(nama: name, alamat: address))
        let f = layout.fields
        for (field, value) in [(CardField.nama, name), (.alamat, address)] {
            let placed = try #require(plan.value(field))
            #expect(placed.lines.count == 2, "\(field) should wrap")
            #expect(placed.text == value, "\(field): every word printed, in order")
            #expect(placed.size >= f.floor)
            for line in placed.lines { #expect(line.x + line.width <= f.right + 1e-9) }
            #expect(abs(placed.lines[1].baseline - placed.lines[0].baseline - f.pitch) < 1e-9)
        }
        // Rows after a wrapped value move down by one pitch each; the last still fits.
        let ttl = try #require(plan.value(.tempatTanggalLahir))
        #expect(abs(ttl.lines[0].baseline - (f.firstBaseline + 2 * f.pitch)) < 1e-9)
        let last = try #require(plan.value(.berlakuHingga))
        #expect(abs(last.lines[0].baseline - (f.firstBaseline + 13 * f.pitch)) < 1e-9)
        #expect(last.lines[0].baseline <= f.lastBaseline)
    }

    @Test func namesWithPeriodsApostrophesAndHyphensPrintAsGiven() throws {
        for name in ["MUH. RIDWAN", "A'ISYAH", "SITI NUR-HALIZA", "I GUSTI AYU KADEK DWI ANDARI", "ÁNGEL D'ÁVILA"] {
            let plan = try renderer.plan(Fixture.card(nama: name))
            #expect(plan.value(.nama)?.lines.map(\.text) == [name])
        }
    }

    @Test func aValueWithoutSpacesWrapsAfterItsHyphen() throws {
        let name = "NURHALIZAHKUSUMAWARDHANIPRAWIRO-HADIKUSUMOSOEDJATMIKOPUTRI"
        let plan = try renderer.plan(Fixture.card(nama: name))
        #expect(plan.value(.nama)?.lines.map(\.text) == ["NURHALIZAHKUSUMAWARDHANIPRAWIRO-", "HADIKUSUMOSOEDJATMIKOPUTRI"])
    }

    @Test func anAbsurdNameIsRefusedNamingTheField() throws {
        let absurd = String(repeating: "WIRYOSUMARTO ", count: 8) + "PRAWIRANEGARA"
        #expect(absurd.count <= CardLimits.maxTextLength)
        let error = #expect(throws: RenderRefusal.self) { try renderer.plan(Fixture.card(nama: absurd)) }
        #expect(error?.field == "Nama")
        #expect(error?.message.contains("terlalu panjang") == true)
        #expect(error?.message.contains("dua baris") == true)
    }

    @Test func aSingleLineFieldThatCannotFitIsRefused() throws {
        let error = #expect(throws: RenderRefusal.self) {
            try renderer.plan(Fixture.card { $0.kecamatan = "KECAMATAN " + String(repeating: "SUKAMAKMUR ", count: 6) })
        }
        #expect(error?.field == "Kecamatan")
        #expect(error?.message.contains("satu baris") == true)
    }

    @Test func aLetterTheFontLacksIsRefused() throws {
        let error = #expect(throws: RenderRefusal.self) { try renderer.plan(Fixture.card(nama: "SITI 中文")) }
        #expect(error?.field == "Nama")
        #expect(error?.message.contains("U+4E2D") == true)
    }

    @Test func theLayoutFileInDriversIsTheBundledOne() throws {
        let url = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent()
            .appendingPathComponent("../../drivers/layout/ktp-el.json").standardized
        let linked = try CardLayout(contentsOf: url)
        let bundled = try CardLayout.standard()
        #expect(linked == bundled)
    }

    @Test func aBrokenLayoutIsAStationErrorNotACardRefusal() throws {
        var broken = layout
        broken.photo.width = 90
        #expect(throws: RenderError.self) { try CardLayout(json: JSONEncoder().encode(broken)) }
        #expect(throws: RenderError.self) { try CardLayout(json: Data("{}".utf8)) }
        var narrow = layout
        narrow.fields.colonX = 10
        let error = #expect(throws: RenderError.self) {
            try CardRenderer(layout: narrow).plan(Fixture.card())
        }
        #expect(error?.message.contains("menabrak titik dua") == true)
    }
}
