import EKTPAccounts
import EKTPDomain
import EKTPHub
import EKTPStation
import EKTPStationStore
import EKTPWeb
import EKTPWire
import Foundation
import Testing

/// Every route of the station's and the hub's pages, asked by every role over real HTTP:
/// each is allowed or refused as `docs/web.md` says, and a form without the session's
/// CSRF token changes nothing.
@Suite("Roles and CSRF", .serialized)
struct RoleMatrixTests {
    enum Who: String, CaseIterable { case anonymous, `operator`, kepala }

    struct Route {
        let method: String
        let path: String
        let allowed: Set<Who>
    }

    static func stationRoutes(job: String, collected: String, device: String, count: Int64) -> [Route] {
        let op: Set<Who> = [.operator]
        let head: Set<Who> = [.kepala]
        let both: Set<Who> = [.operator, .kepala]
        return [
            Route(method: "GET", path: "/antrean", allowed: op),
            Route(method: "GET", path: "/antrean/langsung", allowed: op),
            Route(method: "GET", path: "/job/\(job)", allowed: op),
            Route(method: "GET", path: "/serah-terima/manifest?resi=RESI-UJI-1", allowed: op),
            Route(method: "GET", path: "/cari?q=SITI", allowed: op),
            Route(method: "GET", path: "/job/\(collected)/tanda-terima", allowed: op),
            Route(method: "GET", path: "/printer", allowed: both),
            Route(method: "GET", path: "/printer/langsung", allowed: both),
            Route(method: "GET", path: "/stok", allowed: head),
            Route(method: "GET", path: "/stok/langsung", allowed: head),
            Route(method: "GET", path: "/laporan", allowed: head),
            Route(method: "GET", path: "/laporan.csv", allowed: head),
            Route(method: "GET", path: "/pemusnahan", allowed: head),
            Route(method: "GET", path: "/kiriman", allowed: both),
            Route(method: "POST", path: "/job/\(job)/hasil", allowed: op),
            Route(method: "POST", path: "/job/\(job)/cetak-ulang", allowed: head),
            Route(method: "POST", path: "/job/\(job)/serah", allowed: op),
            Route(method: "POST", path: "/serah-terima/pos", allowed: op),
            Route(method: "POST", path: "/printer/\(device)/muat", allowed: op),
            Route(method: "POST", path: "/printer/\(device)/ribbon", allowed: op),
            Route(method: "POST", path: "/stok/hitung/\(count)/konfirmasi", allowed: head),
            Route(method: "POST", path: "/stok/hitung/\(count)/tolak", allowed: head),
            Route(method: "POST", path: "/pemusnahan", allowed: head),
            Route(method: "POST", path: "/kiriman/SJ-3216-2026-00001/terima", allowed: both),
        ]
    }

    @Test func stationRoutesByRole() async throws {
        let web = try await WebStation.start(faults: "")
        defer { Task { await web.stop() } }
        try await web.addUsers()
        // One card to PT Pos (its manifest page), one picked up (its receipt), one left printed.
        let jobs = try await web.printSomeJobs(3, deliveries: [.pos(address: "JL. UJI NO. 1"), .pickup, .pickup])
        #expect(try web.store.jobs(state: .printed).count == 3)
        _ = try web.store.handOver(jobs[0].id, .pos(manifest: "RESI-UJI-1"), by: "sari")
        _ = try web.store.handOver(jobs[1].id, .pickup(recipient: "PEMOHON", nik: jobs[1].card.nik, oldCardCollected: false), by: "sari")
        let printed = try web.store.jobs(state: .printed)
        let pending = try web.store.count(.store, counted: 1, reason: "uji", by: "sari")
        #expect(pending.pendingCount != nil)
        let before = try snapshot(web)

        for who in Who.allCases {
            let agent = Agent(web.base)
            if who != .anonymous {
                let login = try await agent.login(who == .operator ? People.operatorName : People.kepalaName)
                #expect(login.status == 303, "\(who) login")
            }
            // Count 999 does not exist: a kepala's confirmation is refused by the store, so the
            // pending count stays as it is and only the role check is seen.
            for route in Self.stationRoutes(job: printed[0].id.rawValue, collected: jobs[1].id.rawValue, device: web.evolis.rawValue, count: 999) {
                // Valid session and token, but a form that changes nothing: only the role decides.
                let reply = route.method == "GET" ? try await agent.get(route.path) : try await agent.post(route.path, [])
                let allowed = route.allowed.contains(who)
                let label = "\(who) \(route.method) \(route.path) → \(reply.status)"
                switch (route.method, allowed, who) {
                case ("GET", true, _): #expect(reply.status == 200, "\(label)")
                case ("GET", false, .anonymous):
                    let isFragment = route.path.hasSuffix("/langsung")
                    #expect(reply.status == (isFragment ? 401 : 303), "\(label)")
                    if !isFragment { #expect(reply.location?.hasPrefix("/masuk") == true, "\(label)") }
                case ("POST", true, _):
                    #expect(reply.status == 303, "\(label)")
                default: #expect(reply.status == 403, "\(label)")
                }
            }
            try await agent.close()
        }
        // Nothing the matrix sent changed a job, a balance or a pending count.
        #expect(try snapshot(web) == before)
    }

    /// Jobs by state, balances and pending counts: what a refused or empty form must leave.
    func snapshot(_ web: WebStation) throws -> String {
        let jobs = try web.store.jobCounts().map { "\($0.key.rawValue)=\($0.value)" }.sorted()
        let places = try web.store.balances().map { "\($0.key.key)=\($0.value)" }.sorted()
        let pending = try web.store.stockView().pendingCounts.map { "\($0.id)" }
        return (jobs + places + pending).joined(separator: ",")
    }

    @Test func formsWithoutTheSessionsTokenAreRefused() async throws {
        let web = try await WebStation.start(faults: "")
        defer { Task { await web.stop() } }
        try await web.addUsers()
        _ = try web.store.receive(50, document: "SJ-1", serialFirst: nil, serialLast: nil, by: "admin")
        let agent = Agent(web.base)
        defer { Task { try await agent.close() } }
        try await agent.login(People.operatorName)
        func hopper() throws -> Int { try web.store.balances()[.hopper(web.evolis)] ?? 0 }
        let path = "/printer/\(web.evolis.rawValue)/muat"

        var reply = try await agent.send("POST", path, form: [("jumlah", "5")])
        #expect(reply.status == 403)
        reply = try await agent.post(path, [("jumlah", "5")], csrf: "bukan-token-sesi-ini")
        #expect(reply.status == 403)
        #expect(reply.body.contains("token keamanan tidak cocok"))
        // Another person's token does not work either.
        let other = Agent(web.base)
        try await other.login(People.kepalaName)
        reply = try await agent.post(path, [("jumlah", "5")], csrf: other.csrf)
        #expect(reply.status == 403)
        try await other.close()
        #expect(try hopper() == 0)

        reply = try await agent.post(path, [("jumlah", "5")])
        #expect(reply.status == 303)
        #expect(try hopper() == 5)

        // The login form has its own token: a login posted from elsewhere is refused.
        let stranger = Agent(web.base)
        reply = try await stranger.send("POST", "/masuk", form: [("nama", People.operatorName), ("sandi", People.password), ("_csrf", "x")])
        #expect(reply.status == 403)
        #expect(stranger.cookies[WebSite.sessionCookie] == nil)
        try await stranger.close()

        // Logging out ends the session on the server, not only in the browser.
        let token = try #require(agent.cookies[WebSite.sessionCookie])
        reply = try await agent.post("/keluar", [])
        #expect(reply.status == 303)
        agent.cookies[WebSite.sessionCookie] = token
        reply = try await agent.get("/antrean")
        #expect(reply.status == 303 && reply.location?.hasPrefix("/masuk") == true)
    }

    @Test func sessionCookieIsHttpOnlyAndStrict() async throws {
        let web = try await WebStation.start(faults: "")
        defer { Task { await web.stop() } }
        try await web.addUsers()
        let agent = Agent(web.base)
        defer { Task { try await agent.close() } }
        try await agent.get("/masuk")
        let reply = try await agent.post("/masuk", [("nama", People.kepalaName), ("sandi", People.password)])
        let cookie = try #require(reply.headers["Set-Cookie"].first { $0.hasPrefix(WebSite.sessionCookie + "=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"))
        let csp = try await agent.get("/stok").headers.first(name: "Content-Security-Policy") ?? ""
        #expect(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"))

        // Behind a TLS proxy the cookie is Secure.
        let viaTLS = Agent(web.base)
        viaTLS.extraHeaders = [("X-Forwarded-Proto", "https")]
        try await viaTLS.get("/masuk")
        let secure = try await viaTLS.post("/masuk", [("nama", People.kepalaName), ("sandi", People.password)])
        #expect(secure.headers["Set-Cookie"].contains { $0.hasPrefix(WebSite.sessionCookie + "=") && $0.contains("; Secure") })
        // A wrong password gets no session and the same answer as an unknown name.
        try await viaTLS.close()
        let fresh = Agent(web.base)
        try await fresh.get("/masuk")
        let wrong = try await fresh.post("/masuk", [("nama", People.kepalaName), ("sandi", "salah-sekali-1234")])
        let unknown = try await fresh.post("/masuk", [("nama", "tidakada"), ("sandi", "salah-sekali-1234")])
        #expect(fresh.cookies[WebSite.sessionCookie] == nil)
        try await fresh.close()
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.body.contains("Nama pengguna atau kata sandi salah") && unknown.body.contains("Nama pengguna atau kata sandi salah"))
    }

    @Test func hubRoutesByRole() async throws {
        let signer = ApprovalSigner.generate(keyId: "approval-web")
        let clock = WebHub.Clock()
        let (hub, _) = try await WebHub.start(clock: clock, signer: signer)
        defer { Task { await hub.stop() } }
        try await hub.addUser()
        let token = try await hub.hub.issueEnrollmentToken(kecamatan: "32.16.01")
        let enrolled = try await hub.hub.enroll(EnrollRequest(token: token.token, name: "PC cetak Tarumajaya"))
        let routes = [
            "/armada", "/armada/langsung", "/stasiun/\(enrolled.stationId)", "/kabupaten/32.16/laporan", "/kabupaten/32.16/laporan.pdf?bulan=2026-11",
            "/kabupaten/32.16/alokasi", "/kabupaten/32.16/alokasi?jumlah=10&dokumen=KEMEN-1", "/kabupaten/32.16/kiriman", "/pos",
        ]

        let anonymous = Agent(hub.base)
        for path in routes {
            let reply = try await anonymous.get(path)
            #expect(reply.status == (path.hasSuffix("/langsung") ? 401 : 303), "anonymous \(path)")
        }
        try await anonymous.close()

        let pusat = Agent(hub.base)
        let login = try await pusat.login(People.pusatName)
        #expect(login.status == 303 && login.location == "/armada")
        for path in routes {
            let reply = try await pusat.get(path)
            #expect(reply.status == 200, "pusat \(path)")
        }
        #expect(try await pusat.get("/stasiun/stn-tidak-ada").status == 400)
        #expect(try await pusat.get("/kabupaten/32.16.01/laporan").status == 400, "a kecamatan is not a kabupaten")
        #expect(try await pusat.get("/kabupaten/32.16/laporan?bulan=2026-13").status == 400)
        #expect(try await pusat.get("/kabupaten/32.99/alokasi?jumlah=10").status == 400, "no such kabupaten")
        // The hub's JSON views stay behind the admin token: a web session does not open them.
        #expect(try await pusat.get("/v1/views/stations").status != 200)
        try await pusat.close()

        // The hub has no operator or kepala, and a station's user cannot log in to it.
        #expect(throws: WebAccountError.self) {
            try WebAccounts.newUser(name: "sari", fullName: "Sari", role: .operator, password: People.password, allowed: HubWebRoles.roles, now: Date())
        }
        let stranger = Agent(hub.base)
        #expect(try await stranger.login(People.operatorName).status == 401)
        try await stranger.close()
    }

    @Test func theStationKnowsNoCentralOfficeRole() async throws {
        #expect(throws: WebAccountError.self) {
            try WebAccounts.newUser(name: "rina", fullName: "Rina", role: .pusat, password: People.password, allowed: StationStore.webRoles, now: Date())
        }
        // And its schema refuses one even if Swift were bypassed.
        let store = try StationStore.inMemory()
        let forged = WebUser(name: "rina", fullName: "Rina", role: .pusat, passwordHash: "$2b$04$abcdefghijklmnopqrstuu", createdAt: Date())
        await #expect(throws: (any Error).self) { try await store.addWebUser(forged) }
    }
}
