import EKTPDomain
import EKTPWire
import Foundation

/// What `ektpctl` prints for each answer of the station API: aligned text in Bahasa
/// Indonesia, or the JSON itself. Pure functions, so they are tested without a daemon.
public enum ConsoleText {
    // MARK: JSON

    /// `value` as pretty JSON with sorted keys and ISO 8601 dates, ending in a newline-free
    /// last line (the caller prints it).
    public static func json(_ value: some Encodable) -> String {
        let encoder = WireCoding.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Small pieces

    /// `2026-03-05 14:07` at the office (`zone`).
    public static func date(_ date: Date, zone: OfficeZone) -> String {
        let calendar = zone.calendar
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { let n = n ?? 0; return n < 10 ? "0\(n)" : String(n) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
    }

    /// One decimal, with the Indonesian decimal comma: `12,5`.
    public static func decimal(_ x: Double) -> String {
        guard x.isFinite else { return "-" }
        let tenths = Int((x * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10),\(abs(tenths) % 10)"
    }

    /// `+3`, `0`, `-2`.
    public static func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : String(n) }

    static func stateLabel(_ raw: String) -> String { JobState(rawValue: raw)?.label ?? raw }

    // MARK: Status

    /// `ektpctl status`
    public static func status(_ s: StationStatusView, zone: OfficeZone) -> String {
        var head = KeyValueList()
        head.append("Kecamatan", s.kecamatanName.map { "\(s.kecamatanCode) \($0)" } ?? s.kecamatanCode)
        head.append("Blangko tersedia", "\(s.blangkoOnHand) (gudang dan hopper)")
        head.append("Antrean ke pusat", s.outboxBacklog == 0 ? "terkirim semua" : "\(s.outboxBacklog) kejadian belum terkirim")
        if let held = s.held { head.append("Cetak tertahan", held) }
        head.append("Hub", s.sync.map { syncLine($0, zone: zone) } ?? "belum terdaftar (ektpctl enroll HUB_URL TOKEN)")
        var out = [head.render(), "", "Job:"]
        out.append(jobCounts(s.jobs))
        out += ["", "Printer:", devices(s.devices)]
        if !s.alerts.isEmpty {
            out += ["", "Peringatan:", alerts(s.alerts, zone: zone)]
        }
        return out.joined(separator: "\n")
    }

    /// `ektpctl alerts`: the open alerts, with who took each on.
    public static func alerts(_ list: [AlertView], zone: OfficeZone) -> String {
        guard !list.isEmpty else { return "(tidak ada peringatan terbuka)" }
        var t = TextTable(headers: ["NO", "WAKTU", "JENIS", "PRINTER", "PESAN"], rightAligned: [0])
        for a in list {
            let taken = a.acknowledgedBy.map { "(ditangani \($0)) " } ?? ""
            t.append([String(a.id), date(a.at, zone: zone), a.alert.kind.label, a.alert.device?.rawValue ?? "-", taken + a.alert.message])
        }
        return t.render()
    }

    /// Jobs per state, in the order of the job's life.
    static func jobCounts(_ counts: [JobState: Int]) -> String {
        var t = TextTable(headers: ["STATUS", "JUMLAH"], rightAligned: [1])
        for state in JobState.allCases { if let n = counts[state] { t.append([state.label, String(n)]) } }
        if t.rows.isEmpty { return "  (tidak ada job)" }
        return t.render()
    }

    // MARK: Devices

    /// `ektpctl devices`
    public static func devices(_ list: [DeviceView]) -> String {
        guard !list.isEmpty else { return "(tidak ada printer)" }
        var t = TextTable(
            headers: ["PRINTER", "MODEL", "KEADAAN", "HOPPER", "RIBBON", "TERCETAK", "RUSAK", "KETERANGAN"],
            rightAligned: [3, 4, 5, 6])
        for d in list {
            var hopper = "\(d.hopperLedger)/\(d.hopperCapacity)"
            if let sensed = d.state.supplies.hopperLevel, sensed != d.hopperLedger { hopper += " (printer: \(sensed))" }
            let supplies = d.state.supplies
            let ribbon = supplies.ribbonRemaining.map { r in supplies.ribbonCapacity.map { "\(r)/\($0)" } ?? String(r) } ?? "?"
            var notes = d.state.reasons.map(\.label)
            if let v = d.state.vendorDetail, !v.isEmpty { notes.append(v) }
            if let chip = d.chip { notes.append("encode chip: " + chip.summary) }
            t.append([
                d.id.rawValue, d.model, d.state.status.label, hopper, ribbon, String(d.printed), String(d.spoiled),
                notes.joined(separator: ", "),
            ])
        }
        return t.render()
    }

    /// `ektpctl devices offered`
    public static func offered(_ list: [OfferedPrinterView]) -> String {
        guard !list.isEmpty else { return "(tidak ada printer baru terpasang)" }
        var t = TextTable(headers: ["PRINTER", "NAMA", "SERI", "PORT", "PROFIL"], rightAligned: [])
        for p in list { t.append([p.id.rawValue, p.name, p.serial, p.port, p.profile]) }
        return t.render() + "\nTambahkan dengan: ektpctl devices add PRINTER"
    }

    /// `ektpctl devices test-print`
    public static func testPrint(_ r: TestPrintResult) -> String {
        "\(r.device.rawValue): \(r.message)" + (r.ledgerEntry.map { " (buku blangko #\($0))" } ?? "")
    }

    // MARK: Jobs

    /// `ektpctl jobs list`
    public static func jobs(_ list: [JobSummary], zone: OfficeZone) -> String {
        guard !list.isEmpty else { return "(tidak ada job)" }
        var t = TextTable(
            headers: ["JOB", "STATUS", "PRIORITAS", "NIK", "PRINTER", "PERCOBAAN", "DITERIMA", "DIPERBARUI"],
            rightAligned: [5])
        for j in list {
            t.append([
                j.id.rawValue, j.heldFor.map { "\(j.state.label), ditahan: NIK sama dengan \($0)" } ?? j.state.label,
                j.priority == .urgent ? "mendesak" : "biasa", j.maskedNIK,
                j.device?.rawValue ?? "-", String(j.attempts), date(j.receivedAt, zone: zone),
                date(j.updatedAt, zone: zone),
            ])
        }
        return t.render()
    }

    /// `ektpctl stock shipments`
    public static func shipments(_ list: [IncomingShipment], zone: OfficeZone) -> String {
        guard !list.isEmpty else { return "(tidak ada kiriman blangko)" }
        var t = TextTable(headers: ["SURAT JALAN", "DARI", "DIKIRIM", "TANGGAL KIRIM", "DITERIMA", "STATUS"], rightAligned: [2, 4])
        for s in list {
            let status: String
            if s.inTransit {
                status = "dalam perjalanan"
            } else if s.receivedQuantity == s.quantity {
                status = "diterima \(s.receivedBy ?? "")"
            } else {
                status = "selisih \(signed((s.receivedQuantity ?? 0) - s.quantity)): \(s.reason ?? "")"
            }
            t.append([
                s.id, s.origin, String(s.quantity), date(s.sentAt, zone: zone), s.receivedQuantity.map(String.init) ?? "-", status,
            ])
        }
        return t.render()
    }

    /// `ektpctl jobs find`
    public static func matches(_ list: [JobMatch]) -> String {
        guard !list.isEmpty else { return "(tidak ada kartu yang cocok)" }
        var t = TextTable(headers: ["JOB", "NAMA", "NIK", "STATUS", "PENYERAHAN"])
        for m in list {
            t.append([m.summary.id.rawValue, m.nama ?? "-", m.summary.maskedNIK, m.summary.state.label, m.summary.delivery?.label ?? "-"])
        }
        return t.render()
    }

    /// `ektpctl jobs show ID`
    public static func job(_ d: JobDetail, zone: OfficeZone) -> String {
        let s = d.summary
        var kv = KeyValueList()
        kv.append("Job", s.id.rawValue)
        kv.append("Status", "\(s.state.label) (\(s.state.rawValue))")
        kv.append("Prioritas", s.priority == .urgent ? "mendesak" : "biasa")
        kv.append("NIK", s.maskedNIK)
        kv.append("Nama", d.nama ?? "(data pribadi sudah dihapus)")
        kv.append("Pengiriman", d.delivery ?? "-")
        if let collector = d.collectedBy { kv.append("Diambil oleh", collector) }
        kv.append("Printer", s.device?.rawValue ?? "-")
        kv.append("Percobaan", String(s.attempts))
        kv.append("Diterima", date(s.receivedAt, zone: zone))
        kv.append("Diperbarui", date(s.updatedAt, zone: zone))
        var out = [kv.render(), "", "Riwayat:"]
        if d.history.isEmpty {
            out.append("(kosong)")
        } else {
            var t = TextTable(headers: ["NO", "WAKTU", "OLEH", "TINDAKAN", "KETERANGAN"], rightAligned: [0])
            for e in d.history { t.append([String(e.seq), date(e.at, zone: zone), e.actor, e.action, e.detail]) }
            out.append(t.render())
        }
        return out.joined(separator: "\n")
    }

    /// `ektpctl jobs import FILE`
    public static func importResult(_ r: ImportResult) -> String {
        var out = ["\(r.stored.count) job disimpan, \(r.duplicates.count) sudah ada (diabaikan)."]
        if !r.stored.isEmpty { out.append("Disimpan: " + r.stored.map(\.rawValue).joined(separator: ", ")) }
        if !r.duplicates.isEmpty { out.append("Sudah ada: " + r.duplicates.map(\.rawValue).joined(separator: ", ")) }
        if !r.warnings.isEmpty {
            out.append("Peringatan:")
            out += r.warnings.map { "  - \($0)" }
        }
        return out.joined(separator: "\n")
    }

    /// Any command that changed one job.
    public static func jobChanged(_ c: JobChanged) -> String {
        "Job \(c.id.rawValue) sekarang berstatus \(c.state.label) (\(c.state.rawValue))."
    }

    // MARK: Stock

    /// Any stock operation.
    public static func stockChanged(_ c: StockChanged) -> String {
        var out = [c.message]
        if let entry = c.entry { out.append("Catatan buku stok no. \(entry).") }
        if let pending = c.pendingCount {
            out.append("Selisih hitung no. \(pending) menunggu keputusan kepala kecamatan:")
            out.append("  ektpctl stock confirm-count \(pending)   atau   ektpctl stock refuse-count \(pending)")
        }
        return out.joined(separator: "\n")
    }

    /// Places in the order a person reads them: the store, the printers, spoiled cards,
    /// then where cards went.
    static func placeRank(_ place: StockPlace) -> (Int, String) {
        switch place {
        case .store: (0, place.key)
        case .hopper: (1, place.key)
        case .spoiled: (2, place.key)
        case .issued: (3, place.key)
        case .destroyed: (4, place.key)
        case .transferred: (5, place.key)
        case .supplier: (6, place.key)
        case .adjustment: (7, place.key)
        }
    }

    /// `ektpctl stock show`
    public static func stock(_ v: StockView) -> String {
        var places = TextTable(headers: ["TEMPAT", "JUMLAH", "KETERANGAN"], rightAligned: [1])
        // `supplier` and `adjustment` are the ledger's counterparts (their balance is minus
        // what came in); they mean nothing on a shelf, so only --json shows them.
        let shown = v.places.keys.filter { ![StockPlace.supplier, .adjustment].contains($0) }
        for place in shown.sorted(by: { placeRank($0) < placeRank($1) }) {
            places.append([place.key, String(v.places[place]!), place.description])
        }
        var out = ["Stok blangko:", places.rows.isEmpty ? "(belum ada catatan)" : places.render(), ""]
        var kv = KeyValueList()
        let f = v.forecast
        kv.append(
            "Pemakaian",
            "\(decimal(f.usagePerPrintingDay)) kartu per hari cetak (\(f.used) kartu dalam \(f.printingDays) hari cetak, \(f.windowDays) hari terakhir)")
        kv.append("Cukup untuk", f.daysLeft.map { "\(decimal($0)) hari cetak" } ?? "-")
        kv.append("Antrean", "\(f.backlog) job\(f.needForBacklog > 0 ? "; kurang \(f.needForBacklog) blangko" : "")")
        if let old = v.oldCardsAwaitingDestruction, old > 0 { kv.append("KTP-el lama", "\(old) ditarik, menunggu pemusnahan") }
        if let r = v.ribbons {
            let printers = r.printers.map { "\($0.device.rawValue) \($0.remaining)/\($0.capacity)" }.joined(separator: ", ")
            kv.append(
                "Ribbon",
                "\(r.storeRolls) gulung di gudang\(printers.isEmpty ? "" : "; di printer: \(printers)"); \(r.printsLeft) cetakan, cukup untuk \(r.daysLeft.map { "\(decimal($0)) hari cetak" } ?? "-")"
            )
        }
        out.append(kv.render())
        if !v.pendingCounts.isEmpty {
            out += ["", "Hitung fisik menunggu keputusan kepala kecamatan:"]
            var t = TextTable(headers: ["NO", "TEMPAT", "TERCATAT", "DIHITUNG", "SELISIH", "ALASAN", "OLEH"], rightAligned: [0, 2, 3, 4])
            for p in v.pendingCounts {
                t.append([String(p.id), p.place, String(p.expected), String(p.counted), signed(p.counted - p.expected), p.reason, p.by])
            }
            out.append(t.render())
        }
        if !v.identities.isEmpty {
            out += ["", "Pemeriksaan neraca:"]
            var t = TextTable(headers: ["", "KIRI", "KANAN", "PERSAMAAN"], rightAligned: [1, 2])
            for i in v.identities { t.append([i.holds ? "✓" : "✗", String(i.lhs), String(i.rhs), i.name]) }
            out.append(t.render())
            if v.identities.contains(where: { !$0.holds }) {
                out.append("PERHATIAN: ada neraca yang tidak seimbang; laporkan ke kabupaten.")
            }
        }
        return out.joined(separator: "\n")
    }

    /// `ektpctl stock report --month YYYY-MM`
    public static func report(_ r: MonthlyBlangkoReport) -> String {
        let title: String
        if let m = try? ReportMonth(parsing: r.month) { title = "Laporan blangko \(m.label) (\(r.month))" } else { title = "Laporan blangko \(r.month)" }
        var t = TextTable(headers: ["", "JUMLAH"], rightAligned: [1])
        let rows = r.rows { SpoilCause(rawValue: $0)?.label ?? $0 }
        for row in rows {
            let value = row.label.hasPrefix("Koreksi") ? signed(row.value) : String(row.value)
            t.append([(row.indented ? "  " : "") + row.label, value])
        }
        let check =
            r.balances && MonthlyBlangkoReport.rowsBalance(rows)
            ? "Neraca seimbang: \(MonthlyBlangkoReport.formula) ✓"
            : "PERHATIAN: neraca tidak seimbang ✗"
        return [title, "", t.render(), "", check].joined(separator: "\n")
    }

    // MARK: Audit

    /// `ektpctl audit verify`
    public static func audit(_ a: AuditVerification) -> String {
        // The daemon's message for a whole chain says the same thing; --json keeps it.
        let hub =
            a.hubNote.map { "\nHub: \($0)." }
            ?? a.anchorsChecked.map { n in
                (a.differsFromHub ?? []).isEmpty
                    ? "\nCocok dengan \(n) kepala rantai yang dipegang hub."
                    : "\nBERBEDA dengan hub di catatan no. \((a.differsFromHub ?? []).prefix(20).map(String.init).joined(separator: ", "))."
            } ?? ""
        if a.valid { return "Rantai audit utuh: \(a.entries) catatan diperiksa." + hub }
        var s = "RANTAI AUDIT RUSAK"
        if let at = a.brokenAt { s += " mulai catatan no. \(at)" }
        s += " (\(a.entries) catatan diperiksa): \(a.message)"
        return s + hub
    }

    // MARK: Errors

    /// The text `ektpctl` writes to stderr for a failed call.
    public static func error(_ e: StationClientError) -> String {
        var text = e.description
        if let api = e.apiError {
            // The code after the message helps a support call; the message comes first.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            text = ([lines.first.map { "\($0) [\(api.code)]" } ?? "[\(api.code)]"] + lines.dropFirst().map(String.init))
                .joined(separator: "\n")
        }
        return text
    }

    // MARK: Sync

    static func syncLine(_ s: SyncStatusView, zone: OfficeZone) -> String {
        var line = "\(s.hubURL) sebagai \(s.stationId)"
        line += s.lastSyncAt.map { ", sinkron terakhir \(date($0, zone: zone))" } ?? ", belum pernah sinkron"
        if let error = s.lastError { line += " — \(error)" }
        if let warning = s.warning { line += " — \(warning)" }
        if let clock = s.clockWarning { line += " — \(clock)" }
        return line
    }

    /// `ektpctl sync status`
    public static func sync(_ s: SyncStatusView, zone: OfficeZone) -> String {
        var list = KeyValueList()
        list.append("Hub", s.hubURL)
        list.append("Nomor stasiun", s.stationId)
        list.append("Terdaftar", date(s.enrolledAt, zone: zone))
        list.append("Kontak terakhir", s.lastContactAt.map { date($0, zone: zone) } ?? "-")
        list.append("Sinkron terakhir", s.lastSyncAt.map { date($0, zone: zone) } ?? "-")
        if let clock = s.clockWarning { list.append("Jam", clock) }
        list.append("Antrean ke pusat", s.outboxBacklog == 0 ? "terkirim semua" : "\(s.outboxBacklog) kejadian belum terkirim")
        if let error = s.lastError { list.append("Galat terakhir", error) }
        if let warning = s.warning { list.append("Peringatan", warning) }
        if let r = s.lastReconcile { list.append("Rekonsiliasi", reconcileLine(r, zone: zone)) }
        return list.render()
    }

    /// `ektpctl sync reconcile`
    public static func reconcile(_ r: ReconcileReport, zone: OfficeZone) -> String {
        var out = [reconcileLine(r, zone: zone)]
        for line in r.forOperator { out.append("  perlu keputusan: \(line)") }
        return out.joined(separator: "\n")
    }

    static func reconcileLine(_ r: ReconcileReport, zone: OfficeZone) -> String {
        "\(date(r.at, zone: zone)): \(r.hubJobs) job di hub, \(r.acknowledged.count) di-ack ulang, \(r.resent) kejadian dikirim ulang, \(r.settled) job disamakan di hub, \(r.forOperator.count) perlu keputusan operator"
    }
}
