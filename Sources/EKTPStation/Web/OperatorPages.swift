import EKTPDomain
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

/// The operator's pages: the queue, one job, hand-over and the PT Pos manifest, printers.
struct OperatorPages {
    let station: Station
    let site: WebSite

    func register(_ router: Router<BasicRequestContext>) {
        let op = StationWeb.op
        site.page(router, "/antrean", roles: op) { v in
            await v.page(
                "Antrean cetak",
                """
                <h1>Antrean cetak</h1>
                \(searchForm(""))
                \(WebSite.liveRegion(id: "antrean-langsung", path: "/antrean/langsung", try await queueLive(v)))
                \(try handoverSection(v))
                """)
        }
        site.fragment(router, "/antrean/langsung", roles: op) { v in try await queueLive(v) }
        site.page(router, "/job/:id", roles: op) { v in try await jobPage(v) }
        site.action(router, "/job/:id/hasil", roles: StationAct.decideOutcome.roles, back: "/antrean") { v in
            let id = try jobID(v)
            guard let decision = v.form["keputusan"].flatMap(OutcomeRequest.Decision.init(rawValue:)) else { throw WebRefusal("pilih hasilnya") }
            let cause = decision == .spoiled ? v.form["sebab"].flatMap(SpoilCause.init(rawValue:)) : nil
            let request = OutcomeRequest(decision: decision, cause: cause, reason: v.form["alasan"] ?? "")
            let state = try station.recordOutcome(id, request, by: v.session.user)
            return WebActionResult("\(id): \(state.label)", then: "/antrean")
        }
        site.action(router, "/job/:id/cetak-ulang", roles: StationAct.approveReprint.roles, back: "/stok") { v in
            let id = try jobID(v)
            let state = try station.store.reprint(id, reason: v.form["alasan"] ?? "", by: v.session.user)
            return WebActionResult("cetak ulang \(id) disetujui; masuk antrean lagi (\(state.label))", then: "/stok")
        }
        site.action(router, "/job/:id/serah", roles: StationAct.handOver.roles, back: "/antrean") { v in
            let id = try jobID(v)
            let handOver = try HandOver(
                HandoverRequest(
                    recipient: try v.form.required("penerima", label: "nama penerima"), nik: try v.form.required("nik", label: "NIK pengambil"),
                    oldCardCollected: v.form["ktp-lama"] == "ya", posReceipt: nil))
            _ = try station.store.handOver(id, handOver, by: v.session.user)
            return WebActionResult(handOver.done(id), then: "/job/\(id.rawValue)/tanda-terima")
        }
        site.page(router, "/job/:id/tanda-terima", roles: op) { v in try await receiptPage(v) }
        site.page(router, "/job/:id/tanda-terima.pdf", roles: op) { v in
            let id = try jobID(v)
            return WebSite.download(
                try OfficeDocuments(station: station).receipt(id).pdf(), type: "application/pdf", filename: "tanda-terima-\(id.rawValue).pdf", inline: true)
        }
        site.page(router, "/cari", roles: op) { v in try await searchPage(v) }
        site.action(router, "/serah-terima/pos", roles: StationAct.handOver.roles, back: "/antrean") { v in
            let receipt = try v.form.required("resi", label: "nomor resi/manifest PT Pos")
            let ids = try v.form.all("job").map { text in
                do { return try JobID(text) } catch { throw WebRefusal("id job \(text.prefix(30)) tidak valid") }
            }
            guard !ids.isEmpty else { throw WebRefusal("centang kartu yang diserahkan ke PT Pos") }
            try station.store.handOverToPos(ids, manifest: receipt, by: v.session.user)
            return WebActionResult(
                "\(ids.count) kartu diserahkan ke PT Pos (resi \(receipt))",
                then: "/serah-terima/manifest?resi=\(receipt.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
        }
        site.page(router, "/serah-terima/manifest", roles: op) { v in try await manifestPage(v) }
        site.page(router, "/serah-terima/manifest.pdf", roles: op) { v in
            guard let receipt = v.query("resi"), !receipt.isEmpty else { throw WebRefusal("nomor resi wajib disebut") }
            let doc = try OfficeDocuments(station: station).manifest(receipt, by: v.session.fullName)
            return WebSite.download(try doc.pdf(), type: "application/pdf", filename: "manifest-pos.pdf", inline: true)
        }

        site.page(router, "/printer", roles: StationWeb.both) { v in
            await v.page(
                "Printer",
                """
                <h1>Printer</h1>
                \(WebSite.liveRegion(id: "printer-langsung", path: "/printer/langsung", try await printersLive(v)))
                """)
        }
        site.fragment(router, "/printer/langsung", roles: StationWeb.both) { v in try await printersLive(v) }
        site.action(router, "/printer/:id/muat", roles: StationAct.loadPrinter.roles, back: "/printer") { v in
            let device: DeviceID
            do { device = try DeviceID(v.parameters.get("id") ?? "") } catch { throw WebRefusal("printer tidak dikenal") }
            let quantity = try v.form.int("jumlah", label: "jumlah blangko")
            let changed = try await station.stock(.load(device: device, quantity: quantity), by: v.session.user)
            return WebActionResult(changed.message, then: "/printer")
        }
        site.action(router, "/printer/:id/ribbon", roles: StationAct.loadPrinter.roles, back: "/printer") { v in
            let device: DeviceID
            do { device = try DeviceID(v.parameters.get("id") ?? "") } catch { throw WebRefusal("printer tidak dikenal") }
            return WebActionResult(try await station.stock(.loadRibbon(device: device), by: v.session.user).message, then: "/printer")
        }
        site.action(router, "/printer/:id/cetak-uji", roles: StationAct.testPrint.roles, back: "/printer") { v in
            let device: DeviceID
            do { device = try DeviceID(v.parameters.get("id") ?? "") } catch { throw WebRefusal("printer tidak dikenal") }
            return WebActionResult(try await station.testPrint(device, by: v.session.user).message, then: "/printer")
        }
        site.action(router, "/printer/tambah", roles: StationAct.addPrinter.roles, back: "/printer") { v in
            let id = try v.form.required("printer", label: "printer")
            let view = try await station.addPrinter(id, by: v.session.user)
            return WebActionResult("printer \(view.id.rawValue) ditambahkan", then: "/printer")
        }
    }

    func jobID(_ v: WebVisit) throws -> JobID {
        do { return try JobID(v.parameters.get("id") ?? "") } catch { throw WebRefusal("id job tidak valid") }
    }

    // MARK: Queue

    func queueLive(_ v: WebVisit) async throws -> HTML {
        let status = try await station.status()
        func n(_ s: JobState) -> Int { status.jobs[s] ?? 0 }
        let figures: HTML = """
            <ul class="figures">
            <li><b id="jumlah-menunggu">\(n(.queued))</b><span>menunggu</span></li>
            <li><b>\(n(.printing))</b><span>sedang dicetak</span></li>
            <li><b id="jumlah-keputusan">\(n(.outcomeUnknown))</b><span>perlu keputusan</span></li>
            <li><b>\(n(.spoiled))</b><span>rusak</span></li>
            <li><b>\(n(.printed))</b><span>siap diserahkan</span></li>
            <li><b>\(status.blangkoOnHand)</b><span>blangko belum terpakai</span></li>
            </ul>
            """
        let held: HTML = status.held.map { "<div class=\"notice held\" role=\"status\"><b>Antrean tertahan:</b> \($0)</div>" } ?? ""
        let unknown = try station.store.jobs(state: .outcomeUnknown, limit: 50)
        let causes = HTML.join(SpoilCause.allCases.map { "<option value=\"\($0.rawValue)\">\($0.label)</option>" })
        let decisions: HTML =
            unknown.isEmpty
            ? "<p class=\"muted\">Tidak ada kartu yang menunggu keputusan.</p>"
            : """
            <table><thead><tr><th>Job</th><th>NIK</th><th class="hide-small">Printer</th><th>Keputusan</th></tr></thead><tbody>
            \(unknown.map { j in
                HTML("""
                <tr id="keputusan-\(j.id.rawValue)"><td><a href="/job/\(j.id.rawValue)">\(j.id.rawValue)</a></td><td>\(j.maskedNIK)</td><td class="hide-small">\(j.device?.rawValue)</td>
                <td><form class="inline" method="post" action="/job/\(j.id.rawValue)/hasil">\(v.csrfField)
                <select name="keputusan" aria-label="hasil"><option value="printed">tercetak baik</option><option value="spoiled">rusak</option><option value="not-fed">tidak masuk printer</option></select>
                <select name="sebab" aria-label="sebab rusak">\(causes)</select>
                <input name="alasan" placeholder="alasan / yang terlihat" required aria-label="alasan">
                <button type="submit">Catat</button></form></td></tr>
                """)
            })
            </tbody></table>
            """
        let printing = try station.store.jobs(state: .printing, limit: 20)
        let queued = try station.store.jobs(state: .queued, limit: 15)
        return """
            \(figures)\(held)
            <section class="card"><h2>Perlu keputusan operator</h2>
            <p class="muted">Hasil kartu ini tidak diketahui (printer mati, macet, atau ektpd berhenti). Periksa printer, lalu catat apa yang terjadi. Kartu tidak akan dicetak ulang tanpa keputusan.</p>
            \(decisions)</section>
            <div class="grid">
            <section class="card"><h2>Sedang dicetak</h2>\(jobList(printing, empty: "Tidak ada."))</section>
            <section class="card"><h2>Menunggu dicetak</h2>\(jobList(queued, empty: "Antrean kosong."))
            \(HTML.when(n(.queued) > queued.count) { "<p class=\"muted\">dan \(n(.queued) - queued.count) lainnya</p>" })</section>
            </div>
            """
    }

    func jobList(_ jobs: [JobSummary], empty: String) -> HTML {
        guard !jobs.isEmpty else { return "<p class=\"muted\">\(empty)</p>" }
        return """
            <table><tbody>\(jobs.map { j in
                HTML("<tr><td>\(j.id.rawValue)\(HTML.when(j.priority == .urgent) { " <span class=\"badge s-warning\">mendesak</span>" })</td><td>\(j.maskedNIK)</td><td class=\"hide-small\">\(j.device?.rawValue)</td></tr>")
            })</tbody></table>
            """
    }

    func handoverSection(_ v: WebVisit) throws -> HTML {
        let spoiled = try station.store.jobs(state: .spoiled, limit: 50)
        let printed = try station.store.jobs(state: .printed, limit: 200)
        let reprint: HTML =
            spoiled.isEmpty
            ? "<p class=\"muted\">Tidak ada kartu rusak yang menunggu cetak ulang.</p>"
            : """
            <p class="muted">Cetak ulang kartu rusak disetujui kepala kecamatan di halaman Stok.</p>
            <table><tbody>\(spoiled.map { j in
                HTML("<tr><td><a href=\"/job/\(j.id.rawValue)\">\(j.id.rawValue)</a></td><td>\(j.maskedNIK)</td><td>menunggu persetujuan kepala</td></tr>")
            })</tbody></table>
            """
        let ready: HTML =
            printed.isEmpty
            ? "<p class=\"muted\">Belum ada kartu tercetak yang menunggu diserahkan.</p>"
            : """
            <table><thead><tr><th>PT Pos</th><th>Job</th><th>NIK</th><th>Serahkan</th></tr></thead><tbody>\(printed.map { j in
                // Each card only the way its job says: PT Pos cards into the manifest,
                // pickup cards to the person whose NIK matches.
                j.delivery == .pos
                    ? HTML("""
                        <tr><td><input type="checkbox" name="job" value="\(j.id.rawValue)" form="pos-batch" aria-label="kirim \(j.id.rawValue) lewat PT Pos"></td>
                        <td>\(j.id.rawValue)</td><td>\(j.maskedNIK)</td><td>PT Pos (layan antar)</td></tr>
                        """)
                    : HTML("""
                        <tr><td></td><td>\(j.id.rawValue)</td><td>\(j.maskedNIK)</td><td><a href="/job/\(j.id.rawValue)">diambil di kecamatan…</a></td></tr>
                        """)
            })</tbody></table>
            <form id="pos-batch" class="inline" method="post" action="/serah-terima/pos">\(v.csrfField)
            <input name="resi" placeholder="nomor resi / manifest PT Pos" required aria-label="nomor resi PT Pos">
            <button type="submit">Serahkan yang dicentang ke PT Pos dan cetak manifest</button></form>
            """
        return """
            <section class="card"><h2>Rusak — cetak ulang</h2>\(reprint)</section>
            <section class="card"><h2>Siap diserahkan</h2>\(ready)</section>
            """
    }

    // MARK: One job

    func jobPage(_ v: WebVisit) async throws -> Response {
        let id = try jobID(v)
        let d = try station.store.jobDetail(id)
        let s = d.summary
        let causes = HTML.join(SpoilCause.allCases.map { "<option value=\"\($0.rawValue)\">\($0.label)</option>" })
        var forms: [HTML] = []
        switch s.state {
        case .printed:
            forms.append(
                s.delivery == .pos
                    ? """
                    <section class="card"><h2>Dikirim lewat PT Pos</h2><p>Kartu ini untuk layan antar PT Pos: serahkan ke petugas PT Pos lewat
                    manifest di halaman <a href="/antrean">Antrean</a>, bukan kepada pengambil di kantor.</p></section>
                    """
                    : """
                    <section class="card"><h2>Diambil di kecamatan</h2>
                    <p class="muted">Cocokkan NIK pengambil (ketik atau pindai dari KTP-el lama atau bukti perekaman) dengan kartu ini.</p>
                    <form method="post" action="/job/\(id.rawValue)/serah">\(v.csrfField)
                    <label>Nama pengambil <input name="penerima" required autocomplete="off"></label>
                    <label>NIK pengambil <input name="nik" required inputmode="numeric" autocomplete="off" maxlength="24"></label>
                    <label><input type="checkbox" name="ktp-lama" value="ya"> KTP-el lama ditarik (untuk dimusnahkan)</label>
                    <button type="submit">Catat penyerahan dan cetak tanda terima</button></form></section>
                    """)
            forms.append(
                """
                <section class="card"><h2>Kartu ternyata rusak</h2>
                <form class="inline" method="post" action="/job/\(id.rawValue)/hasil">\(v.csrfField)<input type="hidden" name="keputusan" value="spoiled">
                <select name="sebab" aria-label="sebab rusak">\(causes)</select><input name="alasan" placeholder="alasan" required aria-label="alasan">
                <button class="danger" type="submit">Catat rusak</button></form></section>
                """)
        case .spoiled:
            forms.append(
                """
                <section class="card"><h2>Cetak ulang</h2><p>Kartu ini rusak. Cetak ulang menunggu persetujuan kepala kecamatan
                (halaman Stok); yang mencatat kerusakan tidak boleh menyetujuinya sendiri.</p></section>
                """)
        case .outcomeUnknown:
            forms.append(
                """
                <section class="card"><h2>Catat hasil</h2><form class="inline" method="post" action="/job/\(id.rawValue)/hasil">\(v.csrfField)
                <select name="keputusan" aria-label="hasil"><option value="printed">tercetak baik</option><option value="spoiled">rusak</option><option value="not-fed">tidak masuk printer</option></select>
                <select name="sebab" aria-label="sebab rusak">\(causes)</select><input name="alasan" placeholder="alasan" required aria-label="alasan">
                <button type="submit">Catat</button></form></section>
                """)
        case .handedOver where d.collectedBy != nil:
            forms.append("<section class=\"card\"><p><a href=\"/job/\(id.rawValue)/tanda-terima\">Tanda terima</a></p></section>")
        default: break
        }
        let history = HTML.join(
            d.history.map { h in "<tr><td>\(WebFormat.time(h.at, station.store.zone))</td><td>\(h.actor)</td><td>\(h.action)</td><td>\(h.detail)</td></tr>" })
        return await v.page(
            "Job \(id.rawValue)",
            """
            <h1>Job \(id.rawValue)</h1>
            <section class="card"><table><tbody>
            <tr><th>Status</th><td>\(s.state.label)</td></tr>
            <tr><th>Nama</th><td>\(d.nama ?? "(data pribadi sudah dihapus)")</td></tr>
            <tr><th>NIK</th><td>\(s.maskedNIK)</td></tr>
            <tr><th>Penyerahan</th><td>\(d.delivery)</td></tr>
            <tr><th>Printer</th><td>\(s.device?.rawValue)</td></tr>
            <tr><th>Percobaan</th><td>\(s.attempts)</td></tr>
            </tbody></table></section>
            \(forms)
            <section class="card"><h2>Riwayat</h2><table><tbody>\(history)</tbody></table></section>
            """)
    }

    // MARK: Finding a card, and the receipt

    func searchForm(_ query: String) -> HTML {
        """
        <form class="inline" method="get" action="/cari" role="search"><input name="q" value="\(query)" placeholder="NIK (ketik/pindai) atau nama" required
        aria-label="cari kartu dengan NIK atau nama" autocomplete="off"><button type="submit">Cari kartu</button></form>
        """
    }

    /// A citizen comes with a NIK or a name, not a job id: a NIK (sixteen digits, typed or
    /// scanned) is found by its key; anything else is a name among the open jobs.
    func searchPage(_ v: WebVisit) async throws -> Response {
        let q = (v.query("q") ?? "").trimmingCharacters(in: .whitespaces)
        let found: [JobMatch]
        if q.contains(where: \.isNumber) {
            let nik: NIK
            do { nik = try HandOver.nik(q) } catch { throw WebRefusal("\(error)") }
            found = try station.store.findJobs(nik: nik)
        } else {
            found = try station.store.findJobs(name: q)
        }
        let rows = found.map { m -> HTML in
            let s = m.summary
            return """
                <tr><td><a href="/job/\(s.id.rawValue)">\(s.id.rawValue)</a></td><td>\(m.nama ?? "—")</td><td>\(s.maskedNIK)</td>
                <td>\(s.state.label)</td><td>\(s.delivery?.label ?? "—")</td></tr>
                """
        }
        return await v.page(
            "Cari kartu",
            """
            <h1>Cari kartu</h1>
            \(searchForm(q))
            \(found.isEmpty
                ? HTML("<p class=\"muted\" id=\"hasil-cari\">Tidak ada kartu yang cocok.</p>")
                : HTML("""
                    <table id="hasil-cari"><thead><tr><th>Job</th><th>Nama</th><th>NIK</th><th>Status</th><th>Penyerahan</th></tr></thead>
                    <tbody>\(rows)</tbody></table>
                    """))
            """)
    }

    /// The tanda terima the person collecting signs: a page to print, or its PDF.
    func receiptPage(_ v: WebVisit) async throws -> Response {
        let id = try jobID(v)
        let doc = try OfficeDocuments(station: station).receipt(id)
        return await v.page("Tanda terima \(id.rawValue)", doc.html(pdf: "/job/\(id.rawValue)/tanda-terima.pdf"))
    }

    // MARK: PT Pos manifest

    func manifestPage(_ v: WebVisit) async throws -> Response {
        guard let receipt = v.query("resi"), !receipt.isEmpty else { throw WebRefusal("nomor resi wajib disebut") }
        let doc = try OfficeDocuments(station: station).manifest(receipt, by: v.session.fullName)
        let pdf = "/serah-terima/manifest.pdf?resi=\(receipt.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        return await v.page("Manifest PT Pos \(receipt)", doc.html(pdf: pdf))
    }

    // MARK: Printers

    func printersLive(_ v: WebVisit) async throws -> HTML {
        let status = try await station.status()
        let store = try station.store.balances()[.store] ?? 0
        let cards = status.devices.map { d -> HTML in
            let reasons = d.state.reasons.map(\.label).joined(separator: ", ")
            let ribbon: HTML =
                if let left = d.state.supplies.ribbonRemaining, let cap = d.state.supplies.ribbonCapacity, cap > 0 {
                    "<meter min=\"0\" max=\"\(cap)\" low=\"\(cap / 10)\" optimum=\"\(cap)\" value=\"\(left)\"></meter> \(left) dari \(cap) kartu"
                } else { "tidak diketahui" }
            let load: HTML = HTML.when(v.session.role == .operator) {
                """
                <form class="inline" method="post" action="/printer/\(d.id.rawValue)/muat">\(v.csrfField)
                <input type="number" name="jumlah" min="1" max="\(max(d.hopperCapacity - d.hopperLedger, 1))" required aria-label="jumlah blangko dimuat ke \(d.id.rawValue)">
                <button type="submit">Muat blangko</button></form>
                <form class="inline" method="post" action="/printer/\(d.id.rawValue)/ribbon">\(v.csrfField)
                <button type="submit" class="secondary" title="satu gulung dari gudang; gulungan lama dicatat habis">Pasang ribbon baru</button></form>
                <form class="inline" method="post" action="/printer/\(d.id.rawValue)/cetak-uji">\(v.csrfField)
                <button type="submit" title="memakai satu blangko, dicatat rusak (cetak uji)">Cetak kartu uji</button></form>
                """
            }
            return """
                <section class="card printer" id="printer-\(d.id.rawValue)">
                <h2>\(d.model) <span class="badge s-\(d.state.status.rawValue)">\(d.state.status.label)</span></h2>
                <p class="muted">\(d.id.rawValue) · seri \(d.serial)</p>
                \(HTML.when(!reasons.isEmpty) { "<p><b>\(reasons)</b></p>" })
                <p>Hopper: <b class="hopper">\(d.hopperLedger)</b> dari \(d.hopperCapacity) blangko<br>
                <meter min="0" max="\(d.hopperCapacity)" low="\(d.hopperCapacity / 10)" optimum="\(d.hopperCapacity)" value="\(d.hopperLedger)"></meter></p>
                <p>Ribbon: \(ribbon)</p>
                <p>Tercetak \(d.printed) · rusak \(d.spoiled)\(d.state.supplies.cardCounter.map { " · penghitung printer \($0)" } ?? "")</p>
                \(HTML.when(d.chip != nil) { "<p class=\"chip\">Encode chip: \(d.chip?.summary ?? "")</p>" })
                \(load)
                </section>
                """
        }
        let offered = station.offeredPrinters().map { p -> HTML in
            """
            <li>\(p.name) · seri \(p.serial) · port \(p.port)\(HTML.when(v.session.role == .operator) {
                """
                <form class="inline" method="post" action="/printer/tambah">\(v.csrfField)<input type="hidden" name="printer" value="\(p.id.rawValue)">
                <button type="submit">Tambahkan</button></form>
                """
            })</li>
            """
        }
        return """
            \(HTML.when(!offered.isEmpty) { "<section class=\"card notice\" id=\"printer-baru\"><h2>Printer baru terpasang</h2><ul>\(HTML.join(offered))</ul></section>" })
            <ul class="figures"><li><b id="stok-gudang">\(store)</b><span>blangko di gudang</span></li>
            <li><b>\(status.jobs[.queued] ?? 0)</b><span>job menunggu</span></li></ul>
            \(status.held.map { HTML("<div class=\"notice held\">Antrean tertahan: \($0)</div>") })
            <div class="grid">\(cards.isEmpty ? HTML("<p class=\"muted\">Tidak ada printer terpasang.</p>") : HTML.join(cards))</div>
            """
    }
}
