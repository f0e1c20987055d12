import EKTPDomain
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

/// Shipments of blangko to the kecamatan (the kabupaten's allocations and other
/// kecamatan's transfers): counted on arrival against the surat jalan. A count that
/// matches is anyone's at the station; a difference is the kecamatan head's, with a reason.
struct ShipmentPages {
    let station: Station
    let site: WebSite

    func register(_ router: Router<BasicRequestContext>) {
        site.page(router, "/kiriman", roles: StationWeb.both) { v in try await shipmentsPage(v) }
        site.action(router, "/kiriman/:id/terima", roles: StationAct.receiveShipment.roles, back: "/kiriman") { v in
            let id = v.parameters.get("id") ?? ""
            let counted = try v.form.int("jumlah", label: "jumlah yang dihitung")
            let act = StationAct.receiving(try station.store.shipment(id), counted: counted)
            guard act.roles.contains(v.session.role) else {
                throw WebRefusal("jumlah \(counted) berbeda dari surat jalan: selisih hanya bisa diterima oleh \(act.who), dengan alasan")
            }
            let changed = try station.store.receiveShipment(id, counted: counted, reason: v.form["alasan"], by: v.session.user)
            return WebActionResult(changed.message, then: "/kiriman")
        }
    }

    func shipmentsPage(_ v: WebVisit) async throws -> Response {
        let zone = station.store.zone
        let list = try station.store.shipments()
        let waiting = list.filter(\.inTransit)
        let done = list.filter { !$0.inTransit }
        let kepala = StationAct.receiveShipmentDifference.roles.contains(v.session.role)
        let pending =
            waiting.isEmpty
            ? HTML("<p class=\"muted\">Tidak ada kiriman dalam perjalanan.</p>")
            : """
            <table><thead><tr><th>Surat jalan</th><th>Dari</th><th>Dokumen</th><th>Dikirim</th><th class="num">Lembar</th><th>Hitung saat tiba</th></tr></thead><tbody>
            \(waiting.map { s in
                HTML("""
                <tr><td>\(s.id)</td><td>\(s.origin)</td><td>\(s.document)</td><td>\(WebFormat.time(s.sentAt, zone))</td><td class="num">\(s.quantity)</td>
                <td><form class="inline" method="post" action="/kiriman/\(s.id)/terima">\(v.csrfField)
                <input name="jumlah" type="number" min="0" max="100000" required value="\(s.quantity)" aria-label="jumlah dihitung \(s.id)">
                \(kepala ? HTML("<input name=\"alasan\" placeholder=\"alasan bila selisih\" aria-label=\"alasan selisih \(s.id)\">") : HTML(""))
                <button type="submit">Terima</button></form></td></tr>
                """)
            })</tbody></table>
            \(kepala ? HTML("") : HTML("<p class=\"muted\">Bila jumlahnya tidak sama dengan surat jalan, panggil kepala kecamatan: selisih dicatat olehnya dengan alasan.</p>"))
            """
        let received =
            done.isEmpty
            ? HTML("<p class=\"muted\">Belum ada kiriman yang diterima.</p>")
            : """
            <table><thead><tr><th>Surat jalan</th><th>Dari</th><th class="num">Dikirim</th><th class="num">Diterima</th><th>Oleh</th><th>Waktu</th><th>Alasan selisih</th></tr></thead><tbody>
            \(done.map { s in
                HTML("""
                <tr><td>\(s.id)</td><td>\(s.origin)</td><td class="num">\(s.quantity)</td><td class="num">\(s.receivedQuantity ?? 0)</td>
                <td>\(s.receivedBy ?? "")</td><td>\(s.receivedAt.map { WebFormat.time($0, zone) } ?? "")</td><td>\(s.reason ?? "—")</td></tr>
                """)
            })</tbody></table>
            """
        return await v.page(
            "Kiriman blangko",
            """
            <h1>Kiriman blangko</h1>
            <section class="card"><h2>Dalam perjalanan</h2>
            <p>Hitung blangko yang tiba dan cocokkan dengan surat jalan. Yang dihitung masuk gudang; kabupaten melihat jumlahnya.</p>\(pending)</section>
            <section class="card"><h2>Sudah diterima</h2>\(received)</section>
            """)
    }
}
