import Foundation

/// What the station reports upstream. Each event goes into the outbox in the same
/// transaction as the change it reports and carries the station's sequence number there
/// (invariant 4); the hub ingests by (station, sequence).
///
/// Events about a job carry the SHA-256 of the job's canonical content (`contentHash`), so
/// the hub applies them only to the same version of the job (events written before the
/// field existed have none).
public enum StationEvent: Codable, Hashable, Sendable {
    /// A job entered the store. `fromOffer`: the hub offered it and it waits for the hub's
    /// answer to the acknowledgement (not printable yet); nil when it came otherwise (a
    /// flashdisk import) or before the field existed.
    case jobStored(job: JobID, priority: JobPriority, contentHash: Data? = nil, fromOffer: Bool? = nil)
    case jobRejected(job: JobID?, reason: String)
    case jobStateChanged(job: JobID, from: JobState, to: JobState, device: DeviceID?, detail: String?, contentHash: Data? = nil)
    case ledger(kind: LedgerKind, from: StockPlace, to: StockPlace, quantity: Int, job: JobID?, cause: SpoilCause?, note: String?)
    case deviceState(device: DeviceID, state: DeviceState)
    case alert(alert: Alert)
    /// A named person at the station saw the alert raised by event `alert` (its sequence
    /// number) and took it on.
    case alertAcknowledged(alert: Int64, by: String)
    /// The condition the alert raised by event `alert` reported is gone (a decided
    /// outcome, a count difference decided, a printer added …).
    case alertCleared(alert: Int64)
    /// Blangko left the store for another kecamatan (the `transferred` ledger entry beside
    /// it): the hub opens a shipment in transit to `to` under the sender's `document`.
    case transferSent(to: String, quantity: Int, document: String, by: String)
    /// The station counted a shipment in transit to it (`shipment`, the hub's surat jalan
    /// number): `received` of the `sent` arrived (the `received` ledger entry beside it); a
    /// difference carries the kepala's `reason`.
    case shipmentReceived(shipment: String, sent: Int, received: Int, reason: String?, by: String)
}

/// Something a person must look at.
public struct Alert: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// The printer's card counter moved differently from the ledger: cards went
        /// through the printer outside the system (invariant 3).
        case counterMismatch = "counter-mismatch"
        case outcomeUnknown = "outcome-unknown"
        case deviceError = "device-error"
        case stockLow = "stock-low"
        /// The hub and the station disagree about a job in a way sync cannot settle alone.
        /// Cleared by a reconcile that no longer finds the difference.
        case syncMismatch = "sync-mismatch"
        /// The hub holds other content under event numbers this station sent: the station's
        /// database was probably restored from an old copy.
        case eventConflict = "event-conflict"
        /// A printer ektp can drive was plugged in and waits for the operator to add it.
        case printerFound = "printer-found"
        /// The database is older than what the station wrote: printing is held.
        case rollback
        /// A job for a NIK that already has a card waits for the kecamatan head.
        case duplicateNIK = "duplicate-nik"
        /// A physical count differs from the ledger and waits for a kecamatan head who did
        /// not count.
        case countDifference = "count-difference"
    }
    public var kind: Kind
    public var device: DeviceID?
    public var message: String

    public init(kind: Kind, device: DeviceID?, message: String) {
        self.kind = kind
        self.device = device
        self.message = message
    }
}

extension Alert.Kind {
    /// The kind in the operator's words.
    public var label: String {
        switch self {
        case .counterMismatch: "penghitung kartu tidak cocok"
        case .outcomeUnknown: "hasil cetak tidak diketahui"
        case .deviceError: "gangguan printer"
        case .stockLow: "stok menipis"
        case .syncMismatch: "selisih dengan hub"
        case .eventConflict: "hub memegang isi lain: cadangan lama dipulihkan?"
        case .printerFound: "printer baru terpasang"
        case .rollback: "basis data lebih lama: cetak ditahan"
        case .duplicateNIK: "NIK ganda: job ditahan"
        case .countDifference: "selisih hitung: menunggu kepala"
        }
    }
}
