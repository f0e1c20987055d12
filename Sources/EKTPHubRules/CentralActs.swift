import EKTPDomain
import EKTPWire
import Foundation

/// What the central office may do to a job or a station, decided from what the hub holds
/// (docs/sync.md, "The centre acts"). The stores carry the decisions out and write each
/// one to the hub's audit trail with the person and the reason.
public enum CentralActs {
    /// A reason and a person, as every act needs them.
    public static func checked(_ request: CentralActRequest) throws(HubError) -> (reason: String, by: String) {
        try checked(reason: request.reason, by: request.by)
    }

    public static func checked(reason: String, by: String) throws(HubError) -> (reason: String, by: String) {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw HubError(.invalid, "alasan wajib diisi (paling panjang 500 karakter)") }
        do { return (reason, try PersonName.check(by, field: "by")) } catch { throw HubError(.invalid, "\(error)") }
    }

    public enum Withdrawal: Sendable, Equatable {
        /// No station holds it: withdrawn now.
        case done
        /// A station holds it and has fed no card for it: the job is the centre's now, and
        /// the station is asked (heartbeat) to withdraw it and confirms by its event.
        case atStation(String)
        /// Withdrawn before; nothing changes.
        case already
    }

    /// Withdrawing `job`: while no card has been fed for it. A job printing, printed,
    /// spoiled or handed over, or whose outcome is unknown, is refused: a person decides
    /// at the station.
    public static func withdraw(_ job: HeldJob) throws(HubError) -> Withdrawal {
        if job.withdrawn { return .already }
        if let stationState = job.stationState, stationState.cardFed {
            throw HubError(.conflict, "job sudah \(stationState.label) di stasiun \(job.stationId ?? "-"); tidak bisa ditarik, putuskan di stasiun")
        }
        switch job.state {
        case .approved: return .done
        case .returned: return job.stationId.map { job.stationState == .rejected ? .done : .atStation($0) } ?? .done
        case .offered, .claimed: return job.stationId.map { .atStation($0) } ?? .done
        case .printed, .spoiledReprintNeeded, .handedOver:
            throw HubError(.conflict, "job sudah \(job.state.rawValue); tidak bisa ditarik")
        }
    }

    /// Moving `job` to `station` (its id and kecamatan, whether revoked): only a job no
    /// station holds (waiting, or withdrawn and confirmed), only to a live station of the
    /// job's kecamatan, which the approval signature names.
    public static func move(_ job: HeldJob, to station: (id: String, kecamatan: String, revoked: Bool)) throws(HubError) {
        guard !station.revoked else { throw HubError(.conflict, "stasiun \(station.id) sudah dicabut") }
        guard station.kecamatan == job.kecamatanCode else {
            throw HubError(
                .conflict,
                "job ditandatangani untuk kecamatan \(job.kecamatanCode); stasiun \(station.id) milik \(station.kecamatan): pindah antar-kecamatan perlu persetujuan ulang"
            )
        }
        let free = job.state == .approved || (job.state == .returned && (job.stationId == nil || job.stationState == .rejected))
        guard free else {
            throw HubError(.conflict, "job sedang dipegang stasiun \(job.stationId ?? "-") (\(job.state.rawValue)); tarik dulu (withdraw), lalu pindahkan")
        }
    }

    /// Of a station gone for good, whether a job it held goes back to the kecamatan's
    /// queue: offered, or claimed and last reported before any card was fed. A job it was
    /// printing, or whose outcome it did not know, stays: a person decides.
    public static func returnsToQueue(state: HubJobState, stationState: JobState?) -> Bool {
        switch state {
        case .offered: true
        case .claimed: !(stationState?.cardFed ?? false)
        default: false
        }
    }
}

/// The words of each act, for its answer and the hub's audit trail (both stores).
public enum CentralActsText {
    public struct Text: Sendable {
        public var action: String
        public var detail: String
        public var message: String
        public var outcome: JobActResult.Outcome
    }

    /// At most this many withdrawals ride on one heartbeat's answer.
    public static let withdrawalsPerHeartbeat = 200

    public static func withdrawal(_ id: JobID, _ decision: CentralActs.Withdrawal, reason: String) -> Text {
        switch decision {
        case .done:
            Text(action: "job ditarik", detail: "alasan: \(reason)", message: "job \(id) ditarik; tidak akan ditawarkan ke stasiun mana pun", outcome: .done)
        case .atStation(let station):
            Text(
                action: "job ditarik", detail: "dipegang stasiun \(station), menunggu konfirmasinya; alasan: \(reason)",
                message: "job \(id) ditarik; stasiun \(station) diminta tidak mencetaknya dan mengonfirmasi pada sinkronisasi berikutnya", outcome: .pending)
        case .already:
            Text(action: "penarikan diulang", detail: "alasan: \(reason)", message: "job \(id) sudah ditarik sebelumnya", outcome: .done)
        }
    }

    public static func move(_ id: JobID, to station: String, reason: String) -> Text {
        Text(
            action: "job dipindahkan", detail: "ke stasiun \(station); alasan: \(reason)", message: "job \(id) hanya akan ditawarkan ke stasiun \(station)",
            outcome: .done)
    }

    public static func retirement(_ result: RetireResult, reason: String) -> Text {
        Text(
            action: "stasiun dipensiunkan",
            detail:
                "\(result.stationId): \(result.requeued.count) job kembali ke antrean, \(result.outcomeUnknown.count) job hasilnya tidak diketahui (\(result.outcomeUnknown.prefix(20).map(\.rawValue).joined(separator: ", "))); alasan: \(reason)",
            message: "stasiun \(result.stationId) dicabut", outcome: .done)
    }
}
