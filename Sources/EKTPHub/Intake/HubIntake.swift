import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation

/// Takes approved jobs in, from `POST /v1/intake` or `ektp-hub import`: parse the file
/// (one signed-job document or an array), verify every Ed25519 signature with the trusted
/// approval keys on every core, check the data and that the kecamatan exists
/// (`wilayah.csv`), then store them all in one transaction. Any refusal leaves the hub untouched (invariant 5).
public struct HubIntake: Sendable {
    public let store: any HubStore
    public let verifier: JobVerifier
    public let regions: RegionDirectory
    public let clock: HubClock
    /// Wakes stations long-polling for the kecamatan that got new jobs.
    public let notifier: JobNotifier?
    /// Seals each document before it is stored.
    let sealer: DocumentSealer

    init(
        store: any HubStore, verifier: JobVerifier, regions: RegionDirectory, clock: @escaping HubClock = HubClocks.system, notifier: JobNotifier? = nil,
        sealer: DocumentSealer
    ) {
        self.sealer = sealer
        self.store = store
        self.verifier = verifier
        self.regions = regions
        self.clock = clock
        self.notifier = notifier
    }

    /// Verifies one signed document and turns it into a job to store, or says why not.
    /// Dates are checked against the date at the job's own office (`OfficeZone`), from
    /// `dates` (`OfficeZone.dates(at:)`, worked out once per file).
    public func check(_ document: JSONValue, dates: [OfficeZone: CivilDate]) -> Result<(IncomingJob, [String]), HubError> {
        let verified: VerifiedJob
        do { verified = try verifier.verify(document) } catch {
            return .failure(HubError(.rejected, error.description))
        }
        let job = verified.job
        if regions.kecamatan(job.kecamatanCode) == nil {
            return .failure(HubError(.rejected, "kode kecamatan \(job.kecamatanCode.prefix(20)) tidak ada dalam daftar Kemendagri"))
        }
        let (problem, warnings) = job.validate(today: dates[OfficeZone(regionCode: job.kecamatanCode)]!, regions: regions)
        if let problem { return .failure(HubError(.rejected, "data tidak valid: \(problem)")) }
        guard let approvedAt = PrintJob.timestamp(job.approvedAt) else {
            return .failure(HubError(.rejected, "approvedAt \"\(job.approvedAt.prefix(40))\" bukan waktu ISO 8601"))
        }
        let sealed: Data
        do { sealed = try sealer.seal(verified.document, job: job.id, contentHash: verified.contentHash) } catch {
            return .failure(HubError(.rejected, "dokumen job \(job.id) tidak bisa disegel: \(error)"))
        }
        let incoming = IncomingJob(
            id: job.id, kecamatanCode: job.kecamatanCode, priority: job.priority, approvedAt: approvedAt,
            contentHash: verified.contentHash, keyId: verified.keyId, document: sealed, maskedNik: job.card.nik.masked,
            nikKey: sealer.nikKey(job.card.nik.digits), pemula: job.isPemula, pos: job.delivery.method == .pos)
        return .success((incoming, warnings.map { "\(job.id): \($0)" }))
    }

    /// Imports a job file. All or nothing: one refused job refuses the whole file.
    public func importFile(_ data: Data) async throws -> IntakeResult {
        let dates = OfficeZone.dates(at: clock())
        let (accepted, warnings): ([IncomingJob], [String])
        do {
            (accepted, warnings) = try await SignedJobFile.admitInParallel(data) { check($0, dates: dates) }
        } catch {
            throw HubError(error.kind == .malformed ? .invalid : .rejected, error.message, details: error.details)
        }
        let result = try await store.storeApproved(accepted, now: clock())
        let stored = Set(result.stored)
        notifier?.notify(accepted.filter { stored.contains($0.id) }.map(\.kecamatanCode))
        let held = result.held.sorted { $0.key < $1.key }.map { job, earlier in
            "\(job): ditahan, tidak ditawarkan ke stasiun: NIK yang sama sudah punya kartu dari job \(earlier); pusat memutuskan (POST /v1/admin/jobs/\(job)/release)"
        }
        return IntakeResult(stored: result.stored, duplicates: result.duplicates, warnings: warnings + held)
    }
}
