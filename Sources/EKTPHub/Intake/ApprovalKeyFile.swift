import EKTPWire
import Foundation

/// A demo approval key on disk, as `ektp-hub keys generate` writes it:
/// `{"keyId", "privateKey", "publicKey"}` (base64, mode 0600). Production keys live in the
/// approval system; the hub only ever needs the public half (`EKTP_HUB_APPROVAL_KEYS`).
public struct ApprovalKeyFile: Codable, Sendable {
    public var keyId: String
    public var privateKey: String
    public var publicKey: String

    /// A new random key pair.
    public static func generate(keyId: String) -> ApprovalKeyFile {
        let signer = ApprovalSigner.generate(keyId: keyId)
        return ApprovalKeyFile(keyId: keyId, privateKey: signer.privateKeyBase64, publicKey: signer.publicKeyBase64)
    }

    public static func load(path: String) throws -> ApprovalKeyFile {
        guard let data = FileManager.default.contents(atPath: path), let file = try? JSONDecoder().decode(ApprovalKeyFile.self, from: data) else {
            throw HubConfig.Problem("berkas kunci \(path) tidak bisa dibaca")
        }
        return file
    }

    /// The line the hub and stations trust: `KEYID:BASE64`.
    public var trustLine: String { "\(keyId):\(publicKey)" }

    public func signer() throws -> ApprovalSigner {
        do { return try ApprovalSigner(keyId: keyId, privateKeyBase64: privateKey) } catch { throw HubConfig.Problem(error.description) }
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
