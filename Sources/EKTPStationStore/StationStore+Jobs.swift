import EKTPDomain
import EKTPWire
import Foundation
import GRDB

/// A job handed to the print worker: its row and the signed document, opened from its seal.
public struct ClaimedJob: Sendable {
    public let id: JobID
    public let device: DeviceID
    public let attempt: Int
    public let maskedNIK: String
    /// The signed-job document as stored; the worker verifies it again before printing.
    public let document: Data
}

/// What an import stored.
public struct StoredJobs: Sendable, Equatable {
    public var stored: [JobID] = []
    public var duplicates: [JobID] = []
}

extension StationStore {
    // MARK: Intake

    /// Stores verified jobs durably, all or nothing (invariant 2: the hub is acknowledged
    /// only after this returns). A job already held with the same content is a duplicate
    /// and ignored; the same id with other content refuses the whole batch.
    ///
    /// With `untilClaimed` (jobs the hub offered) each stays `received`, not printable,
    /// until the hub answers the acknowledgement (`confirmClaimed`): a job the hub gave to
    /// another station meanwhile (its lease ran out, or the answer that carried it was
    /// taken for lost) must not be printed here too.
    public func store(_ jobs: [VerifiedJob], actor: String, untilClaimed: Bool = false) throws -> StoredJobs {
        try transaction(actor: actor) { tx in
            var held: [JobID: Data] = [:]
            for v in jobs {
                if let hash = try Data.fetchOne(tx.db, sql: "SELECT contentHash FROM job WHERE id = ?", arguments: [v.job.id.rawValue]) {
                    held[v.job.id] = hash
                }
            }
            let intake = VersionedIntake.classify(jobs.map { .init(id: $0.job.id, contentHash: $0.contentHash) }, held: held)
            if !intake.conflicts.isEmpty {
                throw StationError(.conflict, "\(intake.conflicts.count) job ditolak; tidak ada yang disimpan", details: intake.conflicts.map(\.description))
            }
            var result = StoredJobs(duplicates: intake.duplicates)
            for v in intake.new.map({ jobs[$0] }) {
                let id = v.job.id
                let sealed = try tx.sealer.seal(v.document, jobId: id.rawValue)
                let masked = v.job.card.nik.masked
                let nikKey = tx.sealer.nikKey(v.job.card.nik.digits)
                // One live card per NIK: a job for someone who already has a card (queued,
                // printing, printed or handed over) waits for a kecamatan head.
                let earlier = try Self.liveJob(tx.db, nikKey: nikKey, excluding: id)
                try tx.db.execute(
                    sql: """
                        INSERT INTO job(id, kecamatanCode, priority, state, maskedNik, contentHash, sealed, keyId, receivedAt, updatedAt, nikKey, heldFor, delivery)
                        VALUES (?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id.rawValue, v.job.kecamatanCode, v.job.priority == .urgent ? 1 : 0, masked, v.contentHash, sealed, v.keyId, tx.at, tx.at, nikKey,
                        earlier?.id.rawValue, v.job.delivery.method.rawValue,
                    ])
                try tx.outbox(.jobStored(job: id, priority: v.job.priority, contentHash: v.contentHash, fromOffer: untilClaimed ? true : nil))
                try tx.audit("job diterima", job: id.rawValue, maskedNIK: masked, detail: "kunci \(v.keyId), prioritas \(v.job.priority.rawValue)")
                if !untilClaimed { try tx.transition(try tx.jobRow(id), .accept) }
                if let earlier {
                    try tx.raise(
                        Alert(
                            kind: .duplicateNIK, device: nil,
                            message:
                                "job \(id) ditahan: NIK \(masked) sudah punya kartu dari job \(earlier.id) (\(earlier.state.label)). Kepala kecamatan memutuskan: ektpctl jobs release \(id) --reason ALASAN"
                        ))
                }
                result.stored.append(id)
            }
            return result
        }
    }

    /// The hub answered the acknowledgement: these jobs are this station's, and those still
    /// `received` join the print queue.
    public func confirmClaimed(_ ids: [JobID]) throws {
        guard !ids.isEmpty else { return }
        try transaction(actor: "sync") { tx in
            for id in ids {
                guard let row = try? tx.jobRow(id), row.state == .received else { continue }
                try tx.transition(row, .accept, detail: "diakui hub sebagai job stasiun ini")
            }
        }
    }

    /// Of these jobs, the ones stored from an offer whose acknowledgement the hub has not
    /// answered yet (still `received`).
    public func awaitingClaim(_ ids: [JobID]) throws -> [JobID] {
        let waiting = Set(try awaitingClaim())
        return ids.filter(waiting.contains)
    }

    /// Every job stored from an offer whose acknowledgement the hub has not answered yet.
    public func awaitingClaim() throws -> [JobID] {
        try read { db in try String.fetchAll(db, sql: "SELECT id FROM job WHERE state = 'received' ORDER BY rowid").map { try JobID($0) } }
    }

    /// A job stored from an offer that the hub, at reconcile, holds for another station (or
    /// no longer for this one): not this station's to print. No card was fed; it is given
    /// up (`rejected`), and its event tells the hub so. False when it is no longer waiting.
    public func giveUpOffer(_ id: JobID, reason: String) throws -> Bool {
        try transaction(actor: "sync") { tx in
            guard let row = try JobRow.fetch(tx.db, id: id), row.state == .received else { return false }
            try tx.transition(row, .reject(reason: reason), detail: reason)
            return true
        }
    }

    // MARK: Printing

    /// Takes the next queued job for `device`, urgent first then oldest, and marks it
    /// printing, if the device's hopper holds a blangko not already reserved by a job in
    /// flight or awaiting a decision on it. Nil when there is nothing to print or no card.
    public func claimNext(for device: DeviceID, excluding skipped: Set<JobID> = []) throws -> ClaimedJob? {
        try transaction(actor: "ektpd") { tx in
            let reserved =
                try Int.fetchOne(
                    tx.db, sql: "SELECT COUNT(*) FROM job WHERE deviceId = ? AND state IN ('printing', 'outcome-unknown')", arguments: [device.rawValue]) ?? 0
            guard try tx.balance(.hopper(device)) - reserved > 0 else { return nil }
            let skip = skipped.isEmpty ? "" : " AND id NOT IN (\(databaseQuestionMarks(count: skipped.count)))"
            guard
                let row = try Row.fetchOne(
                    tx.db,
                    sql: "SELECT \(JobRow.columns), sealed FROM job WHERE state = 'queued' AND heldFor IS NULL\(skip) ORDER BY priority DESC, rowid LIMIT 1",
                    arguments: StatementArguments(skipped.map(\.rawValue)))
            else { return nil }
            let job = try JobRow(row: row)
            guard let sealed = row["sealed"] as Data? else {
                throw StationError(.invalid, "job \(job.id) tidak punya data untuk dicetak")
            }
            try tx.transition(job, .startPrinting, device: device, detail: "percobaan \(job.attempts + 1) di \(device)")
            let document = try tx.sealer.open(sealed, jobId: job.id.rawValue)
            return ClaimedJob(id: job.id, device: device, attempt: job.attempts + 1, maskedNIK: job.maskedNIK, document: document)
        }
    }

    /// The printer finished the card: printed, with its ledger entry, in one transaction.
    public func recordPrinted(_ id: JobID, counter: Int? = nil) throws {
        try transaction(actor: "ektpd") { tx in
            let row = try tx.jobRow(id)
            let device = try Self.device(of: row)
            try tx.transition(row, .finish, device: device)
            try tx.ledger(LedgerMovement(kind: .printed, from: .hopper(device), to: .issued, quantity: 1), job: id)
            if let counter { try Self.checkCounter(tx, device: device, counter: counter) }
        }
    }

    /// The printer refused before picking a card: no blangko used; the job is queued again.
    public func recordFailedBeforePick(_ id: JobID, reason: String, counter: Int? = nil) throws {
        try transaction(actor: "ektpd") { tx in
            let row = try tx.jobRow(id)
            try tx.transition(row, .failBeforePick(reason: reason), detail: reason)
            try tx.transition(try tx.jobRow(id), .requeue, detail: "otomatis: tidak ada kartu terpakai")
            if let counter, let device = row.device { try Self.checkCounter(tx, device: device, counter: counter) }
        }
    }

    /// A card came out of the printer whole, unwritten and unprinted (its chip encoding was
    /// refused before any write): the job is queued again, and the blangko leaves the
    /// hopper for the store (`unloaded`, naming the job), since the operator takes it from
    /// the reject box.
    public func recordReturnedUnused(_ id: JobID, reason: String, counter: Int? = nil) throws {
        try transaction(actor: "ektpd") { tx in
            let row = try tx.jobRow(id)
            let device = try Self.device(of: row)
            try tx.transition(row, .failBeforePick(reason: reason), detail: reason)
            try tx.transition(try tx.jobRow(id), .requeue, detail: "otomatis: kartu keluar utuh ke kotak tolak, kembali ke gudang")
            try tx.ledger(LedgerMovement(kind: .unloaded, from: .hopper(device), to: .store, quantity: 1), job: id, note: reason)
            if let counter { try Self.checkCounter(tx, device: device, counter: counter) }
        }
    }

    /// Records how a chip encoding ended on a printer.
    public func recordChipEncoding(_ result: ChipResult, device: DeviceID, job: JobID?, reason: String) throws {
        try transaction(actor: "ektpd") { tx in
            try tx.db.execute(
                sql: "INSERT INTO chipEncoding(at, deviceId, jobId, result, reason) VALUES (?, ?, ?, ?, ?)",
                arguments: [tx.at, device.rawValue, job?.rawValue, result.rawValue, String(reason.prefix(500))])
        }
    }

    /// Chip encodings on one printer, by result; nil when it never encoded one.
    static func chipCounts(_ db: Database, device: DeviceID) throws -> ChipCounts? {
        let rows = try Row.fetchAll(
            db, sql: "SELECT result, COUNT(*) AS n FROM chipEncoding WHERE deviceId = ? GROUP BY result", arguments: [device.rawValue])
        guard !rows.isEmpty else { return nil }
        var counts = ChipCounts()
        for row in rows {
            if let result = ChipResult(rawValue: row["result"]) { counts[result] = row["n"] }
        }
        return counts
    }

    /// The card was consumed and is unusable; it goes to the spoiled stock.
    public func recordSpoiled(_ id: JobID, cause: SpoilCause, note: String?, counter: Int? = nil) throws {
        try transaction(actor: "ektpd") { tx in
            let row = try tx.jobRow(id)
            let device = try Self.device(of: row)
            try tx.transition(row, .spoil(cause: cause, note: note), detail: "\(cause.label)\(note.map { ": \($0)" } ?? "")")
            try tx.ledger(LedgerMovement(kind: .spoiled, from: .hopper(device), to: .spoiled, quantity: 1), job: id, cause: cause, note: note)
            if let counter { try Self.checkCounter(tx, device: device, counter: counter) }
        }
    }

    /// The station cannot know whether the card printed. It waits for a person
    /// (invariant 1): nothing sends it again automatically.
    public func recordOutcomeUnknown(_ id: JobID, reason: String) throws {
        try transaction(actor: "ektpd") { tx in
            let row = try tx.jobRow(id)
            try tx.transition(row, .loseOutcome(reason: reason), detail: reason)
            try tx.raise(
                Alert(
                    kind: .outcomeUnknown, device: row.device,
                    message: "job \(id) (\(row.maskedNIK)): hasil cetak tidak diketahui (\(reason)); operator harus memutuskan"))
        }
    }

    /// After a crash or power cut, every job that was printing has an unknown outcome.
    /// Called once at start, before the print worker runs. Returns the jobs moved.
    @discardableResult
    public func recoverInterruptedJobs() throws -> [JobID] {
        try transaction(actor: "ektpd") { tx in
            let rows = try Row.fetchAll(tx.db, sql: "SELECT \(JobRow.columns) FROM job WHERE state = 'printing'").map(JobRow.init)
            for row in rows {
                let reason = "ektpd berhenti saat mencetak"
                try tx.transition(row, .loseOutcome(reason: reason), detail: reason)
                try tx.raise(
                    Alert(
                        kind: .outcomeUnknown, device: row.device,
                        message: "job \(row.id) (\(row.maskedNIK)): ektpd berhenti saat mencetak; operator harus memutuskan"))
            }
            return rows.map(\.id)
        }
    }

    // MARK: Decisions by a person

    /// An operator records the outcome of a card whose outcome was unknown.
    public func decideOutcome(_ id: JobID, _ decision: OutcomeDecision, reason: String, by person: String) throws -> JobState {
        try Self.requireText(reason, "alasan")
        return try transaction(actor: person) { tx in
            let row = try tx.jobRow(id)
            let next = try tx.transition(row, .decide(decision, by: person), detail: "keputusan \(person): \(reason)")
            // The decision is taken: the alert that asked for it is done.
            try tx.clearAlerts(.outcomeUnknown, about: id)
            let device = try Self.device(of: row)
            switch decision {
            case .printed:
                try tx.ledger(LedgerMovement(kind: .printed, from: .hopper(device), to: .issued, quantity: 1), job: id, note: reason)
            case .spoiled(let cause):
                try tx.ledger(LedgerMovement(kind: .spoiled, from: .hopper(device), to: .spoiled, quantity: 1), job: id, cause: cause, note: reason)
            case .notFed:
                break
            }
            return next
        }
    }

    /// A printed card found bad on inspection: spoiled by a person, the card moves from
    /// issued to the spoiled stock.
    public func spoilPrinted(_ id: JobID, cause: SpoilCause, reason: String, by person: String) throws -> JobState {
        try Self.requireText(reason, "alasan")
        return try transaction(actor: person) { tx in
            let row = try tx.jobRow(id)
            let next = try tx.transition(row, .spoil(cause: cause, note: reason), detail: "\(cause.label): \(reason)")
            try tx.ledger(LedgerMovement(kind: .spoiled, from: .issued, to: .spoiled, quantity: 1), job: id, cause: cause, note: reason)
            return next
        }
    }

    /// A kecamatan head approves the reprint of a spoiled card, with a reason: the job is
    /// queued again. Whoever recorded the spoilage cannot approve it (`TwoPersonRule`);
    /// that the approver is a kecamatan head is the caller's check (the pages' and the
    /// local API's roles, `StationAct.approveReprint`).
    public func reprint(_ id: JobID, reason: String, by person: String) throws -> JobState {
        try Self.requireText(reason, "alasan cetak ulang")
        return try transaction(actor: person) { tx in
            let row = try tx.jobRow(id)
            if row.state == .spoiled, let recorder = try tx.spoilageRecorder(id) {
                do { try TwoPersonRule.check(decider: person, recorder: recorder, what: "kerusakan kartu ini") } catch {
                    throw StationError(.rejected, "\(error)")
                }
            }
            return try tx.transition(row, .reprint(reason: reason, by: person), detail: "cetak ulang disetujui oleh \(person): \(reason)")
        }
    }

    /// The central office withdrew the job (the heartbeat's answer): it is not printed here
    /// if no card has been fed for it. Returns the job's state before and after, or nil
    /// when the station does not have the job. A job already fed keeps its state: the hub
    /// learns it from its events.
    public func withdraw(_ id: JobID, reason: String, by person: String) throws -> (before: JobState, after: JobState)? {
        try transaction(actor: "pusat: \(person)") { tx in
            guard let row = try JobRow.fetch(tx.db, id: id) else { return nil }
            guard !row.state.cardFed, row.state != .rejected else { return (row.state, row.state) }
            return (row.state, try tx.transition(row, .withdraw(reason: reason, by: person), detail: "ditarik kantor pusat oleh \(person): \(reason)"))
        }
    }

    /// PT Pos brought a card back (the heartbeat's answer): a card handed to PT Pos goes
    /// back on the shelf, now for pickup at the office; the old hand-over no longer counts
    /// (its time is cleared, so personal data is kept until the real hand-over). Returns the
    /// job's state before and after, or nil when the station does not have the job.
    public func backFromPos(_ id: JobID, result: PosDeliveryResult, note: String?) throws -> (before: JobState, after: JobState)? {
        try transaction(actor: "PT Pos") { tx in
            guard let row = try JobRow.fetch(tx.db, id: id) else { return nil }
            let method = try String.fetchOne(tx.db, sql: "SELECT delivery FROM job WHERE id = ?", arguments: [id.rawValue])
            guard row.state == .handedOver, method == DeliveryMethod.pos.rawValue, result.backOnShelf else { return (row.state, row.state) }
            let next = try tx.transition(
                row, .backFromPos(result), detail: "\(result.label)\(note.map { ": \($0)" } ?? ""); kembali di rak, diambil di kecamatan")
            try tx.db.execute(sql: "UPDATE job SET delivery = 'pickup', handedOverAt = NULL WHERE id = ?", arguments: [id.rawValue])
            return (row.state, next)
        }
    }

    /// Who recorded each spoiled job's spoilage (a person, or `ektpd` when the printer
    /// said so), for the kepala's approval list.
    public func spoilageRecorders(_ ids: [JobID]) throws -> [JobID: String] {
        try read { db in
            var result: [JobID: String] = [:]
            for id in ids { result[id] = try Tx.spoilageRecorder(db, id) }
            return result
        }
    }

    /// The card left the office (`HandOver`): picked up by its owner, whose NIK matched, or
    /// handed to PT Pos. Refused, with nothing changed, when the job is not a printed card,
    /// or the card is not to be handed over that way, or the NIK given is not the card's.
    public func handOver(_ id: JobID, _ handOver: HandOver, by person: String) throws -> JobState {
        try transaction(actor: person) { tx in try Self.handOver(&tx, id, handOver, by: person) }
    }

    /// Hands every card in `ids` to PT Pos under one manifest, all or none.
    public func handOverToPos(_ ids: [JobID], manifest: String, by person: String) throws {
        let manifest = try Self.manifestNumber(manifest)
        guard !ids.isEmpty else { throw StationError(.invalid, "tidak ada kartu yang dipilih untuk PT Pos") }
        try transaction(actor: person) { tx in
            for id in ids { _ = try Self.handOver(&tx, id, .pos(manifest: manifest), by: person) }
        }
    }

    /// A PT Pos manifest number: one line of 1 to 40 printable characters.
    static func manifestNumber(_ text: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(t.count), t.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value != 127 || $0 == " " }) else {
            throw StationError(.invalid, "nomor manifest/resi PT Pos harus 1–40 karakter cetak dalam satu baris")
        }
        return t
    }

    static func handOver(_ tx: inout Tx, _ id: JobID, _ handOver: HandOver, by person: String) throws -> JobState {
        let row = try tx.jobRow(id)
        guard row.state == .printed else {
            throw StationError(.conflict, "\(id) tidak bisa diserahkan: statusnya \(row.state.label), bukan tercetak")
        }
        guard let sealed = try Data.fetchOne(tx.db, sql: "SELECT sealed FROM job WHERE id = ?", arguments: [id.rawValue]),
            let job = try? decodeJob(try tx.sealer.open(sealed, jobId: id.rawValue))
        else { throw StationError(.conflict, "data kartu \(id) tidak bisa dibuka: penyerahan tidak bisa diperiksa") }
        // The way the card goes now: the job's, or pickup once PT Pos brought it back.
        let method =
            (try String.fetchOne(tx.db, sql: "SELECT delivery FROM job WHERE id = ?", arguments: [id.rawValue]))
            .flatMap(DeliveryMethod.init(rawValue:)) ?? job.delivery.method
        if let problem = handOver.problem(delivery: method, cardNIK: job.card.nik) {
            throw StationError(.rejected, "\(id): \(problem)")
        }
        switch handOver {
        case .pickup(let recipient, _, let oldCardCollected):
            let name = try checkedName(recipient, field: "nama penerima")
            // The audit trail and the event to the hub carry a reference, never the name:
            // the name is sealed with the job's personal data and purged with it.
            let detail =
                "diambil oleh \(tx.sealer.recipientReference(name, jobId: id.rawValue)), NIK cocok, "
                + (oldCardCollected ? "KTP-el lama ditarik" : "tanpa KTP-el lama")
            let next = try tx.transition(row, .handOver(by: person), detail: detail)
            try tx.db.execute(
                sql: "UPDATE job SET handedOverAt = ?, recipientSealed = ? WHERE id = ?",
                arguments: [tx.at, try tx.sealer.sealRecipient(name, jobId: id.rawValue), id.rawValue])
            if oldCardCollected {
                try tx.db.execute(
                    sql: "INSERT INTO oldCard(jobId, maskedNik, collectedAt, collectedBy) VALUES (?, ?, ?, ?)",
                    arguments: [id.rawValue, row.maskedNIK, tx.at, person])
            }
            return next
        case .pos(let manifest):
            let next = try tx.transition(row, .handOver(by: person), detail: "diserahkan ke PT Pos, resi \(try manifestNumber(manifest))")
            try tx.db.execute(sql: "UPDATE job SET handedOverAt = ? WHERE id = ?", arguments: [tx.at, id.rawValue])
            return next
        }
    }

    static func checkedName(_ text: String, field: String) throws -> String {
        do { return try PersonName.check(text, field: field) } catch { throw StationError(.invalid, "\(error)") }
    }

    // MARK: Finding a card

    /// The jobs for the person with `nik`, found by the NIK's key (`NIKIndex`): the NIK is
    /// never stored in clear, and never searched for by decrypting every record.
    public func findJobs(nik: NIK) throws -> [JobMatch] {
        let key = sealer.nikKey(nik.digits)
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT \(JobRow.columns), sealed FROM job WHERE nikKey = ? ORDER BY rowid DESC LIMIT 20", arguments: [key])
                .map { try match($0) }
        }
    }

    /// The station's open jobs (not yet handed over, not refused) whose name contains every
    /// word of `name`, case and spacing aside; at most `limit`. Names are sealed, so each open
    /// job's record is opened: an office holds hundreds of those, not millions.
    public func findJobs(name: String, limit: Int = 50) throws -> [JobMatch] {
        let words = name.uppercased().split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty, name.count <= 64 else { throw StationError(.invalid, "tulis nama yang dicari (1–64 huruf)") }
        guard words.allSatisfy({ $0.count >= 2 }) || words.count == 1 && words[0].count >= 3 else {
            throw StationError(.invalid, "nama yang dicari terlalu pendek: tulis paling sedikit 3 huruf")
        }
        return try read { db in
            var found: [JobMatch] = []
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(JobRow.columns), sealed FROM job WHERE sealed IS NOT NULL AND state NOT IN ('handed-over', 'rejected') ORDER BY rowid DESC")
            while let row = try rows.next(), found.count < limit {
                let m = try match(row)
                guard let nama = m.nama?.uppercased() else { continue }
                if words.allSatisfy({ nama.contains($0) }) { found.append(m) }
            }
            return found
        }
    }

    private func match(_ row: Row) throws -> JobMatch {
        let summary = try JobRow(row: row).summary
        let sealed: Data? = row["sealed"]
        let nama = sealed.flatMap { try? Self.decodeJob(try sealer.open($0, jobId: summary.id.rawValue)).card.nama }
        return JobMatch(summary: summary, nama: nama)
    }

    // MARK: Old KTP-el

    /// Whether an old KTP-el was collected when the card of job `id` was picked up.
    public func oldCardCollected(_ id: JobID) throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT 1 FROM oldCard WHERE jobId = ?", arguments: [id.rawValue]) ?? false }
    }

    /// Old KTP-el collected at pickups: waiting to be destroyed, and destroyed.
    public func oldCards() throws -> (waiting: Int, destroyed: Int) {
        try read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM oldCard WHERE destroyedAt IS NULL") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM oldCard WHERE destroyedAt IS NOT NULL") ?? 0
            )
        }
    }

    /// Removes the personal data of jobs handed over before `cutoff` (UU 27/2022: kept no
    /// longer than needed). Job ids, masked NIKs and the ledger stay. Returns how many.
    @discardableResult
    public func purgePersonalData(handedOverBefore cutoff: Date) throws -> Int {
        try transaction(actor: "ektpd") { tx in
            let ids = try String.fetchAll(
                tx.db, sql: "SELECT id FROM job WHERE state = 'handed-over' AND sealed IS NOT NULL AND handedOverAt < ?",
                arguments: [cutoff.timeIntervalSince1970])
            for id in ids {
                try tx.db.execute(sql: "UPDATE job SET sealed = NULL, recipientSealed = NULL, purgedAt = ? WHERE id = ?", arguments: [tx.at, id])
                try tx.audit("data pribadi dihapus", job: id, detail: "masa simpan habis")
            }
            return ids.count
        }
    }

    // MARK: Reads

    public func jobs(state: JobState? = nil, limit: Int = 100) throws -> [JobSummary] {
        try read { db in
            let rows: [Row]
            if let state {
                rows = try Row.fetchAll(
                    db, sql: "SELECT \(JobRow.columns) FROM job WHERE state = ? ORDER BY priority DESC, rowid LIMIT ?", arguments: [state.rawValue, limit])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT \(JobRow.columns) FROM job ORDER BY rowid DESC LIMIT ?", arguments: [limit])
            }
            return try rows.map { try JobRow(row: $0).summary }
        }
    }

    /// Jobs per state.
    public func jobCounts() throws -> [JobState: Int] {
        try read { db in
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                counts[try JobState(stored: row["state"], column: "job.state")] = row["n"]
            }
            return counts
        }
    }

    public func jobDetail(_ id: JobID) throws -> JobDetail {
        let (row, sealed, recipientSealed): (JobRow, Data?, Data?) = try read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT \(JobRow.columns), sealed, recipientSealed FROM job WHERE id = ?", arguments: [id.rawValue])
            else {
                throw StationError(.notFound, "job \(id) tidak ada di stasiun ini")
            }
            return (try JobRow(row: r), r["sealed"], r["recipientSealed"])
        }
        var nama: String?
        var delivery: String?
        if let sealed, let job = try? Self.decodeJob(try sealer.open(sealed, jobId: id.rawValue)) {
            nama = job.card.nama
            switch job.delivery {
            case .pickup: delivery = "diambil di kecamatan"
            case .pos(let address): delivery = "PT Pos: \(address)"
            }
        }
        let collectedBy = recipientSealed.flatMap { try? sealer.openRecipient($0, jobId: id.rawValue) }
        return JobDetail(
            summary: row.summary, nama: nama, delivery: delivery, history: try auditEntries(job: id), blangkoUsed: try blangkoUsed(by: id),
            collectedBy: collectedBy)
    }

    /// Blangko taken from a hopper for this job, over all its attempts.
    public func blangkoUsed(by id: JobID) throws -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT COALESCE(SUM(quantity), 0) FROM ledger WHERE jobId = ? AND kind IN ('printed', 'spoiled') AND fromPlace LIKE 'hopper:%'",
                arguments: [id.rawValue]) ?? 0
        }
    }

    /// The print job inside a stored signed document (already verified at intake).
    public static func decodeJob(_ document: Data) throws -> PrintJob {
        let value = try JSONValue.parse(document)
        guard let job = value["job"] else { throw StationError(.invalid, "dokumen job tanpa field job") }
        return try JSONDecoder().decode(PrintJob.self, from: Data(job.canonicalBytes()))
    }

    // MARK: Helpers

    static func device(of row: JobRow) throws -> DeviceID {
        guard let d = row.device else { throw StationError(.invalid, "job \(row.id) belum pernah dikirim ke printer") }
        return d
    }

    static func requireText(_ text: String, _ what: String) throws {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { throw StationError(.invalid, "\(what) wajib diisi") }
    }
}

extension StationStore {
    /// A job refused at its last check before printing (signature no longer valid, data
    /// the card cannot carry): rejected, no card fed, reported upstream with the reason.
    public func recordRejectedBeforePrint(_ id: JobID, reason: String) throws {
        try transaction(actor: "ektpd") { tx in
            let row = try tx.jobRow(id)
            try tx.transition(row, .reject(reason: reason), detail: reason)
            try tx.outbox(.jobRejected(job: id, reason: reason))
        }
    }
}

extension StationStore {
    /// How many jobs hold sealed personal data.
    public func sealedCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE sealed IS NOT NULL") ?? 0 }
    }

    /// The first job whose sealed data this store's key cannot open (checks one job: a key
    /// is right for all or for none), or nil.
    public func firstUnopenableSealedJob() throws -> String? {
        guard let row = try writer.read({ db in try Row.fetchOne(db, sql: "SELECT id, sealed FROM job WHERE sealed IS NOT NULL LIMIT 1") }) else {
            return nil
        }
        let id: String = row["id"]
        let sealed: Data = row["sealed"]
        return (try? sealer.open(sealed, jobId: id)) == nil ? id : nil
    }
}

extension StationStore {
    /// The signed document of a queued job, to check it again without claiming it.
    public func queuedDocument(_ id: JobID) throws -> Data? {
        guard
            let row = try writer.read({ db in try Row.fetchOne(db, sql: "SELECT sealed FROM job WHERE id = ? AND state = 'queued'", arguments: [id.rawValue]) }
            ),
            let sealed = row["sealed"] as Data?
        else { return nil }
        return try sealer.open(sealed, jobId: id.rawValue)
    }
}

// MARK: - One live card per NIK

extension StationStore {
    /// Station states in which a job is, or will be, a card in someone's hands.
    static let liveStates = "'received', 'queued', 'printing', 'failed-before-pick', 'outcome-unknown', 'printed', 'handed-over'"

    /// Fills the delivery method of jobs stored before it had a column, from their sealed
    /// documents (purged jobs, long handed over, keep none).
    func fillDeliveries() throws {
        try writer.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, sealed FROM job WHERE delivery IS NULL AND sealed IS NOT NULL")
            for row in rows {
                let id: String = row["id"]
                guard let job = try? Self.decodeJob(try sealer.open(row["sealed"], jobId: id)) else { continue }
                try db.execute(sql: "UPDATE job SET delivery = ? WHERE id = ?", arguments: [job.delivery.method.rawValue, id])
            }
        }
    }

    /// Keys the NIK of jobs stored before the key existed (reading each sealed document once).
    func keyNIKs() throws {
        try writer.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, sealed FROM job WHERE nikKey IS NULL AND sealed IS NOT NULL")
            for row in rows {
                let id: String = row["id"]
                let document = try sealer.open(row["sealed"], jobId: id)
                guard let nik = try? JSONValue.parse(document)["job"]?["card"]?["nik"]?.stringValue else { continue }
                try db.execute(sql: "UPDATE job SET nikKey = ? WHERE id = ?", arguments: [sealer.nikKey(nik), id])
            }
        }
    }

    /// The live job that already holds a card for this NIK, if any (not `excluding` itself).
    static func liveJob(_ db: Database, nikKey: Data, excluding id: JobID) throws -> (id: JobID, state: JobState)? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT id, state FROM job WHERE nikKey = ? AND id <> ? AND state IN (\(liveStates)) AND heldFor IS NULL ORDER BY rowid LIMIT 1",
                arguments: [nikKey, id.rawValue])
        else { return nil }
        return (try JobID(row["id"] as String), try JobState(stored: row["state"], column: "job.state"))
    }

    /// A kecamatan head lets a job held for an earlier card of the same NIK be printed (a
    /// lost, damaged or replaced card), with the reason, in the audit trail.
    public func releaseHold(_ id: JobID, reason: String, by person: String) throws -> JobSummary {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StationError(.invalid, "alasan wajib diisi: mengapa orang ini perlu kartu kedua") }
        return try transaction(actor: person) { tx in
            let row = try tx.jobRow(id)
            guard let earlier = try String.fetchOne(tx.db, sql: "SELECT heldFor FROM job WHERE id = ?", arguments: [id.rawValue]) else {
                throw StationError(.conflict, "job \(id) tidak sedang ditahan")
            }
            try tx.db.execute(sql: "UPDATE job SET heldFor = NULL, updatedAt = ? WHERE id = ?", arguments: [tx.at, id.rawValue])
            // The decision is taken: the alert that asked for it is done.
            try tx.clearAlerts(.duplicateNIK, about: id)
            try tx.audit(
                "penahanan NIK ganda dilepas", job: id.rawValue, maskedNIK: row.maskedNIK, detail: "kartu sebelumnya: job \(earlier); alasan: \(reason)")
            return try tx.jobRow(id).summary
        }
    }
}
