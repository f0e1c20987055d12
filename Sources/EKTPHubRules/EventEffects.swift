import EKTPDomain
import EKTPWire
import Foundation

/// One change a station event makes to the hub's state. Stores carry effects out in their
/// own dialect and nothing else: which event changes what lives here.
public enum HubEffect: Sendable, Equatable {
    /// The job, if this station holds it in one of `from`, takes `state` (the station's own
    /// state beside it); its lease ends.
    case job(JobID, state: HubJobState, stationState: JobState, from: Set<HubJobState>)
    /// The kecamatan's balance at `place` changes by `delta`.
    case stock(place: StockPlace, delta: Int)
    /// Blangko used up (printed or spoiled from the store or a hopper), for days of stock.
    case consumed(quantity: Int)
    case device(DeviceID, model: String?, state: DeviceState)
    case alert(kind: String, device: DeviceID?, message: String)
}

public enum EventEffects {
    /// The longest alert text the hub keeps.
    public static let alertLength = 500

    /// What one new event changes on the hub. Only jobs the station holds change state
    /// (every `.job` effect is bound to the station); an event about another station's job
    /// is stored but changes nothing.
    public static func effects(of event: StationEvent) -> [HubEffect] {
        switch event {
        case .jobStored(let job, _):
            return [.job(job, state: .claimed, stationState: .queued, from: [.offered])]
        case .jobRejected(let job, let reason):
            let alert = HubEffect.alert(
                kind: "job-rejected", device: nil, message: String("stasiun menolak \(job.map { "job \($0)" } ?? "sebuah job"): \(reason)".prefix(alertLength)))
            guard let job else { return [alert] }
            return [.job(job, state: .returned, stationState: .rejected, from: [.offered, .claimed]), alert]
        case .jobStateChanged(let job, _, let to, _, _):
            return [.job(job, state: HubJobState(station: to), stationState: to, from: Set(HubJobState.allCases).subtracting([.approved, .handedOver]))]
        case .ledger(let kind, let from, let to, let quantity, _, _, _):
            var effects: [HubEffect] = [.stock(place: from, delta: -quantity), .stock(place: to, delta: quantity)]
            if kind == .printed || kind == .spoiled, from.isUnused, !to.isUnused, quantity > 0 {
                effects.append(.consumed(quantity: quantity))
            }
            return effects
        case .deviceState(let device, let state):
            return [.device(device, model: nil, state: state)]
        case .alert(let alert):
            return [.alert(kind: alert.kind.rawValue, device: alert.device, message: String(alert.message.prefix(alertLength)))]
        }
    }

    /// Since when a device has been in error: kept while it stays in error, set when it
    /// enters error, nil otherwise.
    public static func errorSince(previousStatus: DeviceStatus?, previousSince: Date?, status: DeviceStatus, now: Date) -> Date? {
        guard status == .error else { return nil }
        return previousStatus == .error ? (previousSince ?? now) : now
    }
}

/// Event intake by (station, seq), invariant 4: a seq already held is never applied again.
public enum EventIntake {
    public struct Encoded: Sendable {
        public var seq: Int64
        public var event: StationEvent
        /// The event as stored, to tell a replay from a different event under the same seq.
        public var json: String
    }

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
            Encoded(seq: e.seq, event: e.event, json: String(decoding: try encoder.encode(e.event), as: UTF8.self))
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
