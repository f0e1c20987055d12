import EKTPAccounts
import EKTPInstall
import EKTPStationStore
import EKTPWeb
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

extension Station {
    /// The web pages' server on the office LAN, when `[web]` enables it.
    func webServices() -> [any Service] {
        guard config.web.enabled else { return [] }
        return [StationWeb.application(self)]
    }
}

/// The station's pages for operators and the kecamatan head (routes and roles in
/// `docs/web.md`). Every page calls the same `Station` and `StationStore` operations as
/// the local API; this layer only checks who is asking, reads forms and draws HTML.
public enum StationWeb {
    static let both: Set<WebRole> = [.operator, .kepala]
    static let op: Set<WebRole> = [.operator]
    static let head: Set<WebRole> = [.kepala]

    public static func site(_ station: Station) -> WebSite {
        let name = station.regions?.kecamatan(station.config.kecamatan)?.name
        let settings = WebSiteSettings(
            title: "Stasiun KTP-el \(name.map { "Kec. \($0.capitalized)" } ?? station.config.kecamatan)",
            roles: StationStore.webRoles,
            homes: [.operator: "/antrean", .kepala: "/stok"],
            nav: [
                WebNavItem("Antrean", "/antrean", roles: op),
                WebNavItem("Printer", "/printer", roles: both),
                WebNavItem("Peringatan", "/peringatan", roles: both),
                WebNavItem("Kiriman", "/kiriman", roles: both),
                WebNavItem("Stok", "/stok", roles: head),
                WebNavItem("Laporan", "/laporan", roles: head),
                WebNavItem("Pemusnahan", "/pemusnahan", roles: head),
            ],
            secureCookies: station.config.web.secureCookies)
        return WebSite(accounts: station.store, settings: settings, logger: station.logger) { error in
            if let e = error as? StationError { return ([e.message] + e.details).joined(separator: "; ") }
            if let e = error as? WebRefusal { return e.message }
            return nil
        }
    }

    /// Every page, fragment and action of the station.
    public static func router(_ station: Station) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let site = site(station)
        site.addCommonRoutes(to: router)
        OperatorPages(station: station, site: site).register(router)
        KepalaPages(station: station, site: site).register(router)
        ShipmentPages(station: station, site: site).register(router)
        AlertPages(station: station, site: site).register(router)
        return router
    }

    /// The HTTP server at `web.listen`. `onRunning` hears the port actually bound (tests
    /// listen on port 0).
    public static func application(_ station: Station, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let hp = HostPort(station.config.web.listen) ?? HostPort("0.0.0.0:8400")!
        let logger = station.logger
        return Application(
            router: router(station),
            configuration: .init(address: .hostname(hp.host, port: hp.port), serverName: "ektpd-web"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? hp.port
                logger.info("halaman web siap di http://\(hp.host):\(port)/")
                await onRunning(port)
            },
            logger: logger)
    }
}
