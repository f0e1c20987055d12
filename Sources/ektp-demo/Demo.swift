import ArgumentParser
import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPHub
import EKTPHubRules
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation

/// The demo: the hub on embedded SQLite, two kecamatan stations enrolled at it, signed
/// synthetic jobs imported at the hub, pulled by the stations and printed on simulated
/// printers (one of them the real Evolis USB driver on the Evolis emulator), with faults
/// on the way; the summary checks each station's ledger and the hub's view against it.
@main
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ektp-demo",
        abstract: "Demo: hub + dua stasiun ektpd mencetak job sintetis dari hub di printer simulasi, dengan gangguan, lalu ringkasan.")

    @Option(help: "Jumlah job untuk stasiun pertama (stasiun kedua mendapat sepertiganya).") var jobs = 40
    @Option(help: "Folder hasil (dikosongkan dulu).") var output = "demo-output"
    @Option(help: "Kode kecamatan stasiun pertama (Kabupaten Bekasi: 32.16.01–32.16.23).") var kecamatan = "32.16.01"
    @Option(help: "Kode kecamatan stasiun kedua.") var secondKecamatan = "32.16.02"
    @Option(help: "Waktu cetak per kartu di printer simulasi (ms).") var printMs = 150
    @Option(help: "Batas waktu demo (detik).") var timeout = 300
    @Flag(help: "Setelah ringkasan, biarkan hub dan stasiun berjalan (halaman web) sampai Ctrl-C.") var serve = false

    /// The web users the demo creates (never use such passwords in production).
    static let webPassword = "demo-ktp-2026"

    func run() async throws {
        guard OfficeAccount.available else {
            throw DemoFailure("ektp-demo perlu root (sudo make demo): operator dan kepala kecamatan bertindak dari akun PC masing-masing")
        }
        let root = URL(fileURLWithPath: output).standardizedFileURL
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("hub"), withIntermediateDirectories: true)
        let regions = try RegionData.load()
        let signer = ApprovalSigner.generate(keyId: "demo-approval")
        let factory = SyntheticJobs(regions: regions, signer: signer)

        // The kabupaten's own receiver of alerts (a webhook), as its office would run one.
        // Its head of section reads escalations by e-mail: a real SMTP server on loopback.
        let webhook = try WebhookReceiver(secret: "demo-rahasia-webhook-" + UUID().uuidString.prefix(8))
        try await webhook.start()
        defer { webhook.stop() }
        let mail = try MailCatcher(directory: root.appendingPathComponent("hub").path)
        try await mail.start()
        defer { mail.stop() }
        let hub = try HubDaemon.demo(
            directory: root.appendingPathComponent("hub"), trusting: signer, regions: RegionData.path(), webhook: webhook, mail: mail,
            scope: String(kecamatan.prefix(5)))
        try await hub.start()
        say("ektp-hub berjalan di \(hub.url) (SQLite: \(root.path)/hub/hub.sqlite).")
        // The encoding printer's reader: a real pcscd with the vpcd driver and a test chip.
        let chips = try await SmartCardStack.start(in: root.appendingPathComponent(kecamatan).appendingPathComponent("pcsc"), label: "ektp demo encoder")
        defer { chips.stop() }
        say("pcscd berjalan dengan pembaca \"\(chips.readerName)\" untuk encoder chip.")
        var stations: [DemoStation] = []
        do {
            stations = [
                try DemoStation.threePrinters(
                    root: root, kecamatan: kecamatan, jobs: jobs, printMs: printMs, signer: signer, regions: regions, chips: chips),
                try DemoStation.magicardPair(
                    root: root, kecamatan: secondKecamatan, jobs: max(1, jobs / 3), printMs: printMs, signer: signer, regions: regions),
            ]
            for station in stations {
                try await station.start()
                say("ektpd \(station.label) berjalan (pid \(station.process.processIdentifier)), halaman web di http://127.0.0.1:\(station.webPort)/.")
                // The people of the office: who does what is known, never free text.
                try await station.addWebUsers(password: Self.webPassword)
                try await station.prepareStock()
                let token = try await hub.admin.enrollmentToken(kecamatan: station.kecamatan)
                let sync = try await station.client { try await $0.enroll(EnrollStationRequest(hubURL: hub.url, token: token)) }
                say("  \(station.label) terdaftar di hub sebagai \(sync.stationId) (ektpctl enroll).")
            }
            for (index, station) in stations.enumerated() {
                var jobs = try factory.jobs(count: station.jobCount, kecamatan: station.kecamatan, prefix: station.prefix)
                var secondCard: PrintJob?
                if index == 0, var again = jobs.first {
                    // A second job for a person who already has one: the hub holds it and
                    // never offers it; the office brings it on a flashdisk and the station
                    // holds it too, until the kepala decides.
                    again.id = try JobID("\(station.prefix)-ULANG")
                    jobs.append(again)
                    secondCard = again
                    station.jobCount += 1
                }
                for job in jobs { station.issued[job.id] = job }
                let file = try factory.signedFile(jobs)
                let first = try await hub.admin.intake(file)
                let again = try await hub.admin.intake(file)
                say(
                    "Hub menerima \(first.stored.count) job bertanda tangan untuk \(station.label); impor ulang berkas yang sama: \(again.stored.count) disimpan, \(again.duplicates.count) duplikat diabaikan."
                )
                for warning in first.warnings where warning.contains("ditahan") { say("  hub: \(warning)") }
                if let secondCard, let original = jobs.first {
                    // Brought after the station has the first card's job from the hub.
                    for _ in 0..<300 where (try? await station.client { try await $0.job(original.id) }) == nil {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    let imported = try await station.client { try await $0.importJobs(try factory.signedFile([secondCard])) }
                    say("  \(station.label): job \(secondCard.id) dibawa dengan flashdisk dan disimpan (\(imported.stored.count)); stasiun menahannya juga.")
                }
            }
            try await operate(stations)
            for station in stations { try await station.finishDay() }
            let shipped = try await allocateShipment(hub, stations)
            let posBatch = try await posResults(hub, stations)
            try await waitUntilHubHasEverything(stations)
            var agreed = shipped && posBatch
            for station in stations { agreed = try await station.summary() && agreed }
            agreed = try await hubSummary(hub, stations) && agreed
            agreed = webhookSummary(webhook) && agreed
            agreed = await mailSummary(mail) && agreed
            if serve {
                try hub.addWebUser(name: "pusat", fullName: "Kantor Pusat (demo)", password: Self.webPassword)
                say("")
                say("Halaman web (pengguna / kata sandi \(Self.webPassword)):")
                say("  hub, kantor pusat : \(hub.url)/armada — pusat")
                for station in stations {
                    say("  \(station.label.padding(toLength: 18, withPad: " ", startingAt: 0)): http://127.0.0.1:\(station.webPort)/ — operator, kepala")
                }
                say("Tekan Ctrl-C untuk berhenti.")
                await waitForInterrupt()
            }
            for station in stations { station.stop() }
            hub.stop()
            say("Kartu tercetak ada di \(root.path)/<kecamatan>/cards, log di \(root.path)/*/ektpd.log dan \(root.path)/hub/ektp-hub.log")
            guard agreed else { throw ValidationError("hub dan buku blangko stasiun TIDAK sepakat, atau identitas/audit tidak utuh") }
        } catch {
            for station in stations { station.stop() }
            hub.stop()
            throw error
        }
    }

    /// What the kabupaten's webhook received: every alert signed with the shared secret.
    func webhookSummary(_ webhook: WebhookReceiver) -> Bool {
        let received = webhook.deliveries
        say("")
        say("══ Webhook kabupaten (\(webhook.url)) ══")
        let decoder = WireCoding.decoder()
        for d in received.prefix(6) {
            guard let alert = try? decoder.decode(AlertMessage.self, from: d.body) else { continue }
            say(
                "  \(d.signed ? "✓ bertanda tangan" : "✗ TANDA TANGAN SALAH") · \(alert.stationId ?? alert.kecamatanCode) [\(alert.kind)\(alert.escalated ? ", eskalasi" : "")]: \(alert.message.prefix(110))"
            )
        }
        let signed = received.allSatisfy(\.signed)
        say("\(received.count) peringatan diterima\(signed ? ", semuanya bertanda tangan rahasia bersama" : "; ADA yang tanda tangannya salah")")
        return !received.isEmpty && signed
    }

    /// What the kabupaten's head of section received by e-mail: the escalations (alerts
    /// nobody took on in time, printers the hub found in error); waits for the first.
    func mailSummary(_ mail: MailCatcher) async -> Bool {
        let received = (try? await mail.waitFor(1, seconds: 30)) ?? []
        say("")
        say("══ Surel eskalasi kabupaten (SMTP \(mail.relay), \(mail.maildir)) ══")
        for m in received.prefix(4) { say("  \(m.envelopeTo.joined(separator: ", ")) · \(MailCatcher.subject(m))") }
        say("\(received.count) surel diterima")
        return !received.isEmpty
    }

    // MARK: The operators' day

    func operate(_ stations: [DemoStation]) async throws {
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        var lines: [String: String] = [:]
        while true {
            var allDone = true
            for station in stations {
                let (done, line) = try await station.operateOnce()
                if lines[station.kecamatan] != line {
                    say("  \(station.label): \(line)")
                    lines[station.kecamatan] = line
                }
                allDone = allDone && done
            }
            if allDone { return }
            guard Date() < deadline else { throw ValidationError("demo melewati batas waktu \(timeout) detik") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    func waitUntilHubHasEverything(_ stations: [DemoStation]) async throws {
        for _ in 0..<300 {
            var backlog = 0
            for station in stations { backlog += try await station.client { try await $0.status().outboxBacklog } }
            if backlog == 0 {
                // One more heartbeat, so the hub's devices and reported stock are current.
                try await Task.sleep(for: .seconds(2))
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("antrean kejadian stasiun tidak habis terkirim ke hub")
    }

    // MARK: Blangko from the kabupaten

    /// After the day's printing, a ministry shipment at the kabupaten: the hub proposes each
    /// kecamatan's share (their backlogs are printed, so by each one's use per day), the
    /// central office sends it as proposed, and each station counts its
    /// shipment on arrival — the first whole, by its operator; the second one card short,
    /// recorded by its kepala with the reason. True when the hub records both as counted.
    func allocateShipment(_ hub: HubDaemon, _ stations: [DemoStation]) async throws -> Bool {
        let kabupaten = String(kecamatan.prefix(5))
        let quantity = 60
        let proposal = try await hub.admin.allocationProposal(AllocationProposalRequest(kabupaten: kabupaten, quantity: quantity))
        let shares = proposal.kecamatan.filter { $0.proposed > 0 }
        say("")
        say("Kiriman kementerian \(quantity) blangko untuk kabupaten \(kabupaten); usulan hub (antrean, pemula, stok → bagian):")
        for r in shares { say("  \(r.kecamatanCode) \(r.name ?? ""): antrean \(r.backlog), pemula \(r.pemula), stok \(r.onHand) → \(r.proposed)") }
        let sent = try await hub.admin.allocate(
            AllocationRequest(
                kabupaten: kabupaten, quantity: quantity, document: "KEMENDAGRI/DEMO/001",
                split: Dictionary(uniqueKeysWithValues: shares.map { ($0.kecamatanCode, $0.proposed) }), by: "pusat"))
        say("  \(sent.allotment): \(sent.shipments.map { "\($0.id) → \($0.toKecamatan) (\($0.quantity))" }.joined(separator: ", "))")
        for (index, station) in stations.enumerated() {
            guard let shipment = sent.shipments.first(where: { $0.toKecamatan == station.kecamatan }) else { continue }
            for _ in 0..<300 where try await !station.client({ try await $0.shipments() }).contains(where: { $0.id == shipment.id }) {
                try await Task.sleep(for: .milliseconds(100))
            }
            if index == 0 {
                _ = try await station.client { try await $0.receiveShipment(shipment.id, ShipmentReceipt(counted: shipment.quantity)) }
                say("  \(station.label): operator menghitung \(shipment.quantity) lembar, sesuai surat jalan \(shipment.id).")
            } else {
                let counted = shipment.quantity - 1
                let _: StockChanged = try await station.asKepala([
                    "stock", "accept-shipment", shipment.id, "--count", "\(counted)", "--reason", "1 lembar tertekuk dalam pengiriman",
                ])
                say("  \(station.label): kepala mencatat \(counted) dari \(shipment.quantity) lembar (selisih 1, dengan alasan).")
            }
        }
        var counted = false
        for _ in 0..<300 {
            let record = try await hub.admin.shipments(kabupaten: kabupaten).filter { $0.allotment == sent.allotment }
            counted = record.allSatisfy { $0.status != .inTransit }
            if counted {
                for s in record { say("  ✓ hub: \(s.id) ke \(s.toKecamatan) dikirim \(s.quantity), diterima \(s.receivedQuantity ?? 0) (\(s.status.label))") }
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        if !counted { say("  ✗ hub belum mencatat semua kiriman diterima") }
        return counted
    }

    // MARK: PT Pos

    /// PT Pos reports on the cards it took: all delivered but one, returned. The central
    /// office sends the file to the hub; the returned card is back on its station's shelf on
    /// the next heartbeat, and its owner collects it at the office with their NIK.
    func posResults(_ hub: HubDaemon, _ stations: [DemoStation]) async throws -> Bool {
        let cards = stations.flatMap { s in s.toPos.map { (station: s, job: $0) } }
        say("")
        guard let back = cards.first else {
            say("✗ tidak ada kartu yang diserahkan ke PT Pos")
            return false
        }
        var csv = PosResultsCSV.header.joined(separator: ",") + "\n"
        let date = OfficeZone(regionCode: kecamatan).today().iso
        for card in cards {
            csv +=
                card.job == back.job
                ? "\(card.job.rawValue),dikembalikan,\(date),\"alamat tidak ditemukan, rumah kosong\"\n" : "\(card.job.rawValue),terkirim,\(date),\n"
        }
        let file = URL(fileURLWithPath: output).standardizedFileURL.appendingPathComponent("hasil-pt-pos.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let answer = try await hub.admin.posResults(csv: csv, by: "pusat")
        say("Hasil PT Pos (\(file.path)): \(answer.recorded) kartu, \(answer.delivered) terkirim, \(answer.backOnShelf.count) dikembalikan.")
        var shelved = false
        for _ in 0..<300 {
            let summary = try await back.station.client { try await $0.job(back.job) }.summary
            if summary.state == .printed && summary.delivery == .pickup {
                shelved = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard shelved, let slip = back.station.issued[back.job] else {
            say("  ✗ \(back.station.label): kartu \(back.job) belum kembali di rak")
            return false
        }
        say("  ✓ \(back.station.label): kartu \(back.job) kembali di rak, kini diambil di kecamatan.")
        _ = try await back.station.client {
            try await $0.handover(back.job, HandoverRequest(recipient: slip.card.nama, nik: slip.card.nik.digits, posReceipt: nil))
        }
        var atHub: HubJobState?
        for _ in 0..<300 {
            atHub = try await hub.admin.get(JobView.self, "/v1/views/jobs/\(back.job.rawValue)").state
            if atHub == .handedOver { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        say("  \(atHub == .handedOver ? "✓" : "✗") pemiliknya mengambil kartu dengan NIK cocok; hub mencatatnya \(atHub?.rawValue ?? "-").")
        return atHub == .handedOver
    }

    // MARK: The hub's view

    func hubSummary(_ hub: HubDaemon, _ stations: [DemoStation]) async throws -> Bool {
        let views = try await hub.admin.get([StationView].self, "/v1/views/stations")
        let stock = try await hub.admin.get(StockOverview.self, "/v1/views/stock")
        let backlog = try await hub.admin.get(BacklogView.self, "/v1/views/backlog")
        let devices = try await hub.admin.get([EKTPHub.DeviceView].self, "/v1/views/devices")
        let alerts = try await hub.admin.get(AlertsView.self, "/v1/views/alerts")
        say("")
        say("══ Pandangan hub (kantor pusat) ══")
        var agreed = true
        for station in stations {
            guard let view = views.first(where: { $0.kecamatanCode == station.kecamatan }),
                let kec = stock.kecamatan.first(where: { $0.kecamatanCode == station.kecamatan })
            else {
                say("✗ hub tidak mengenal stasiun \(station.label)")
                agreed = false
                continue
            }
            let places = try await station.client { try await $0.stockView().places }
            let lastSeq = try station.lastSeq()
            // The kabupaten's roll-up at the hub, from the events, against the station's own
            // monthly report from its ledger: the same rule, two sets of books.
            let month = OfficeZone(regionCode: station.kecamatan).monthKey(Date())
            let rollUp = try await hub.admin.get(
                KabupatenReportView.self, "/v1/views/kabupaten/\(station.kecamatan.prefix(5))/report?month=\(month)")
            let own = try await station.client { try await $0.monthlyReport(month: try ReportMonth(parsing: month)) }
            let atHub = rollUp.kecamatan.first { $0.kecamatanCode == station.kecamatan }?.report
            let hoppers = places.filter { if case .hopper = $0.key { true } else { false } }.values.reduce(0, +)
            let checks: [(String, Bool)] = [
                ("kejadian: hub memegang sampai nomor \(view.highestSeq), stasiun menulis \(lastSeq)", view.highestSeq == lastSeq),
                ("gudang: hub \(kec.store), buku stasiun \(places[.store] ?? 0)", kec.store == places[.store] ?? 0),
                ("hopper: hub \(kec.hoppers), buku stasiun \(hoppers)", kec.hoppers == hoppers),
                (
                    "rusak menunggu pemusnahan: hub \(kec.spoiledAwaitingDestruction), buku stasiun \(places[.spoiled] ?? 0)",
                    kec.spoiledAwaitingDestruction == places[.spoiled] ?? 0
                ),
                (
                    "laporan bulan \(month): rekap kabupaten di hub \(atHub.map { "tercetak \($0.printed), stok akhir \($0.closing)" } ?? "tidak ada"), laporan stasiun tercetak \(own.printed), stok akhir \(own.closing)",
                    atHub == own
                ),
            ]
            say("Stasiun \(view.id) · \(station.label) · \(view.freshness.label) · \(devices.filter { $0.stationId == view.id }.count) printer")
            for (text, holds) in checks {
                say("  \(holds ? "✓" : "✗") \(text)")
                agreed = agreed && holds
            }
            let printedAtHub = try await station.printedIDs().asyncCount {
                try await hub.admin.get(JobView.self, "/v1/views/jobs/\($0.rawValue)").state == .printed
            }
            let printedHere = try await station.printedIDs().count
            say("  \(printedAtHub == printedHere ? "✓" : "✗") job tercetak: hub \(printedAtHub), stasiun \(printedHere) (selain yang sudah diserahkan)")
            agreed = agreed && printedAtHub == printedHere
        }
        say("Antrean hub: \(backlog.totalWaiting) job menunggu diambil stasiun")
        for d in devices {
            say(
                "  printer \(d.id) di \(d.kecamatanCode): \(d.status.label), ribbon \(d.supplies.ribbonRemaining.map(String.init) ?? "-")/\(d.supplies.ribbonCapacity.map(String.init) ?? "-")"
            )
        }
        for a in alerts.alerts.prefix(8) { say("  peringatan hub [\(a.kind.rawValue)]: \(a.message)") }
        say(agreed ? "Hub dan buku blangko setiap stasiun sepakat." : "Hub dan stasiun TIDAK sepakat.")
        return agreed
    }
}

/// Returns at SIGINT or SIGTERM.
func waitForInterrupt() async {
    let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    var sources: [any DispatchSourceSignal] = []
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number)
        source.setEventHandler { continuation.yield() }
        source.resume()
        sources.append(source)
    }
    for await _ in stream { break }
    for source in sources { source.cancel() }
}

extension Array {
    func asyncCount(_ predicate: (Element) async throws -> Bool) async rethrows -> Int {
        var n = 0
        for e in self where try await predicate(e) { n += 1 }
        return n
    }
}

func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
