import ArgumentParser
import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPSimulator
import EKTPSynthetic
import EKTPTestSupport
import EKTPWire
import Foundation
import GRDB

/// One kecamatan station of the demo: the real `ektpd` with simulated printers, and the
/// operator who works it through the local API, as `ektpctl` does.
final class DemoStation: @unchecked Sendable {
    let kecamatan: String
    let label: String
    let prefix: String
    /// The jobs the station is to print: the kecamatan's, and one more for a person who
    /// already has a card (a second job for the same NIK, released by the kepala).
    var jobCount: Int
    let root: URL
    let socket: String
    let printerState: String
    let process = Process()
    /// The station's web pages (`[web] listen`).
    let webPort: Int
    private var decided = 0
    private var released = 0
    private var reprinted = 0
    private var handedOver = 0
    private var pickups = 0
    /// Cards given to PT Pos, for its results.
    var toPos: [JobID] = []
    private var wrongNIKRefused = false
    /// The office's documents the demo printed (PDF files).
    private var documents: [String] = []
    /// The jobs the hub was given for this station: what the citizens' slips say.
    var issued: [JobID: PrintJob] = [:]
    private var faultSeen: [DeviceID: Date] = [:]
    /// The kecamatan head's PC account: the kepala's decisions go through the real
    /// `ektpctl` under this uid, the operator's through the demo's own account.
    let kepala: OfficeAccount
    /// The PC/SC stack of the station's encoding printer (a real pcscd, a test chip), if it has one.
    let chips: SmartCardStack?

    init(
        root: URL, kecamatan: String, jobs: Int, printers: (_ printerState: String, _ cards: String) -> [String], signer: ApprovalSigner,
        regions: RegionDirectory, chips: SmartCardStack? = nil
    )
        throws
    {
        self.chips = chips
        self.kecamatan = kecamatan
        self.label = "\(kecamatan) \(regions.kecamatan(kecamatan)?.name ?? "")"
        self.prefix = "DEMO" + kecamatan.replacingOccurrences(of: ".", with: "")
        self.jobCount = jobs
        self.root = root.appendingPathComponent(kecamatan)
        for sub in ["state", "cards", "printers"] {
            try FileManager.default.createDirectory(at: self.root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        socket = self.root.appendingPathComponent("ektpd.sock").path
        kepala = OfficeAccount(uid: DemoStation.kepalaUID, socket: socket)
        printerState = self.root.appendingPathComponent("printers").path
        let uris = printers(printerState, self.root.appendingPathComponent("cards").path)
        let webPort = try LoopbackPort.free()
        self.webPort = webPort
        var config = StationConfigFile(
            kecamatan: kecamatan, stateDirectory: self.root.appendingPathComponent("state").path, socket: socket, printers: uris,
            approvalKeys: ["\(signer.keyId):\(signer.publicKeyBase64)"])
        config["station", "regions"] = .string(RegionData.path())
        config["station", "poll_milliseconds"] = 50
        config["web", "listen"] = .string("127.0.0.1:\(webPort)")
        config["hub", "poll_wait_seconds"] = 10
        config["hub", "heartbeat_seconds"] = 2
        config["hub", "retry_max_seconds"] = 5
        if let chips {
            // The personalisation module is the project's reference module (the ministry's is
            // not public); the chip is the test chip in a real pcscd's reader.
            config["chip", "module"] = .strings(["/usr/bin/python3", SmartCardStack.script("ektp-test-module")])
            config["chip", "encoders"] = .strings(["\(DeviceID(vendor: "sim", serial: Self.encodingSerial))=\(chips.readerName)"])
            config["chip", "rest_seconds"] = 5
            process.environment = ProcessInfo.processInfo.environment.merging(chips.environment) { $1 }
        }
        let configFile = self.root.appendingPathComponent("ektpd.toml")
        try config.write(to: configFile.path)
        process.executableURL = try BuiltExecutable.locate("ektpd")
        process.arguments = ["--config", configFile.path]
        let log = self.root.appendingPathComponent("ektpd.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    }

    /// The printer of the demo that encodes chips.
    static let encodingSerial = "DEMO-EVO-USB"

    /// Three printers: one takes print planes like an Evolis, one takes PDF like a Fargo
    /// behind CUPS, and the third runs the real Evolis USB driver, byte for byte, against an
    /// Evolis emulator written from the vendor's Programming Guide; its contactless station
    /// puts each card's test chip in a real pcscd's reader, and every card it prints is
    /// encoded first (the second chip refuses its write: spoiled gagal-encode).
    static func threePrinters(
        root: URL, kecamatan: String, jobs: Int, printMs: Int, signer: ApprovalSigner, regions: RegionDirectory, chips: SmartCardStack
    ) throws
        -> DemoStation
    {
        try chips.command("mode ok")
        try chips.command("mode refuse-write")
        return try DemoStation(
            root: root, kecamatan: kecamatan, jobs: jobs,
            printers: { state, cards in
                [
                    "sim://evolis-primacy-2?serial=DEMO-EVO-01&ms=\(printMs)&faults=jam@4,cover-open@9,power-loss@13&state=\(state)&output=\(cards)",
                    "sim://hid-fargo-hdp5000?serial=DEMO-HDP-01&ms=\(printMs + 50)&faults=ribbon-out@7,outside-print@11&state=\(state)&output=\(cards)",
                    "sim+evolis://evolis-primacy-2?serial=\(encodingSerial)&ms=\(printMs)&faults=jam@5&chipfield=\(chips.controlPath)",
                ]
            }, signer: signer, regions: regions, chips: chips)
    }

    /// Two Magicards: a simulated one, and the real Magicard driver, byte for byte, against
    /// a Magicard emulator written from the vendor's file format and its driver's output.
    static func magicardPair(root: URL, kecamatan: String, jobs: Int, printMs: Int, signer: ApprovalSigner, regions: RegionDirectory) throws -> DemoStation {
        try DemoStation(
            root: root, kecamatan: kecamatan, jobs: jobs,
            printers: { state, cards in
                [
                    "sim://magicard-rio-pro-360?serial=DEMO-MAG-01&ms=\(printMs)&faults=power-loss@3&state=\(state)&output=\(cards)",
                    "sim+magicard://magicard-rio-pro-360?serial=DEMO-MAG-USB&ms=\(printMs)&faults=hopper-empty@3",
                ]
            }, signer: signer, regions: regions)
    }

    func start() async throws {
        try process.run()
        for _ in 0..<200 {
            if (try? await client { try await $0.status() }) != nil { return }
            guard process.isRunning else { throw DemoFailure("ektpd \(label) berhenti saat mulai; lihat \(root.path)/ektpd.log") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DemoFailure("ektpd \(label) tidak menjawab di soketnya")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func client<T: Sendable>(_ body: (StationClient) async throws -> T) async throws -> T {
        try await StationClient.withClient(socketPath: socket, userAgent: "ektp-demo", body)
    }

    /// The uid the demo's kecamatan heads log in as (no /etc/passwd entry needed).
    static let kepalaUID: UInt32 = 61_002

    /// Runs `ektpctl ARGUMENTS --json` as the kecamatan head.
    func asKepala<T: Decodable>(_ arguments: [String], as type: T.Type = T.self) async throws -> T {
        try await kepala.json(arguments, decoder: WireCoding.decoder())
    }

    /// Blangko arrive from the kabupaten and go into the printers.
    func prepareStock() async throws {
        try await client { client in
            let devices = try await client.devices()
            let received = 3 * jobCount + 30
            _ = try await client.stock(
                .receive(quantity: received, document: "SJ/\(prefix)/001", serialFirst: "KTP-0000001", serialLast: "KTP-\(received)"))
            for d in devices { _ = try await client.stock(.load(device: d.id, quantity: 25)) }
            say("  \(label): \(received) blangko diterima di gudang, 25 dimuat ke tiap printer (\(devices.map(\.id.rawValue).joined(separator: ", "))).")
            _ = try await client.stock(.receiveRibbon(rolls: devices.count + 2, document: "RB/\(prefix)/001"))
            for d in devices { _ = try await client.stock(.loadRibbon(device: d.id)) }
        }
    }

    /// One look at the station: decide, reprint, clear faults, top up. Returns whether
    /// every job is printed, and the progress line.
    func operateOnce() async throws -> (Bool, String) {
        try await client { client in
            let status = try await client.status()
            let n = { (s: JobState) in status.jobs[s] ?? 0 }
            let line =
                "tercetak \(n(.printed) + n(.handedOver))/\(jobCount) · antre \(n(.queued)) · mencetak \(n(.printing)) · rusak \(n(.spoiled)) · perlu keputusan \(n(.outcomeUnknown))"
                + (status.held.map { " · ditahan: \($0)" } ?? "")
            if n(.printed) + n(.handedOver) == jobCount { return (true, line) }
            for job in try await client.jobs(state: .outcomeUnknown) {
                // The operator looks in the printer: the simulator's record is what they would see.
                let used = try await client.job(job.id).blangkoUsed ?? 0
                let (decision, cause, why) = inspect(job, blangkoUsed: used)
                _ = try await client.recordOutcome(job.id, OutcomeRequest(decision: decision, cause: cause, reason: why))
                say("    \(label): operator memutuskan \(job.id) (\(job.maskedNIK)): \(decision.rawValue) — \(why)")
                decided += 1
            }
            // A job held because its NIK already has a card: the kepala checks the person's
            // story (the first card was damaged at hand-over) and releases it with the reason.
            for job in try await client.jobs(state: .queued) {
                guard let earlier = job.heldFor else { continue }
                let reason = "kartu dari \(earlier) rusak saat diserahkan; pemohon mengembalikannya, diganti"
                let _: JobSummary = try await asKepala(["jobs", "release", job.id.rawValue, "--reason", reason])
                say("    \(label): job \(job.id) ditahan karena NIK \(job.maskedNIK) sudah punya kartu dari \(earlier); kepala melepasnya: \(reason)")
                released += 1
            }
            // A spoiled card is reprinted only with the kepala's approval (ektpctl as the
            // kepala's PC account), never the approval of whoever recorded the spoilage.
            for job in try await client.jobs(state: .spoiled) {
                let _: JobChanged = try await asKepala(["jobs", "reprint", job.id.rawValue, "--reason", "kartu rusak, cetak ulang"])
                say("    \(label): kepala menyetujui cetak ulang \(job.id) dengan alasan tercatat")
                reprinted += 1
            }
            // A printer in error is the operator's to fix: clear the jam, close the cover,
            // change the ribbon, switch it back on.
            for d in try await client.devices() where d.state.status == .error || d.state.status == .offline {
                if let since = faultSeen[d.id], Date().timeIntervalSince(since) > 0.6 {
                    _ = try await client.injectFault(d.id, FaultRequest(fault: "clear"))
                    say("    \(label): operator membereskan \(d.id): \(d.state.reasons.map(\.label).joined(separator: ", "))")
                    faultSeen[d.id] = nil
                } else if faultSeen[d.id] == nil {
                    faultSeen[d.id] = Date()
                }
            }
            for d in try await client.devices() where d.hopperLedger < 3 {
                let room = d.hopperCapacity - d.hopperLedger
                _ = try? await client.stock(.load(device: d.id, quantity: min(room, 10)))
            }
            return (false, line)
        }
    }

    func inspect(_ job: JobSummary, blangkoUsed: Int) -> (OutcomeRequest.Decision, SpoilCause?, String) {
        switch SimulatedPrinter.inspect(job: job.id.rawValue, blangkoCounted: blangkoUsed, stateDirectory: printerState) {
        case .printed: (.printed, nil, "kartu keluar dengan baik")
        case .spoiled(let cause): (.spoiled, cause, "kartu tertahan di printer saat listrik padam")
        case .notFed: (.notFed, nil, "tidak ada kartu yang ditarik")
        }
    }

    /// Hand-over (a few picked up, a few to PT Pos) and spoiled cards destroyed under a
    /// record with witnesses.
    func finishDay() async throws {
        try await client { client in
            // A few picked up, a few to PT Pos.
            let printed = try await client.jobs(state: .printed, limit: 500)
            let pickupCards = printed.filter { $0.delivery == .pickup }.prefix(4)
            let posCards = printed.filter { $0.delivery == .pos }.prefix(3)
            for job in pickupCards + posCards {
                guard let slip = issued[job.id] else { continue }
                switch slip.delivery {
                case .pickup:
                    // The citizen gives their NIK; the first one typed wrong is refused.
                    if !wrongNIKRefused, let other = issued.values.first(where: { $0.card.nik != slip.card.nik }) {
                        let wrong = HandoverRequest(recipient: slip.card.nama, nik: other.card.nik.digits, posReceipt: nil)
                        do { _ = try await client.handover(job.id, wrong) } catch { wrongNIKRefused = true }
                    }
                    _ = try await client.handover(
                        job.id, HandoverRequest(recipient: slip.card.nama, nik: slip.card.nik.digits, oldCardCollected: pickups == 0, posReceipt: nil))
                    if pickups == 0 {
                        let file = root.appendingPathComponent("tanda-terima-\(job.id.rawValue).pdf")
                        try await client.receiptPDF(job.id).write(to: file)
                        documents.append(file.path)
                    }
                    pickups += 1
                case .pos:
                    _ = try await client.handover(job.id, HandoverRequest(recipient: nil, posReceipt: "POS-DEMO-\(prefix)"))
                    toPos.append(job.id)
                }
                handedOver += 1
            }
            let stock = try await client.stockView()
            if let spoiled = stock.places[.spoiled], spoiled > 0 {
                let _: StockChanged = try await asKepala([
                    "stock", "destroy", "\(spoiled)", "--record", "BA/\(prefix)/001", "--witness", "Kasi Pelayanan", "--witness", "Operator Cetak", "--method",
                    "dipotong",
                ])
            }
        }
    }

    /// An operator (the demo's own PC account) and a kepala (their own PC account), for
    /// `ektpctl` and the web pages.
    func addWebUsers(password: String) async throws {
        try await client { client in
            _ = try await client.addWebUser(
                WebUserRequest(name: "operator", fullName: "Operator \(label)", role: "operator", password: password, pcAccount: String(getuid())))
            _ = try await client.addWebUser(
                WebUserRequest(name: "kepala", fullName: "Kepala \(label)", role: "kepala", password: password, pcAccount: String(Self.kepalaUID)))
        }
    }

    func printedIDs() async throws -> [JobID] {
        try await client { try await $0.jobs(state: .printed, limit: 10_000).map(\.id) }
    }

    /// The last sequence number the station wrote, read from its database (read-only).
    func lastSeq() throws -> Int64 {
        var config = Configuration()
        config.readonly = true
        let db = try DatabaseQueue(path: root.appendingPathComponent("state/station.sqlite").path, configuration: config)
        return try db.read { try Int64.fetchOne($0, sql: "SELECT MAX(seq) FROM outbox") ?? 0 }
    }

    /// The station's own summary; false when an identity or the audit chain does not hold.
    func summary() async throws -> Bool {
        try await client { client in
            let status = try await client.status()
            let stock = try await client.stockView()
            let month = OfficeZone(regionCode: kecamatan).today()
            let reportMonth = try ReportMonth(year: month.year, month: month.month)
            let report = try await client.monthlyReport(month: reportMonth)
            let reportFile = root.appendingPathComponent("laporan-blangko-\(reportMonth).pdf")
            try await client.monthlyReportPDF(month: reportMonth, nip: nil).write(to: reportFile)
            documents.append(reportFile.path)
            let audit = try await client.verifyAudit()
            say("")
            say("══ Stasiun \(label) ══")
            say(
                "Job                : \(status.jobs.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))"
            )
            say("Tercetak bulan ini : \(report.printed)")
            say(
                "Rusak              : \(report.spoiledTotal)"
                    + (report.spoiled.isEmpty
                        ? "" : " (" + report.spoiled.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"))
            say(
                "Keputusan operator : \(decided) hasil tak diketahui diputuskan, \(reprinted) cetak ulang dengan alasan, \(handedOver) diserahkan (\(pickups) diambil dengan NIK cocok\(wrongNIKRefused ? ", 1 NIK salah ditolak" : ""))"
            )
            if released > 0 { say("NIK ganda          : \(released) job ditahan lalu dilepas kepala dengan alasan") }
            for file in documents { say("Dokumen (PDF)      : \(file)") }
            say("Dimusnahkan        : \(report.destroyed)")
            say("Stok per tempat    :")
            for (place, q) in stock.places.sorted(by: { $0.key < $1.key }) where ![.supplier, .adjustment].contains(place) {
                say("  \(place.key.padding(toLength: 28, withPad: " ", startingAt: 0)) \(q)")
            }
            for d in status.devices {
                say(
                    "Printer \(d.id): \(d.state.status.label), hopper \(d.hopperLedger)/\(d.hopperCapacity), tercetak \(d.printed), rusak \(d.spoiled), penghitung \(d.state.supplies.cardCounter.map(String.init) ?? "-")"
                        + (d.chip.map { ", encode chip: \($0.summary)" } ?? "")
                )
            }
            if let r = stock.ribbons {
                say(
                    "Ribbon             : \(r.storeRolls) gulung di gudang, di printer \(r.printers.map { "\($0.device.rawValue) \($0.remaining)/\($0.capacity)" }.joined(separator: ", ")); \(r.printsLeft) cetakan, cukup \(r.daysLeft.map { ConsoleText.decimal($0) } ?? "-") hari cetak (blangko \(stock.forecast.daysLeft.map { ConsoleText.decimal($0) } ?? "-") hari)"
                )
            }
            let chipsAgree = chipCheck(status.devices)
            say(
                "Laporan bulanan    : awal \(report.opening) + terima \(report.received) − cetak \(report.printed) − rusak \(report.spoiledFromUnused) = akhir \(report.closing) \(report.balances ? "✓" : "✗")"
            )
            say("Identitas buku blangko:")
            for i in stock.identities { say("  \(i.holds ? "✓" : "✗") \(i.name): \(i.lhs) = \(i.rhs)") }
            for a in status.alerts.reversed() { say("Peringatan [\(a.alert.kind.rawValue)]: \(a.alert.message)") }
            say("Audit              : \(audit.message)")
            say("Hub                : \(status.sync.map { "\($0.stationId), \($0.outboxBacklog) kejadian belum terkirim" } ?? "belum terdaftar")")
            return stock.identities.allSatisfy(\.holds) && audit.valid && report.balances && chipsAgree
        }
    }

    /// The encoding printer's counts against the test chips themselves (their program's own
    /// record): every verified encoding is a chip that holds a content hash and a NIK, and
    /// the refused write is one gagal-encode. True when there is nothing to check.
    func chipCheck(_ devices: [DeviceView]) -> Bool {
        guard let chips, let counts = devices.first(where: { $0.id == DeviceID(vendor: "sim", serial: Self.encodingSerial) })?.chip else {
            return chips == nil
        }
        let written = chips.chips().filter { $0.written && $0.data.count == 64 + 32 }.count
        let agree = counts.verified >= 1 && counts.failed == 1 && written == counts.verified
        say("Chip (pcscd + vpcd): \(written) chip uji berisi hash job dan NIK, \(counts.verified) encode terverifikasi \(agree ? "✓" : "✗")")
        return agree
    }
}
