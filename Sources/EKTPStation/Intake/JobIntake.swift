import EKTPDomain
import EKTPStationStore
import EKTPWire
import Foundation

/// Takes signed job files in: parse, verify each signature, check the data and that the
/// job is this station's kecamatan, then store them all in one transaction. Anything
/// refused leaves the store untouched. Sync (from the hub) and `ektpctl jobs import` go
/// through the same door, so a job is checked the same way whichever way it came.
public struct JobIntake: Sendable {
    public let store: StationStore
    public let verifier: JobVerifier
    public let kecamatan: String
    public let regions: RegionDirectory?
    /// Largest job file accepted at once.
    public static let maxFileBytes = 64 * 1024 * 1024

    public init(store: StationStore, verifier: JobVerifier, kecamatan: String, regions: RegionDirectory?) {
        self.store = store
        self.verifier = verifier
        self.kecamatan = kecamatan
        self.regions = regions
    }

    /// Checks one signed document as the station must before storing or printing it.
    /// Returns the verified job and its plausibility warnings, or the reason it is refused.
    public func check(_ document: JSONValue, today: CivilDate) -> Result<(VerifiedJob, [String]), StationError> {
        let verified: VerifiedJob
        do { verified = try verifier.verify(document) } catch {
            return .failure(StationError(.rejected, error.description))
        }
        let job = verified.job
        if job.kecamatanCode != kecamatan {
            return .failure(StationError(.rejected, "job untuk kecamatan \(job.kecamatanCode), bukan stasiun ini (\(kecamatan))"))
        }
        let (problem, warnings) = job.validate(today: today, regions: regions)
        if let problem, problem.dependsOnToday {
            return .failure(StationError(.clock, Self.clockReason(problem, today: today)))
        }
        if let problem { return .failure(StationError(.rejected, "data tidak valid: \(problem)")) }
        return .success((verified, warnings.map { "\(job.id): \($0)" }))
    }

    static func clockReason(_ problem: CardRecordProblem, today: CivilDate) -> String {
        "\(problem) menurut jam stasiun (\(today)); tanda tangan sah, jadi jam PC mungkin salah: job menunggu sampai jam benar"
    }

    /// As `check`, for intake: a genuine job that only today's date finds fault with is
    /// taken in (with a warning) and waits at printing until the clock is right.
    func admit(_ document: JSONValue, today: CivilDate) -> Result<(VerifiedJob, [String]), StationError> {
        switch check(document, today: today) {
        case .failure(let error) where error.code == .clock:
            guard let verified = try? verifier.verify(document) else { return .failure(error) }
            return .success((verified, ["\(verified.job.id): \(error.message)"]))
        case let other:
            return other
        }
    }

    /// Imports a file holding one signed-job document or an array of them. All or nothing.
    /// `today` is the office's date (`StationStore.today()`) unless a test names one.
    public func importFile(_ data: Data, actor: String, today: CivilDate? = nil) throws -> ImportResult {
        let today = today ?? store.today()
        guard data.count <= Self.maxFileBytes else {
            throw StationError(.invalid, "berkas job terlalu besar (\(data.count / 1_048_576) MiB, paling besar \(Self.maxFileBytes / 1_048_576) MiB)")
        }
        let (accepted, warnings): ([VerifiedJob], [String])
        do {
            (accepted, warnings) = try SignedJobFile.admit(data) { admit($0, today: today) }
        } catch {
            throw StationError(error.kind == .malformed ? .invalid : .rejected, error.message, details: error.details)
        }
        let stored = try store.store(accepted, actor: actor)
        return ImportResult(stored: stored.stored, duplicates: stored.duplicates, warnings: warnings)
    }
}
