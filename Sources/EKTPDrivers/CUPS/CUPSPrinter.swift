import CCups
import EKTPDomain
import Foundation
import Synchronization

/// A card printer behind a CUPS queue, driven through libcups.
///
/// `cups://QUEUE?server=HOST:PORT&profile=ID&timeout=S&media=PWG&direct=0|1&poll-ms=N`
/// - `QUEUE`: the CUPS queue (`lpstat -v`).
/// - `server`: the cupsd to use; default libcups's own (`CUPS_SERVER`, client.conf, the
///   local socket).
/// - `profile`: a profile id from `drivers/profiles` (default `ipp-everywhere-card`):
///   hopper capacity, ribbon capacity, seconds per card.
/// - `timeout`: seconds to wait for a submitted job to finish before the outcome is
///   unknown (default: six card times, at least 120 s).
/// - `media`: the `media` job option (a PWG name the queue knows, e.g. its card size).
///   Default: none, the queue's own default media, which a card queue has set to the
///   card (the vendor PPD's default page size, or `lpadmin -o media-default=…`). A media
///   the printer does not support gets the job canceled by CUPS's ipp backend.
/// - `direct`: also ask the printer itself for its state when the queue's device URI is
///   `ipp://` or `ipps://` (default 1). cupsd only learns a printer's state while a job
///   runs; the printer knows it at once.
/// - `poll-ms`: how often a submitted job is asked for its state (default 100).
///
/// Outcomes, from facts cupsd keeps in the job's record (see `JobProgress`): a job CUPS
/// reports `completed` with no card fault left at the printer is `printed`; a job that
/// ended (aborted, canceled) or was canceled by us without cupsd ever starting it
/// (`time-at-processing` unset) is `failedBeforePick`; anything else (started and then
/// failed or requeued, started twice, cupsd lost or restarted while the job was open, no
/// end before the deadline) is `unknown`: a person decides.
public final class CUPSPrinter: CardPrinter, Sendable {
    public let info: DeviceInfo
    public let documentKind: CardDocumentKind = .pdf
    public let queue: String
    let profile: PrinterProfile
    let server: CUPSConnection
    let device: CUPSConnection?
    let deviceResource: String
    let jobTimeout: Duration
    /// The `media` job option, when the URI sets one; else the queue's default media.
    package let media: String?
    /// Vendor PPD options sent with every job (the profile's ribbon option).
    let jobOptions: [(name: String, value: String)]
    /// The check of the queue's PPD for the profile's ribbon option, when the profile has one.
    let ribbonCheck: RibbonCheck?
    /// The last verdict of `ribbonCheck`.
    let lastRibbonVerdict = Mutex<RibbonVerdict?>(nil)
    package let pollInterval: Duration

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    static let printerAttributes = [
        "printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs",
        "marker-names", "marker-levels", "marker-types",
    ]

    public static func open(url: URLComponents, profiles: ProfileCatalog) async throws -> CUPSPrinter {
        guard let queue = url.host, !queue.isEmpty,
            queue.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && !"/#?\\\"'".unicodeScalars.contains($0) })
        else { throw Problem(description: "cups://: nama antrean CUPS tidak valid (\(url.string ?? ""))") }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let profile = try profiles.profile(query["profile"] ?? "ipp-everywhere-card")

        let host: String
        let port: Int
        if let server = query["server"] {
            let parts = server.split(separator: ":", maxSplits: 1)
            guard let h = parts.first, !h.isEmpty, parts.count == 1 || Int(parts[1]) != nil else {
                throw Problem(description: "cups://: server=\(server) harus HOST:PORT")
            }
            host = String(h)
            port = parts.count == 2 ? Int(parts[1])! : 631
        } else {
            host = String(cString: cupsServer())
            port = Int(ippPort())
        }
        let timeoutSeconds: Int
        if let t = query["timeout"] {
            guard let v = Int(t), v > 0 else { throw Problem(description: "cups://: timeout=\(t) harus detik > 0") }
            timeoutSeconds = v
        } else {
            timeoutSeconds = max(120, profile.print.seconds_per_card * 6)
        }
        var pollMs = 100
        if let p = query["poll-ms"] {
            guard let v = Int(p), (1...5000).contains(v) else { throw Problem(description: "cups://: poll-ms=\(p) harus 1…5000") }
            pollMs = v
        }
        let server = CUPSConnection(host: host, port: port, timeout: 3, label: "\(queue)@\(host):\(port)")

        // The queue's own record: its device URI names the device; the printer's serial,
        // when the device URI carries one (usb://…?serial=…), is its identity.
        let uri = "ipp://\(server.authority)/printers/\(queue)"
        let attrs: IPPAttributes
        do {
            attrs = try await server.run { http in
                try IPP.send(
                    http,
                    IPP.request(
                        IPP_OP_GET_PRINTER_ATTRIBUTES, uriName: "printer-uri", uri: uri,
                        requested: ["device-uri", "printer-make-and-model", "printer-uuid", "printer-name"]),
                    resource: "/", what: "Get-Printer-Attributes \(queue)")
            }
        } catch {
            throw Problem(description: "antrean CUPS \(queue) di \(server.authority) tidak bisa dibaca: \(error)")
        }
        let deviceURI = attrs.string("device-uri") ?? ""
        var device: CUPSConnection?
        var resource = "/ipp/print"
        var serial: String?
        if let d = URLComponents(string: deviceURI) {
            serial = d.queryItems?.first { $0.name.lowercased() == "serial" || $0.name.lowercased() == "uuid" }?.value
            if query["direct"] != "0", d.scheme == "ipp" || d.scheme == "ipps", let h = d.host {
                device = CUPSConnection(host: h, port: d.port ?? 631, timeout: 1.5, label: "device-\(queue)")
                resource = d.path.isEmpty ? "/" : d.path
            }
        }
        if serial == nil, let device {
            // The printer's own serial from its IEEE 1284 device id, else its UUID.
            let direct = try? await device.run { [resource] http in
                try IPP.send(
                    http,
                    IPP.request(
                        IPP_OP_GET_PRINTER_ATTRIBUTES, uriName: "printer-uri", uri: deviceURI,
                        requested: ["printer-device-id", "printer-uuid"]),
                    resource: resource, what: "Get-Printer-Attributes")
            }
            if let id = direct?.string("printer-device-id") {
                for field in id.split(separator: ";") {
                    let kv = field.split(separator: ":", maxSplits: 1)
                    if kv.count == 2, ["SN", "SERN", "SERIALNUMBER"].contains(kv[0].uppercased()) { serial = String(kv[1]) }
                }
            }
            if serial == nil, let uuid = direct?.string("printer-uuid") { serial = uuid.replacingOccurrences(of: "urn:uuid:", with: "") }
        }
        if serial == nil, let d = URLComponents(string: deviceURI), let h = d.host {
            serial = h + (d.port.map { "_\($0)" } ?? "") + d.path
        }
        let serialText = serial ?? queue
        let model = attrs.string("printer-make-and-model").map { "\(profile.name) (\($0))" } ?? profile.name
        var jobOptions: [(name: String, value: String)] = []
        var ribbonCheck: RibbonCheck?
        if let cups = profile.cups {
            let choice = cups.ribbon_choice ?? profile.ribbon.type
            jobOptions.append((cups.ribbon_option, choice))
            ribbonCheck = RibbonCheck(host: host, port: port, queue: queue, option: cups.ribbon_option, choice: choice)
        }
        let info = DeviceInfo(
            id: DeviceID(vendor: "cups", serial: serialText), uri: url.string ?? "cups://\(queue)",
            model: model, serial: serialText, hopperCapacity: profile.hopper.capacity)
        return CUPSPrinter(
            info: info, queue: queue, profile: profile, server: server, device: device, deviceResource: resource,
            deviceURI: deviceURI, jobTimeout: .seconds(timeoutSeconds), media: query["media"].flatMap { $0.isEmpty ? nil : $0 },
            jobOptions: jobOptions, ribbonCheck: ribbonCheck, pollInterval: .milliseconds(pollMs))
    }

    /// What asking cupsd for a queue's PPD found.
    enum PPDFetch: Equatable {
        /// The PPD's text.
        case ppd(String)
        /// cupsd answered that the queue has no PPD (an IPP Everywhere or raw queue).
        case none
        /// cupsd did not answer, or not in time: nothing is known about the PPD yet.
        case unanswered(String)
    }

    /// The queue's PPD as cupsd serves it (`/printers/QUEUE.ppd`), on a connection of its
    /// own.
    static func fetchPPD(host: String, port: Int, queue: String) -> PPDFetch {
        guard let http = httpConnect2(host, Int32(port), nil, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1, 3000, nil) else {
            return .unanswered("tidak tersambung ke \(host):\(port)")
        }
        defer { httpClose(http) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-\(queue)-\(UUID().uuidString.prefix(8)).ppd").path
        // cupsGetFile writes into a file that exists (it opens without O_CREAT).
        guard FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            return .unanswered("berkas sementara \(file) tidak bisa dibuat")
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let status = cupsGetFile(http, "/printers/\(queue).ppd", file)
        if status == HTTP_STATUS_NOT_FOUND { return .none }
        guard status == HTTP_STATUS_OK, let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            return .unanswered("HTTP \(status.rawValue)")
        }
        return .ppd(text)
    }

    /// Whether the queue's PPD offers the profile's ribbon option and choice. It is asked
    /// again and again, not once at open: a cupsd that is slow to answer (a PC just booted,
    /// a busy machine) must not leave the printer refused until ektpd restarts, and a PPD
    /// changed while ektpd runs (the vendor's driver installed, or replaced) counts from
    /// the next check.
    struct RibbonCheck: Sendable {
        let host: String
        let port: Int
        let queue: String
        let option: String
        let choice: String

        /// Asks cupsd for the queue's PPD now and judges it.
        func verdict() async -> RibbonVerdict {
            let fetch = await Task.detached { CUPSPrinter.fetchPPD(host: host, port: port, queue: queue) }.value
            let answered: Bool
            if case .unanswered = fetch { answered = false } else { answered = true }
            return RibbonVerdict(
                at: .now, answered: answered, problem: CUPSPrinter.checkOption(fetch, option: option, choice: choice, queue: queue))
        }
    }

    /// One check's result: when, whether cupsd answered, and why the queue cannot take this
    /// model's jobs (nil: it can).
    struct RibbonVerdict: Sendable {
        let at: ContinuousClock.Instant
        /// cupsd answered: the verdict is about the PPD, not about reaching cupsd.
        let answered: Bool
        let problem: String?
    }

    /// How long `status()` trusts a verdict cupsd answered; printing always asks afresh.
    static let ribbonVerdictAge: Duration = .seconds(30)

    /// Whether the queue can take this model's jobs as they must be sent; nil when the
    /// profile needs no PPD option. A problem (the PPD lacks the ribbon option or choice,
    /// or cannot be read now) refuses printing, and status says so. `fresh` asks cupsd
    /// now; otherwise a recent verdict that cupsd answered stands.
    func ribbonVerdict(fresh: Bool) async -> RibbonVerdict? {
        guard let ribbonCheck else { return nil }
        if !fresh, let last = lastRibbonVerdict.withLock({ $0 }), last.answered, ContinuousClock.now < last.at + Self.ribbonVerdictAge {
            return last
        }
        let verdict = await ribbonCheck.verdict()
        lastRibbonVerdict.withLock { $0 = verdict }
        return verdict
    }

    /// The choices a PPD offers for `option` (`*OpenUI *Ribbon/…` … `*Ribbon YMCKO/…: "…"`).
    public static func choices(ppd: String, option: String) -> [String]? {
        var inside = false
        var found = false
        var choices: [String] = []
        for raw in ppd.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("*OpenUI *\(option)/") || line.hasPrefix("*OpenUI *\(option):") {
                inside = true
                found = true
            } else if line.hasPrefix("*CloseUI: *\(option)") {
                inside = false
            } else if inside, line.hasPrefix("*\(option) ") {
                let rest = line.dropFirst(option.count + 2)
                if let name = rest.split(whereSeparator: { $0 == "/" || $0 == ":" }).first { choices.append(String(name)) }
            }
        }
        return found ? choices : nil
    }

    /// Why a queue's PPD cannot take `option=choice`, or nil when it can.
    static func checkOption(_ fetch: PPDFetch, option: String, choice: String, queue: String) -> String? {
        let ppd: String
        switch fetch {
        case .ppd(let text): ppd = text
        case .unanswered(let why):
            return "PPD antrean \(queue) belum terbaca (\(why)): pilihan \(option)=\(choice) belum bisa diperiksa; dicoba lagi"
        case .none: return "antrean CUPS \(queue) tidak punya PPD: pasang driver vendor (docs/cups.md) agar pilihan \(option)=\(choice) berlaku"
        }
        guard let choices = choices(ppd: ppd, option: option) else {
            return "PPD antrean \(queue) tidak punya pilihan \(option): bukan driver vendor untuk model ini (docs/cups.md)"
        }
        guard choices.contains(choice) else {
            return "PPD antrean \(queue) tidak mengenal \(option)=\(choice) (pilihan: \(choices.joined(separator: ", "))); sesuaikan ribbon_choice di profil"
        }
        return nil
    }

    let deviceURI: String

    init(
        info: DeviceInfo, queue: String, profile: PrinterProfile, server: CUPSConnection, device: CUPSConnection?, deviceResource: String,
        deviceURI: String, jobTimeout: Duration, media: String?, jobOptions: [(name: String, value: String)] = [], ribbonCheck: RibbonCheck? = nil,
        pollInterval: Duration = .milliseconds(100)
    ) {
        self.jobOptions = jobOptions
        self.ribbonCheck = ribbonCheck
        self.info = info
        self.queue = queue
        self.profile = profile
        self.server = server
        self.device = device
        self.deviceResource = deviceResource
        self.deviceURI = deviceURI
        self.jobTimeout = jobTimeout
        self.media = media
        self.pollInterval = pollInterval
    }

    var printerURI: String { "ipp://\(server.authority)/printers/\(queue)" }

    // MARK: State

    /// The queue's state from cupsd, merged with the printer's own when it can be asked.
    public func status() async -> DeviceState {
        let uri = printerURI
        let queue = self.queue
        let cups: CUPSPrinterState
        do {
            cups = try await server.run { http in
                CUPSPrinterState(
                    try IPP.send(
                        http, IPP.request(IPP_OP_GET_PRINTER_ATTRIBUTES, uriName: "printer-uri", uri: uri, requested: Self.printerAttributes),
                        resource: "/", what: "Get-Printer-Attributes \(queue)"))
            }
        } catch let error as CUPSError {
            if case .ipp(let code) = error.kind, code == Int32(IPP_STATUS_ERROR_NOT_FOUND.rawValue) {
                return DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "antrean CUPS \(queue) tidak ada")
            }
            return DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "cupsd tidak menjawab: \(error)")
        } catch {
            return DeviceState(status: .offline, reasons: [.offlineReport], vendorDetail: "cupsd tidak menjawab: \(error)")
        }
        var merged = cups
        var extra: String?
        if let device {
            let deviceURI = self.deviceURI
            let resource = deviceResource
            do {
                let own = try await device.run { http in
                    CUPSPrinterState(
                        try IPP.send(
                            http, IPP.request(IPP_OP_GET_PRINTER_ATTRIBUTES, uriName: "printer-uri", uri: deviceURI, requested: Self.printerAttributes),
                            resource: resource, what: "Get-Printer-Attributes"))
                }
                // cupsd hears of the printer's reasons only while a job runs, and keeps the
                // last ones it heard (a jam long cleared, "offline" from a past failed
                // connection): when the printer answers, its own reasons are the truth.
                // The queue's own state (stopped, rejecting) still comes from cupsd.
                merged.reasons = own.reasons
                if merged.markerLevels.isEmpty {
                    merged.markerNames = own.markerNames
                    merged.markerLevels = own.markerLevels
                    merged.markerTypes = own.markerTypes
                }
                // A stopped queue stays stopped; otherwise the printer says whether it is busy.
                if cups.printerState != 5, own.printerState == 4 { merged.printerState = 4 }
                if !own.message.isEmpty, own.message != "Idle." { extra = "printer: \(own.message)" }
            } catch {
                merged.reasons.append("offline-report")
                extra = "printer \(deviceURI) tidak menjawab: \(error)"
            }
        }
        var state = merged.deviceState(ribbonCapacity: profile.ribbon.capacity, extraDetail: extra)
        if let verdict = await ribbonVerdict(fresh: false), let setupProblem = verdict.problem {
            // A PPD that cannot take the job is the setup's error; a PPD not read yet is
            // cupsd not answering, as for the queue's own state.
            state.status = verdict.answered ? .error : .offline
            state.reasons.append(verdict.answered ? .other : .offlineReport)
            state.vendorDetail = [setupProblem, state.vendorDetail].compactMap { $0 }.joined(separator: "; ")
        }
        // No CUPS attribute carries a card printer's card counter; say so where it would be.
        state.vendorDetail = [state.vendorDetail, "penghitung kartu tidak terbaca lewat CUPS"].compactMap { $0 }.joined(separator: "; ")
        return state
    }

    // MARK: Printing

    /// What following a job has seen of it, in cupsd's own record of the job
    /// (Get-Job-Attributes), poll after poll. Each fact below is one cupsd keeps in the
    /// record, so a poll that comes late still sees it: the outcome does not depend on
    /// catching a state while it lasts.
    struct JobProgress: Sendable {
        /// `job-state`: 3 pending, 4 held, 5 processing, 6 stopped, 7 canceled, 8 aborted,
        /// 9 completed.
        var state = 3
        var reasons: [String] = []
        var impressions = 0
        /// `time-at-processing` as first seen. cupsd sets it each time it starts the job's
        /// filters and backend, and keeps it in the job's record (across a restart too).
        var startedAt: Int?
        /// The job was handed to the backend at some point: `time-at-processing` is set, or
        /// the job was seen `processing`, `job-printing` or with an impression.
        var started = false
        /// cupsd started the job again (a later `time-at-processing`): a second card.
        var restarted = false
        /// Card faults the printer still reported when the job ended
        /// (`job-printer-state-reasons`, which cupsd sets after the backend's last report).
        var faults: [String] = []
        /// A poll went unanswered, or cupsd answered over a new connection (it may have
        /// been restarted and have run the job again), while the job was open.
        var lostContact = false
        /// For a job cupsd reports completed: the `job-state` of the printer's own newest
        /// job of that name, when the queue's device is an IPP printer that answers.
        var printerJobState: Int?
        /// The queue's device is an IPP printer, and it did not answer (or did not list the
        /// job) when asked how a job cupsd calls completed ended.
        var printerSilent = false

        /// Takes in one Get-Job-Attributes answer.
        mutating func note(_ a: IPPAttributes) {
            state = a.integer("job-state") ?? state
            reasons = a.strings["job-state-reasons"] ?? []
            impressions = max(impressions, a.integer("job-impressions-completed") ?? 0)
            if let time = a.integer("time-at-processing"), time > 0 {
                if let startedAt, startedAt != time { restarted = true }
                if startedAt == nil { startedAt = time }
            }
            if startedAt != nil || state == 5 || reasons.contains("job-printing") || impressions > 0 { started = true }
            if state >= 7 { faults = CUPSPrinterState.cardFaults(a.strings["job-printer-state-reasons"] ?? []) }
        }
    }

    public func print(_ document: CardDocument, job: JobID) async -> PrintOutcome {
        guard case .pdf(let pdf) = document else {
            return .failedBeforePick(reason: "printer ini menerima PDF, bukan \(document.kind)", counter: nil)
        }
        if let setupProblem = await ribbonVerdict(fresh: true)?.problem { return .failedBeforePick(reason: setupProblem, counter: nil) }
        // Never feed a job into a printer that cannot take it: a stopped queue would keep
        // it, and print it later, unasked.
        // A busy printer (`printing`) may take the job: CUPS queues it behind the other.
        let before = await status()
        guard before.status.acceptsJobs || before.status == .printing else {
            let why = before.reasons.first.map(\.label) ?? before.status.label
            return .failedBeforePick(reason: "printer tidak siap (\(why)); job tidak dikirim", counter: nil)
        }
        let submitted: (jobId: Int32, epoch: Int)
        do {
            submitted = try await submit(pdf, title: job.rawValue)
        } catch let failure as SubmitFailure {
            if failure.jobId == 0 { return .failedBeforePick(reason: "job tidak diterima CUPS: \(failure.error)", counter: nil) }
            // The document did not arrive whole: cupsd does not start a job before its last
            // document is in, so a job canceled now never reached the printer.
            if await cancel(failure.jobId) {
                return .failedBeforePick(reason: "PDF tidak terkirim utuh ke CUPS: \(failure.error)", counter: nil)
            }
            return .unknown(reason: "PDF tidak terkirim utuh ke CUPS dan job \(queue)-\(failure.jobId) tidak bisa dibatalkan: \(failure.error)")
        } catch {
            return .failedBeforePick(reason: "job tidak diterima CUPS: \(error)", counter: nil)
        }
        return await follow(submitted.jobId, epoch: submitted.epoch, title: job.rawValue)
    }

    struct SubmitFailure: Error {
        var jobId: Int32
        var error: CUPSError
    }

    /// Create-Job + Send-Document in one block on the connection's queue; returns the job
    /// id and the connection's epoch once the job is in.
    func submit(_ pdf: Data, title: String) async throws -> (jobId: Int32, epoch: Int) {
        let queue = self.queue
        let media = self.media
        let uri = printerURI
        let options = jobOptions
        let (jobId, epoch) = try await server.runCounted { http in
            // Create-Job by hand: cupsCreateJob (2.4) looks the destination up again and
            // failed here with "The printer or class does not exist" against a cupsd on
            // a non-default port. Send-Document still goes through libcups.
            let request = IPP.request(IPP_OP_CREATE_JOB, uriName: "printer-uri", uri: uri)
            ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, cupsUser())
            ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", nil, title)
            if let media { ippAddString(request, IPP_TAG_JOB, IPP_TAG_KEYWORD, "media", nil, media) }
            ippAddInteger(request, IPP_TAG_JOB, IPP_TAG_INTEGER, "copies", 1)
            // cupsd hands job attributes to the filters as options: the vendor's filter reads
            // its PPD option (`Ribbon=YMCKK`) from there, as from `lp -o`.
            for option in options { ippAddString(request, IPP_TAG_JOB, IPP_TAG_KEYWORD, option.name, nil, option.value) }
            let created: IPPAttributes
            do {
                created = try IPP.send(http, request, resource: "/printers/\(queue)", what: "Create-Job")
            } catch let error as CUPSError {
                throw SubmitFailure(jobId: 0, error: error)
            }
            guard let job = created.integer("job-id"), job > 0 else {
                throw SubmitFailure(jobId: 0, error: CUPSError(kind: .ipp(0), description: "Create-Job: tidak ada job-id"))
            }
            let id = Int32(job)
            guard cupsStartDocument(http, queue, id, "\(title).pdf", "application/pdf", 1) == HTTP_STATUS_CONTINUE else {
                throw SubmitFailure(jobId: id, error: CUPSError.last("Send-Document"))
            }
            let written = pdf.withUnsafeBytes { buffer in
                cupsWriteRequestData(http, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
            }
            guard written == HTTP_STATUS_CONTINUE else { throw SubmitFailure(jobId: id, error: CUPSError.last("Send-Document")) }
            guard cupsFinishDocument(http, queue).rawValue <= IPP_STATUS_OK_EVENTS_COMPLETE.rawValue else {
                throw SubmitFailure(jobId: id, error: CUPSError.last("Send-Document"))
            }
            return id
        }
        return (jobId, epoch)
    }

    /// Cancel-Job; true when cupsd confirms it.
    func cancel(_ jobId: Int32) async -> Bool {
        let queue = self.queue
        return
            (try? await server.run { http in
                cupsCancelJob2(http, queue, jobId, 0).rawValue <= IPP_STATUS_OK_EVENTS_COMPLETE.rawValue
            }) ?? false
    }

    static let jobAttributeNames = [
        "job-state", "job-state-reasons", "job-impressions-completed", "time-at-processing", "job-printer-state-reasons",
        "job-printer-state-message",
    ]

    /// One Get-Job-Attributes.
    package func jobAttributes(_ jobId: Int32) async throws -> IPPAttributes {
        try await jobAttributesCounted(jobId).attributes
    }

    /// One Get-Job-Attributes, with the connection's epoch after it.
    func jobAttributesCounted(_ jobId: Int32) async throws -> (attributes: IPPAttributes, epoch: Int) {
        let uri = "ipp://\(server.authority)/jobs/\(jobId)"
        let (attributes, epoch) = try await server.runCounted { http in
            try IPP.send(
                http, IPP.request(IPP_OP_GET_JOB_ATTRIBUTES, uriName: "job-uri", uri: uri, requested: Self.jobAttributeNames),
                resource: "/", what: "Get-Job-Attributes \(jobId)")
        }
        return (attributes, epoch)
    }

    /// The `job-state` of the printer's own newest completed job named `name` (Get-Jobs
    /// on the printer: CUPS's ipp backend gives the printer's job the CUPS job's name), or
    /// nil when the queue's device is not an IPP printer, it does not answer or it does not
    /// list the job.
    func printerJobState(named name: String) async -> Int? {
        guard let device else { return nil }
        let deviceURI = self.deviceURI
        let resource = deviceResource
        let jobs = try? await device.run { http in
            let request = IPP.request(IPP_OP_GET_JOBS, uriName: "printer-uri", uri: deviceURI, requested: ["job-id", "job-name", "job-state"])
            ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, cupsUser())
            ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nil, "completed")
            return try IPP.send(http, request, resource: resource, what: "Get-Jobs", read: IPPAttributes.jobs)
        }
        let named = (jobs ?? []).filter { $0.string("job-name") == name }
        return named.max { ($0.integer("job-id") ?? 0) < ($1.integer("job-id") ?? 0) }?.integer("job-state")
    }

    /// Follows the job to its end or the deadline. `epoch` is the connection's epoch when
    /// the job was submitted: a later one means cupsd may have been restarted meanwhile.
    func follow(_ jobId: Int32, epoch: Int, title: String) async -> PrintOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now + jobTimeout
        var progress = JobProgress()
        let name = "\(queue)-\(jobId)"
        while true {
            do {
                let (a, now) = try await jobAttributesCounted(jobId)
                if now != epoch { progress.lostContact = true }
                progress.note(a)
                if progress.state >= 7 {
                    if progress.state == 9, progress.faults.isEmpty, !progress.lostContact, !progress.restarted, device != nil {
                        // The printer's own word on a job cupsd calls completed (see `outcome`),
                        // asked a few times: a busy printer may be slow to answer.
                        for attempt in 0..<3 {
                            if attempt > 0 { try? await Task.sleep(for: .milliseconds(500)) }
                            progress.printerJobState = await printerJobState(named: title)
                            if progress.printerJobState != nil { break }
                        }
                        progress.printerSilent = progress.printerJobState == nil
                    }
                    return Self.outcome(progress, job: name)
                }
                if progress.lostContact {
                    // cupsd is back after losing us mid-job. A restart re-runs an
                    // interrupted job from the start, and a crash may have lost the record
                    // of a first run: stop the job before it feeds (more) cards.
                    let canceled = await cancel(jobId)
                    return .unknown(reason: "cupsd terputus selama job \(name) terbuka\(canceled ? "; job dibatalkan" : ""); periksa printer")
                }
                if progress.restarted || (progress.started && progress.state != 5) {
                    // Back in the queue (pending, held, stopped) or started a second time after
                    // it reached the backend: the printer stopped, the job is to be retried, or
                    // cupsd restarted. A second run would feed a second card: stop it, and let
                    // a person decide about the first.
                    let canceled = await cancel(jobId)
                    return .unknown(
                        reason:
                            "job \(name) \(Self.stateName(progress.state)) lagi setelah sampai ke printer (\(progress.reasons.joined(separator: ",")))\(canceled ? "; job dibatalkan" : ""); periksa printer"
                    )
                }
            } catch let error as CUPSError where error.kind == .ipp(Int32(IPP_STATUS_ERROR_NOT_FOUND.rawValue)) {
                // cupsd no longer knows the job (a restart lost it): nobody can say what
                // the printer did with it.
                return .unknown(reason: "job \(name) hilang dari CUPS\(progress.lostContact ? " setelah cupsd terputus" : ""); periksa printer")
            } catch {
                progress.lostContact = true
            }
            if clock.now >= deadline { break }
            try? await Task.sleep(for: pollInterval)
        }
        // No end in time: stop the job so it cannot print later unseen, then read its
        // record once more: it may have started between the last poll and the cancel.
        let canceled = await cancel(jobId)
        if canceled, let (a, now) = try? await jobAttributesCounted(jobId) {
            if now != epoch { progress.lostContact = true }
            progress.note(a)
            if !progress.started, !progress.lostContact {
                return .failedBeforePick(reason: "job \(name) tidak dimulai printer dalam \(jobTimeout) lalu dibatalkan", counter: nil)
            }
        }
        let why = progress.lostContact ? "cupsd tidak menjawab" : "printer tidak menyelesaikan job"
        return .unknown(reason: "\(why) dalam \(jobTimeout) (job \(name)\(canceled ? ", dibatalkan" : ", tidak bisa dibatalkan")); periksa printer")
    }

    /// The outcome of a finished job (7 canceled, 8 aborted, 9 completed).
    static func outcome(_ p: JobProgress, job: String) -> PrintOutcome {
        let reasons = p.reasons.joined(separator: ",")
        if p.lostContact {
            // cupsd went away while the job was open: it may have restarted the job and
            // fed a second card, or killed it after the first. Only a person can tell.
            return .unknown(reason: "cupsd terputus selama job \(job) terbuka (akhir: \(Self.stateName(p.state)), \(reasons)); periksa printer")
        }
        if p.restarted {
            return .unknown(reason: "job \(job) dimulai dua kali oleh CUPS (akhir: \(Self.stateName(p.state)), \(reasons)); periksa printer")
        }
        switch p.state {
        case 9 where !p.faults.isEmpty:
            // cupsd's ipp backend reports a job the printer aborted as completed when it sees
            // the printer's job end before its monitor thread does; and "completed" after
            // a jam or a pulled cable is an old CUPS story. The printer's own fault at the
            // job's end outweighs the word "completed".
            return .unknown(
                reason: "CUPS melaporkan job \(job) selesai, tetapi printer melaporkan \(p.faults.joined(separator: ",")); periksa kartu")
        case 9 where p.printerJobState == 7 || p.printerJobState == 8:
            // The same race, for a printer that aborts the job without a reason: its own job
            // record says how it ended.
            return .unknown(
                reason: "CUPS melaporkan job \(job) selesai, tetapi printer mencatatnya \(Self.stateName(p.printerJobState ?? 0)); periksa kartu")
        case 9 where p.printerSilent:
            // cupsd's ipp backend also calls a job completed when the printer vanished after
            // the document reached it: without the printer's own word, nobody knows the card.
            return .unknown(reason: "CUPS melaporkan job \(job) selesai, tetapi printer tidak menjawab untuk memastikannya; periksa kartu")
        case 9:
            return .printed(counter: nil)
        default:
            if !p.started {
                return .failedBeforePick(reason: "job \(job) \(Self.stateName(p.state)) sebelum sampai ke printer (\(reasons))", counter: nil)
            }
            return .unknown(reason: "job \(job) \(Self.stateName(p.state)) setelah sampai ke printer (\(reasons)); periksa printer")
        }
    }

    package static func stateName(_ state: Int) -> String {
        switch state {
        case 3: "menunggu"
        case 4: "ditahan"
        case 5: "diproses"
        case 6: "dihentikan"
        case 7: "dibatalkan"
        case 8: "digagalkan"
        case 9: "selesai"
        default: "keadaan \(state)"
        }
    }

    public func close() async {
        await server.close()
        await device?.close()
    }

    /// Queue names on a CUPS server (`cupsGetDests2`).
    public static func queues(server: String? = nil) async throws -> [String] {
        var host = String(cString: cupsServer())
        var port = Int(ippPort())
        if let server {
            let parts = server.split(separator: ":", maxSplits: 1)
            host = String(parts[0])
            port = parts.count == 2 ? Int(parts[1]) ?? 631 : 631
        }
        let connection = CUPSConnection(host: host, port: port, timeout: 3, label: "dests")
        let names = try await connection.destinations()
        await connection.close()
        return names
    }
}
