import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation

/// The hub's durable state, behind one protocol so SQLite (one kabupaten, the demo) and
/// PostgreSQL (a province or the country, several hub processes) can serve the same API.
///
/// Every method that keeps an invariant is one transaction: an intake batch is stored
/// whole or not at all; a lease, an ack, an event batch with the job states and stock it
/// changes, a revocation with the jobs it puts back in the queue. Methods take `now` from
/// the caller, so the hub's clock (and a test's manual clock) decides time, not the store.
public protocol HubStore: Sendable {
    // MARK: Intake
    /// Stores verified jobs in their kecamatan's queue as `approved`. A job id already held
    /// with the same content is a duplicate (stored once); with other content the whole
    /// batch is refused (`conflict`). A job for a NIK that already has a live card is
    /// stored held (`NIKHold`), never offered until a central user releases it.
    func storeApproved(_ jobs: [IncomingJob], now: Date) async throws -> (stored: [JobID], duplicates: [JobID], held: [JobID: JobID])
    /// A central user lets a held job into the queue, with the reason, in the hub's audit
    /// trail. Refused when the job is not held or the reason is empty.
    func releaseHold(_ id: JobID, reason: String, by person: String, now: Date) async throws -> JobView

    // MARK: The centre acts (CentralActs), each in the hub's audit trail
    /// Withdraws a job no card has been fed for: at once when no station holds it; a
    /// station that holds it is asked (heartbeat) and confirms by its event.
    func withdraw(_ id: JobID, reason: String, by person: String, now: Date) async throws -> JobActResult
    /// Sends a job no station holds to one live station of its kecamatan, and to no other.
    func move(_ id: JobID, to stationId: String, reason: String, by person: String, now: Date) async throws -> JobActResult
    /// A station gone for good: revoked; its jobs not yet fed go back to the queue.
    func retire(stationId: String, reason: String, by person: String, now: Date) async throws -> RetireResult
    /// The hub's audit trail, newest first; of one job with `job`.
    func audit(job: JobID?, limit: Int) async throws -> [HubAuditEntry]

    // MARK: Stations
    func createEnrollmentToken(hash: Data, kecamatan: String, now: Date, expiresAt: Date) async throws
    /// Exchanges a one-time token for a station of the token's kecamatan, named by
    /// `stationID(kecamatan)`; the token cannot be used again. The station's events are
    /// numbered from `firstSeq` under this credential: `highestSeq` starts at `firstSeq - 1`.
    func enroll(
        tokenHash: Data, name: String, credentialHash: Data, firstSeq: Int64, now: Date, credentialExpiresAt: Date?,
        stationID: @escaping @Sendable (String) -> String
    ) async throws -> StationRecord
    /// Revokes a station's credential and puts the jobs offered to it (not yet acked) back
    /// in the queue.
    func revoke(stationId: String, now: Date) async throws -> RevokeResult
    func station(credentialHash: Data) async throws -> StationRecord?
    func station(id: String) async throws -> StationRecord?
    func touch(stationId: String, now: Date) async throws

    // MARK: Jobs for stations
    /// Leases up to `max` jobs of the station's kecamatan (never approved, or whose lease
    /// ran out), urgent first, then oldest, until `leaseUntil`.
    func lease(station: StationRecord, max: Int, now: Date, leaseUntil: Date) async throws -> [LeasedJob]
    /// Puts jobs offered to this station back in the queue at once (`offered` → `approved`),
    /// waking the kecamatan's polls on every hub process; the answer that carried them never
    /// reached the station. Returns how many were still offered to it.
    func release(station: StationRecord, jobs: [JobID], now: Date) async throws -> Int
    /// What a poll of this station would find, in one read: whether a job waits for it (a
    /// lease is worth taking) and when the next lease it could take over runs out.
    func glance(station: StationRecord, now: Date) async throws -> QueueGlance
    /// The station stored these durably: `offered` → `claimed`. All or nothing.
    func ack(station: StationRecord, jobs: [JobID], now: Date) async throws -> AckResult
    func reconcile(station: StationRecord) async throws -> ReconcileResult
    /// Settles the hub's record of the station's jobs to the states it reports
    /// (`JobSettlement`), in one transaction.
    func settle(station: StationRecord, jobs: [ReportedJobState], now: Date) async throws -> JobStatesResult

    // MARK: Events
    /// Ingests a batch by (station, seq): a seq already held is ignored. Job states, stock,
    /// devices and alerts change in the same transaction as the events are stored.
    func ingest(station: StationRecord, events: [SequencedEvent], now: Date) async throws -> EventIngestResult
    /// Records a heartbeat (the station's row, its devices, the stock it counts) and returns
    /// what its answer tells the station.
    func heartbeat(station: StationRecord, _ heartbeat: Heartbeat, now: Date) async throws -> HeartbeatNotices

    // MARK: Views (raw facts; `FleetReport` turns them into what people see)
    func stations() async throws -> [StationRecord]
    func devices() async throws -> [DeviceView]
    /// Balances, use per day since `consumedSince` (`StockForecast.windowStart`), reported stock.
    func stockFacts(consumedSince: Date) async throws -> StockFacts
    /// Every ledger event of the stations of kabupaten `code` (`PP.KK`), with when each
    /// station recorded it, per station in its order (`KabupatenRollUp`).
    func ledgerMovements(kabupaten code: String) async throws -> [KabupatenRollUp.Movement]
    func backlog() async throws -> [BacklogEntry]
    func jobCounts() async throws -> [HubJobState: Int]
    /// The stations' open alerts, newest first.
    func stationAlerts(limit: Int) async throws -> [HubAlert]
    /// Of these hub-detected alerts (`HubAlert.pushKey`), the ones not pushed before, now
    /// remembered as pushed; a remembered key not among them is forgotten (its condition
    /// ended, so a return is news). Atomic: of several hub processes, one claims each.
    func claimAlertPushes(_ keys: Set<String>, now: Date) async throws -> Set<String>
    /// Open station alerts nobody took on, raised before `raisedBefore` and not escalated
    /// yet, now marked escalated. Atomic like `claimAlertPushes`.
    func claimEscalations(raisedBefore: Date, now: Date) async throws -> [HubAlert]
    func gaps() async throws -> [String: [SeqGap]]
    func job(_ id: JobID) async throws -> JobView?

    // MARK: Personal data at rest
    /// One stored document that is not purged, to check at start that the data key opens it.
    func sampleDocument() async throws -> (id: JobID, contentHash: Data, document: Data)?
    /// Empties the documents (NIK, name, address, photo) of jobs handed over before
    /// `before`; the row keeps its id, masked NIK and hashes. Returns how many.
    func purgeDocuments(handedOverBefore before: Date) async throws -> Int

    // MARK: Audit anchors
    /// Keeps a station's audit chain head; the first hash the hub was told for a record
    /// stays. Returns the hash already held for that record when it differs.
    func recordAuditAnchor(station: StationRecord, _ anchor: AuditAnchor, now: Date) async throws -> String?
    /// Every head a station sent, by record number.
    func auditAnchors(station: StationRecord) async throws -> [AuditAnchor]

    // MARK: Shipments

    /// Records a ministry shipment at the kabupaten and one shipment in transit per
    /// kecamatan with a share, each under the next surat jalan number; all or nothing.
    func allocate(kabupaten: String, quantity: Int, document: String, split: [String: Int], by person: String, now: Date) async throws
        -> AllocationResult
    /// Shipments to or from the kecamatan under `prefix` (a kabupaten `PP.KK`, or "" for all),
    /// newest first.
    func shipments(under prefix: String, limit: Int) async throws -> [ShipmentView]

    // MARK: PT Pos

    /// Records PT Pos's results (`PosResults`), all or nothing; a card brought back waits
    /// for its station to put it on the shelf.
    func recordPosResults(_ rows: [PosResultRow], by person: String, now: Date) async throws -> PosResultsAnswer
}

/// A verified job ready to be stored.
public struct IncomingJob: Sendable {
    public var id: JobID
    public var kecamatanCode: String
    public var priority: JobPriority
    public var approvedAt: Date
    /// SHA-256 of the canonical job bytes.
    public var contentHash: Data
    public var keyId: String
    /// The signed document in canonical form, as stations receive it.
    public var document: Data
    public var maskedNik: String
    /// The NIK's HMAC under the hub's data key (`DocumentSealer.nikKey`).
    public var nikKey: Data
    /// A first-time applicant (`PrintJob.isPemula`), served first by the allocation.
    public var pemula: Bool = false
    /// Goes to its holder by PT Pos (`DeliveryMethod.pos`): PT Pos's results name it.
    public var pos: Bool = false
}

/// A job leased to a station by one poll.
/// What a heartbeat's answer tells the station beside the time (`HeartbeatResult`).
public struct HeartbeatNotices: Sendable {
    /// Withdrawn jobs the station holds and has not confirmed.
    public var withdrawals: [JobWithdrawal]
    /// Shipments not yet counted by the station's kecamatan.
    public var shipments: [ShipmentNotice]
    /// Cards PT Pos brought back that the station holds and has not yet shelved.
    public var posReturns: [PosReturn]
}

/// The queue as one station's poll sees it (`HubStore.glance`).
public struct QueueGlance: Sendable, Equatable {
    /// A job the station may lease now: waiting, or offered to a station whose lease ran out;
    /// neither held for an earlier card of the same NIK nor moved to another station.
    public var takeable: Bool
    /// When the earliest lease still running that this station could take over runs out.
    public var nextLeaseExpiry: Date?
    public init(takeable: Bool, nextLeaseExpiry: Date?) {
        self.takeable = takeable
        self.nextLeaseExpiry = nextLeaseExpiry
    }
}

public struct LeasedJob: Sendable {
    public var id: JobID
    public var priority: JobPriority
    public var leaseExpiresAt: Date
    public var contentHash: Data
    /// As stored: sealed (`DocumentSealer`); `Hub.poll` opens it for the station.
    public var document: Data
}

/// A station as the hub knows it.
public struct StationRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var kecamatanCode: String
    public var enrolledAt: Date
    public var credentialExpiresAt: Date?
    public var revokedAt: Date?
    public var lastSeenAt: Date?
    public var lastHeartbeatAt: Date?
    /// The first event sequence number under this credential (`EnrollRequest.firstSeq`).
    public var firstSeq: Int64
    /// Highest sequence number received; `firstSeq - 1` before any event.
    public var highestSeq: Int64
    /// Jobs the station holds (claimed, printed, awaiting a reprint): counted for the
    /// listing (`stations()`); nil on a station found by its credential at every request,
    /// where nothing needs it and counting would cost an index walk per call.
    public var heldJobs: Int?
    public var outboxBacklog: Int?
    /// Why the station prints nothing, as its last heartbeat said; nil when it can print.
    public var stopped: String? = nil
    /// The build the station runs, as its last heartbeat said.
    public var version: String? = nil
}

/// Stock per kecamatan as events and heartbeats left it.
public struct StockFacts: Sendable {
    /// Balance per kecamatan and place from ledger events.
    public var balances: [String: [StockPlace: Int]]
    /// Blangko consumed (printed or spoiled out of store or hopper) since the window start,
    /// per kecamatan and office day (`StockForecast.day`).
    public var consumed: [String: [Int: Int]]
    /// Unused blangko per kecamatan as the last heartbeats of its live stations said.
    public var reportedOnHand: [String: Int]
    /// Ribbon prints left per kecamatan as its live stations' heartbeats said.
    public var ribbonPrints: [String: Int]

    /// From stored rows; a place no station keeps means a damaged database.
    init(
        balances: [(kecamatan: String, place: String, quantity: Int)], consumed: [String: [Int: Int]],
        reported: [(kecamatan: String, place: String, quantity: Int)], ribbonPrints: [String: Int] = [:]
    )
        throws
    {
        self.ribbonPrints = ribbonPrints
        self.balances = [:]
        for row in balances { self.balances[row.kecamatan, default: [:]][try StockPlace(stored: row.place)] = row.quantity }
        self.consumed = consumed
        self.reportedOnHand = [:]
        for row in reported where try StockPlace(stored: row.place).isUnused { reportedOnHand[row.kecamatan, default: 0] += row.quantity }
    }
}
