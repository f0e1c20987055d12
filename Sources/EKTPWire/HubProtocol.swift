import EKTPDomain
import Foundation

// The station–hub protocol (DESIGN.md, "Station–hub protocol"; contract in
// `docs/hub-openapi.json`): the types both `ektp-hub` and `ektpd`'s sync speak. Dates are
// ISO 8601, keys sorted (`WireCoding`). Every refusal is an `APIErrorBody`.

/// `POST /v1/intake` and `ektp-hub import`: the same answer as the station's import
/// (stored, duplicates sent again and stored once, warnings).
public typealias IntakeResult = ImportResult

/// `POST /v1/admin/enrollment-tokens`
public struct EnrollmentTokenRequest: Codable, Sendable {
    public var kecamatan: String
    public init(kecamatan: String) { self.kecamatan = kecamatan }
}

/// A one-time enrollment token, shown once.
public struct EnrollmentTokenIssued: Codable, Sendable {
    public var token: String
    public var kecamatanCode: String
    public var expiresAt: Date
    public init(token: String, kecamatanCode: String, expiresAt: Date) {
        self.token = token
        self.kecamatanCode = kecamatanCode
        self.expiresAt = expiresAt
    }
}

/// `POST /v1/stations/enroll`
public struct EnrollRequest: Codable, Sendable {
    public var token: String
    /// A name people recognise: "Kantor Kecamatan Tarumajaya, PC cetak 1".
    public var name: String
    /// The sequence number of the first event the station will send under this
    /// credential (its outbox's next number; 1 for a new station). The hub counts gaps
    /// from here, so a station that ran before enrolling, or enrolls again, shows none.
    public var firstSeq: Int64?
    public init(token: String, name: String, firstSeq: Int64? = nil) {
        self.token = token
        self.name = name
        self.firstSeq = firstSeq
    }
}

/// The station's own credential, returned once; the hub keeps only its SHA-256.
public struct EnrollResult: Codable, Sendable {
    public var stationId: String
    public var kecamatanCode: String
    public var credential: String
    public var credentialExpiresAt: Date?
    public init(stationId: String, kecamatanCode: String, credential: String, credentialExpiresAt: Date?) {
        self.stationId = stationId
        self.kecamatanCode = kecamatanCode
        self.credential = credential
        self.credentialExpiresAt = credentialExpiresAt
    }
}

/// `POST /v1/admin/stations/{id}/revoke`
public struct RevokeResult: Codable, Sendable {
    public var stationId: String
    public var revokedAt: Date
    /// Jobs the station held that were offered but not acknowledged, back in the queue.
    public var requeued: Int
    public init(stationId: String, revokedAt: Date, requeued: Int) {
        self.stationId = stationId
        self.revokedAt = revokedAt
        self.requeued = requeued
    }
}

/// `POST /v1/station/ack`
public struct AckRequest: Codable, Sendable {
    public var jobs: [JobID]
    public init(jobs: [JobID]) { self.jobs = jobs }
}

public struct AckResult: Codable, Sendable, Equatable {
    /// Now claimed by this station.
    public var claimed: [JobID]
    /// Already claimed (or further along) by this station: an ack sent again.
    public var already: [JobID]
    public init(claimed: [JobID], already: [JobID]) {
        self.claimed = claimed
        self.already = already
    }
}

/// `GET /v1/station/reconcile`: what the hub believes the station holds.
public struct ReconcileResult: Codable, Sendable {
    public var stationId: String
    public var kecamatanCode: String
    public var jobs: [ReconcileJob]
    /// Highest event sequence number the hub has from this station.
    public var highestSeq: Int64
    public var gaps: [SeqGap]
    public init(stationId: String, kecamatanCode: String, jobs: [ReconcileJob], highestSeq: Int64, gaps: [SeqGap]) {
        self.stationId = stationId
        self.kecamatanCode = kecamatanCode
        self.jobs = jobs
        self.highestSeq = highestSeq
        self.gaps = gaps
    }
}

public struct ReconcileJob: Codable, Sendable, Equatable {
    public var id: JobID
    public var state: HubJobState
    /// The station's own state, as its last event said.
    public var stationState: JobState?
    public var leaseExpiresAt: Date?
    public init(id: JobID, state: HubJobState, stationState: JobState?, leaseExpiresAt: Date?) {
        self.id = id
        self.state = state
        self.stationState = stationState
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// One numbered event in `POST /v1/station/events`.
public struct SequencedEvent: Codable, Sendable {
    public var seq: Int64
    public var event: StationEvent
    /// When the station recorded it, by the station's clock: blangko use is counted on the
    /// day it happened, not the day the hub heard of it (`StockForecast`). Absent from older
    /// stations; the hub then uses its own time.
    public var at: Date?
    public init(seq: Int64, event: StationEvent, at: Date? = nil) {
        self.seq = seq
        self.event = event
        self.at = at
    }
}

public struct EventBatch: Codable, Sendable {
    public var events: [SequencedEvent]
    /// The station's audit chain head when the batch left: the hub keeps every head it is
    /// sent, so a chain rewritten later at the station no longer matches (`AuditAnchor`).
    public var auditHead: AuditAnchor?
    public init(events: [SequencedEvent], auditHead: AuditAnchor? = nil) {
        self.events = events
        self.auditHead = auditHead
    }
}

/// One record of a station's audit chain as the hub was told it: its number and hash
/// (SHA-256, lower-case hex). `GET /v1/station/audit-anchors` lists them back.
public struct AuditAnchor: Codable, Sendable, Equatable {
    public var seq: Int64
    public var hash: String
    /// When the hub received it (set by the hub).
    public var receivedAt: Date?
    public init(seq: Int64, hash: String, receivedAt: Date? = nil) {
        self.seq = seq
        self.hash = hash
        self.receivedAt = receivedAt
    }

    /// Well formed: a positive number and 64 lower-case hex digits.
    public var isWellFormed: Bool {
        seq > 0 && hash.utf8.count == 64 && hash.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// Missing sequence numbers `from...to` (inclusive) in what a station has sent.
public struct SeqGap: Codable, Sendable, Equatable {
    public var from: Int64
    public var to: Int64
    public init(from: Int64, to: Int64) {
        self.from = from
        self.to = to
    }
}

public struct EventIngestResult: Codable, Sendable, Equatable {
    /// Events stored now.
    public var accepted: Int
    /// Sequence numbers the hub already had: ignored, not doubled.
    public var duplicates: [Int64]
    /// Of those, the ones whose content differs from what was first received.
    public var conflicting: [Int64]
    /// Highest sequence number received from this station.
    public var highestSeq: Int64
    /// Every hole below `highestSeq`: the station should resend these.
    public var gaps: [SeqGap]
    public init(accepted: Int, duplicates: [Int64], conflicting: [Int64], highestSeq: Int64, gaps: [SeqGap]) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.conflicting = conflicting
        self.highestSeq = highestSeq
        self.gaps = gaps
    }
}

/// `POST /v1/station/heartbeat`
public struct Heartbeat: Codable, Sendable {
    public var devices: [DeviceReport]
    /// Blangko per place as the station's ledger says (`store`, `hopper:ID`, `spoiled`).
    public var stock: [StockPlace: Int]?
    /// Events still in the station's outbox.
    public var outboxBacklog: Int?
    public var version: String?
    /// Why the station prints nothing at all now (a full disk, a rollback hold), in the words
    /// its operator reads; nil or empty when it can print.
    public var stopped: [String]?
    /// The office's ribbons (`RibbonStock`): rolls in the store, prints left in all.
    public var ribbon: RibbonReport?
    public init(
        devices: [DeviceReport], stock: [StockPlace: Int]? = nil, outboxBacklog: Int? = nil, version: String? = nil, stopped: [String]? = nil,
        ribbon: RibbonReport? = nil
    ) {
        self.ribbon = ribbon
        self.stopped = stopped
        self.devices = devices
        self.stock = stock
        self.outboxBacklog = outboxBacklog
        self.version = version
    }
}

/// A station's ribbons as its heartbeat says.
public struct RibbonReport: Codable, Sendable, Equatable {
    public var storeRolls: Int
    /// Prints left in the printers' rolls and the store's together.
    public var printsLeft: Int
    public init(storeRolls: Int, printsLeft: Int) {
        self.storeRolls = storeRolls
        self.printsLeft = printsLeft
    }
}

public struct DeviceReport: Codable, Sendable {
    public var id: DeviceID
    public var model: String?
    public var state: DeviceState
    /// Chip encodings on the printer so far, by result; nil when it never encoded one.
    public var chip: ChipCounts?
    public init(id: DeviceID, model: String? = nil, state: DeviceState, chip: ChipCounts? = nil) {
        self.id = id
        self.model = model
        self.state = state
        self.chip = chip
    }
}

public struct HeartbeatResult: Codable, Sendable {
    public var stationId: String
    public var receivedAt: Date
    /// When the hub would like the next heartbeat.
    public var nextHeartbeatSeconds: Int
    /// Jobs the central office withdrew that this station holds: not to be printed; the
    /// station confirms each by its state change (absent from older hubs).
    public var withdrawals: [JobWithdrawal]?
    /// Shipments of blangko on their way to the station's kecamatan, not yet counted there
    /// (absent from older hubs).
    public var shipments: [ShipmentNotice]?
    /// Cards PT Pos brought back that this station holds: on the shelf again, for pickup;
    /// the station confirms each by its state change (absent from older hubs).
    public var posReturns: [PosReturn]?
    public init(
        stationId: String, receivedAt: Date, nextHeartbeatSeconds: Int, withdrawals: [JobWithdrawal]? = nil, shipments: [ShipmentNotice]? = nil,
        posReturns: [PosReturn]? = nil
    ) {
        self.posReturns = posReturns
        self.stationId = stationId
        self.receivedAt = receivedAt
        self.nextHeartbeatSeconds = nextHeartbeatSeconds
        self.withdrawals = withdrawals
        self.shipments = shipments
    }
}

/// `POST /v1/station/job-states`: the state of jobs the station holds, for the hub to
/// settle its record to (docs/sync.md, "Reconcile").
public struct JobStatesReport: Codable, Sendable, Equatable {
    public var jobs: [ReportedJobState]
    public init(jobs: [ReportedJobState]) { self.jobs = jobs }
}

/// One job as the station holds it: which version, in which state.
public struct ReportedJobState: Codable, Sendable, Equatable {
    public var id: JobID
    /// SHA-256 of the job's canonical content.
    public var contentHash: Data
    public var state: JobState
    public init(id: JobID, contentHash: Data, state: JobState) {
        self.id = id
        self.contentHash = contentHash
        self.state = state
    }
}

/// What the hub did with a `JobStatesReport`.
public struct JobStatesResult: Codable, Sendable, Equatable {
    /// Jobs whose state at the hub now follows the station's.
    public var settled: [JobID]
    /// Jobs the hub does not hold.
    public var unknown: [JobID]
    /// Reports that do not fit the hub's record, in words for a person; nothing changed.
    public var mismatches: [String]
    public init(settled: [JobID], unknown: [JobID], mismatches: [String]) {
        self.settled = settled
        self.unknown = unknown
        self.mismatches = mismatches
    }
}
