import EKTPDomain
import Foundation

/// Types of the station's local API, served by ektpd on a Unix socket (for `ektpctl`) and,
/// later, on the LAN (for the web pages). Paths are under `/v1`. Every error answer is
/// an `APIErrorBody` with an HTTP status (4xx: the request was refused and nothing
/// changed; 5xx: the daemon failed and logged why).
public enum StationAPI {
    public static let version = "v1"
}

/// The body of every error answer.
public struct APIErrorBody: Codable, Sendable, Error, CustomStringConvertible {
    /// Stable machine-readable code, e.g. `signature-invalid`, `stock-negative`.
    public var code: String
    /// What went wrong, for a person, in Indonesian.
    public var message: String
    /// Per-item details (one line per refused job in an import).
    public var details: [String]?

    public init(code: String, message: String, details: [String]? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }
    public var description: String {
        ([message] + (details ?? []).map { "  - \($0)" }).joined(separator: "\n")
    }
}

// MARK: - Status

/// `GET /v1/status`
public struct StationStatusView: Codable, Sendable {
    public var kecamatanCode: String
    public var kecamatanName: String?
    /// Jobs per state.
    public var jobs: [JobState: Int]
    /// Why queued jobs wait, when they do (no blangko, no ready printer); nil when printing.
    public var held: String?
    public var devices: [DeviceView]
    /// Unused blangko: store plus hoppers.
    public var blangkoOnHand: Int
    /// Events not yet sent upstream.
    public var outboxBacklog: Int
    public var alerts: [AlertView]
    /// The link to the hub; nil when the station is not enrolled.
    public var sync: SyncStatusView?

    public init(
        kecamatanCode: String, kecamatanName: String?, jobs: [JobState: Int], held: String?, devices: [DeviceView], blangkoOnHand: Int, outboxBacklog: Int,
        alerts: [AlertView], sync: SyncStatusView? = nil
    ) {
        self.sync = sync
        self.kecamatanCode = kecamatanCode
        self.kecamatanName = kecamatanName
        self.jobs = jobs
        self.held = held
        self.devices = devices
        self.blangkoOnHand = blangkoOnHand
        self.outboxBacklog = outboxBacklog
        self.alerts = alerts
    }
}

// MARK: Sync with the hub

/// `POST /v1/sync/enroll` (`ektpctl enroll HUB_URL TOKEN`): exchange a one-time token for
/// this station's credential at the hub.
public struct EnrollStationRequest: Codable, Sendable {
    public var hubURL: String
    public var token: String
    /// How the hub shows this station; defaults to the kecamatan's name.
    public var name: String?
    /// A PEM file of CA certificates trusted for the hub's TLS, instead of the system's.
    public var caFile: String?
    /// Allow `http://` to a hub that is not on loopback (never needed in production).
    public var allowPlainHTTP: Bool
    public init(hubURL: String, token: String, name: String? = nil, caFile: String? = nil, allowPlainHTTP: Bool = false) {
        self.hubURL = hubURL
        self.token = token
        self.name = name
        self.caFile = caFile
        self.allowPlainHTTP = allowPlainHTTP
    }
}

/// `GET /v1/sync`: the state of the link to the hub.
public struct SyncStatusView: Codable, Sendable {
    public var hubURL: String
    public var stationId: String
    public var enrolledAt: Date
    /// Last call the hub answered.
    public var lastContactAt: Date?
    /// Last time jobs were pulled and events pushed without error.
    public var lastSyncAt: Date?
    /// The last error talking to the hub, while it lasts.
    public var lastError: String?
    /// Events waiting for the hub.
    public var outboxBacklog: Int
    /// A warning when the backlog is large (the hub has been away for long).
    public var warning: String?
    public var lastReconcile: ReconcileReport?
    /// The station's clock differs from the hub's by more than five minutes.
    public var clockWarning: String?
    public init(
        hubURL: String, stationId: String, enrolledAt: Date, lastContactAt: Date?, lastSyncAt: Date?, lastError: String?, outboxBacklog: Int,
        warning: String?, lastReconcile: ReconcileReport?, clockWarning: String? = nil
    ) {
        self.clockWarning = clockWarning
        self.hubURL = hubURL
        self.stationId = stationId
        self.enrolledAt = enrolledAt
        self.lastContactAt = lastContactAt
        self.lastSyncAt = lastSyncAt
        self.lastError = lastError
        self.outboxBacklog = outboxBacklog
        self.warning = warning
        self.lastReconcile = lastReconcile
    }
}

/// What one reconcile found and did (`POST /v1/sync/reconcile`, and after every start).
public struct ReconcileReport: Codable, Sendable, Equatable {
    public var at: Date
    /// Jobs the hub lists for this station.
    public var hubJobs: Int
    /// Offered jobs the station held but had not acknowledged: acknowledged now.
    public var acknowledged: [JobID]
    /// Events the hub was missing, queued to be sent again.
    public var resent: Int
    /// Differences sync cannot settle alone, each raised as an alert for the operator.
    public var forOperator: [String]
    /// Jobs whose state the hub's record now follows (it was behind: a flashdisk import, a
    /// job offered again that the station already had).
    public var settled: Int
    public init(at: Date, hubJobs: Int, acknowledged: [JobID], resent: Int, forOperator: [String], settled: Int = 0) {
        self.at = at
        self.hubJobs = hubJobs
        self.acknowledged = acknowledged
        self.resent = resent
        self.forOperator = forOperator
        self.settled = settled
    }
}

/// `GET /v1/devices`: one printer as the station sees it.
public struct DeviceView: Codable, Sendable {
    public var id: DeviceID
    public var uri: String
    public var model: String
    public var serial: String
    public var state: DeviceState
    /// Blangko in the hopper by the ledger.
    public var hopperLedger: Int
    public var hopperCapacity: Int
    /// Cards printed / spoiled on this printer by the ledger.
    public var printed: Int
    public var spoiled: Int
    /// Chip encodings on this printer by result; nil when it never encoded one.
    public var chip: ChipCounts?

    public init(
        id: DeviceID, uri: String, model: String, serial: String, state: DeviceState, hopperLedger: Int, hopperCapacity: Int, printed: Int, spoiled: Int,
        chip: ChipCounts? = nil
    ) {
        self.chip = chip
        self.id = id
        self.uri = uri
        self.model = model
        self.serial = serial
        self.state = state
        self.hopperLedger = hopperLedger
        self.hopperCapacity = hopperCapacity
        self.printed = printed
        self.spoiled = spoiled
    }
}

public struct AlertView: Codable, Sendable {
    public var id: Int64
    public var at: Date
    public var alert: Alert
    /// The station user who took it on (`POST /v1/alerts/{id}/ack`), and when.
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public init(id: Int64, at: Date, alert: Alert, acknowledgedBy: String? = nil, acknowledgedAt: Date? = nil) {
        self.id = id
        self.at = at
        self.alert = alert
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
    }
}

// MARK: - Jobs

/// `GET /v1/jobs?state=…&limit=…`: a job in a list. No personal data but the masked NIK.
public struct JobSummary: Codable, Sendable {
    public var id: JobID
    public var state: JobState
    public var priority: JobPriority
    public var maskedNIK: String
    public var device: DeviceID?
    public var attempts: Int
    public var receivedAt: Date
    public var updatedAt: Date
    /// The earlier job that already gives this NIK a card: this one waits, unprinted,
    /// until a kecamatan head releases it (`ektpctl jobs release`).
    public var heldFor: JobID?
    /// How the card leaves the office: picked up, or by PT Pos.
    public var delivery: DeliveryMethod?

    public init(
        id: JobID, state: JobState, priority: JobPriority, maskedNIK: String, device: DeviceID?, attempts: Int, receivedAt: Date, updatedAt: Date,
        heldFor: JobID? = nil, delivery: DeliveryMethod? = nil
    ) {
        self.heldFor = heldFor
        self.delivery = delivery
        self.id = id
        self.state = state
        self.priority = priority
        self.maskedNIK = maskedNIK
        self.device = device
        self.attempts = attempts
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt
    }
}

/// `GET /v1/jobs/{id}`: one job with its history. The name is shown so an operator can
/// hand the card over; it is gone once personal data is purged.
public struct JobDetail: Codable, Sendable {
    public var summary: JobSummary
    public var nama: String?
    public var delivery: String?
    public var history: [AuditEntryView]
    /// Blangko the ledger counts against this job (printed or spoiled), over all attempts.
    public var blangkoUsed: Int?
    /// Who collected the card, while the job's personal data is kept (sealed at rest; the
    /// audit trail and the hub see only a reference).
    public var collectedBy: String?

    public init(
        summary: JobSummary, nama: String?, delivery: String?, history: [AuditEntryView], blangkoUsed: Int? = nil, collectedBy: String? = nil
    ) {
        self.summary = summary
        self.nama = nama
        self.delivery = delivery
        self.history = history
        self.blangkoUsed = blangkoUsed
        self.collectedBy = collectedBy
    }
}

/// `POST /v1/jobs/import`, body: the signed job file (one signed-job document or an array
/// of them); the operator is the socket's caller. All or nothing: if any job is refused,
/// nothing is stored.
public struct ImportResult: Codable, Sendable, Equatable {
    public var stored: [JobID]
    /// Jobs already held with the same content: ignored, as the hub may send again.
    public var duplicates: [JobID]
    public var warnings: [String]

    public init(stored: [JobID], duplicates: [JobID], warnings: [String]) {
        self.stored = stored
        self.duplicates = duplicates
        self.warnings = warnings
    }
}

// The local API's requests carry no person: `ektpd` knows who sent each one from the
// socket's peer credentials (`SO_PEERCRED`), mapped to a station user.

/// `POST /v1/jobs/{id}/outcome`: a person records what happened to a card.
public struct OutcomeRequest: Codable, Sendable {
    public enum Decision: String, Codable, Sendable, CaseIterable { case printed, spoiled, notFed = "not-fed" }
    public var decision: Decision
    public var cause: SpoilCause?
    public var reason: String

    public init(decision: Decision, cause: SpoilCause?, reason: String) {
        self.decision = decision
        self.cause = cause
        self.reason = reason
    }
}

/// `POST /v1/admin/jobs/{id}/release` at the hub: a central user lets a job held for an
/// earlier card of the same NIK into the queue, and says why (lost, damaged, replaced).
/// The admin token names no person, so the body does. (At the station, `POST
/// /v1/jobs/{id}/release` takes a `ReasonRequest`: the socket names the kepala.)
public struct JobReleaseRequest: Codable, Sendable {
    public var reason: String
    public var by: String
    public init(reason: String, by: String) {
        self.reason = reason
        self.by = by
    }
}

/// A decision that needs only its reason: `POST /v1/jobs/{id}/reprint` (a kepala approves
/// the reprint of a spoiled card), `POST /v1/jobs/{id}/release` (a kepala releases a job
/// held for an earlier card of the same NIK), `POST /v1/hold/release` (printing resumes
/// after a rollback).
public struct ReasonRequest: Codable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// `POST /v1/jobs/{id}/handover`: picked up (recipient named) or given to PT Pos (receipt).
/// A card leaves the office (`HandOver`): picked up by `recipient`, who gives the card's
/// `nik`, or handed to PT Pos under manifest `posReceipt`. One of the two.
public struct HandoverRequest: Codable, Sendable {
    public var recipient: String?
    /// The NIK the person collecting gives (typed or scanned); must be the card's.
    public var nik: String?
    /// Whether an old KTP-el was collected from them (a replacement card).
    public var oldCardCollected: Bool?
    public var posReceipt: String?
    public init(recipient: String?, nik: String? = nil, oldCardCollected: Bool? = nil, posReceipt: String?) {
        self.recipient = recipient
        self.nik = nik
        self.oldCardCollected = oldCardCollected
        self.posReceipt = posReceipt
    }
}

/// Jobs found by NIK or by name (`GET /v1/jobs/find`).
public struct JobMatch: Codable, Sendable {
    public var summary: JobSummary
    /// The name on the card; nil once the personal data is purged.
    public var nama: String?
    public init(summary: JobSummary, nama: String?) {
        self.summary = summary
        self.nama = nama
    }
}

/// Answer to any request that changes one job.
public struct JobChanged: Codable, Sendable {
    public var id: JobID
    public var state: JobState
    public init(id: JobID, state: JobState) {
        self.id = id
        self.state = state
    }
}

// MARK: - Stock

/// One stock operation at the station, each with exactly the fields it needs.
public enum StockOperation: Codable, Sendable, Equatable {
    /// Blangko from the kabupaten into the store, against its surat jalan (`document`).
    case receive(quantity: Int, document: String, serialFirst: String? = nil, serialLast: String? = nil)
    /// From the store into a printer's hopper.
    case load(device: DeviceID, quantity: Int)
    /// From a printer's hopper back to the store.
    case unload(device: DeviceID, quantity: Int)
    /// Blangko found spoiled in the store or a hopper, waiting for destruction.
    case spoil(place: StockPlace, quantity: Int, cause: SpoilCause, note: String? = nil)
    /// Spoiled blangko destroyed under a berita acara (`record`) before witnesses, and how
    /// (`method`: dipotong, dibakar …; required, optional on the wire only for old clients).
    case destroy(quantity: Int, record: String, witnesses: [String], method: String? = nil)
    /// From the store to another kecamatan, under a hand-over document.
    case transfer(quantity: Int, toKecamatan: String, document: String)
    /// A physical count of a place; a difference needs a reason and the kecamatan head.
    case count(place: StockPlace, counted: Int, reason: String? = nil)
    /// Ribbon rolls into the store, against their delivery document.
    case receiveRibbon(rolls: Int, document: String)
    /// One ribbon roll from the store into a printer (the one in it comes out finished).
    case loadRibbon(device: DeviceID)
    /// The printer's ribbon roll came out used up.
    case finishRibbon(device: DeviceID)

    /// The operation's name, as the audit trail and the console say it.
    public var name: String {
        switch self {
        case .receive: "receive"
        case .load: "load"
        case .unload: "unload"
        case .spoil: "spoil"
        case .destroy: "destroy"
        case .transfer: "transfer"
        case .count: "count"
        case .receiveRibbon: "receive-ribbon"
        case .loadRibbon: "load-ribbon"
        case .finishRibbon: "finish-ribbon"
        }
    }
}

/// `POST /v1/stock`: a stock operation.
public struct StockRequest: Codable, Sendable, Equatable {
    public var operation: StockOperation

    public init(_ operation: StockOperation) {
        self.operation = operation
    }
}

/// What a stock operation did.
public struct StockChanged: Codable, Sendable {
    /// Ledger entry id, when one was written.
    public var entry: Int64?
    /// A count difference waiting for the kecamatan head's confirmation.
    public var pendingCount: Int64?
    public var message: String
    public init(entry: Int64?, pendingCount: Int64?, message: String) {
        self.entry = entry
        self.pendingCount = pendingCount
        self.message = message
    }
}

/// `POST /v1/stock/counts/{id}/confirm` or `/refuse` (kecamatan head).
public struct CountDecision: Codable, Sendable {
    public var note: String?
    public init(note: String?) {
        self.note = note
    }
}

/// `GET /v1/stock`: balances per place and the identities checked.
public struct StockView: Codable, Sendable {
    public var places: [StockPlace: Int]
    public var identities: [IdentityView]
    public var pendingCounts: [PendingCountView]
    /// Days of stock left and the backlog's need, by the definition the hub uses too.
    public var forecast: StockForecast
    /// Old KTP-el collected at pickups, waiting to be destroyed under a record (not blangko:
    /// outside the blangko ledger).
    public var oldCardsAwaitingDestruction: Int?
    /// Ribbon rolls in the store and in each printer, prints and days left.
    public var ribbons: RibbonStock?

    public init(
        places: [StockPlace: Int], identities: [IdentityView], pendingCounts: [PendingCountView], forecast: StockForecast,
        oldCardsAwaitingDestruction: Int? = nil, ribbons: RibbonStock? = nil
    ) {
        self.ribbons = ribbons
        self.oldCardsAwaitingDestruction = oldCardsAwaitingDestruction
        self.places = places
        self.identities = identities
        self.pendingCounts = pendingCounts
        self.forecast = forecast
    }
}

public struct IdentityView: Codable, Sendable {
    public var name: String
    public var lhs: Int
    public var rhs: Int
    public var holds: Bool
    public init(name: String, lhs: Int, rhs: Int, holds: Bool) {
        self.name = name
        self.lhs = lhs
        self.rhs = rhs
        self.holds = holds
    }
}

public struct PendingCountView: Codable, Sendable {
    public var id: Int64
    public var place: String
    public var expected: Int
    public var counted: Int
    public var reason: String
    public var by: String
    public init(id: Int64, place: String, expected: Int, counted: Int, reason: String, by: String) {
        self.id = id
        self.place = place
        self.expected = expected
        self.counted = counted
        self.reason = reason
        self.by = by
    }
}

// MARK: - Audit

public struct AuditEntryView: Codable, Sendable {
    public var seq: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var job: JobID?
    public var maskedNIK: String?
    public var detail: String
    public init(seq: Int64, at: Date, actor: String, action: String, job: JobID?, maskedNIK: String?, detail: String) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.action = action
        self.job = job
        self.maskedNIK = maskedNIK
        self.detail = detail
    }
}

/// `GET /v1/audit/verify`
public struct AuditVerification: Codable, Sendable {
    public var entries: Int
    public var valid: Bool
    /// The first entry whose hash does not follow from the one before.
    public var brokenAt: Int64?
    public var message: String
    /// How many heads the hub holds for this station were compared (nil: not compared).
    public var anchorsChecked: Int?
    /// Records whose hash differs from what the hub was told, or which the hub was told of
    /// and the station no longer has.
    public var differsFromHub: [Int64]?
    /// Why the hub's anchors were not compared (not enrolled, hub unreachable).
    public var hubNote: String?
    public init(
        entries: Int, valid: Bool, brokenAt: Int64?, message: String, anchorsChecked: Int? = nil, differsFromHub: [Int64]? = nil, hubNote: String? = nil
    ) {
        self.entries = entries
        self.valid = valid
        self.brokenAt = brokenAt
        self.message = message
        self.anchorsChecked = anchorsChecked
        self.differsFromHub = differsFromHub
        self.hubNote = hubNote
    }
}

// MARK: - Devices (simulator controls)

/// `POST /v1/devices/{id}/fault`: inject or clear a fault on a simulated printer.
/// Real printers refuse it.
public struct FaultRequest: Codable, Sendable {
    /// `jam`, `ribbon-out`, `hopper-empty`, `cover-open`, `offline`, `power-loss`,
    /// `outside-print`, `clear`.
    public var fault: String
    public init(fault: String) { self.fault = fault }
}

/// `GET /v1/devices/offered`: a printer plugged in that a profile can drive and the
/// station does not drive yet.
public struct OfferedPrinterView: Codable, Sendable, Equatable {
    public var id: DeviceID
    public var uri: String
    public var profile: String
    public var name: String
    public var serial: String
    public var port: String
    public init(id: DeviceID, uri: String, profile: String, name: String, serial: String, port: String) {
        self.id = id
        self.uri = uri
        self.profile = profile
        self.name = name
        self.serial = serial
        self.port = port
    }
}

/// `POST /v1/devices/add`: an offered printer's id, or a printer URI.
public struct AddPrinterRequest: Codable, Sendable {
    public var printer: String
    public init(printer: String) { self.printer = printer }
}

/// `POST /v1/devices/{id}/test-print`: what became of the test card.
public struct TestPrintResult: Codable, Sendable, Equatable {
    public var device: DeviceID
    /// `printed`, `failed-before-pick`, `spoiled` or `unknown`.
    public var outcome: String
    public var message: String
    /// The ledger entry of the blangko the card used (cause `cetak-uji`), when it used one.
    public var ledgerEntry: Int64?
    public init(device: DeviceID, outcome: String, message: String, ledgerEntry: Int64?) {
        self.device = device
        self.outcome = outcome
        self.message = message
        self.ledgerEntry = ledgerEntry
    }
}

/// `POST /v1/backup`: a consistent copy of the database at `path` and of its key at
/// `path.key`, both 0600, written by the daemon while it runs.
public struct BackupRequest: Codable, Sendable {
    public var path: String
    public init(path: String) { self.path = path }
}

public struct BackupMade: Codable, Sendable {
    public var database: String
    public var key: String
    public var jobs: Int
    public var lastEvent: Int64
    public init(database: String, key: String, jobs: Int, lastEvent: Int64) {
        self.database = database
        self.key = key
        self.jobs = jobs
        self.lastEvent = lastEvent
    }
}

public struct HoldReleased: Codable, Sendable {
    /// The event number the database holds, now the station's record.
    public var generation: Int64
    public var message: String
    public init(generation: Int64, message: String) {
        self.generation = generation
        self.message = message
    }
}

/// The JSON coders every API party uses: ISO 8601 dates, sorted keys.
public enum WireCoding {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

extension DeviceState {
    /// A device state as a store keeps it (its wire JSON), or `DamagedRecord`.
    public init(stored json: String) throws(DamagedRecord) {
        do { self = try WireCoding.decoder().decode(DeviceState.self, from: Data(json.utf8)) } catch {
            throw DamagedRecord(column: "device.state", value: json)
        }
    }
}

extension ChipCounts {
    /// A printer's chip counts as the hub keeps them (their wire JSON): nil for none, or
    /// `DamagedRecord`.
    public init?(stored json: String?) throws(DamagedRecord) {
        guard let json else { return nil }
        do { self = try WireCoding.decoder().decode(ChipCounts.self, from: Data(json.utf8)) } catch {
            throw DamagedRecord(column: "device.chip", value: json)
        }
    }

    /// As a store keeps them.
    public var stored: String { String(decoding: (try? WireCoding.encoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }
}

/// A shipment of blangko to this kecamatan (`GET /v1/stock/shipments`): in transit until
/// counted here, then with the count.
public struct IncomingShipment: Codable, Sendable, Equatable {
    /// The hub's surat jalan number.
    public var id: String
    public var kind: ShipmentKind
    public var fromKecamatan: String?
    public var quantity: Int
    public var document: String
    public var sentAt: Date
    public var receivedQuantity: Int?
    public var receivedAt: Date?
    public var receivedBy: String?
    public var reason: String?

    public init(
        id: String, kind: ShipmentKind, fromKecamatan: String?, quantity: Int, document: String, sentAt: Date, receivedQuantity: Int? = nil,
        receivedAt: Date? = nil, receivedBy: String? = nil, reason: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.fromKecamatan = fromKecamatan
        self.quantity = quantity
        self.document = document
        self.sentAt = sentAt
        self.receivedQuantity = receivedQuantity
        self.receivedAt = receivedAt
        self.receivedBy = receivedBy
        self.reason = reason
    }

    public var inTransit: Bool { receivedAt == nil }

    /// Where it came from, in words.
    public var origin: String { fromKecamatan.map { "kecamatan \($0)" } ?? "kabupaten (alokasi)" }
}

/// `POST /v1/stock/shipments/{id}/receive`: the count of a shipment as it arrived. A count
/// other than sent needs the kepala and a reason.
public struct ShipmentReceipt: Codable, Sendable {
    public var counted: Int
    public var reason: String?
    public init(counted: Int, reason: String? = nil) {
        self.counted = counted
        self.reason = reason
    }
}
