import EKTPAccounts
import EKTPDomain
import EKTPHubRules
import EKTPRendering
import EKTPWeb
import EKTPWire
import Foundation
import Hummingbird

/// The central office's pages on the hub's own port (routes and roles in `docs/web.md`):
/// every station and device at a glance, stock and days left per kecamatan with kabupaten
/// totals, backlog, alerts, and one station's detail. Drawn from the hub's fleet views,
/// the same ones `GET /v1/views/*` serves.
public enum HubWeb {
    static let pusat = HubWebRoles.roles

    /// Adds the pages to the hub's router, when the store keeps web users. They are served
    /// by a middleware in front of "not found" with a router of their own, so the API's
    /// route table (checked against `docs/hub-openapi.json`) lists only the API.
    public static func mount(on router: Router<HubRequestContext>, hub: Hub) {
        guard let accounts = hub.store as? any HubUserStore else { return }
        let pages = Router(context: BasicRequestContext.self)
        addPages(to: pages, hub: hub, accounts: accounts)
        router.add(middleware: HubWebMiddleware(pages: pages.buildResponder()))
    }

    /// Paths the pages answer; everything else goes on to the API.
    static func isPage(_ path: String) -> Bool {
        path == "/" || path == "/masuk" || path == "/keluar" || path.hasPrefix("/static/") || path == "/armada" || path.hasPrefix("/armada/")
            || path.hasPrefix("/stasiun/") || path.hasPrefix("/kabupaten/") || path == "/pos"
    }

    static func addPages(to router: Router<BasicRequestContext>, hub: Hub, accounts: any HubUserStore) {
        let settings = WebSiteSettings(
            title: "Pusat KTP-el", roles: pusat, homes: [.pusat: "/armada"],
            nav: [WebNavItem("Armada", "/armada", roles: pusat), WebNavItem("PT Pos", "/pos", roles: pusat)],
            secureCookies: ProcessInfo.processInfo.environment["EKTP_HUB_WEB_SECURE_COOKIES"] == "1")
        let site = WebSite(accounts: accounts, settings: settings, logger: hub.logger, clock: hub.clock) { error in
            if let e = error as? HubError { return e.description }
            if let e = error as? WebRefusal { return e.message }
            return nil
        }
        site.addCommonRoutes(to: router)
        let pages = HubPages(hub: hub)
        site.page(router, "/armada", roles: pusat) { v in
            await v.page(
                "Armada",
                "<h1>Seluruh stasiun</h1>\(WebSite.liveRegion(id: "armada-langsung", path: "/armada/langsung", everyMilliseconds: 5000, try await pages.overview()))"
            )
        }
        site.fragment(router, "/armada/langsung", roles: pusat) { _ in try await pages.overview() }
        site.page(router, "/kabupaten/:code/laporan", roles: pusat) { v in
            let (doc, code, month) = try await pages.rollUp(v)
            return await v.page(
                "Laporan kabupaten \(code) \(month)", "\(pages.rollUpForm(code, month))\(doc.html(pdf: "/kabupaten/\(code)/laporan.pdf?bulan=\(month)"))",
                current: "/armada")
        }
        site.page(router, "/kabupaten/:code/laporan.pdf", roles: pusat) { v in
            let (doc, code, month) = try await pages.rollUp(v)
            return WebSite.download(try doc.pdf(), type: "application/pdf", filename: "blangko-\(code)-\(month).pdf", inline: true)
        }
        addShipmentPages(to: router, site: site, pages: pages)
        site.page(router, "/stasiun/:id", roles: pusat) { v in
            let id = v.parameters.get("id") ?? ""
            let body = try await pages.station(id)
            return await v.page("Stasiun \(id)", body, current: "/armada")
        }
    }
}

/// Hands the pages' paths to the pages' own router.
struct HubWebMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let pages: RouterResponder<BasicRequestContext>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard HubWeb.isPage(request.uri.path) else { return try await next(request, context) }
        return try await pages.respond(to: request, context: context.basic)
    }
}

/// The HTML of the central office's pages.
struct HubPages: Sendable {
    /// The kabupaten's monthly roll-up as an office document: a row per kecamatan with its
    /// stations' ledger, the column sums, and whether each kecamatan's figures balance.
    func rollUp(_ v: WebVisit) async throws -> (OfficeDocument, code: String, month: String) {
        let code = v.parameters.get("code") ?? ""
        let month = v.query("bulan") ?? OfficeZone(regionCode: code).monthKey(hub.clock())
        let r = try await hub.kabupatenRollUp(code, month: month)
        let name = hub.regions.region(code)?.name ?? code
        let rows: [[String]] = r.kecamatan.map { row in
            let name: String = "\(hub.regions.kecamatan(row.code)?.name ?? "") \(row.code)"
            let figures: [String] = KabupatenRollUp.figures(row.report).map { WebFormat.number($0) }
            return [name] + figures + [row.report.balances ? "ya" : "TIDAK"]
        }
        let sums: [String] = r.totals.map { WebFormat.number($0) }
        let totals: [String] = ["Jumlah"] + sums + [r.kecamatan.allSatisfy { $0.report.balances } ? "ya" : "TIDAK"]
        let doc = OfficeDocument(
            title: "Laporan bulanan blangko KTP-el kabupaten/kota", heading: ["\(name) (\(code))", WebFormat.month(r.month)],
            table: .init(
                headers: ["Kecamatan"] + KabupatenRollUp.columns + ["Seimbang"], rows: rows + [totals], numeric: Set(1...7),
                weights: [2.4, 1, 1, 1, 1.1, 1.1, 1, 1, 0.9]),
            notes: [
                "Dari peristiwa buku blangko yang dikirim stasiun tiap kecamatan, bulan menurut zona waktu kecamatan itu. Seimbang: \(MonthlyBlangkoReport.formula).",
                "\(r.kecamatan.count) kecamatan dengan stasiun dari \(hub.regions.kecamatan(under: code).count) kecamatan di \(name).",
            ],
            placeAndDate: WebFormat.longDate(OfficeZone(regionCode: code).today(hub.clock())),
            signatures: [.init(role: "Kepala Dinas Kependudukan dan Pencatatan Sipil", name: "")])
        return (doc, code, r.month)
    }

    func rollUpForm(_ code: String, _ month: String) -> HTML {
        """
        <form class="inline no-print" method="get" action="/kabupaten/\(code)/laporan"><label for="bulan">Bulan</label>
        <input id="bulan" type="month" name="bulan" value="\(month)"><button type="submit">Tampilkan</button></form>
        """
    }

    let hub: Hub

    static func badge(_ f: Freshness) -> HTML { "<span class=\"badge s-\(f.rawValue)\">\(f.label)</span>" }
    static func badge(_ s: DeviceStatus) -> HTML { "<span class=\"badge s-\(s.rawValue)\">\(s.label)</span>" }

    func overview() async throws -> HTML {
        let now = hub.clock()
        let stations = try await hub.stationViews()
        let devices = try await hub.deviceViews()
        let stock = try await hub.stockOverview()
        let backlog = try await hub.backlogView()
        let alerts = try await hub.alertsView().alerts
        let fresh = Dictionary(uniqueKeysWithValues: stations.map { ($0.id, $0.freshness) })
        func count(_ f: Freshness) -> Int { stations.filter { !$0.revoked && $0.freshness == f }.count }
        let figures: HTML = """
            <ul class="figures">
            <li><b>\(count(.online))</b><span>stasiun daring</span></li>
            <li><b>\(count(.stale))</b><span>terlambat</span></li>
            <li><b>\(count(.offline))</b><span>luring</span></li>
            <li><b>\(devices.filter { $0.status == .error }.count)</b><span>printer gangguan</span></li>
            <li><b id="total-antrean">\(backlog.totalWaiting)</b><span>job menunggu diambil stasiun</span></li>
            <li><b>\(alerts.count)</b><span>peringatan</span></li>
            </ul>
            """
        return """
            \(figures)
            <section class="card"><h2>Stasiun</h2>\(stationTable(stations, now: now))</section>
            <section class="card"><h2>Printer</h2>\(deviceTable(devices, freshness: fresh, now: now))</section>
            <section class="card"><h2>Stok blangko per kecamatan</h2>\(stockTable(stock))</section>
            <section class="card"><h2>Antrean per kecamatan</h2>\(backlogTable(backlog.kecamatan, now: now))</section>
            <section class="card"><h2>Peringatan</h2>\(alertList(alerts, now: now))</section>
            """
    }

    func stationTable(_ stations: [StationView], now: Date) -> HTML {
        guard !stations.isEmpty else { return "<p class=\"muted\">Belum ada stasiun terdaftar.</p>" }
        let rows = stations.map { s -> HTML in
            let seen = s.lastHeartbeatAt.map { WebFormat.ago($0, now: now) } ?? "belum pernah"
            return """
                <tr class="\(HTML(unsafe: s.freshness == .online ? "" : "stale"))"><td><a href="/stasiun/\(s.id)">\(s.name)</a></td><td>\(s.kecamatanName ?? "") \(s.kecamatanCode)</td>
                <td>\(Self.badge(s.freshness))\(HTML.when(s.revoked) { " <span class=\"badge s-error\">dicabut</span>" })\(HTML.when(s.stopped != nil) { " <span class=\"badge s-error\">berhenti mencetak</span>" })</td><td>\(seen)</td>
                <td class="num">\(s.heldJobs)</td><td class="num hide-small">\(s.outboxBacklog.map(String.init) ?? "—")</td></tr>
                """
        }
        return """
            <table><thead><tr><th>Stasiun</th><th>Kecamatan</th><th>Status</th><th>Terakhir terdengar</th><th class="num">Job di stasiun</th><th class="num hide-small">Peristiwa belum terkirim</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    func deviceTable(_ devices: [DeviceView], freshness: [String: Freshness], now: Date) -> HTML {
        guard !devices.isEmpty else { return "<p class=\"muted\">Belum ada laporan printer.</p>" }
        let rows = devices.map { d -> HTML in
            let stale = (freshness[d.stationId] ?? .offline) != .online
            let ribbon = d.supplies.ribbonRemaining.map { "\($0)\(d.supplies.ribbonCapacity.map { "/\($0)" } ?? "")" } ?? "—"
            return """
                <tr><td><a href="/stasiun/\(d.stationId)">\(d.kecamatanCode)</a></td><td>\(d.id.rawValue)</td><td class="hide-small">\(d.model ?? "")</td>
                <td>\(Self.badge(d.status))\(HTML.when(stale) { " <span class=\"badge s-stale\">data lama</span>" })</td>
                <td>\(d.reasons.map(\.label).joined(separator: ", "))</td><td class="num">\(ribbon)</td><td class="num">\(d.supplies.hopperLevel.map(String.init) ?? "—")</td>
                <td class="hide-small">\(d.chip?.summary ?? "—")</td><td>\(WebFormat.ago(d.updatedAt, now: now))</td></tr>
                """
        }
        return """
            <table><thead><tr><th>Kecamatan</th><th>Printer</th><th class="hide-small">Model</th><th>Status</th><th>Sebab</th><th class="num">Ribbon</th><th class="num">Hopper</th><th class="hide-small">Encode chip</th><th>Diperbarui</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    static func days(_ d: Double?) -> String { d.map { WebFormat.decimal($0, digits: 0) } ?? "—" }

    func stockTable(_ stock: StockOverview) -> HTML {
        guard !stock.kecamatan.isEmpty else { return "<p class=\"muted\">Belum ada data stok.</p>" }
        // Whoever runs out first is listed first: the kecamatan that needs blangko next.
        let sorted = stock.kecamatan.sorted { ($0.daysLeft ?? .infinity, $0.kecamatanCode) < ($1.daysLeft ?? .infinity, $1.kecamatanCode) }
        let low = Double(hub.config.stockLowDays)
        let rows = sorted.map { k -> HTML in
            """
            <tr><td>\(k.name ?? "") \(k.kecamatanCode)</td><td class="num">\(WebFormat.number(k.onHand))</td><td class="num hide-small">\(k.store)</td><td class="num hide-small">\(k.hoppers)</td>
            <td class="num">\(WebFormat.decimal(k.consumptionPerDay))</td><td class="num">\(Self.days(k.daysLeft))\(HTML.when((k.daysLeft ?? .infinity) < low) { " <span class=\"badge s-error\">segera kirim</span>" })</td>
            <td class="num">\(k.ribbonPrintsLeft == nil ? "—" : Self.days(k.ribbonDaysLeft))</td>
            <td class="num hide-small">\(k.spoiledAwaitingDestruction)</td></tr>
            """
        }
        let totals = stock.kabupaten.map { k -> HTML in
            """
            <tr><th>Kab. \(k.name ?? "") \(k.kabupatenCode) (\(k.kecamatan) kec.) <a href="/kabupaten/\(k.kabupatenCode)/laporan">laporan bulanan</a> · <a href="/kabupaten/\(k.kabupatenCode)/alokasi">alokasi</a> · <a href="/kabupaten/\(k.kabupatenCode)/kiriman">kiriman</a></th><th class="num">\(WebFormat.number(k.onHand))</th><th class="hide-small"></th><th class="hide-small"></th>
            <th class="num">\(WebFormat.decimal(k.consumptionPerDay))</th><th class="num">\(Self.days(k.daysLeft))</th><th></th><th class="hide-small"></th></tr>
            """
        }
        return """
            <table><thead><tr><th>Kecamatan</th><th class="num">Belum terpakai</th><th class="num hide-small">Gudang</th><th class="num hide-small">Hopper</th>
            <th class="num">Per hari (\(stock.windowDays) hari)</th><th class="num">Hari tersisa</th><th class="num">Ribbon (hari)</th><th class="num hide-small">Rusak</th></tr></thead>
            <tbody>\(rows)</tbody><tfoot>\(totals)</tfoot></table>
            """
    }

    func backlogTable(_ rows: [BacklogEntry], now: Date) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"muted\">Tidak ada antrean.</p>" }
        let body = rows.sorted { $0.waiting > $1.waiting }.map { b -> HTML in
            """
            <tr><td>\(b.name ?? "") \(b.kecamatanCode)</td><td class="num">\(b.waiting)</td><td class="num">\(b.urgent)</td><td class="num">\(b.atStation)</td>
            <td>\(b.oldestApprovedAt.map { "\(WebFormat.time($0, OfficeZone(regionCode: b.kecamatanCode))) (\(WebFormat.ago($0, now: now)))" } ?? "—")</td></tr>
            """
        }
        return """
            <table><thead><tr><th>Kecamatan</th><th class="num">Menunggu</th><th class="num">Mendesak</th><th class="num">Di stasiun</th><th>Tertua disetujui</th></tr></thead>
            <tbody>\(body)</tbody></table>
            """
    }

    func alertList(_ alerts: [HubAlert], now: Date) -> HTML {
        guard !alerts.isEmpty else { return "<p class=\"muted\">Tidak ada peringatan.</p>" }
        return """
            <ul>\(alerts.map { a in
                let taken: HTML = a.acknowledgedBy.map { HTML(" — ditangani \($0)\(a.acknowledgedAt.map { ", \(WebFormat.ago($0, now: now))" } ?? "")") } ?? ""
                return HTML("<li><span class=\"badge s-warning\">\(a.raisedAs ?? a.kind.rawValue)</span> \(a.kecamatanCode.map { "\($0): " }) \(a.message)\(a.since.map { " — sejak \(WebFormat.ago($0, now: now))" })\(taken)\(HTML.when(a.stationId != nil) { " <a href=\"/stasiun/\(a.stationId)\">detail</a>" })</li>")
            })</ul>
            """
    }

    func station(_ id: String) async throws -> HTML {
        let now = hub.clock()
        guard let s = try await hub.stationViews().first(where: { $0.id == id }) else { throw HubError(.notFound, "stasiun \(id.prefix(40)) tidak dikenal") }
        let devices = try await hub.deviceViews().filter { $0.stationId == id }
        let stock = try await hub.stockOverview()
        let kecamatanStock = StockOverview(
            windowDays: stock.windowDays, kecamatan: stock.kecamatan.filter { $0.kecamatanCode == s.kecamatanCode }, kabupaten: [])
        let backlog = try await hub.backlogView().kecamatan.filter { $0.kecamatanCode == s.kecamatanCode }
        let alerts = try await hub.alertsView().alerts.filter { $0.stationId == id || ($0.stationId == nil && $0.kecamatanCode == s.kecamatanCode) }
        return """
            <h1>\(s.name)</h1>
            <section class="card"><table><tbody>
            <tr><th>Id</th><td>\(s.id)</td></tr>
            <tr><th>Kecamatan</th><td>\(s.kecamatanName ?? "") \(s.kecamatanCode)</td></tr>
            <tr><th>Status</th><td>\(Self.badge(s.freshness))\(HTML.when(s.revoked) { " <span class=\"badge s-error\">kredensial dicabut</span>" })</td></tr>
            \(s.stopped.map { HTML("<tr><th>Berhenti mencetak</th><td class=\"s-error\">\($0)</td></tr>") })
            <tr><th>Heartbeat terakhir</th><td>\(s.lastHeartbeatAt.map { "\(WebFormat.time($0, OfficeZone(regionCode: s.kecamatanCode))) (\(WebFormat.ago($0, now: now)))" } ?? "belum pernah")</td></tr>
            <tr><th>Versi ektpd</th><td>\(s.version ?? "—")</td></tr>
            <tr><th>Terdaftar</th><td>\(WebFormat.time(s.enrolledAt, OfficeZone(regionCode: s.kecamatanCode)))</td></tr>
            <tr><th>Nomor urut peristiwa tertinggi</th><td>\(s.highestSeq)</td></tr>
            <tr><th>Job di stasiun</th><td>\(s.heldJobs)</td></tr>
            <tr><th>Peristiwa belum terkirim</th><td>\(s.outboxBacklog.map(String.init) ?? "—")</td></tr>
            </tbody></table></section>
            <section class="card"><h2>Printer</h2>\(deviceTable(devices, freshness: [s.id: s.freshness], now: now))</section>
            <section class="card"><h2>Stok blangko</h2>\(stockTable(kecamatanStock))</section>
            <section class="card"><h2>Antrean</h2>\(backlogTable(backlog, now: now))</section>
            <section class="card"><h2>Peringatan</h2>\(alertList(alerts, now: now))</section>
            """
    }
}
