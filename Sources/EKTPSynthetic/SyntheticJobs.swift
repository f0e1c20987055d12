import EKTPDomain
import EKTPInstall
import EKTPRendering
import EKTPWire
import Foundation

/// Synthetic PRR jobs for synthetic people: plausible names, addresses and NIKs for a
/// real kecamatan, a drawn portrait and signature, signed by an approval key. Nobody in
/// them exists. The same seed gives the same jobs.
public struct SyntheticJobs: Sendable {
    public let regions: RegionDirectory
    public let signer: ApprovalSigner
    /// Distinct portraits drawn; jobs reuse them (drawing one costs milliseconds).
    public var portraitCount = 24

    public init(regions: RegionDirectory, signer: ApprovalSigner) {
        self.regions = regions
        self.signer = signer
    }

    static let given = [
        "AHMAD", "BUDI", "SITI", "DEWI", "RINA", "AGUS", "SRI", "EKO", "NUR", "RIZKY", "PUTRI", "DIAN", "HENDRA", "YULIA", "FITRI", "ANDI", "IWAN", "WAHYU",
        "RATNA", "MUH.", "A'ISYAH", "INDAH", "TAUFIK", "LESTARI",
    ]
    static let family = [
        "SANTOSO", "WIJAYA", "HIDAYAT", "SARI", "PRATAMA", "KURNIAWAN", "RAHAYU", "SAPUTRA", "LESTARI", "NUR-HALIZA", "SETIAWAN", "HASANAH", "MAULANA",
        "PURNAMASARI", "RIDWAN", "SUSANTI",
    ]
    static let streets = [
        "JL. MERDEKA", "JL. RAYA BEKASI", "JL. PAHLAWAN", "KP. SAWAH", "JL. KH. NOER ALIE", "PERUM GRIYA ASRI BLOK C", "JL. DIPONEGORO", "GG. MELATI",
    ]
    static let villages = ["SUKAMAJU", "SETIA ASIH", "SEGARA MAKMUR", "PANTAI MAKMUR", "SUMBER JAYA", "MEKARSARI", "TANJUNG BARU", "KARANG SATRIA"]
    static let jobs = [
        "KARYAWAN SWASTA", "PELAJAR/MAHASISWA", "WIRASWASTA", "MENGURUS RUMAH TANGGA", "PETANI/PEKEBUN", "GURU", "BURUH HARIAN LEPAS", "PEDAGANG",
    ]
    static let religions = ["ISLAM", "ISLAM", "ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA", "KHONGHUCU"]

    public struct Problem: Error, CustomStringConvertible { public let description: String }

    /// `count` jobs for `kecamatan`, ids `PREFIX-000001`…; every `urgentEvery`th is urgent.
    /// `pemulaEvery`: every so many jobs (the first included) is a first-time applicant,
    /// 17 years old today (`PrintJob.isPemula`); 0 for none.
    public func jobs(
        count: Int, kecamatan: String, prefix: String = "PRR", seed: UInt64 = 1, urgentEvery: Int = 10, today: CivilDate? = nil, pemulaEvery: Int = 0
    ) throws
        -> [PrintJob]
    {
        let zone = OfficeZone(regionCode: kecamatan)
        let today = today ?? zone.today()
        guard let kec = regions.kecamatan(kecamatan), let (prov, kab) = regions.parents(ofKecamatan: kecamatan) else {
            throw Problem(description: "kecamatan \(kecamatan) tidak ada dalam daftar Kemendagri")
        }
        var rng = SplitMix64(seed: seed)
        var portraits: [Data] = []
        for i in 0..<min(portraitCount, max(count, 1)) { portraits.append(try SyntheticPortrait.jpeg(seed: seed &+ UInt64(i))) }
        var signatures: [Data] = []
        for i in 0..<min(8, max(count, 1)) { signatures.append(try SyntheticSignature.png(seed: seed &+ UInt64(i))) }
        let codeDigits = kecamatan.replacingOccurrences(of: ".", with: "")
        // Each prefix its own people: the NIK's serial starts at a place the prefix picks
        // (FNV-1a), so two sets of jobs never share a NIK by accident (one card per NIK).
        let serialStart = Int(prefix.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } % 9999)
        let kabName = Self.cardName(kab.name)
        return try (0..<count).map { i in
            let female = rng.next() % 2 == 0
            var year = 1950 + Int(rng.next() % 58)
            var month = 1 + Int(rng.next() % 12)
            var day = 1 + Int(rng.next() % 28)
            if pemulaEvery > 0, i % pemulaEvery == 0 { (year, month, day) = (today.year - 17, 1, 1) }
            let birth = try CivilDate(year: year, month: month, day: day)
            let nikText = codeDigits + String(format: "%02d%02d%02d%04d", day + (female ? 40 : 0), month, year % 100, 1 + ((serialStart + i) % 9999))
            let name = "\(Self.given[Int(rng.next() % UInt64(Self.given.count))]) \(Self.family[Int(rng.next() % UInt64(Self.family.count))])"
            let card = CardRecord(
                provinsi: "PROVINSI " + prov.name.uppercased(), kabupatenKota: kabName, nik: try NIK(nikText), nama: name,
                tempatLahir: kabName.replacingOccurrences(of: "KABUPATEN ", with: "").replacingOccurrences(of: "KOTA ", with: ""),
                tanggalLahir: birth, jenisKelamin: female ? .perempuan : .lakiLaki,
                golonganDarah: CardRecord.BloodType.allCases[Int(rng.next() % UInt64(CardRecord.BloodType.allCases.count))],
                alamat: "\(Self.streets[Int(rng.next() % UInt64(Self.streets.count))]) NO. \(1 + rng.next() % 120)",
                rt: String(format: "%03d", 1 + rng.next() % 15), rw: String(format: "%03d", 1 + rng.next() % 12),
                kelurahanDesa: Self.villages[Int(rng.next() % UInt64(Self.villages.count))], kecamatan: kec.name.uppercased(),
                agama: Self.religions[Int(rng.next() % UInt64(Self.religions.count))],
                statusPerkawinan: year < 2000 ? .kawin : .belumKawin, pekerjaan: Self.jobs[Int(rng.next() % UInt64(Self.jobs.count))],
                kewarganegaraan: .wni, berlakuHingga: .lifetime,
                tempatTerbit: kabName.replacingOccurrences(of: "KABUPATEN ", with: "").replacingOccurrences(of: "KOTA ", with: ""),
                tanggalTerbit: today, foto: portraits[i % portraits.count], tandaTangan: signatures[i % signatures.count])
            let delivery: Delivery = rng.next() % 4 == 0 ? .pos(address: "\(card.alamat) RT \(card.rtRw), \(card.kelurahanDesa), \(card.kecamatan)") : .pickup
            return PrintJob(
                id: try JobID(String(format: "%@-%06d", prefix, i + 1)), kecamatanCode: kecamatan,
                priority: urgentEvery > 0 && i % urgentEvery == urgentEvery - 1 ? .urgent : .normal,
                delivery: delivery, approvedAt: "\(today.iso)T08:00:00+0\(zone.secondsFromGMT / 3600):00", card: card)
        }
    }

    /// The jobs signed, as one job file (a JSON array of signed-job documents).
    public func signedFile(_ jobs: [PrintJob]) throws -> Data {
        var out = Data("[".utf8)
        for (i, job) in jobs.enumerated() {
            if i > 0 { out.append(contentsOf: Array(",\n".utf8)) }
            out.append(try signer.sign(job))
        }
        out.append(contentsOf: Array("]\n".utf8))
        return out
    }

    /// "Kabupaten Bekasi" → "KABUPATEN BEKASI", as the card header prints it.
    static func cardName(_ name: String) -> String { name.uppercased() }
}

/// Finds `data/wilayah.csv`: `EKTP_REGIONS`, the working directory, beside the executable's
/// package, or the installed copy.
public enum RegionData {
    public static func path() -> String { InstalledFiles.locate("data/wilayah.csv", environment: "EKTP_REGIONS") }

    public static func load() throws -> RegionDirectory {
        try RegionDirectory(csv: try String(contentsOfFile: path(), encoding: .utf8))
    }
}
