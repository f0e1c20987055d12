import EKTPDomain
import EKTPWire
import Foundation

// What the central office sees (`GET /v1/views/*`).

/// How recently a station was heard from, by its last heartbeat.
public enum Freshness: String, Codable, Sendable, CaseIterable {
    case online, stale, offline

    public var label: String {
        switch self {
        case .online: "daring"
        case .stale: "terlambat"
        case .offline: "luring"
        }
    }
}

public struct StationView: Codable, Sendable {
    public var id: String
    public var name: String
    public var kecamatanCode: String
    public var kecamatanName: String?
    public var freshness: Freshness
    public var lastHeartbeatAt: Date?
    public var lastSeenAt: Date?
    public var enrolledAt: Date
    public var revoked: Bool
    /// The first event sequence number under the station's credential.
    public var firstSeq: Int64
    /// Highest event sequence number received; `firstSeq - 1` before any event.
    public var highestSeq: Int64
    /// Jobs the hub believes the station holds (claimed, printed, spoiled).
    public var heldJobs: Int
    public var outboxBacklog: Int?
    /// Why the station prints nothing at all (full disk, rollback hold); nil when it can.
    public var stopped: String?
    /// The build the station runs (`ektpd --version`), as its last heartbeat said.
    public var version: String?
}

public struct DeviceView: Codable, Sendable {
    public var stationId: String
    public var kecamatanCode: String
    public var id: DeviceID
    public var model: String?
    public var status: DeviceStatus
    public var reasons: [StateReason]
    public var vendorDetail: String?
    public var supplies: Supplies
    /// Since when the device has been in `error`, if it is.
    public var errorSince: Date?
    public var updatedAt: Date
    /// Chip encodings on the printer by result, as its station last said; nil when it never encoded one.
    public var chip: ChipCounts?
}

public struct KecamatanStock: Codable, Sendable {
    public var kecamatanCode: String
    public var name: String?
    /// Unused blangko: store plus hoppers.
    public var onHand: Int
    public var store: Int
    public var hoppers: Int
    /// Spoiled cards waiting for destruction.
    public var spoiledAwaitingDestruction: Int
    /// Printed plus spoiled per printing day over the window (`StockForecast`).
    public var consumptionPerDay: Double
    /// `onHand / consumptionPerDay`; nil without use in the window.
    public var daysLeft: Double?
    /// Unused blangko as the station's last heartbeat said, for comparison.
    public var reportedOnHand: Int?
    /// Days in the window on which blangko were used.
    public var printingDays: Int
    /// Jobs still to print for the kecamatan: waiting at the hub and at its stations.
    public var backlog: Int
    /// Blangko the backlog needs beyond those on hand.
    public var needForBacklog: Int
    /// Live stations of the kecamatan; 0 is a kecamatan with no station.
    public var stations: Int
    /// Ribbon prints left (store and printers) as the stations' heartbeats said; nil when
    /// none said.
    public var ribbonPrintsLeft: Int? = nil
    /// `ribbonPrintsLeft / consumptionPerDay`: a card fed takes a print.
    public var ribbonDaysLeft: Double? = nil
}

public struct KabupatenStock: Codable, Sendable {
    public var kabupatenCode: String
    public var name: String?
    public var onHand: Int
    public var consumptionPerDay: Double
    public var daysLeft: Double?
    public var kecamatan: Int
}

/// `GET /v1/views/kabupaten/{code}/report?month=`: the kabupaten's monthly roll-up
/// (`KabupatenRollUp`), one report per kecamatan whose stations sent ledger events.
public struct KabupatenReportView: Codable, Sendable {
    public struct Kecamatan: Codable, Sendable {
        public var kecamatanCode: String
        public var name: String?
        public var report: MonthlyBlangkoReport
    }
    public var kabupatenCode: String
    public var name: String?
    public var month: String
    public var kecamatan: [Kecamatan]
}

public struct StockOverview: Codable, Sendable {
    public var windowDays: Int
    public var kecamatan: [KecamatanStock]
    public var kabupaten: [KabupatenStock]
}

public struct BacklogEntry: Codable, Sendable {
    public var kecamatanCode: String
    public var name: String?
    /// Jobs not yet acknowledged by a station (approved or offered).
    public var waiting: Int
    public var urgent: Int
    /// Jobs at the station, not yet printed.
    public var atStation: Int
    /// When the oldest waiting job was approved.
    public var oldestApprovedAt: Date?
    /// Of the jobs waiting and at the station, first-time applicants (`PrintJob.isPemula`).
    public var pemula: Int = 0
}

public struct BacklogView: Codable, Sendable {
    public var kecamatan: [BacklogEntry]
    public var totalWaiting: Int
}

public struct HubAlert: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case deviceError = "device-error"
        case stationSilent = "station-silent"
        case stockLow = "stock-low"
        case sequenceGap = "sequence-gap"
        /// Raised by a station: the printer's counter moved without the ledger.
        case counterMismatch = "counter-mismatch"
        /// Any other alert a station raised (outcome unknown, stock low at the station…).
        case station = "station"
    }
    public var kind: Kind
    public var stationId: String?
    public var kecamatanCode: String?
    public var device: String?
    public var message: String
    public var since: Date?
    /// A station's alert: the kind the station gave it (`outcome-unknown`, …), the
    /// station user who took it on and when.
    public var raisedAs: String?
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?

    public init(
        kind: Kind, stationId: String?, kecamatanCode: String?, device: String?, message: String, since: Date?, raisedAs: String? = nil,
        acknowledgedBy: String? = nil, acknowledgedAt: Date? = nil
    ) {
        self.kind = kind
        self.stationId = stationId
        self.kecamatanCode = kecamatanCode
        self.device = device
        self.message = message
        self.since = since
        self.raisedAs = raisedAs
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
    }

    /// Hub-detected alerts are the same alert while this stays the same: what the hub
    /// remembers to push each once (`Hub.watchAlerts`).
    public var pushKey: String { "\(kind.rawValue) \(stationId ?? "-") \(kecamatanCode ?? "-") \(device ?? "-")" }
}

public struct AlertsView: Codable, Sendable {
    public var alerts: [HubAlert]
}

/// `GET /v1/views/jobs/{id}`: one job's place on the hub.
public struct JobView: Codable, Sendable {
    public var id: JobID
    public var kecamatanCode: String
    public var priority: JobPriority
    public var state: HubJobState
    public var stationId: String?
    public var stationState: JobState?
    public var maskedNik: String
    public var approvedAt: Date
    public var receivedAt: Date
    public var leaseExpiresAt: Date?
    public var offers: Int
    /// The earlier job of the same NIK this one is held for: not offered to any station
    /// until a central user releases it.
    public var heldFor: JobID? = nil
    /// The central office withdrew it: when, why and who.
    public var withdrawal: JobWithdrawal? = nil
    /// The one station a moved job is offered to.
    public var assignedStationId: String? = nil
}
