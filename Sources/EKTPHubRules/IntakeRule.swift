import EKTPDomain
import EKTPWire
import Foundation

/// Intake at the hub: `VersionedIntake` with the hub's refusal.
public enum IntakeRule {
    /// The positions of the jobs to store and the ids that are duplicates; throws
    /// `conflict` (nothing stored) when any id comes with other content.
    public static func classify(_ items: [VersionedIntake.Item<JobID>], held: [JobID: Data]) throws -> (new: [Int], duplicates: [JobID]) {
        let result = VersionedIntake.classify(items, held: held)
        if !result.conflicts.isEmpty {
            throw HubError(
                .conflict, "\(result.conflicts.count) dari \(items.count) job bentrok dengan yang sudah ada; tidak ada yang disimpan",
                details: result.conflicts.map(\.description))
        }
        return (result.new, result.duplicates)
    }
}

/// Enrollment: a one-time token, unused and unexpired, names the new station's kecamatan.
public enum EnrollmentRule {
    public struct Token: Sendable {
        public var kecamatanCode: String
        public var expiresAt: Date
        public var usedAt: Date?
        public init(kecamatanCode: String, expiresAt: Date, usedAt: Date?) {
            self.kecamatanCode = kecamatanCode
            self.expiresAt = expiresAt
            self.usedAt = usedAt
        }
    }

    /// The kecamatan of the station to create; throws when the token cannot be used.
    public static func kecamatan(of token: Token?, now: Date) throws -> String {
        guard let token else { throw HubError(.unauthorized, "token pendaftaran tidak dikenal") }
        if token.usedAt != nil { throw HubError(.unauthorized, "token pendaftaran sudah dipakai; minta token baru ke admin hub") }
        if token.expiresAt <= now { throw HubError(.credentialExpired, "token pendaftaran sudah kedaluwarsa; minta token baru ke admin hub") }
        return token.kecamatanCode
    }
}

/// One live card per NIK at the hub: a job for a person who already has a card queued,
/// offered, at a station, printed or handed over is held for a central user to decide.
public enum NIKHold {
    /// Hub states in which a job is, or will be, a card in someone's hands.
    public static let liveStates: [HubJobState] = [.approved, .offered, .claimed, .printed, .handedOver]

    /// For each new job (in batch order, by its NIK key), the earlier live job of the same
    /// NIK it is held for: one the hub holds (`live`, by NIK key), or one earlier in the
    /// batch that is not itself held.
    public static func holds(_ new: [(id: JobID, nikKey: Data)], live: [Data: JobID]) -> [JobID: JobID] {
        var live = live
        var held: [JobID: JobID] = [:]
        for job in new {
            if let earlier = live[job.nikKey] {
                held[job.id] = earlier
            } else {
                live[job.nikKey] = job.id
            }
        }
        return held
    }
}
