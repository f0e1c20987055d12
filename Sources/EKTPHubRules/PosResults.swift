import EKTPDomain
import EKTPWire
import Foundation

/// What PT Pos's results may change at the hub (`docs/hub.md`, "PT Pos delivery results"):
/// a result is for a PT Pos card the hub knows as handed over; a card already brought back
/// and not yet on its station's shelf takes no other result; a job named twice in one
/// file is a mistake in the file. Any problem refuses the whole file.
public enum PosResults {
    public struct Held: Sendable, Equatable {
        public var state: HubJobState
        public var pos: Bool
        public var returnPending: Bool
        public init(state: HubJobState, pos: Bool, returnPending: Bool) {
            self.state = state
            self.pos = pos
            self.returnPending = returnPending
        }
    }

    /// Every reason the rows cannot be recorded, in Indonesian; empty when they can.
    public static func problems(_ rows: [PosResultRow], held: [JobID: Held]) -> [String] {
        var problems: [String] = []
        var seen: Set<JobID> = []
        for row in rows {
            guard seen.insert(row.job).inserted else {
                problems.append("job \(row.job) disebut lebih dari sekali")
                continue
            }
            guard let h = held[row.job] else {
                problems.append("job \(row.job) tidak dikenal di hub")
                continue
            }
            if !h.pos {
                problems.append("job \(row.job) bukan kartu PT Pos (diambil di kecamatan)")
            } else if h.returnPending {
                problems.append("kartu \(row.job) sudah dikembalikan PT Pos dan belum kembali di rak stasiunnya")
            } else if h.state != .handedOver {
                problems.append("kartu \(row.job) belum diserahkan ke PT Pos (status di hub: \(h.state.rawValue))")
            }
        }
        return problems
    }

    public static func answer(_ rows: [PosResultRow]) -> PosResultsAnswer {
        PosResultsAnswer(
            recorded: rows.count, delivered: rows.filter { $0.result == .delivered }.count,
            backOnShelf: rows.filter(\.result.backOnShelf).map(\.job))
    }

    /// The hub's audit line for one file.
    public static func auditDetail(_ rows: [PosResultRow]) -> String {
        let counts = PosDeliveryResult.allCases.map { r in "\(rows.filter { $0.result == r }.count) \(r.word)" }
        return "hasil PT Pos untuk \(rows.count) kartu: \(counts.joined(separator: ", "))"
    }

    /// At most this many returns ride on one heartbeat's answer.
    public static let returnsPerHeartbeat = 200
}
