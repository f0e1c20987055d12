@preconcurrency import Crypto
import EKTPDomain
import EKTPWire
import Foundation

/// Seals personal data at rest with AES-256-GCM under the station's key. The job id is
/// bound as authenticated data, so a sealed record cannot be moved to another job's row.
public struct PersonalDataSealer: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    func seal(_ plaintext: Data, jobId: String) throws -> Data {
        try AES.GCM.seal(plaintext, using: key, authenticating: Data(jobId.utf8)).combined!
    }

    func open(_ sealed: Data, jobId: String) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(jobId.utf8))
    }

    /// Who collected a card, sealed bound to the job and to that purpose.
    func sealRecipient(_ name: String, jobId: String) throws -> Data {
        try AES.GCM.seal(Data(name.utf8), using: key, authenticating: Data("penerima:\(jobId)".utf8)).combined!
    }

    func openRecipient(_ sealed: Data, jobId: String) throws -> String {
        String(decoding: try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data("penerima:\(jobId)".utf8)), as: UTF8.self)
    }

    /// The key a NIK is found by under the station's key (`NIKIndex`).
    func nikKey(_ nik: String) -> Data { NIKIndex.key(nik, under: key) }

    /// A reference to a collector that names no one: an HMAC under the station's key, so the
    /// office can check a name against it later and nobody else can learn the name from it.
    func recipientReference(_ name: String, jobId: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("penerima:\(jobId):\(name)".utf8), using: key)
        return "penerima-" + Hex.encode(mac.prefix(6))
    }
}
