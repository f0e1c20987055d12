@preconcurrency import Crypto
import EKTPDomain
import EKTPWire
import Foundation

/// The hub keeps each job's signed document (NIK, name, address, photo) sealed at rest with
/// AES-256-GCM under its data key (`hub-data.key`), bound to the job's id and content hash,
/// so a row's document cannot be read without the key nor moved to another job. The stores
/// only ever see the sealed bytes; intake seals, the lease to a station opens.
///
/// A document stored by a hub before sealing (plain canonical JSON, starting with `{`) still
/// opens as it is; a purged one (empty) opens to nothing.
public struct DocumentSealer: Sendable {
    static let magic = Data("EKH1".utf8)
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    func seal(_ document: Data, job: JobID, contentHash: Data) throws -> Data {
        Self.magic + (try AES.GCM.seal(document, using: key, authenticating: Self.binding(job, contentHash)).combined!)
    }

    /// The key a NIK is found by under the hub's data key (`NIKIndex`).
    func nikKey(_ nik: String) -> Data { NIKIndex.key(nik, under: key) }

    /// The document as stations receive it.
    func open(_ stored: Data, job: JobID, contentHash: Data) throws -> Data {
        guard stored.starts(with: Self.magic) else { return stored }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: stored.dropFirst(Self.magic.count)), using: key, authenticating: Self.binding(job, contentHash))
    }

    static func isSealed(_ stored: Data) -> Bool { stored.starts(with: magic) }

    private static func binding(_ job: JobID, _ contentHash: Data) -> Data {
        Data("ektp-hub-dokumen:\(job.rawValue):".utf8) + contentHash
    }
}
