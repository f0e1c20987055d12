import EKTPDomain
import EKTPWire
import Foundation

/// One change a station event makes to the hub's state. Stores carry effects out in their
/// own dialect and nothing else: which event changes what lives here.
public enum HubEffect: Sendable, Equatable {
    /// The job takes `state` (the station's own state beside it), held by the reporting
    /// station; its lease ends. Decided by `JobSettlement` on the job as the store holds it.
    case job(JobID, state: HubJobState, stationState: JobState)
    /// The kecamatan's balance at `place` changes by `delta`.
    case stock(place: StockPlace, delta: Int)
    /// Blangko used up (printed or spoiled from the store or a hopper) at `at`, for days of
    /// stock (`StockForecast`).
    case consumed(quantity: Int, at: Date)
    case device(DeviceID, model: String?, state: DeviceState)
    case alert(kind: String, device: DeviceID?, message: String)
    /// The station's alert raised by its event `seq` was taken on by `by`.
    case alertAcknowledged(seq: Int64, by: String, at: Date)
    /// The station's alert raised by its event `seq` is over.
    case alertCleared(seq: Int64, at: Date)
    /// Blangko the station sent to kecamatan `to`: a shipment in transit, numbered by the
    /// hub, keyed by the reporting event so it is opened once.
    case shipmentSent(to: String, quantity: Int, document: String, by: String, at: Date)
    /// The station counted shipment `id`: it is no longer in transit.
    case shipmentReceived(id: String, received: Int, reason: String?, by: String, at: Date)
    /// The station put a card PT Pos brought back on its shelf: the return is settled.
    case posReturnSettled(JobID)
}

/// A job as the hub holds it, the facts a station's report about it is settled against.
public struct HeldJob: Sendable, Equatable {
    public var kecamatanCode: String
    public var state: HubJobState
    public var stationId: String?
    /// The station's own state, as its last report said.
    public var stationState: JobState?
    public var contentHash: Data
    /// The central office withdrew it (`CentralActs.withdraw`).
    public var withdrawn: Bool
    /// PT Pos brought the handed-over card back; its station has not yet said the card is
    /// on its shelf again (`PosResults`).
    public var posReturnPending: Bool

    public init(
        kecamatanCode: String, state: HubJobState, stationId: String?, stationState: JobState? = nil, contentHash: Data, withdrawn: Bool = false,
        posReturnPending: Bool = false
    ) {
        self.withdrawn = withdrawn
        self.posReturnPending = posReturnPending
        self.kecamatanCode = kecamatanCode
        self.state = state
        self.stationId = stationId
        self.stationState = stationState
        self.contentHash = contentHash
    }
}

/// What a station says about one of its jobs (an event, or its state at reconcile) does to
/// the hub's record of it: the rule that keeps both sides telling the same story, however
/// the job reached the station (offered by the hub, brought on a flashdisk, or both).
public enum JobSettlement: Sendable, Equatable {
    /// The hub takes the station's state; the job is the reporting station's from now on.
    case apply(HubJobState, stationState: JobState)
    /// The hub already says so, or the job ended at the hub (handed over).
    case unchanged
    /// The hub does not know the job.
    case unknown
    /// The report does not fit the hub's record; nothing changes and a person must look.
    case mismatch(String)

    /// Settles `reported` (with the station's `contentHash`, when the report has one)
    /// against `held`.
    ///
    /// - Another kecamatan's job, another version (same id, other content) or a job held
    ///   by another station: a mismatch.
    /// - The reporting station's job: its state, unless the hub already ended it.
    /// - A job waiting in the queue, unassigned, of the station's kecamatan and the same
    ///   version: the station has it (a flashdisk import), so it is bound to the station.
    ///   Without a content hash (an event from before the field) it is left alone.
    public static func settle(
        _ held: HeldJob?, job: JobID, reported: JobState, contentHash: Data?, stationId: String, kecamatan: String
    ) -> JobSettlement {
        guard let held else { return .unknown }
        guard held.kecamatanCode == kecamatan else { return .mismatch("job \(job) milik kecamatan \(held.kecamatanCode), bukan \(kecamatan)") }
        if let contentHash, contentHash != held.contentHash {
            return .mismatch(
                "job \(job) di stasiun berbeda isinya dengan job \(job) di hub (versi lain dengan id yang sama): hub tidak mengubah catatannya; periksa kedua versi"
            )
        }
        let target = HubJobState(station: reported)
        // A station giving up a job it does not hold fed no card for it: nothing to record,
        // and no conflict (it had stored an offer the hub then gave to another station).
        if reported == .rejected, held.stationId != stationId, !held.withdrawn { return .unchanged }
        // A withdrawn job stays with the central office while no card was fed for it: a
        // station that has it (held, or brought by flashdisk) is bound to it, so the
        // heartbeat's answer asks it to withdraw too. A card fed is a fact and is recorded.
        if held.withdrawn, held.stationId == nil || held.stationId == stationId {
            return .apply(reported.cardFed ? target : .returned, stationState: reported)
        }
        switch held.stationId {
        case stationId?:
            if held.state == .handedOver {
                // Handed over is the end at the hub, but for a card PT Pos brought back: the
                // station's word that it is on the shelf again settles the return.
                return held.posReturnPending && reported == .printed ? .apply(.printed, stationState: reported) : .unchanged
            }
            return .apply(target, stationState: reported)
        case nil:
            guard contentHash != nil else { return .unchanged }
            return .apply(target, stationState: reported)
        case let other?:
            return .mismatch(
                "job \(job) dilaporkan \(reported.rawValue) oleh stasiun ini, padahal hub mencatatnya dipegang stasiun \(other) (\(held.state.rawValue)): kemungkinan dicetak dua kali"
            )
        }
    }
}

extension JobSettlement {
    /// A station's report of its jobs' states (reconcile): the changes to make and the
    /// answer. Each job is settled once, against the hub's record as held.
    public static func settle(_ report: [ReportedJobState], held: [JobID: HeldJob], stationId: String, kecamatan: String) -> (
        effects: [HubEffect], result: JobStatesResult
    ) {
        var effects: [HubEffect] = []
        var result = JobStatesResult(settled: [], unknown: [], mismatches: [])
        for job in report {
            let held = held[job.id]
            switch settle(held, job: job.id, reported: job.state, contentHash: job.contentHash, stationId: stationId, kecamatan: kecamatan) {
            case .apply(let state, let stationState):
                // Only a change is a change: a job the hub already records so stays as it is.
                guard held?.state != state || held?.stationId != stationId || held?.stationState != stationState else { continue }
                effects.append(.job(job.id, state: state, stationState: stationState))
                if held?.posReturnPending == true, held?.state == .handedOver { effects.append(.posReturnSettled(job.id)) }
                result.settled.append(job.id)
            case .unchanged: continue
            case .unknown: result.unknown.append(job.id)
            case .mismatch(let message): result.mismatches.append(message)
            }
        }
        return (effects, result)
    }
}

public enum EventEffects {
    /// The longest alert text the hub keeps.
    public static let alertLength = 500
    /// The longest name of a person the hub keeps from a station's event.
    public static let personLength = 100
    /// The longest document number the hub keeps from a station's event.
    public static let documentLength = 100

    /// What new events change on the hub, each in order, with the jobs they name as the
    /// store holds them (`held`, updated as the batch goes). An event about a job is
    /// settled by `JobSettlement`; a mismatch is an alert, never a change.
    public static func plan(_ events: [EventIntake.Encoded], held: [JobID: HeldJob], stationId: String, kecamatan: String, now: Date) -> [(
        seq: Int64, effects: [HubEffect]
    )] {
        var held = held
        return events.map { e in
            var effects: [HubEffect] = []
            func settle(_ job: JobID, _ reported: JobState, _ hash: Data?) {
                switch JobSettlement.settle(held[job], job: job, reported: reported, contentHash: hash, stationId: stationId, kecamatan: kecamatan) {
                case .apply(let state, let stationState):
                    effects.append(.job(job, state: state, stationState: stationState))
                    if held[job]?.posReturnPending == true, held[job]?.state == .handedOver {
                        effects.append(.posReturnSettled(job))
                        held[job]?.posReturnPending = false
                    }
                    held[job]?.state = state
                    held[job]?.stationId = stationId
                    held[job]?.stationState = stationState
                case .mismatch(let message):
                    effects.append(.alert(kind: Alert.Kind.syncMismatch.rawValue, device: nil, message: String(message.prefix(alertLength))))
                case .unchanged, .unknown:
                    break
                }
            }
            switch e.event {
            case .jobStored(let job, _, let hash, let fromOffer):
                // An offer stored after the hub gave the job to another station: the
                // station's acknowledgement is refused and it gives the job up unprinted
                // (its reconcile), so this is no conflict.
                if fromOffer == true, let other = held[job]?.stationId, other != stationId { break }
                // Stored at the station: a job offered to it is now claimed.
                if held[job]?.state == .offered || hash != nil { settle(job, .queued, hash) }
            case .jobRejected(let job, let reason):
                // The station refused what it was offered: back to the central office.
                if let job, let h = held[job], h.stationId == stationId, [.offered, .claimed].contains(h.state) {
                    effects.append(.job(job, state: .returned, stationState: .rejected))
                    held[job]?.state = .returned
                }
                effects.append(
                    .alert(
                        kind: "job-rejected", device: nil,
                        message: String("stasiun menolak \(job.map { "job \($0)" } ?? "sebuah job"): \(reason)".prefix(alertLength))))
            case .jobStateChanged(let job, _, let to, _, _, let hash):
                settle(job, to, hash)
            case .ledger, .deviceState, .alert, .alertAcknowledged, .alertCleared, .transferSent, .shipmentReceived:
                effects += Self.effects(of: e.event, at: EventIntake.when(e.at, now: now))
            }
            return (e.seq, effects)
        }
    }

    /// The jobs a batch's events name, for the store to read before `plan`.
    public static func jobs(in events: [EventIntake.Encoded]) -> [JobID] {
        Array(
            Set(
                events.compactMap { e -> JobID? in
                    switch e.event {
                    case .jobStored(let job, _, _, _), .jobStateChanged(let job, _, _, _, _, _): job
                    case .jobRejected(let job, _): job
                    case .ledger, .deviceState, .alert, .alertAcknowledged, .alertCleared, .transferSent, .shipmentReceived: nil
                    }
                })
        ).sorted()
    }

    /// What an event that names no job changes on the hub.
    public static func effects(of event: StationEvent, at: Date) -> [HubEffect] {
        switch event {
        case .jobStored, .jobRejected, .jobStateChanged:
            return []
        case .ledger(let kind, let from, let to, let quantity, _, _, _):
            var effects: [HubEffect] = [.stock(place: from, delta: -quantity), .stock(place: to, delta: quantity)]
            if kind == .printed || kind == .spoiled, from.isUnused, !to.isUnused, quantity > 0 {
                effects.append(.consumed(quantity: quantity, at: at))
            }
            return effects
        case .deviceState(let device, let state):
            return [.device(device, model: nil, state: state)]
        case .alert(let alert):
            return [.alert(kind: alert.kind.rawValue, device: alert.device, message: String(alert.message.prefix(alertLength)))]
        case .alertAcknowledged(let seq, let by):
            return [.alertAcknowledged(seq: seq, by: String(by.prefix(personLength)), at: at)]
        case .alertCleared(let seq):
            return [.alertCleared(seq: seq, at: at)]
        case .transferSent(let to, let quantity, let document, let by):
            // What the station's own rules refused cannot arrive; should it come, it is
            // a person's to look at, not a shipment.
            guard PrintJob.isKecamatanCode(to), quantity > 0, quantity <= 100_000 else {
                return [
                    .alert(kind: Alert.Kind.syncMismatch.rawValue, device: nil, message: "pindahan blangko tidak sah: \(quantity) lembar ke \(to.prefix(20))")
                ]
            }
            return [.shipmentSent(to: to, quantity: quantity, document: String(document.prefix(documentLength)), by: String(by.prefix(personLength)), at: at)]
        case .shipmentReceived(let shipment, _, let received, let reason, let by):
            guard received >= 0 else {
                return [.alert(kind: Alert.Kind.syncMismatch.rawValue, device: nil, message: "hitungan kiriman \(shipment.prefix(40)) negatif")]
            }
            return [
                .shipmentReceived(
                    id: String(shipment.prefix(documentLength)), received: received, reason: reason.map { String($0.prefix(alertLength)) },
                    by: String(by.prefix(personLength)), at: at)
            ]
        }
    }
}

/// Event intake by (station, seq), invariant 4: a seq already held is never applied again.
public enum EventIntake {
    public struct Encoded: Sendable {
        public var seq: Int64
        public var event: StationEvent
        /// The event as stored, to tell a replay from a different event under the same seq.
        public var json: String
        /// When the station recorded it, as it says.
        public var at: Date?
    }

    /// When an event happened, for the hub: the station's time, never later than the hub's
    /// own (a station clock ahead cannot put use in the future), the hub's time when the
    /// station did not say.
    public static func when(_ stationTime: Date?, now: Date) -> Date { min(stationTime ?? now, now) }

    public struct Classification: Sendable {
        /// Events to store and apply, in seq order.
        public var new: [Encoded] = []
        public var duplicates: [Int64] = []
        /// Duplicates whose content differs from what is held (the station reused a seq).
        public var conflicting: [Int64] = []
    }

    /// The batch in seq order with each event's stored form.
    public static func encode(_ events: [SequencedEvent]) throws -> [Encoded] {
        let encoder = WireCoding.encoder()
        return try events.sorted { $0.seq < $1.seq }.map { e in
            Encoded(seq: e.seq, event: e.event, json: String(decoding: try encoder.encode(e.event), as: UTF8.self), at: e.at)
        }
    }

    /// Classifies `batch` against `held`, the stored form of each of its seqs already held.
    public static func classify(_ batch: [Encoded], held: [Int64: String]) -> Classification {
        var result = Classification()
        var known = held
        for e in batch {
            if let stored = known[e.seq] {
                result.duplicates.append(e.seq)
                if stored != e.json { result.conflicting.append(e.seq) }
                continue
            }
            known[e.seq] = e.json
            result.new.append(e)
        }
        return result
    }

    /// The station's highest seq after the batch.
    public static func highestSeq(stored: Int64, batch: [Encoded]) -> Int64 {
        max(stored, batch.last?.seq ?? 0)
    }

    /// Holes in a station's sequence: the one before its lowest held seq (from `firstSeq`),
    /// then the holes between consecutive held seqs (`between`, lowest first).
    public static func gaps(firstSeq: Int64, lowestHeld: Int64?, between: [(seq: Int64, next: Int64)]) -> [SeqGap] {
        var gaps: [SeqGap] = []
        if let lowestHeld, lowestHeld > firstSeq { gaps.append(SeqGap(from: firstSeq, to: lowestHeld - 1)) }
        for hole in between where hole.next - hole.seq > 1 { gaps.append(SeqGap(from: hole.seq + 1, to: hole.next - 1)) }
        return gaps
    }
}

extension StationEvent {
    /// The event's case name, stored beside it for queries.
    public var kind: String {
        switch self {
        case .jobStored: "jobStored"
        case .jobRejected: "jobRejected"
        case .jobStateChanged: "jobStateChanged"
        case .ledger: "ledger"
        case .deviceState: "deviceState"
        case .alert: "alert"
        case .alertAcknowledged: "alertAcknowledged"
        case .alertCleared: "alertCleared"
        case .transferSent: "transferSent"
        case .shipmentReceived: "shipmentReceived"
        }
    }
}

extension Heartbeat {
    /// The station's reasons for printing nothing, as one text for the station row.
    public var stoppedText: String? {
        guard let stopped, !stopped.isEmpty else { return nil }
        return stopped.map { String($0.prefix(1_000)) }.prefix(8).joined(separator: "; ")
    }

    /// The build the station runs, as kept on the station row.
    public var versionText: String? { version.map { String($0.prefix(80)) } }
}
