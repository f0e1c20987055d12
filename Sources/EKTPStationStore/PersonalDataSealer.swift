@preconcurrency import Crypto
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

    /// A reference to a collector that names no one: an HMAC under the station's key, so the
    /// office can check a name against it later and nobody else can learn the name from it.
    func recipientReference(_ name: String, jobId: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("penerima:\(jobId):\(name)".utf8), using: key)
        return "penerima-" + mac.prefix(6).map { String(format: "%02x", $0) }.joined()
    }
}

/// The station's data key, a file of 32 random bytes created with mode 0600 on first start.
public enum StationKeyFile {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the key, or creates it if the file does not exist. Refuses a key file that
    /// others can read.
    public static func loadOrCreate(path: String) throws -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw Problem(description: "berkas kunci \(path) bisa dibaca pengguna lain (mode \(String(mode, radix: 8))); jalankan chmod 600")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count == 32 else { throw Problem(description: "berkas kunci \(path) rusak (\(data.count) byte, seharusnya 32)") }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Problem(description: "tidak bisa membuat berkas kunci \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = key.withUnsafeBytes { Array($0) }
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw Problem(description: "tidak bisa menulis berkas kunci \(path)")
        }
        return key
    }
}
