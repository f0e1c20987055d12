import EKTPDomain
import EKTPHub
import EKTPStation
import EKTPStationStore
import EKTPSynthetic
import EKTPTestSlots
import EKTPWeb
import EKTPWire
import Foundation
import Testing

/// The pages in a real headless Chromium, as the people at a kecamatan office and at the
/// centre use them: log in as each role, see the queue, record an outcome, load blangko,
/// watch stock change without reloading, open the monthly report, look at the fleet.
/// Screenshots go to `.build/web-screenshots/`; with `EKTP_UPDATE_SCREENSHOTS=1` the main
/// pages' are copied to `docs/images/` for the README.
@Suite("In a real browser", .serialized, .daemons)
struct BrowserTests {
    static func shot(_ browser: Browser, _ name: String, readme: Bool = false) async throws {
        let file = Paths.screenshots.appendingPathComponent("\(name).png")
        try await browser.screenshot(to: file)
        print("tangkapan layar: \(file.path)")
        if readme, ProcessInfo.processInfo.environment["EKTP_UPDATE_SCREENSHOTS"] == "1" {
            let docs = Paths.root.appendingPathComponent("docs/images/web-\(name).png")
            try? FileManager.default.removeItem(at: docs)
            try FileManager.default.copyItem(at: file, to: docs)
        }
    }

    static func login(_ browser: Browser, _ base: String, _ name: String) async throws {
        try await browser.go(base + "/masuk")
        try await browser.type("#nama", name)
        try await browser.type("#sandi", People.password)
        try await browser.click("form.stack button[type=submit]")
        try await browser.waitUntil("logged in as \(name)") { try await browser.count("form[action='/keluar']") == 1 }
    }

    static func logout(_ browser: Browser) async throws {
        try await browser.click("form[action='/keluar'] button")
        try await browser.waitUntil("logged out") { try await browser.count("#sandi") == 1 }
    }

    @Test func operatorAndKepalaAtTheStation() async throws {
        let web = try await WebStation.start()
        defer { Task { await web.stop() } }
        try await web.addUsers()
        try await web.printSomeJobs(12)
        let unknown = try #require(try web.store.jobs(state: .outcomeUnknown).first, "the power cut leaves a card whose outcome is unknown")

        let browser = try await Browser()
        do {
            // Anonymous: sent to the login form.
            try await browser.go(web.base + "/antrean")
            try await browser.waitUntil("login form") { try await browser.count("#sandi") == 1 }
            #expect(try await browser.url.contains("/masuk"))

            // Operator: the queue, with the card that needs a decision.
            try await Self.login(browser, web.base, People.operatorName)
            #expect(try await browser.url.hasSuffix("/antrean"))
            let row = "#keputusan-\(unknown.id.rawValue)"
            #expect(try await browser.text(row).contains(unknown.maskedNIK))
            let page = try await browser.text("main")
            #expect(page.contains("Perlu keputusan operator") && page.contains("Siap diserahkan"))
            // No full NIK anywhere in the list: only the masked form.
            #expect(try await (browser.script("return document.body.innerText.match(/\\b\\d{16}\\b/) === null;") as? Bool) == true)
            try await Self.shot(browser, "station-queue", readme: true)

            // Record the outcome: the card jammed, spoiled.
            try await browser.click("\(row) select[name=keputusan] option[value=spoiled]")
            try await browser.click("\(row) select[name=sebab] option[value=gagal-cetak]")
            try await browser.type("\(row) input[name=alasan]", "kartu tertahan saat listrik padam")
            try await browser.click("\(row) button[type=submit]")
            try await browser.waitUntil("outcome recorded") { try await browser.text(".notice.ok").contains(unknown.id.rawValue) }
            #expect(try web.store.jobDetail(unknown.id).summary.state == .spoiled)
            #expect(try await browser.count(row) == 0)
            let history = try web.store.jobDetail(unknown.id).history.map(\.actor)
            #expect(history.contains(People.operatorName), "the decision is recorded under the operator's name")

            // Printers: live state, ribbon and hopper; load blangko.
            try await browser.go(web.base + "/printer")
            let hopper = try web.store.balances()[.hopper(web.fargo)] ?? 0
            try await browser.type("#printer-\(web.fargo.rawValue) input[name=jumlah]", "5")
            try await browser.click("#printer-\(web.fargo.rawValue) button[type=submit]")
            try await browser.waitUntil("blangko loaded") { try await browser.text(".notice.ok").contains("dimuat") }
            #expect(try web.store.balances()[.hopper(web.fargo)] == hopper + 5)
            #expect(try await browser.text("#printer-\(web.fargo.rawValue) .hopper") == String(hopper + 5))
            try await Self.shot(browser, "station-printers", readme: true)

            // Hand a printed card to PT Pos and print the manifest.
            let printed = try #require(try web.store.jobs(state: .printed).first)
            try await browser.go(web.base + "/antrean")
            try await browser.click("input[type=checkbox][value='\(printed.id.rawValue)']")
            try await browser.type("#pos-batch input[name=resi]", "POS-3216-0001")
            try await browser.click("#pos-batch button[type=submit]")
            try await browser.waitUntil("manifest") { try await browser.url.contains("/serah-terima/manifest") }
            #expect(try await browser.text("main table").contains(printed.id.rawValue))
            #expect(try web.store.jobDetail(printed.id).summary.state == .handedOver)
            try await Self.shot(browser, "station-manifest")
            try await Self.logout(browser)

            // Kepala: stock, and the figures change live when a shipment arrives.
            try await Self.login(browser, web.base, People.kepalaName)
            #expect(try await browser.url.hasSuffix("/stok"))
            #expect(try await browser.count("svg.chart rect.bar") == 30)
            let before = try #require(Int(try await browser.text("#stok-gudang")))
            _ = try await browser.script("window.ektpMark = 'tidak dimuat ulang';")
            _ = try web.store.receive(100, document: "SJ/3216/2026/11/012", serialFirst: nil, serialLast: nil, by: "admin")
            try await browser.waitUntil("stock updated without reload") { try await browser.text("#stok-gudang") == String(before + 100) }
            #expect(try await browser.script("return window.ektpMark;") as? String == "tidak dimuat ulang")
            try await Self.shot(browser, "kepala-stock", readme: true)

            // The monthly report, printable, with CSV next to it.
            try await browser.click("header nav a[href='/laporan']")
            try await browser.waitUntil("report") { try await browser.count("#laporan") == 1 }
            let report = try await browser.text("#laporan")
            let month = try web.store.monthlyReport(month: web.store.zone.monthKey(Date()))
            #expect(report.contains("Tercetak \(month.printed)"))
            #expect(report.contains("Rusak sebelum tercetak \(month.spoiledFromUnused)"), "\(report)")
            if let failed = month.spoiledUnused["gagal-cetak"] { #expect(report.contains("rusak: gagal cetak \(failed)"), "\(report)") }
            #expect(try await browser.text("main").contains("Seimbang"))
            try await Self.shot(browser, "monthly-report", readme: true)

            // The kepala does not work the queue.
            try await browser.go(web.base + "/antrean")
            #expect(try await browser.text("main").contains("Halaman ini bukan untuk peran kepala"))
            try await browser.close()
        } catch {
            try? await Self.shot(browser, "failure-station")
            try? await browser.close()
            throw error
        }
    }

    /// Every page, on a phone (390 px) and on the office PC (1280 px), for each role: no
    /// sideways scroll, tap targets of 24 px at least, WCAG AA contrast (PageAudit).
    @Test func everyPageOnAPhoneAndAPC() async throws {
        let web = try await WebStation.start()
        defer { Task { await web.stop() } }
        try await web.addUsers()
        try await web.printSomeJobs(10)
        let (hub, _) = try await WebHub.start(clock: WebHub.Clock(), signer: web.signer)
        defer { Task { await hub.stop() } }
        try await hub.addUser()
        let token = try await hub.hub.issueEnrollmentToken(kecamatan: "32.16.01")
        let station = try await hub.hub.authenticate(
            bearer: try await hub.hub.enroll(EnrollRequest(token: token.token, name: "PC cetak Tarumajaya")).credential)
        let devices = try web.store.devices().map { DeviceReport(id: $0.id, model: $0.model, state: $0.state) }
        _ = try await hub.hub.heartbeat(station: station, Heartbeat(devices: devices, stock: [.store: 40], outboxBacklog: 0))

        var findings: [String] = []
        for width in [390, 1280] {
            let browser = try await Browser(width: width, height: 844)
            do {
                for (base, person, pages) in [
                    (web.base, People.operatorName, ["/antrean", "/printer"]), (web.base, People.kepalaName, ["/stok", "/laporan"]),
                    (hub.base, People.pusatName, ["/armada", "/stasiun/\(station.id)"]),
                ] {
                    try await browser.go(base + "/masuk")
                    findings += try await PageAudit.run(browser).map { "\(width) px /masuk: \($0)" }
                    try await Self.login(browser, base, person)
                    for page in pages {
                        try await browser.go(base + page)
                        findings += try await PageAudit.run(browser).map { "\(width) px \(page): \($0)" }
                        if width == 390 { try await Self.shot(browser, "phone\(page.replacingOccurrences(of: "/", with: "-").prefix(20))") }
                    }
                    try await Self.logout(browser)
                }
                try await browser.close()
            } catch {
                try? await browser.close()
                throw error
            }
        }
        #expect(findings.isEmpty, "\(findings.count) findings:\n\(findings.prefix(60).joined(separator: "\n"))")
    }

    @Test func centralOfficeSeesTheFleet() async throws {
        let web = try await WebStation.start()
        defer { Task { await web.stop() } }
        try await web.printSomeJobs(8)
        let clock = WebHub.Clock()
        let (hub, _) = try await WebHub.start(clock: clock, signer: web.signer)
        defer { Task { await hub.stop() } }
        try await hub.addUser()

        // Two kecamatan: Tarumajaya sends what its station did; Babelan went quiet.
        func enroll(_ kecamatan: String, _ name: String) async throws -> StationRecord {
            let token = try await hub.hub.issueEnrollmentToken(kecamatan: kecamatan)
            let result = try await hub.hub.enroll(EnrollRequest(token: token.token, name: name))
            return try await hub.hub.authenticate(bearer: result.credential)
        }
        let babelan = try await enroll("32.16.02", "PC cetak Babelan")
        _ = try await hub.hub.heartbeat(station: babelan, Heartbeat(devices: [], stock: [.store: 40], outboxBacklog: 0))
        clock.advance(600)
        let tarumajaya = try await enroll("32.16.01", "PC cetak Tarumajaya")
        let events = try web.store.outbox(after: 0, limit: 10_000).map { row in
            SequencedEvent(seq: row.seq, event: try WireCoding.decoder().decode(StationEvent.self, from: Data(row.event.utf8)))
        }
        _ = try await hub.hub.ingest(station: tarumajaya, batch: EventBatch(events: events))
        let devices = try web.store.devices().map { DeviceReport(id: $0.id, model: $0.model, state: $0.state) }
        _ = try await hub.hub.heartbeat(station: tarumajaya, Heartbeat(devices: devices, stock: nil, outboxBacklog: 0))
        var synthetic = SyntheticJobs(regions: try RegionData.load(), signer: web.signer)
        synthetic.portraitCount = 2
        _ = try await hub.hub.intake.importFile(try synthetic.signedFile(try synthetic.jobs(count: 5, kecamatan: "32.16.02", prefix: "PRB", seed: 3)))

        let browser = try await Browser()
        do {
            try await Self.login(browser, hub.base, People.pusatName)
            #expect(try await browser.url.hasSuffix("/armada"))
            let page = try await browser.text("main")
            #expect(page.contains("PC cetak Tarumajaya") && page.contains("PC cetak Babelan"))
            #expect(page.contains("terlambat") || page.contains("luring"), "the quiet station is marked")
            #expect(try await browser.text("#total-antrean") == "5")
            #expect(page.contains("Kab.") && page.contains("32.16"))
            try await Self.shot(browser, "hub-overview", readme: true)

            try await browser.click("a[href='/stasiun/\(tarumajaya.id)']")
            try await browser.waitUntil("station detail") { try await browser.url.contains("/stasiun/") }
            let detail = try await browser.text("main")
            #expect(detail.contains(web.evolis.rawValue) && detail.contains(web.fargo.rawValue))
            try await Self.shot(browser, "hub-station")
            try await browser.close()
        } catch {
            try? await Self.shot(browser, "failure-hub")
            try? await browser.close()
            throw error
        }
    }
}
