import EKTPDomain
import Foundation

// The central office acting on a job or a station (docs/sync.md, "The centre acts"): each
// act names the person (the admin token names nobody) and the reason, and is one entry of
// the hub's audit trail.

/// `POST /v1/admin/jobs/{id}/withdraw`, `POST /v1/admin/stations/{id}/retire`.
public struct CentralActRequest: Codable, Sendable {
    public var reason: String
    public var by: String
    public init(reason: String, by: String) {
        self.reason = reason
        self.by = by
    }
}

/// `POST /v1/admin/jobs/{id}/move`: the job goes to `station` (of the job's kecamatan: the
/// approval signature names it) and to no other.
public struct JobMoveRequest: Codable, Sendable {
    public var station: String
    public var reason: String
    public var by: String
    public init(station: String, reason: String, by: String) {
        self.station = station
        self.reason = reason
        self.by = by
    }
}

/// A withdrawal the hub asks a station to carry out (in the heartbeat's answer): the job
/// is not printed there; the station confirms by its own event.
public struct JobWithdrawal: Codable, Sendable, Equatable {
    public var job: JobID
    public var reason: String
    public var by: String
    public var at: Date
    public init(job: JobID, reason: String, by: String, at: Date) {
        self.job = job
        self.reason = reason
        self.by = by
        self.at = at
    }
}

/// What a central act on a job did.
public struct JobActResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Done at the hub.
        case done
        /// The station holding the job carries it out and confirms.
        case pending
    }
    public var id: JobID
    public var outcome: Outcome
    public var message: String
    public init(id: JobID, outcome: Outcome, message: String) {
        self.id = id
        self.outcome = outcome
        self.message = message
    }
}

/// `POST /v1/admin/stations/{id}/retire`: a station gone for good. Its credential is
/// revoked; its jobs not yet fed to a printer go back to the kecamatan's queue; jobs whose
/// outcome is unknown stay with it until a person decides.
public struct RetireResult: Codable, Sendable, Equatable {
    public var stationId: String
    public var requeued: [JobID]
    /// Jobs the station was printing or could not tell the outcome of, as last reported.
    public var outcomeUnknown: [JobID]
    public init(stationId: String, requeued: [JobID], outcomeUnknown: [JobID]) {
        self.stationId = stationId
        self.requeued = requeued
        self.outcomeUnknown = outcomeUnknown
    }
}

/// `GET /v1/views/audit`: one entry of the hub's audit trail.
public struct HubAuditEntry: Codable, Sendable, Equatable {
    public var at: Date
    public var actor: String
    public var action: String
    public var job: JobID?
    public var detail: String
    public init(at: Date, actor: String, action: String, job: JobID?, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.job = job
        self.detail = detail
    }
}
