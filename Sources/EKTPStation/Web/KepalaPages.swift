import EKTPDomain
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

/// The kecamatan head's pages: stock and days left, count differences, the monthly
/// blangko report, destruction records.
struct KepalaPages {
    let station: Station
    let site: WebSite

    func register(_ router: Router<BasicRequestContext>) {
        let head = StationWeb.head
        site.page(router, "/stok", roles: head) { v in try await stockPage(v) }
        site.fragment(router, "/stok/langsung", roles: head) { _ in try stockLive() }
        site.action(router, "/stok/hitung/:id/konfirmasi", roles: StationAct.decideCount.roles, back: "/stok") { v in
            let changed = try station.store.confirmCount(try countID(v), by: v.session.user, note: v.form["catatan"])
            return WebActionResult(changed.message, then: "/stok")
        }
        site.action(router, "/stok/hitung/:id/tolak", roles: StationAct.decideCount.roles, back: "/stok") { v in
            let changed = try station.store.refuseCount(try countID(v), by: v.session.user, note: v.form["catatan"])
            return WebActionResult(changed.message, then: "/stok")
        }
        site.page(router, "/laporan", roles: head) { v in try await reportPage(v) }
        site.page(router, "/laporan.csv", roles: head) { v in
            let report = try station.store.monthlyReport(month: v.query("bulan") ?? station.store.zone.monthKey(Date()))
            return WebSite.download(
                Self.csv(report, kecamatan: station.config.kecamatan), type: "text/csv; charset=utf-8", filename: "blangko-\(report.month).csv")
        }
        site.page(router, "/laporan.pdf", roles: head) { v in
            let report = try station.store.monthlyReport(month: v.query("bulan") ?? station.store.zone.monthKey(Date()))
            let doc = OfficeDocuments(station: station).monthly(report, kepala: v.session.fullName, nip: try OfficeDocuments.nip(v.query("nip")))
            return WebSite.download(try doc.pdf(), type: "application/pdf", filename: "blangko-\(report.month).pdf", inline: true)
        }
        site.page(router, "/pemusnahan", roles: head) { v in try await destructionPage(v) }
        site.page(router, "/pemusnahan/:entry/berita-acara", roles: head) { v in
            let entry = try Self.entry(v)
            return await v.page(
                "Berita acara pemusnahan",
                try OfficeDocuments(station: station).destruction(entry: entry).html(pdf: "/pemusnahan/\(entry)/berita-acara.pdf"))
        }
        site.page(router, "/pemusnahan/:entry/berita-acara.pdf", roles: head) { v in
            let entry = try Self.entry(v)
            let doc = try OfficeDocuments(station: station).destruction(entry: entry)
            return WebSite.download(try doc.pdf(), type: "application/pdf", filename: "berita-acara-pemusnahan-\(entry).pdf", inline: true)
        }
        site.action(router, "/pemusnahan", roles: StationAct.destroyStock.roles, back: "/pemusnahan") { v in
            let witnesses = [v.form["saksi1"], v.form["saksi2"], v.form["saksi3"]].compactMap { $0 }
            let operation = StockOperation.destroy(
                quantity: try v.form.int("jumlah", label: "jumlah blangko"), record: v.form["nomor"] ?? "", witnesses: witnesses,
                method: try v.form.required("cara", label: "cara pemusnahan"))
            return WebActionResult(try await station.stock(operation, by: v.session.user).message, then: "/pemusnahan")
        }
    }

    func countID(_ v: WebVisit) throws -> Int64 {
        guard let id = v.parameters.get("id", as: Int64.self) else { throw WebRefusal("nomor hitung tidak valid") }
        return id
    }

    // MARK: Stock

    func stockLive() throws -> HTML {
        let view = try station.stockView()
        let devices = try station.store.devices()
        let store = view.places[.store] ?? 0
        let hoppers = view.places.filter { $0.key.isUnused && $0.key != .store }.values.reduce(0, +)
        let spoiled = view.places[.spoiled] ?? 0
        let f = view.forecast
        let days: HTML = f.daysLeft.map { HTML(unsafe: HTML.escape(WebFormat.decimal($0, digits: 0))) } ?? "—"
        let rows = devices.map { d -> HTML in
            "<tr><td>Hopper \(d.model) (\(d.id.rawValue))</td><td class=\"num\">\(d.hopperLedger)</td><td class=\"num\">\(d.printed)</td><td class=\"num\">\(d.spoiled)</td></tr>"
        }
        let identities = view.identities.map { i -> HTML in
            "<li>\(i.holds ? "✓" : "✗") \(i.name): \(i.lhs) = \(i.rhs)</li>"
        }
        let ribbons = view.ribbons
        let ribbonDays: HTML = ribbons?.daysLeft.map { HTML(unsafe: HTML.escape(WebFormat.decimal($0, digits: 0))) } ?? "—"
        let ribbonRows = (ribbons?.printers ?? []).map { r -> HTML in
            """
            <tr><td>Ribbon \(r.device.rawValue)</td><td class="num">\(r.remaining)</td><td class="num">\(r.capacity)</td>
            <td>\(r.printerSays != nil ? "menurut printer" : "kapasitas − \(r.used) kartu sejak dipasang")</td></tr>
            """
        }
        return """
            <ul class="figures">
            <li><b id="stok-belum-terpakai">\(store + hoppers)</b><span>blangko belum terpakai</span></li>
            <li><b id="stok-gudang">\(store)</b><span>di gudang</span></li>
            <li><b>\(hoppers)</b><span>di hopper printer</span></li>
            <li><b id="hari-tersisa">\(days)</b><span>hari cetak lagi (pemakaian \(WebFormat.decimal(f.usagePerPrintingDay))/hari cetak, \(f.printingDays) hari cetak dalam \(f.windowDays) hari terakhir)</span></li>
            <li><b id="kurang-untuk-antrean">\(f.needForBacklog)</b><span>blangko kurang untuk \(f.backlog) job di antrean</span></li>
            <li><b>\(spoiled)</b><span>rusak, menunggu pemusnahan</span></li>
            <li><b id="ktp-lama">\(view.oldCardsAwaitingDestruction ?? 0)</b><span>KTP-el lama ditarik, menunggu pemusnahan</span></li>
            <li><b id="ribbon-hari">\(ribbonDays)</b><span>hari cetak lagi untuk ribbon (\(ribbons?.printsLeft ?? 0) cetakan: \(ribbons?.storeRolls ?? 0) gulung di gudang dan di printer)</span></li>
            </ul>
            <section class="card"><h2>Per tempat</h2>
            <table><thead><tr><th>Tempat</th><th class="num">Ada</th><th class="num">Tercetak</th><th class="num">Rusak</th></tr></thead><tbody>
            <tr><td>Gudang</td><td class="num">\(store)</td><td></td><td></td></tr>\(rows)
            <tr><td>Rusak menunggu pemusnahan</td><td class="num">\(spoiled)</td><td></td><td></td></tr>
            </tbody></table>
            <details><summary>Pemeriksaan buku blangko</summary><ul>\(identities)</ul></details></section>
            <section class="card"><h2>Ribbon</h2>
            <table><thead><tr><th>Tempat</th><th class="num">Sisa cetakan</th><th class="num">Per gulung</th><th>Dasar</th></tr></thead><tbody>
            <tr><td>Gudang</td><td class="num">\(ribbons?.storeRolls ?? 0) gulung</td><td class="num">\(ribbons?.printsPerStoreRoll ?? 0)</td><td>kapasitas terkecil printer di kantor ini</td></tr>
            \(ribbonRows)</tbody></table></section>
            """
    }

    func stockPage(_ v: WebVisit) async throws -> Response {
        let view = try station.stockView()
        let usage = try station.store.dailyUsage(days: 30)
        let pending =
            view.pendingCounts.isEmpty
            ? HTML("<p class=\"muted\">Tidak ada selisih hitung yang menunggu.</p>")
            : """
            <table><thead><tr><th>#</th><th>Tempat</th><th class="num">Buku</th><th class="num">Hitung</th><th>Alasan</th><th>Oleh</th><th>Keputusan</th></tr></thead><tbody>
            \(view.pendingCounts.map { c in
                HTML("""
                <tr><td>\(c.id)</td><td>\(StockPlace(key: c.place)?.description ?? c.place)</td><td class="num">\(c.expected)</td><td class="num">\(c.counted)</td><td>\(c.reason)</td><td>\(c.by)</td>
                <td><form class="inline" method="post" action="/stok/hitung/\(c.id)/konfirmasi">\(v.csrfField)<input name="catatan" placeholder="catatan" aria-label="catatan">
                <button type="submit">Konfirmasi</button><button class="danger" type="submit" formaction="/stok/hitung/\(c.id)/tolak">Tolak</button></form></td></tr>
                """)
            })</tbody></table>
            """
        let spoiled = try station.store.jobs(state: .spoiled, limit: 100)
        let recorders = try station.store.spoilageRecorders(spoiled.map(\.id))
        let reprints =
            spoiled.isEmpty
            ? HTML("<p class=\"muted\">Tidak ada kartu rusak yang menunggu persetujuan cetak ulang.</p>")
            : """
            <table><thead><tr><th>Job</th><th>NIK</th><th>Rusak dicatat oleh</th><th>Persetujuan</th></tr></thead><tbody>
            \(spoiled.map { j in
                let recorder = recorders[j.id] ?? "—"
                let own = recorder == v.session.user
                return HTML("""
                <tr><td>\(j.id.rawValue)</td><td>\(j.maskedNIK)</td><td>\(recorder)</td>
                <td>\(own ? HTML("kepala lain yang menyetujui (Anda yang mencatat kerusakannya)") : HTML("""
                <form class="inline" method="post" action="/job/\(j.id.rawValue)/cetak-ulang">\(v.csrfField)
                <input name="alasan" placeholder="alasan cetak ulang" required aria-label="alasan cetak ulang \(j.id.rawValue)"><button type="submit">Setujui cetak ulang</button></form>
                """))</td></tr>
                """)
            })</tbody></table>
            """
        return await v.page(
            "Stok blangko",
            """
            <h1>Stok blangko</h1>
            \(WebSite.liveRegion(id: "stok-langsung", path: "/stok/langsung", try stockLive()))
            <section class="card"><h2>Kartu rusak — persetujuan cetak ulang</h2>\(reprints)</section>
            <section class="card"><h2>Pemakaian blangko per hari (30 hari)</h2>
            \(WebChart.bars(usage.map { (WebFormat.shortDay($0.day), $0.used) }, title: "Blangko terpakai per hari", unit: "blangko"))</section>
            <section class="card"><h2>Selisih hitung fisik</h2>\(pending)</section>
            """)
    }

    // MARK: Monthly report

    static func lines(_ r: MonthlyBlangkoReport) -> [(String, Int)] {
        r.rows { "rusak: " + (SpoilCause(rawValue: $0)?.label ?? $0) }.map { ($0.indented ? "  " + $0.label : $0.label, $0.value) }
    }

    static func csv(_ r: MonthlyBlangkoReport, kecamatan: String) -> String {
        var text = "kecamatan,bulan,baris,jumlah\r\n"
        for (label, value) in lines(r) { text += "\(kecamatan),\(r.month),\"\(label)\",\(value)\r\n" }
        return text
    }

    func reportPage(_ v: WebVisit) async throws -> Response {
        let month = v.query("bulan") ?? station.store.zone.monthKey(Date())
        let r = try station.store.monthlyReport(month: month)
        let kecamatan = station.regions?.kecamatan(station.config.kecamatan)?.name ?? station.config.kecamatan
        let rows = Self.lines(r).map { label, value in
            HTML("<tr><td>\(label)</td><td class=\"num\">\(WebFormat.number(value))</td></tr>")
        }
        return await v.page(
            "Laporan blangko \(WebFormat.month(r.month))",
            """
            <form class="inline no-print" method="get" action="/laporan"><label for="bulan">Bulan</label>
            <input id="bulan" type="month" name="bulan" value="\(r.month)"><button type="submit">Tampilkan</button>
            <a href="/laporan.csv?bulan=\(r.month)">Unduh CSV</a> <button type="button" class="secondary" data-print>Cetak</button></form>
            <form class="inline no-print" method="get" action="/laporan.pdf"><input type="hidden" name="bulan" value="\(r.month)">
            <label for="nip">NIP kepala</label><input id="nip" name="nip" inputmode="numeric" maxlength="24" autocomplete="off">
            <button type="submit" class="secondary">PDF untuk ditandatangani</button></form>
            <h1>Laporan bulanan blangko KTP-el</h1>
            <p>Kecamatan \(kecamatan) (\(station.config.kecamatan)) · \(WebFormat.month(r.month))</p>
            <section class="card"><table id="laporan"><thead><tr><th>Uraian</th><th class="num">Lembar</th></tr></thead><tbody>\(rows)</tbody></table>
            <p class="\(HTML(unsafe: r.balances ? "muted" : "notice error"))">\(r.balances
                ? "Seimbang: \(MonthlyBlangkoReport.formula)."
                : "Tidak seimbang: periksa buku blangko.")</p></section>
            <div class="signatures"><div>Operator</div><div>Kepala kecamatan (\(v.session.fullName))</div></div>
            """)
    }

    // MARK: Destruction

    static func entry(_ v: WebVisit) throws -> Int64 {
        guard let text = v.parameters.get("entry"), let entry = Int64(text), entry > 0 else { throw WebRefusal("nomor pemusnahan tidak valid") }
        return entry
    }

    func destructionPage(_ v: WebVisit) async throws -> Response {
        let records = try station.store.destructionRecords()
        let spoiled = try station.store.balances()[.spoiled] ?? 0
        let rows =
            records.isEmpty
            ? HTML("<tr><td colspan=\"6\" class=\"muted\">Belum ada pemusnahan.</td></tr>")
            : HTML.join(
                records.map { r in
                    """
                    <tr><td>\(WebFormat.time(r.at, station.store.zone))</td><td><a href="/pemusnahan/\(r.entry)/berita-acara">\(r.record)</a></td>
                    <td class="num">\(r.quantity)</td><td>\(r.method ?? "—")</td><td>\(r.witnesses)</td><td>\(r.by)</td></tr>
                    """
                })
        return await v.page(
            "Pemusnahan blangko rusak",
            """
            <h1>Pemusnahan blangko rusak</h1>
            <ul class="figures"><li><b id="rusak-menunggu">\(spoiled)</b><span>blangko rusak menunggu pemusnahan</span></li></ul>
            <section class="card"><h2>Catat berita acara pemusnahan</h2>
            <form class="stack" method="post" action="/pemusnahan">\(v.csrfField)
            <label for="jumlah">Jumlah blangko</label><input id="jumlah" type="number" name="jumlah" min="1" max="\(max(spoiled, 1))" required>
            <label for="nomor">Nomor berita acara</label><input id="nomor" name="nomor" required>
            <label for="cara">Cara pemusnahan</label><input id="cara" name="cara" required placeholder="dipotong / dibakar">
            <label for="saksi1">Saksi 1</label><input id="saksi1" name="saksi1" required>
            <label for="saksi2">Saksi 2</label><input id="saksi2" name="saksi2" required>
            <label for="saksi3">Saksi 3 (bila ada)</label><input id="saksi3" name="saksi3">
            <p><button type="submit">Catat pemusnahan</button></p></form></section>
            <section class="card"><h2>Riwayat pemusnahan</h2>
            <table><thead><tr><th>Waktu</th><th>Berita acara</th><th class="num">Jumlah</th><th>Cara</th><th>Saksi</th><th>Dicatat oleh</th></tr></thead><tbody>\(rows)</tbody></table></section>
            """)
    }
}
