import EKTPDomain
import EKTPRendering
import EKTPSynthetic
import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Measures rendering throughput on one core (everything runs on the calling thread) and
/// times CUPS's own filter chain (`cupsfilter`, PDF to PWG raster at 300 dpi on a card-size
/// page) on the same card PDF, for comparison with the direct planes.
enum RenderBench {
    /// One measured output.
    struct Result: Sendable, CustomStringConvertible {
        /// What was produced: `plan`, `pdf`, `planes 1016×648`, `png 300 dpi`, `cupsfilter …`.
        let output: String
        let cards: Int
        /// Wall-clock time for all cards.
        let seconds: Double
        /// CPU time (this process for the renderer, the filter processes for CUPS).
        let cpuSeconds: Double
        /// Mean output size in bytes.
        let bytesPerCard: Int

        var cardsPerSecond: Double { Double(cards) / seconds }
        var millisecondsPerCard: Double { seconds * 1000 / Double(cards) }
        var description: String {
            output.padding(toLength: 38, withPad: " ", startingAt: 0)
                + String(
                    format: "%8.1f kartu/s %8.2f ms/kartu  (CPU %6.2f ms/kartu, %8d byte)", cardsPerSecond,
                    millisecondsPerCard, cpuSeconds * 1000 / Double(cards), bytesPerCard)
        }
    }

    /// Renders `cards` distinct synthetic cards to each output (each timing includes the
    /// layout plan: decoding photo and signature, fitting every value), then runs
    /// `cupsfilter` on `cupsCards` card PDFs. Lines of the report go to `output`; the
    /// results are returned. CUPS is skipped, with a line saying so, when `cupsfilter` is
    /// not installed.
    static func run(
        cards: Int = 200, geometry: PanelGeometry = PanelGeometry(width: 1016, height: 648), cupsCards: Int = 10,
        output: (String) -> Void = { print($0) }
    ) throws -> [Result] {
        precondition(cards > 0 && cupsCards >= 0)
        let renderer = try CardRenderer.standard()
        output("Menyiapkan \(cards) kartu sintetis…")
        let records = try (0..<cards).map { try benchmarkCard(seed: UInt64($0)) }

        // Warm up: fonts, fontconfig, cairo caches.
        for record in records.prefix(3) {
            let plan = try renderer.plan(record)
            _ = try renderer.pdf(plan)
            _ = try renderer.planes(plan, geometry: geometry)
            _ = try renderer.png(plan)
        }

        var results: [Result] = []
        func measure(_ name: String, _ body: (CardRecord) throws -> Int) rethrows {
            let cpuStart = processCPUSeconds()
            let start = ContinuousClock.now
            var bytes = 0
            for record in records { bytes += try body(record) }
            let elapsed = ContinuousClock.now - start
            let result = Result(
                output: name, cards: records.count, seconds: elapsed.seconds, cpuSeconds: processCPUSeconds() - cpuStart,
                bytesPerCard: bytes / records.count)
            results.append(result)
            output(result.description)
        }
        try measure("plan (decode + fit)") {
            _ = try renderer.plan($0); return 0
        }
        try measure("pdf") { try renderer.pdf($0).count }
        try measure("planes \(geometry.width)×\(geometry.height) YMCKO") {
            let p = try renderer.planes($0, geometry: geometry)
            return p.yellow.count * 3 + p.black.count + p.overlay.count
        }
        try measure("png 300 dpi") { try renderer.png($0, dpi: 300).count }
        try measure("plan once, pdf + planes + png") {
            let plan = try renderer.plan($0)
            return try renderer.pdf(plan).count + renderer.planes(plan, geometry: geometry).black.count
                + renderer.png(plan).count
        }

        guard cupsCards > 0 else { return results }
        guard FileManager.default.isExecutableFile(atPath: cupsfilterPath) else {
            output("cupsfilter tidak ada di \(cupsfilterPath) (paket Debian cups): perbandingan dengan CUPS dilewati")
            return results
        }
        let cups = try measureCUPS(renderer: renderer, records: Array(records.prefix(cupsCards)), output: output)
        results.append(cups)
        if let planes = results.first(where: { $0.output.hasPrefix("planes") }),
            let pdf = results.first(where: { $0.output == "pdf" })
        {
            output(
                String(
                    format: "Raster langsung (planes) %.0f× lebih cepat daripada PDF + cupsfilter (%.1f ms lawan %.1f ms per kartu)",
                    (pdf.millisecondsPerCard + cups.millisecondsPerCard) / planes.millisecondsPerCard,
                    planes.millisecondsPerCard, pdf.millisecondsPerCard + cups.millisecondsPerCard))
        }
        return results
    }

    static let cupsfilterPath = "/usr/sbin/cupsfilter"

    /// Runs the CUPS chain (pdftopdf, then gstoraster or pdftoraster as Debian configures
    /// it) on each card's PDF, one after another, and checks each output is PWG raster.
    private static func measureCUPS(
        renderer: CardRenderer, records: [CardRecord], output: (String) -> Void
    ) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ektp-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ppd = directory.appendingPathComponent("ektp-card.ppd")
        try cardPPD.write(to: ppd, atomically: true, encoding: .utf8)
        let pdfs = try records.enumerated().map { index, record in
            let url = directory.appendingPathComponent("card-\(index).pdf")
            try renderer.pdf(record).write(to: url)
            return url
        }
        let rasterURL = directory.appendingPathComponent("card.pwg")
        let cpuStart = childrenCPUSeconds()
        let start = ContinuousClock.now
        var bytes = 0
        for pdf in pdfs {
            guard FileManager.default.createFile(atPath: rasterURL.path, contents: nil) else {
                throw RenderError("tidak bisa membuat \(rasterURL.path)")
            }
            let raster = try FileHandle(forWritingTo: rasterURL)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: cupsfilterPath)
            process.arguments = ["-p", ppd.path, "-i", "application/pdf", "-m", "image/pwg-raster", pdf.path]
            process.standardOutput = raster
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try raster.close()
            let produced = try Data(contentsOf: rasterURL)
            guard process.terminationStatus == 0, produced.starts(with: Array("RaS2".utf8)) else {
                throw RenderError("cupsfilter gagal (status \(process.terminationStatus), \(produced.count) byte)")
            }
            bytes += produced.count
        }
        let elapsed = ContinuousClock.now - start
        let result = Result(
            output: "cupsfilter pdf → pwg-raster 300 dpi", cards: pdfs.count, seconds: elapsed.seconds,
            cpuSeconds: childrenCPUSeconds() - cpuStart, bytesPerCard: bytes / pdfs.count)
        output(result.description)
        return result
    }

    /// A card-size, 300 dpi, 8-bit RGB PPD, so CUPS rasterises the same page the planes hold.
    static let cardPPD = """
        *PPD-Adobe: "4.3"
        *FormatVersion: "4.3"
        *FileVersion: "1.0"
        *LanguageVersion: English
        *LanguageEncoding: ISOLatin1
        *PCFileName: "EKTPCARD.PPD"
        *Manufacturer: "ektp"
        *Product: "(ektp card benchmark)"
        *ModelName: "ektp card benchmark"
        *ShortNickName: "ektp card benchmark"
        *NickName: "ektp card benchmark"
        *PSVersion: "(3010.000) 0"
        *LanguageLevel: "3"
        *ColorDevice: True
        *DefaultColorSpace: RGB
        *FileSystem: False
        *Throughput: "1"
        *LandscapeOrientation: Plus90
        *TTRasterizer: Type42
        *cupsVersion: 2.4
        *cupsModelNumber: 0
        *cupsFilter2: "image/pwg-raster image/pwg-raster 0 -"
        *OpenUI *PageSize/Media Size: PickOne
        *OrderDependency: 10 AnySetup *PageSize
        *DefaultPageSize: CR80
        *PageSize CR80/CR80 Card: "<</PageSize[242.65 153.01]>>setpagedevice"
        *CloseUI: *PageSize
        *OpenUI *PageRegion/Media Size: PickOne
        *OrderDependency: 10 AnySetup *PageRegion
        *DefaultPageRegion: CR80
        *PageRegion CR80/CR80 Card: "<</PageSize[242.65 153.01]>>setpagedevice"
        *CloseUI: *PageRegion
        *DefaultImageableArea: CR80
        *ImageableArea CR80/CR80 Card: "0 0 242.65 153.01"
        *DefaultPaperDimension: CR80
        *PaperDimension CR80/CR80 Card: "242.65 153.01"
        *OpenUI *Resolution/Resolution: PickOne
        *OrderDependency: 10 AnySetup *Resolution
        *DefaultResolution: 300dpi
        *Resolution 300dpi/300 dpi: "<</HWResolution[300 300]/cupsColorSpace 19/cupsBitsPerColor 8/cupsColorOrder 0>>setpagedevice"
        *CloseUI: *Resolution
        *OpenUI *ColorModel/Color Mode: PickOne
        *OrderDependency: 10 AnySetup *ColorModel
        *DefaultColorModel: RGB
        *ColorModel RGB/Color: "<</cupsColorSpace 19/cupsBitsPerColor 8/cupsColorOrder 0/cupsCompression 0>>setpagedevice"
        *CloseUI: *ColorModel

        """

    /// A plausible card with long-ish values, synthetic photo and signature varying by seed.
    static func benchmarkCard(seed: UInt64) throws -> CardRecord {
        let names = [
            "MUHAMMAD RIZKY ADITYA PRATAMA", "SITI NUR-HALIZA", "A'ISYAH PUTRI RAMADHANI", "MUH. RIDWAN",
            "RADEN AYU SITI NURHALIZAH KUSUMAWARDHANI PRAWIROHADIKUSUMO",
        ]
        let serial = String(format: "%04d", Int(seed % 9999) + 1)
        return CardRecord(
            provinsi: "JAWA BARAT", kabupatenKota: "KABUPATEN BEKASI", nik: try NIK("321601120590" + serial),
            nama: names[Int(seed % UInt64(names.count))], tempatLahir: "BEKASI",
            tanggalLahir: try CivilDate(year: 1990, month: 5, day: 12), jenisKelamin: .lakiLaki, golonganDarah: .bPos,
            alamat: "JL. RAYA SETU CIBITUNG KM. 12 PERUM GRIYA ASRI BLOK C.7 NO. 21", rt: "003", rw: "011",
            kelurahanDesa: "SETIA MEKAR", kecamatan: "TAMBUN SELATAN", agama: "ISLAM", statusPerkawinan: .kawin,
            pekerjaan: "KARYAWAN SWASTA", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "KAB. BEKASI",
            tanggalTerbit: try CivilDate(year: 2024, month: 3, day: 4), foto: try SyntheticPortrait.jpeg(seed: seed),
            tandaTangan: try SyntheticSignature.png(seed: seed))
    }

    private static func processCPUSeconds() -> Double { cpuSeconds(children: false) }
    private static func childrenCPUSeconds() -> Double { cpuSeconds(children: true) }

    private static func cpuSeconds(children: Bool) -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(__rusage_who_t((children ? RUSAGE_CHILDREN : RUSAGE_SELF).rawValue), &usage)
        #else
            getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &usage)
        #endif
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
