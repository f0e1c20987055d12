import Foundation

/// Everything printed on the front of a KTP-el, plus the holder's photo and signature.
///
/// Values are stored as the population record holds them (upper case, Indonesian); the
/// renderer prints them as they are.
public struct CardRecord: Codable, Hashable, Sendable {
    public enum Sex: String, Codable, Sendable, CaseIterable {
        case lakiLaki = "LAKI-LAKI"
        case perempuan = "PEREMPUAN"
    }
    public enum BloodType: String, Codable, Sendable, CaseIterable {
        case a = "A", b = "B", ab = "AB", o = "O"
        case aPos = "A+", aNeg = "A-", bPos = "B+", bNeg = "B-"
        case abPos = "AB+", abNeg = "AB-", oPos = "O+", oNeg = "O-"
        case unknown = "-"
    }
    public enum MaritalStatus: String, Codable, Sendable, CaseIterable {
        case belumKawin = "BELUM KAWIN"
        case kawin = "KAWIN"
        case ceraiHidup = "CERAI HIDUP"
        case ceraiMati = "CERAI MATI"
    }
    public enum Citizenship: String, Codable, Sendable { case wni = "WNI", wna = "WNA" }

    /// `SEUMUR HIDUP` for citizens (UU 24/2013 as amended); a date for foreign residents.
    public enum Validity: Codable, Hashable, Sendable {
        case lifetime
        case until(CivilDate)

        public var printed: String {
            switch self {
            case .lifetime: "SEUMUR HIDUP"
            case .until(let d): d.printed
            }
        }
        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            self = text == "SEUMUR HIDUP" ? .lifetime : .until(try CivilDate(iso: text))
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .lifetime: try c.encode("SEUMUR HIDUP")
            case .until(let d): try c.encode(d.iso)
            }
        }
    }

    public var provinsi: String
    public var kabupatenKota: String
    public var nik: NIK
    public var nama: String
    public var tempatLahir: String
    public var tanggalLahir: CivilDate
    public var jenisKelamin: Sex
    public var golonganDarah: BloodType
    public var alamat: String
    public var rt: String
    public var rw: String
    public var kelurahanDesa: String
    public var kecamatan: String
    /// A religion (ISLAM, KRISTEN, KATOLIK, HINDU, BUDDHA, KHONGHUCU) or, since the 2017
    /// Constitutional Court ruling, `KEPERCAYAAN TERHADAP TUHAN YME`.
    public var agama: String
    public var statusPerkawinan: MaritalStatus
    public var pekerjaan: String
    public var kewarganegaraan: Citizenship
    public var berlakuHingga: Validity
    /// Place of issue, printed above the signature (the kabupaten/kota).
    public var tempatTerbit: String
    public var tanggalTerbit: CivilDate
    /// The holder's photo as the population record holds it: JPEG.
    public var foto: Data
    /// The holder's signature: PNG or JPEG.
    public var tandaTangan: Data

    public init(
        provinsi: String, kabupatenKota: String, nik: NIK, nama: String, tempatLahir: String,
        tanggalLahir: CivilDate, jenisKelamin: Sex, golonganDarah: BloodType, alamat: String,
        rt: String, rw: String, kelurahanDesa: String, kecamatan: String, agama: String,
        statusPerkawinan: MaritalStatus, pekerjaan: String, kewarganegaraan: Citizenship,
        berlakuHingga: Validity, tempatTerbit: String, tanggalTerbit: CivilDate, foto: Data,
        tandaTangan: Data
    ) {
        self.provinsi = provinsi
        self.kabupatenKota = kabupatenKota
        self.nik = nik
        self.nama = nama
        self.tempatLahir = tempatLahir
        self.tanggalLahir = tanggalLahir
        self.jenisKelamin = jenisKelamin
        self.golonganDarah = golonganDarah
        self.alamat = alamat
        self.rt = rt
        self.rw = rw
        self.kelurahanDesa = kelurahanDesa
        self.kecamatan = kecamatan
        self.agama = agama
        self.statusPerkawinan = statusPerkawinan
        self.pekerjaan = pekerjaan
        self.kewarganegaraan = kewarganegaraan
        self.berlakuHingga = berlakuHingga
        self.tempatTerbit = tempatTerbit
        self.tanggalTerbit = tanggalTerbit
        self.foto = foto
        self.tandaTangan = tandaTangan
    }

    /// `TEMPAT, DD-MM-YYYY` as printed after "Tempat/Tgl Lahir".
    public var tempatTanggalLahir: String { "\(tempatLahir), \(tanggalLahir.printed)" }
    /// `RT/RW` as printed: `003/011`.
    public var rtRw: String { "\(rt)/\(rw)" }
}

/// Limits that keep a record printable and a job file small. The photo limit is generous:
/// population-record photos are around 20–60 KB.
public enum CardLimits {
    public static let maxPhotoBytes = 512 * 1024
    public static let maxSignatureBytes = 256 * 1024
    public static let maxTextLength = 120
    public static let agamaValues: Set<String> = [
        "ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KHONGHUCU",
        "KEPERCAYAAN TERHADAP TUHAN YME",
    ]
}

/// Why a card record cannot be printed. Each message names the field in the words on
/// the card, so an operator can tell the registry what to fix.
public struct CardRecordProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String
    /// The problem is only against today's date (a date "in the future"): with a wrong
    /// clock a genuine record looks like this, so it is never a final refusal.
    public var dependsOnToday = false
    public init(field: String, message: String, dependsOnToday: Bool = false) {
        self.field = field
        self.message = message
        self.dependsOnToday = dependsOnToday
    }
    public var description: String { "\(field): \(message)" }
}

extension CardRecord {
    /// Checks every field. Returns the first problem found, or nil; plausibility findings
    /// that must not stop a card (see `NIK.Warning`) are returned separately.
    public func validate(
        today: CivilDate, regions: RegionDirectory? = nil
    ) -> (problem: CardRecordProblem?, warnings: [NIK.Warning]) {
        func fail(_ field: String, _ message: String) -> (CardRecordProblem?, [NIK.Warning]) {
            (CardRecordProblem(field: field, message: message), [])
        }
        let texts: [(String, String)] = [
            ("PROVINSI", provinsi), ("KABUPATEN/KOTA", kabupatenKota), ("Nama", nama),
            ("Tempat Lahir", tempatLahir), ("Alamat", alamat), ("Kel/Desa", kelurahanDesa),
            ("Kecamatan", kecamatan), ("Agama", agama), ("Pekerjaan", pekerjaan),
            ("Tempat Terbit", tempatTerbit),
        ]
        for (field, value) in texts {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return fail(field, "kosong") }
            if trimmed != value { return fail(field, "ada spasi di awal atau akhir") }
            if value.count > CardLimits.maxTextLength {
                return fail(field, "terlalu panjang (\(value.count) huruf, paling banyak \(CardLimits.maxTextLength))")
            }
            if let bad = value.unicodeScalars.first(where: { !Self.printable($0) }) {
                return fail(field, "berisi karakter yang tidak bisa dicetak (U+\(String(bad.value, radix: 16, uppercase: true)))")
            }
        }
        for (field, value) in [("RT", rt), ("RW", rw)] {
            guard value.count == 3, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) else {
                return fail(field, "harus 3 angka, misalnya 003")
            }
        }
        if !CardLimits.agamaValues.contains(agama) {
            return fail("Agama", "\"\(agama)\" bukan nilai yang sah")
        }
        if tanggalLahir > today { return (CardRecordProblem(field: "Tgl Lahir", message: "di masa depan", dependsOnToday: true), []) }
        if tanggalTerbit > today { return (CardRecordProblem(field: "Tanggal Terbit", message: "di masa depan", dependsOnToday: true), []) }
        if tanggalTerbit < tanggalLahir { return fail("Tanggal Terbit", "sebelum tanggal lahir") }
        switch (kewarganegaraan, berlakuHingga) {
        case (.wni, .until): return fail("Berlaku Hingga", "KTP-el WNI berlaku seumur hidup")
        case (.wna, .lifetime): return fail("Berlaku Hingga", "KTP-el WNA harus punya tanggal berakhir")
        case (.wna, .until(let end)) where end <= tanggalTerbit:
            return fail("Berlaku Hingga", "berakhir sebelum tanggal terbit")
        default: break
        }
        let nikSex: Sex = nik.sex == .female ? .perempuan : .lakiLaki
        if nikSex != jenisKelamin {
            return fail("Jenis Kelamin", "tidak cocok dengan NIK (\(nik.masked) menunjukkan \(nikSex.rawValue))")
        }
        if foto.count > CardLimits.maxPhotoBytes {
            return fail("Foto", "terlalu besar (\(foto.count / 1024) KB, paling besar \(CardLimits.maxPhotoBytes / 1024) KB)")
        }
        do {
            let info = try ImageInfo(data: foto)
            guard info.format == .jpeg else { return fail("Foto", "harus JPEG") }
            guard info.width >= 100, info.height >= 120 else {
                return fail("Foto", "terlalu kecil (\(info.width)×\(info.height) piksel)")
            }
        } catch { return fail("Foto", error.description) }
        if tandaTangan.count > CardLimits.maxSignatureBytes {
            return fail("Tanda Tangan", "terlalu besar (\(tandaTangan.count / 1024) KB)")
        }
        do { _ = try ImageInfo(data: tandaTangan) } catch { return fail("Tanda Tangan", error.description) }
        return (nil, nik.warnings(recordBirthDate: tanggalLahir, reference: today, regions: regions))
    }

    /// Letters the card font (Liberation Sans) holds and a card may carry: Latin letters
    /// with diacritics, digits, space and the punctuation names and addresses use.
    static func printable(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20...0x7E: true
        case 0xC0...0x17F: s.value != 0xD7 && s.value != 0xF7
        default: false
        }
    }
}
