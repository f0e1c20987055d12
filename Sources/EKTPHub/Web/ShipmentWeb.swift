import EKTPDomain
import EKTPHubRules
import EKTPRendering
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

/// The central office's blangko pages: a ministry shipment split between the kabupaten's
/// kecamatan (the proposal of `BlangkoAllocation`, edited before sending), the shipments
/// that follow with their surat jalan, and whether each arrived whole.
extension HubWeb {
    static func addShipmentPages(to router: Router<BasicRequestContext>, site: WebSite, pages: HubPages) {
        site.page(router, "/kabupaten/:code/alokasi", roles: pusat) { v in
            let code = v.parameters.get("code") ?? ""
            return await v.page("Alokasi blangko \(code)", try await pages.allocation(v, code), current: "/armada")
        }
        site.action(router, "/kabupaten/:code/alokasi", roles: pusat, back: "/armada") { v in
            let code = v.parameters.get("code") ?? ""
            var split: [String: Int] = [:]
            for (name, value) in v.form.fields where name.hasPrefix("k.") {
                let text = value.trimmingCharacters(in: .whitespaces)
                guard let n = Int(text.isEmpty ? "0" : text) else { throw WebRefusal("jumlah untuk \(name.dropFirst(2)) harus berupa angka") }
                split[String(name.dropFirst(2)), default: 0] += n
            }
            let result = try await pages.hub.allocate(
                AllocationRequest(
                    kabupaten: code, quantity: try v.form.int("jumlah", label: "jumlah kiriman"),
                    document: try v.form.required("dokumen", label: "nomor dokumen kiriman"), split: split, by: v.session.user))
            return WebActionResult(
                "\(result.allotment): \(result.shipments.count) surat jalan dibuat (\(result.shipments.map(\.id).joined(separator: ", ")))",
                then: "/kabupaten/\(code)/kiriman")
        }
        site.page(router, "/pos", roles: pusat) { v in await v.page("Hasil PT Pos", pages.posResultsForm(v)) }
        site.action(router, "/pos", roles: pusat, back: "/pos") { v in
            let answer = try await pages.hub.recordPosResults(csv: try v.form.required("berkas", label: "isi berkas hasil PT Pos"), by: v.session.user)
            return WebActionResult(
                "\(answer.recorded) hasil dicatat: \(answer.delivered) terkirim, \(answer.backOnShelf.count) kembali ke kecamatan"
                    + (answer.backOnShelf.isEmpty ? "" : " (\(answer.backOnShelf.map(\.rawValue).joined(separator: ", ")))"), then: "/pos")
        }
        site.page(router, "/kabupaten/:code/kiriman", roles: pusat) { v in
            let code = v.parameters.get("code") ?? ""
            return await v.page("Kiriman blangko \(code)", try await pages.shipments(code), current: "/armada")
        }
        site.page(router, "/kabupaten/:code/kiriman/:id/surat-jalan.pdf", roles: pusat) { v in
            let code = v.parameters.get("code") ?? ""
            let id = v.parameters.get("id") ?? ""
            guard let shipment = try await pages.hub.shipments(kabupaten: code, limit: 5000).first(where: { $0.id == id }) else {
                throw HubError(.notFound, "surat jalan \(id.prefix(40)) tidak dikenal di kabupaten \(code.prefix(10))")
            }
            return WebSite.download(try pages.suratJalan(shipment).pdf(), type: "application/pdf", filename: "\(shipment.id).pdf", inline: true)
        }
    }
}

extension HubPages {
    func allocation(_ v: WebVisit, _ code: String) async throws -> HTML {
        let name = hub.regions.region(code)?.name ?? code
        let quantity = v.query("jumlah").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let document = v.query("dokumen") ?? ""
        let ask: HTML = """
            <h1>Alokasi blangko — \(name) (\(code))</h1>
            <p>Masukkan kiriman blangko dari kementerian; hub mengusulkan pembagian per kecamatan (aturannya di bawah), yang bisa diubah sebelum dikirim.</p>
            <form class="inline" method="get" action="/kabupaten/\(code)/alokasi">
            <label for="jumlah">Jumlah blangko</label><input id="jumlah" name="jumlah" type="number" min="1" required value="\(quantity.map(String.init) ?? "")">
            <label for="dokumen">Nomor dokumen kiriman</label><input id="dokumen" name="dokumen" required maxlength="100" value="\(document)">
            <button type="submit">Usulkan pembagian</button></form>
            """
        guard let quantity else { return "\(ask)\(Self.allocationRule)" }
        let proposal = try await hub.allocationProposal(AllocationProposalRequest(kabupaten: code, quantity: quantity))
        let rows = proposal.kecamatan.map { r in
            HTML(
                """
                <tr><td>\(r.name ?? "") \(r.kecamatanCode)</td><td class="num">\(WebFormat.number(r.backlog))</td><td class="num">\(WebFormat.number(r.pemula))</td>
                <td class="num">\(WebFormat.number(r.onHand))</td><td class="num">\(WebFormat.number(r.inTransit))</td>
                <td class="num">\(WebFormat.decimal(r.consumptionPerDay))</td><td class="num">\(r.daysLeft.map { WebFormat.decimal($0) } ?? "—")</td>
                <td><input name="k.\(r.kecamatanCode)" type="number" min="0" value="\(r.proposed)" aria-label="bagian \(r.kecamatanCode)"></td></tr>
                """)
        }
        return """
            \(ask)
            <section class="card"><h2>Usulan pembagian \(WebFormat.number(quantity)) lembar</h2>
            <form method="post" action="/kabupaten/\(code)/alokasi">\(v.csrfField)
            <input type="hidden" name="jumlah" value="\(quantity)"><input type="hidden" name="dokumen" value="\(document)">
            <table><thead><tr><th>Kecamatan</th><th class="num">Antrean PRR</th><th class="num">Pemula</th><th class="num">Stok</th>
            <th class="num">Dalam perjalanan</th><th class="num">Pakai/hari</th><th class="num">Hari tersisa</th><th>Kirim</th></tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table>
            <p class="muted">Kecamatan tanpa stasiun aktif tidak diberi: tidak ada yang bisa menerima kirimannya. Jumlah semua bagian harus sama dengan kiriman.</p>
            <button type="submit">Buat surat jalan</button></form></section>
            \(Self.allocationRule)
            """
    }

    static let allocationRule: HTML = """
        <section class="card"><h2>Aturan usulan</h2><ol>
        <li>Kebutuhan tiap kecamatan = antrean PRR − stok − kiriman dalam perjalanan (tidak kurang dari nol). Pemula (pemohon yang belum berumur \(PrintJob.pemulaBelowAge) tahun pada tanggal persetujuan) didahulukan.</li>
        <li>Lalu sisa kebutuhan antrean.</li>
        <li>Bila masih ada sisa, dibagi menurut pemakaian per hari, sehingga tiap kecamatan mendapat tambahan hari stok yang sama.</li>
        </ol><p>Bila satu tahap tidak tercukupi, blangko dibagi sebanding dengan permintaannya dalam lembar utuh; sisa pembulatan ke kecamatan dengan hari stok paling sedikit.</p></section>
        """

    func shipments(_ code: String) async throws -> HTML {
        let name = hub.regions.region(code)?.name ?? code
        let list = try await hub.shipments(kabupaten: code)
        let rows =
            list.isEmpty
            ? HTML("<tr><td colspan=\"9\" class=\"muted\">Belum ada kiriman.</td></tr>")
            : HTML.join(
                list.map { s in
                    let status = s.status
                    return """
                        <tr><td><a href="/kabupaten/\(code)/kiriman/\(s.id)/surat-jalan.pdf">\(s.id)</a></td><td>\(s.kind.label)</td>
                        <td>\(s.fromKecamatan ?? "kabupaten")</td><td>\(s.toName ?? "") \(s.toKecamatan)</td><td class="num">\(s.quantity)</td>
                        <td class="num">\(s.receivedQuantity.map(String.init) ?? "—")</td>
                        <td><span class="badge \(HTML(unsafe: status == .difference ? "s-error" : status == .inTransit ? "s-warning" : "s-ready"))">\(status.label)</span></td>
                        <td>\(s.reason ?? "")</td><td>\(WebFormat.time(s.sentAt, OfficeZone(regionCode: s.toKecamatan)))</td></tr>
                        """
                })
        return """
            <h1>Kiriman blangko — \(name) (\(code))</h1>
            <p><a href="/kabupaten/\(code)/alokasi">Alokasi kiriman baru</a></p>
            <section class="card"><table><thead><tr><th>Surat jalan</th><th>Jenis</th><th>Dari</th><th>Ke</th><th class="num">Dikirim</th>
            <th class="num">Diterima</th><th>Status</th><th>Alasan selisih</th><th>Dikirim pada</th></tr></thead><tbody>\(rows)</tbody></table></section>
            """
    }

    func posResultsForm(_ v: WebVisit) -> HTML {
        """
        <h1>Hasil layan antar PT Pos</h1>
        <p>Tempelkan isi berkas hasil dari PT Pos (CSV). Baris pertama <code>job,hasil,tanggal,keterangan</code>, lalu satu kartu per baris;
        hasil: <code>terkirim</code>, <code>dikembalikan</code>, atau <code>tidak-terkirim</code>; tanggal TTTT-BB-HH.
        Kartu yang dikembalikan atau tidak terkirim kembali ke rak stasiunnya dan diambil di kecamatan.
        Satu baris salah membatalkan seluruh berkas; setiap baris yang salah disebut.</p>
        <form method="post" action="/pos">\(v.csrfField)
        <label for="berkas">Isi berkas</label>
        <textarea id="berkas" name="berkas" rows="12" cols="90" required placeholder="job,hasil,tanggal,keterangan"></textarea>
        <button type="submit">Catat hasil</button></form>
        """
    }

    /// The surat jalan that travels with a shipment, for the sender and the receiver to sign.
    func suratJalan(_ s: ShipmentView) -> OfficeDocument {
        let to = "\(s.toName ?? "") (\(s.toKecamatan))"
        let from =
            s.fromKecamatan.map { "Kecamatan \(hub.regions.kecamatan($0)?.name ?? "") (\($0))" }
            ?? "Dinas Dukcapil \(hub.regions.region(ShipmentNumbers.kabupaten(of: s.toKecamatan))?.name ?? "")"
        return OfficeDocument(
            title: "Surat jalan blangko KTP-el", heading: [s.id],
            fields: [
                ("Dari", from), ("Kepada", "Kecamatan \(to)"), ("Jenis", s.kind.label), ("Dokumen", s.document),
                ("Alokasi", s.allotment ?? "—"), ("Jumlah", "\(WebFormat.number(s.quantity)) lembar"),
            ],
            notes: [
                "Penerima menghitung blangko saat tiba dan mencatatnya di stasiun (menu Kiriman) dengan nomor surat jalan ini; selisih dicatat kepala kecamatan dengan alasan."
            ],
            placeAndDate: WebFormat.longDate(OfficeZone(regionCode: s.toKecamatan).today(s.sentAt)),
            signatures: [.init(role: "Pengirim", name: s.sentBy), .init(role: "Penerima", name: "")])
    }
}
