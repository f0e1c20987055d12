import EKTPDomain
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

/// The alerts page, for operators and the kecamatan head: what is open, who took it on,
/// and a button to take one on. Alerts clear by themselves when their condition is gone.
struct AlertPages {
    let station: Station
    let site: WebSite

    func register(_ router: Router<BasicRequestContext>) {
        site.page(router, "/peringatan", roles: StationWeb.both) { v in
            await v.page(
                "Peringatan",
                """
                <h1>Peringatan</h1>
                <p class="muted">Peringatan selesai sendiri ketika keadaannya hilang: hasil cetak diputuskan, selisih hitung diputuskan kepala, printer ditambahkan, rekonsiliasi tidak lagi menemukan selisih. Tandai yang sedang Anda tangani agar rekan dan pusat tahu.</p>
                \(WebSite.liveRegion(id: "peringatan-langsung", path: "/peringatan/langsung", try live(v)))
                """)
        }
        site.fragment(router, "/peringatan/langsung", roles: StationWeb.both) { v in try live(v) }
        site.action(router, "/peringatan/:id/tangani", roles: StationAct.acknowledgeAlert.roles, back: "/peringatan") { v in
            guard let id = v.parameters.get("id", as: Int64.self) else { throw WebRefusal("nomor peringatan tidak valid") }
            let alert = try station.store.acknowledgeAlert(id, by: v.session.user)
            return WebActionResult("peringatan \(alert.id) ditangani \(v.session.user)", then: "/peringatan")
        }
    }

    func live(_ v: WebVisit) throws -> HTML {
        let alerts = try station.store.alerts(limit: 200)
        guard !alerts.isEmpty else { return "<p class=\"muted\">Tidak ada peringatan terbuka.</p>" }
        let now = Date()
        return """
            <table><thead><tr><th>Waktu</th><th>Jenis</th><th>Pesan</th><th>Ditangani</th></tr></thead><tbody>
            \(alerts.map { a in
                let taken: HTML =
                    a.acknowledgedBy.map { HTML("\($0), \(WebFormat.ago(a.acknowledgedAt ?? a.at, now: now))") }
                    ?? """
                    <form class="inline" method="post" action="/peringatan/\(String(a.id))/tangani">\(v.csrfField)<button type="submit">Saya tangani</button></form>
                    """
                return HTML("""
                    <tr id="peringatan-\(String(a.id))"><td>\(WebFormat.time(a.at, station.store.zone))</td><td>\(a.alert.kind.label)\(a.alert.device.map { HTML(" · \($0.rawValue)") } ?? "")</td>
                    <td>\(a.alert.message)</td><td>\(taken)</td></tr>
                    """)
            })
            </tbody></table>
            """
    }
}
