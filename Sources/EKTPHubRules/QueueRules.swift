import EKTPDomain
import EKTPWire
import Foundation

/// The queue's order: urgent first, then by approval time, then by id.
public struct QueueKey: Sendable, Comparable {
    public var id: String
    public var priority: JobPriority
    /// Approval time as stored (epoch seconds), so equal times compare equal.
    public var approvedAt: Double

    public init(id: String, priority: JobPriority, approvedAt: Double) {
        self.id = id
        self.priority = priority
        self.approvedAt = approvedAt
    }

    public static func < (a: QueueKey, b: QueueKey) -> Bool {
        if a.priority != b.priority { return a.priority == .urgent }
        if a.approvedAt != b.approvedAt { return a.approvedAt < b.approvedAt }
        return a.id < b.id
    }

    /// The stored form of a priority: 1 urgent, 0 normal (the queue index sorts on it).
    public static func column(_ priority: JobPriority) -> Int { priority == .urgent ? 1 : 0 }
    public static func priority(column: Int) -> JobPriority { column == 1 ? .urgent : .normal }
}

/// Leases: what a poll may take from the kecamatan's queue.
public enum LeaseRule {
    /// The first `max` of the candidates in queue order. Stores read the candidates with
    /// one walk of the queue index per leasable state (never approved; offered with the
    /// lease run out) and let this merge them.
    public static func pick<T>(_ candidates: [(key: QueueKey, value: T)], max: Int) -> [(key: QueueKey, value: T)] {
        Array(candidates.sorted { $0.key < $1.key }.prefix(Swift.max(0, max)))
    }
}

/// Acknowledgements: a station claims the jobs offered to it, all or nothing.
public enum AckRule {
    /// A job as the store holds it when an ack names it.
    public struct Held: Sendable {
        public var kecamatanCode: String
        public var state: HubJobState
        public var stationId: String?
        /// The earlier job of the same NIK this one is held for (`NIKHold`).
        public var heldFor: String?
        /// The one station a moved job goes to (`CentralActs.move`).
        public var assignedStationId: String?
        public init(kecamatanCode: String, state: HubJobState, stationId: String?, heldFor: String? = nil, assignedStationId: String? = nil) {
            self.kecamatanCode = kecamatanCode
            self.state = state
            self.stationId = stationId
            self.heldFor = heldFor
            self.assignedStationId = assignedStationId
        }
    }

    /// Which of `requested` move to `claimed` by this station and which it already holds;
    /// throws (nothing changes) when any is unknown, another kecamatan's or held by another
    /// station.
    ///
    /// A job offered to this station is claimed. So is a job back in the queue that no
    /// station holds: the hub cannot know that an answer arrived (a proxy or load balancer
    /// may close the connection as the answer ends, and the hub then puts the jobs back at
    /// once, `Hub.returnUndelivered`), and a station only acknowledges what it stored, so
    /// it holds the document and no other station does. Not a job held for an earlier card
    /// of the same NIK, nor one moved to another station.
    public static func classify(
        _ requested: [JobID], held: [JobID: Held], stationId: String, kecamatan: String
    ) throws -> (claim: [JobID], already: [JobID]) {
        var claim: [JobID] = [], already: [JobID] = []
        var forbidden: [String] = [], missing: [String] = [], conflicts: [String] = []
        for id in Array(Set(requested)).sorted() {
            guard let job = held[id] else {
                missing.append("job \(id): tidak dikenal di hub")
                continue
            }
            guard job.kecamatanCode == kecamatan else {
                forbidden.append("job \(id): milik kecamatan lain")
                continue
            }
            if job.state == .approved, job.stationId == nil {
                if job.heldFor == nil, job.assignedStationId == nil || job.assignedStationId == stationId {
                    claim.append(id)
                } else {
                    conflicts.append("job \(id): \(job.heldFor != nil ? "ditahan karena NIK ganda" : "dipindahkan ke stasiun lain")")
                }
                continue
            }
            guard job.stationId == stationId else {
                conflicts.append("job \(id): \(job.stationId == nil ? "tidak sedang ditawarkan ke stasiun ini" : "sedang dipegang stasiun lain")")
                continue
            }
            if job.state == .offered { claim.append(id) } else { already.append(id) }
        }
        if !forbidden.isEmpty {
            throw HubError(
                .forbidden, "stasiun ini hanya boleh mengakui job kecamatan \(kecamatan); tidak ada yang diubah", details: forbidden + missing + conflicts)
        }
        if !missing.isEmpty { throw HubError(.notFound, "ada job yang tidak dikenal; tidak ada yang diubah", details: missing + conflicts) }
        if !conflicts.isEmpty { throw HubError(.conflict, "ada job yang tidak sedang ditawarkan ke stasiun ini; tidak ada yang diubah", details: conflicts) }
        return (claim, already)
    }
}
