import EKTPDomain
import Testing

@Suite("NIK")
struct NIKTests {
    @Test func readsTheFieldsOfAWomansNIK() throws {
        let nik = try NIK("3216014502960003")
        #expect(nik.kecamatanCode == "32.16.01")
        #expect(nik.sex == .female)
        #expect(nik.birthDay == 5 && nik.birthMonth == 2 && nik.birthYearTwoDigits == 96)
        #expect(nik.serial == 3)
        #expect(nik.masked == "3216********0003")
        #expect("\(nik)" == "3216********0003", "printing a NIK must never show it whole")
    }

    @Test(arguments: [
        ("321601450296000", "harus 16 angka"),
        ("32160145029600031", "harus 16 angka"),
        ("32160145029600a3", "harus 16 angka"),
        ("0916014502960003", "provinsi"),
        ("3216011513960003", "bulan"),
        ("3216017202960003", "tanggal lahir 72"),
        ("3216013502960003", "tanggal lahir 35"),
        ("3216013102960003", "tidak ada"),
        ("3216014502960000", "0000"),
    ])
    func refusesStructuralErrors(text: String, why: String) {
        #expect {
            try NIK(text)
        } throws: { error in
            (error as? NIK.Invalid)?.reason.contains(why) == true
        }
    }

    @Test func plausibilityProblemsAreWarningsNotRejections() throws {
        let today = try CivilDate(iso: "2026-11-23")
        let regions = try RegionDirectory(
            csv: "kode,nama,tingkat\n32,Jawa Barat,provinsi\n32.16,Kabupaten Bekasi,kabupaten_kota\n32.16.01,Tarumajaya,kecamatan\n")
        let nik = try NIK("3216014502960003")
        #expect(nik.warnings(recordBirthDate: try CivilDate(iso: "1996-02-05"), reference: today, regions: regions).isEmpty)
        // The law allows a NIK whose date differs from the birth date.
        let differs = nik.warnings(recordBirthDate: try CivilDate(iso: "1996-02-06"), reference: today, regions: regions)
        #expect(differs.count == 1)
        if case .birthDateDiffers = differs.first {} else { Issue.record("expected birthDateDiffers, got \(differs)") }
        let elsewhere = try NIK("9999014502960003")
        #expect(elsewhere.warnings(recordBirthDate: nil, reference: today, regions: regions).contains(.unknownRegion(kecamatanCode: "99.99.01")))
        // 05-02-20 may be 1920 or 2020.
        let ambiguous = try NIK("3216010502200001")
        #expect(ambiguous.warnings(recordBirthDate: nil, reference: today, regions: nil) == [.centuryAmbiguous(twoDigitYear: 20)])
    }
}
