import Crypto
import EKTPAccounts
import EKTPDomain
import Foundation
import Hummingbird
import Logging

/// One menu entry: shown to the roles that may open it.
public struct WebNavItem: Sendable {
    public let label: String
    public let path: String
    public let roles: Set<WebRole>
    public init(_ label: String, _ path: String, roles: Set<WebRole>) {
        self.label = label
        self.path = path
        self.roles = roles
    }
}

/// What a site (the station's or the hub's) says about itself.
public struct WebSiteSettings: Sendable {
    /// Shown in the header and the page titles.
    public var title: String
    /// Roles that may log in here.
    public var roles: Set<WebRole>
    /// Where each role lands after logging in.
    public var homes: [WebRole: String]
    public var nav: [WebNavItem]
    /// Mark cookies `Secure` (the site is reached over HTTPS, e.g. behind a TLS proxy).
    /// Also done for any request that says it came over HTTPS (`X-Forwarded-Proto`).
    public var secureCookies: Bool

    public init(title: String, roles: Set<WebRole>, homes: [WebRole: String], nav: [WebNavItem], secureCookies: Bool = false) {
        self.title = title
        self.roles = roles
        self.homes = homes
        self.nav = nav
        self.secureCookies = secureCookies
    }
}

/// A logged-in request, as a handler sees it.
public struct WebVisit: Sendable {
    public let session: WebSession
    public let request: Request
    public let parameters: Parameters
    /// The submitted form (actions only; empty for pages).
    public let form: WebForm
    public let site: WebSite

    /// The hidden field every form of this session must carry.
    public var csrfField: HTML { "<input type=\"hidden\" name=\"_csrf\" value=\"\(session.csrf)\">" }

    public func query(_ name: String) -> String? { request.uri.queryParameters.get(name) }

    /// A full page in the site's layout, with the session's pending notice.
    public func page(_ title: String, _ body: HTML, current: String? = nil, status: HTTPResponse.Status = .ok) async -> Response {
        let notice = await site.notices.take(session.tokenHash)
        return site.htmlResponse(site.layout(title: title, body: body, session: session, current: current ?? request.uri.path, notice: notice), status: status)
    }
}

/// What an action did: a message for the person, and where to send the browser.
public struct WebActionResult: Sendable {
    public let message: String
    public let redirect: String
    public init(_ message: String, then redirect: String) {
        self.message = message
        self.redirect = redirect
    }
}

/// Login, logout, sessions, CSRF and role checks for a set of pages. Every page, fragment
/// and action is registered through `page`, `fragment` or `action`, each with the roles
/// that may use it: no route of the site can be added without a role check.
public struct WebSite: Sendable {
    public static let sessionCookie = "ektp_sesi"
    static let loginCookie = "ektp_masuk"

    public let accounts: any WebAccountStore
    public let settings: WebSiteSettings
    let notices = Notices()
    let throttle = LoginThrottle()
    let clock: @Sendable () -> Date
    let describe: @Sendable (any Error) -> String?
    let logger: Logger

    /// `describe` turns an error a handler threw into a message for the person (a refusal
    /// of the store); nil means it is a failure, answered 500 and logged.
    public init(
        accounts: any WebAccountStore, settings: WebSiteSettings, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
        describe: @escaping @Sendable (any Error) -> String?
    ) {
        self.accounts = accounts
        self.settings = settings
        self.logger = logger
        self.clock = clock
        self.describe = describe
    }

    // MARK: The routes every site has

    /// `/`, `/masuk`, `/keluar` and the static files.
    public func addCommonRoutes(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(WebAssets.stylesheetPath)) { _, _ in
            Self.asset(WebAssets.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get(RouterPath(WebAssets.scriptPath)) { _, _ in
            Self.asset(WebAssets.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/") { request, _ in
            guard let s = try await session(request) else { return Self.redirect("/masuk") }
            return Self.redirect(settings.homes[s.role] ?? "/masuk")
        }
        router.get("/masuk") { request, _ in
            if let s = try await session(request) { return Self.redirect(settings.homes[s.role] ?? "/") }
            return loginPage(request, error: nil)
        }
        router.post("/masuk") { request, _ in try await login(request) }
        router.post("/keluar") { request, _ in
            guard let s = try await session(request) else { return Self.redirect("/masuk") }
            let form = try await Self.form(request)
            guard let sent = form["_csrf"], WebAccounts.equal(sent, s.csrf) else { return refusedCSRF(s) }
            try await accounts.deleteWebSession(tokenHash: s.tokenHash)
            var response = Self.redirect("/masuk")
            response.headers[values: .setCookie].append(cookie(Self.sessionCookie, "", request, maxAge: 0))
            return response
        }
    }

    // MARK: Registering pages

    /// A page (GET). Anonymous visitors are sent to the login form; other roles are refused.
    public func page(
        _ router: Router<BasicRequestContext>, _ path: String, roles: Set<WebRole>, _ body: @escaping @Sendable (WebVisit) async throws -> Response
    ) {
        router.get(RouterPath(path)) { request, context in
            guard let s = try await session(request) else {
                let back = request.uri.path
                return Self.redirect("/masuk?ke=\(back.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_."))) ?? "/")")
            }
            guard roles.contains(s.role) else { return forbidden(s) }
            let visit = WebVisit(session: s, request: request, parameters: context.parameters, form: WebForm(""), site: self)
            do { return try await body(visit) } catch {
                guard let message = describe(error) else { throw error }
                return await visit.page("Tidak dapat ditampilkan", "<div class=\"notice error\">\(message)</div>", status: .badRequest)
            }
        }
    }

    /// A fragment for live updates (GET): refused with 401 when the session is gone, so
    /// the page's script reloads into the login form.
    public func fragment(
        _ router: Router<BasicRequestContext>, _ path: String, roles: Set<WebRole>, _ body: @escaping @Sendable (WebVisit) async throws -> HTML
    ) {
        router.get(RouterPath(path)) { request, context in
            guard let s = try await session(request) else { return htmlResponse("", status: .unauthorized) }
            guard roles.contains(s.role) else { return htmlResponse("", status: .forbidden) }
            let visit = WebVisit(session: s, request: request, parameters: context.parameters, form: WebForm(""), site: self)
            let html = try await body(visit)
            var response = htmlResponse(html)
            response.headers[.init(Self.versionHeader)!] = Self.version(html)
            return response
        }
    }

    /// The header a fragment's version travels in: the script replaces a region only when
    /// it changed, so a form someone is about to use is not redrawn under them.
    static let versionHeader = "X-EKTP-Versi"

    static func version(_ html: HTML) -> String {
        Hex.encode(SHA256.hash(data: Data(html.text.utf8)).prefix(12))
    }

    /// A region of a page that the script refreshes from `path` (a `fragment`), drawn first
    /// with `content`, the fragment as it is now.
    public static func liveRegion(id: String, path: String, everyMilliseconds: Int = 2000, _ content: HTML) -> HTML {
        """
        <div id="\(id)" data-live="\(path)" data-live-ms="\(everyMilliseconds)" data-live-version="\(version(content))">\(content)</div>
        """
    }

    /// A form action (POST): needs a session, the session's CSRF token, and one of
    /// `roles`. A refusal by the store comes back to `back` as a notice; nothing changed.
    public func action(
        _ router: Router<BasicRequestContext>, _ path: String, roles: Set<WebRole>, back: String,
        _ body: @escaping @Sendable (WebVisit) async throws -> WebActionResult
    ) {
        router.post(RouterPath(path)) { request, context in
            guard let s = try await session(request) else { return htmlResponse(errorPage("Sesi berakhir", "Silakan masuk lagi."), status: .forbidden) }
            let form = try await Self.form(request)
            guard let sent = form["_csrf"], WebAccounts.equal(sent, s.csrf) else { return refusedCSRF(s) }
            guard roles.contains(s.role) else { return forbidden(s) }
            let visit = WebVisit(session: s, request: request, parameters: context.parameters, form: form, site: self)
            do {
                let result = try await body(visit)
                await notices.put(s.tokenHash, Notice(text: result.message, ok: true))
                return Self.redirect(result.redirect)
            } catch {
                guard let message = describe(error) ?? (error as? WebRefusal)?.message else { throw error }
                await notices.put(s.tokenHash, Notice(text: message, ok: false))
                return Self.redirect(back)
            }
        }
    }

    // MARK: Sessions

    /// The session named by the request's cookie, if it is live.
    public func session(_ request: Request) async throws -> WebSession? {
        guard let token = Self.cookies(request)[Self.sessionCookie], !token.isEmpty, token.count <= 100 else { return nil }
        return try await accounts.webSession(tokenHash: WebAccounts.tokenHash(token), now: clock())
    }

    func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        guard let sent = form["_csrf"], let expected = Self.cookies(request)[Self.loginCookie], WebAccounts.equal(sent, expected) else {
            return loginPage(request, error: "Formulir kedaluwarsa. Silakan coba lagi.", status: .forbidden)
        }
        let name = (form["nama"] ?? "").lowercased()
        let password = form.fields.first(where: { $0.0 == "sandi" })?.1 ?? ""
        let now = clock()
        if await throttle.isLocked(name, now: now) {
            return loginPage(request, error: "Terlalu banyak percobaan gagal. Tunggu 10 menit.", status: .tooManyRequests)
        }
        guard let user = try await WebAccounts.verify(name: name, password: password, in: accounts), settings.roles.contains(user.role) else {
            await throttle.failed(name, now: now)
            logger.notice("web: gagal masuk sebagai \(name.prefix(32))")
            return loginPage(request, error: "Nama pengguna atau kata sandi salah.", status: .unauthorized)
        }
        await throttle.succeeded(name)
        let token = WebAccounts.randomToken()
        let session = WebSession(
            tokenHash: WebAccounts.tokenHash(token), user: user.name, fullName: user.fullName, role: user.role, csrf: WebAccounts.randomToken(),
            createdAt: now, expiresAt: now.addingTimeInterval(WebAccounts.sessionLifetime))
        try await accounts.createWebSession(session)
        logger.info("web: \(user.name) (\(user.role.rawValue)) masuk")
        var target = settings.homes[user.role] ?? "/"
        if let wanted = form["ke"].flatMap(Self.sameSitePath), wanted != "/masuk" { target = wanted }
        var response = Self.redirect(target)
        response.headers[values: .setCookie].append(cookie(Self.sessionCookie, token, request, maxAge: Int(WebAccounts.sessionLifetime)))
        response.headers[values: .setCookie].append(cookie(Self.loginCookie, "", request, maxAge: 0))
        return response
    }

    /// A return path after log-in that stays on this site: an absolute path, nothing a
    /// browser would read as another host. Tabs, newlines and other control or blank
    /// characters (which browsers strip, so `/<TAB>/evil.example` becomes `//evil.example`)
    /// and backslashes are refused, as is anything with a scheme or a host.
    public static func sameSitePath(_ text: String) -> String? {
        guard text.hasPrefix("/"), text.count <= 2000 else { return nil }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" || $0.properties.generalCategory == .format })
        else { return nil }
        let second = text.dropFirst().first
        guard second != "/" else { return nil }
        guard let parsed = URLComponents(string: text), parsed.scheme == nil, parsed.host == nil, parsed.path.hasPrefix("/"),
            !parsed.path.hasPrefix("//")
        else { return nil }
        return text
    }

    func loginPage(_ request: Request, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let token = WebAccounts.randomToken()
        let next = request.uri.queryParameters.get("ke").flatMap(Self.sameSitePath) ?? ""
        let body: HTML = """
            <div class="card login">
            <h1>Masuk</h1>
            \(HTML.when(error != nil) { "<div class=\"notice error\" role=\"alert\">\(error)</div>" })
            <form class="stack" method="post" action="/masuk">
            <input type="hidden" name="_csrf" value="\(token)">
            <input type="hidden" name="ke" value="\(next)">
            <label for="nama">Nama pengguna</label>
            <input id="nama" name="nama" autocomplete="username" autocapitalize="none" required autofocus>
            <label for="sandi">Kata sandi</label>
            <input id="sandi" name="sandi" type="password" autocomplete="current-password" required>
            <button type="submit">Masuk</button>
            </form>
            </div>
            """
        var response = htmlResponse(layout(title: "Masuk", body: body, session: nil, current: "/masuk", notice: nil), status: status)
        response.headers[values: .setCookie].append(cookie(Self.loginCookie, token, request, maxAge: 3600))
        return response
    }

    func forbidden(_ s: WebSession) -> Response {
        htmlResponse(
            layout(
                title: "Akses ditolak",
                body: "<div class=\"notice error\" role=\"alert\">Halaman ini bukan untuk peran \(s.role.label). Hubungi admin stasiun bila perlu.</div>",
                session: s, current: "", notice: nil), status: .forbidden)
    }

    func refusedCSRF(_ s: WebSession) -> Response {
        logger.warning("web: formulir tanpa token CSRF yang benar dari \(s.user)")
        return htmlResponse(
            layout(
                title: "Formulir ditolak",
                body: "<div class=\"notice error\" role=\"alert\">Formulir ditolak: token keamanan tidak cocok. Muat ulang halaman lalu coba lagi.</div>",
                session: s, current: "", notice: nil), status: .forbidden)
    }

    func errorPage(_ title: String, _ text: String) -> HTML {
        layout(title: title, body: "<div class=\"notice error\">\(text)</div>", session: nil, current: "", notice: nil)
    }

    // MARK: Layout

    /// The page around `body`: header with the menu for the session's role, the user and
    /// the logout button; the stylesheet and script from this server only.
    public func layout(title: String, body: HTML, session: WebSession?, current: String, notice: Notice?) -> HTML {
        var nav: [HTML] = []
        if let session {
            for item in settings.nav where item.roles.contains(session.role) {
                let here = current == item.path || (item.path != "/" && current.hasPrefix(item.path + "/"))
                nav.append("<a href=\"\(item.path)\"\(HTML(unsafe: here ? " class=\"here\" aria-current=\"page\"" : ""))>\(item.label)</a>")
            }
        }
        let user: HTML =
            session.map { s in
                """
                <span class="who">\(s.fullName) · \(s.role.label)</span>
                <form method="post" action="/keluar"><input type="hidden" name="_csrf" value="\(s.csrf)"><button class="secondary" type="submit">Keluar</button></form>
                """
            } ?? ""
        let noticeHTML: HTML = notice.map { "<div class=\"notice \(HTML(unsafe: $0.ok ? "ok" : "error"))\" role=\"status\">\($0.text)</div>" } ?? ""
        return """
            <!doctype html>
            <html lang="id">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · \(settings.title)</title>
            <link rel="stylesheet" href="\(WebAssets.stylesheetPath)">
            <script src="\(WebAssets.scriptPath)" defer></script>
            </head>
            <body>
            <header class="top"><span class="brand">\(settings.title)</span><nav>\(nav)</nav>\(user)</header>
            <main>
            \(noticeHTML)
            \(body)
            </main>
            </body>
            </html>
            """
    }

    // MARK: Responses

    /// Headers every page carries: nothing but this server's own script and style may run,
    /// no framing, no sniffing, no caching of pages with personal data.
    static func secure(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
    }

    public func htmlResponse(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        Self.secure(&headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// A download (CSV), not cached.
    public static func download(_ text: String, type: String, filename: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .contentDisposition: "attachment; filename=\"\(filename)\""]
        secure(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A file to keep (PDF), not cached; `inline` opens it in the browser to print.
    public static func download(_ data: Data, type: String, filename: String, inline: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: type, .contentDisposition: "\(inline ? "inline" : "attachment"); filename=\"\(filename)\""]
        secure(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type]
        secure(&headers)
        headers[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    public static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location]
        secure(&headers)
        return Response(status: .seeOther, headers: headers)
    }

    func cookie(_ name: String, _ value: String, _ request: Request, maxAge: Int) -> String {
        let overTLS = settings.secureCookies || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
        return "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(overTLS ? "; Secure" : "")"
    }

    static func cookies(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let key = kv[0].trimmingCharacters(in: .whitespaces)
                if out[key] == nil { out[key] = kv[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return out
    }

    static func form(_ request: Request) async throws -> WebForm {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        return WebForm(String(buffer: buffer))
    }
}

/// A message shown once on the next page of a session.
public struct Notice: Sendable {
    public let text: String
    public let ok: Bool
}

/// Pending notices by session, in memory: a notice lost to a restart only goes unseen.
actor Notices {
    var pending: [Data: Notice] = [:]
    func put(_ key: Data, _ notice: Notice) { pending[key] = notice }
    func take(_ key: Data) -> Notice? { pending.removeValue(forKey: key) }
}

/// Five wrong passwords for one name within ten minutes lock that name for ten minutes.
actor LoginThrottle {
    var failures: [String: [Date]] = [:]
    let window: TimeInterval = 600
    let limit = 5

    func isLocked(_ name: String, now: Date) -> Bool {
        let recent = (failures[name] ?? []).filter { now.timeIntervalSince($0) < window }
        failures[name] = recent.isEmpty ? nil : recent
        return recent.count >= limit
    }
    func failed(_ name: String, now: Date) {
        if failures.count > 10_000 { failures.removeAll() }
        failures[name, default: []].append(now)
    }
    func succeeded(_ name: String) { failures[name] = nil }
}
