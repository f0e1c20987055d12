import Crypto
import EKTPDomain
import Foundation

/// Ed25519 signatures over a job's canonical bytes (DESIGN.md invariant 5).
///
/// A signed job on the wire and in files:
/// ```json
/// {"format": "ektp-job/1",
///  "job": { …PrintJob… },
///  "signature": {"algorithm": "Ed25519", "keyId": "approval-2026", "value": "<base64>"}}
/// ```
/// The signed message is `ektp-job/1\n` followed by the canonical bytes of `job`
/// (see `JSONValue`). The prefix keeps a job signature from ever being valid for
/// anything else the same key might sign.
public enum JobSignature {
    public static let format = "ektp-job/1"
    static let domainSeparator = Array("ektp-job/1\n".utf8)

    /// The exact bytes a signature covers.
    public static func message(forCanonicalJob canonical: [UInt8]) -> [UInt8] {
        domainSeparator + canonical
    }

    /// The canonical bytes of a job as this station's encoder writes it.
    public static func canonicalBytes(of job: PrintJob) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(job)
        return try JSONValue.parse(data).canonicalBytes()
    }
}

/// A trusted approval key: the public half the station and the hub verify with.
public struct ApprovalKey: Sendable, Hashable {
    public let keyId: String
    public let publicKey: Data

    public init(keyId: String, publicKeyBase64: String) throws(SignatureError) {
        guard let raw = Data(base64Encoded: publicKeyBase64), raw.count == 32,
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
        else { throw SignatureError.badKey(keyId: keyId) }
        self.keyId = keyId
        self.publicKey = raw
    }
}

/// The approval system's signing half. Production keys live in the approval system;
/// this type exists for the demo, tests and benchmarks, which sign their own jobs.
public struct ApprovalSigner: Sendable {
    public let keyId: String
    private let rawKey: Data
    private var key: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: rawKey) }

    public init(keyId: String, privateKeyBase64: String) throws(SignatureError) {
        guard let raw = Data(base64Encoded: privateKeyBase64),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw SignatureError.badKey(keyId: keyId) }
        self.keyId = keyId
        self.rawKey = key.rawRepresentation
    }

    /// A new random key.
    public static func generate(keyId: String) -> ApprovalSigner {
        ApprovalSigner(keyId: keyId, key: Curve25519.Signing.PrivateKey())
    }

    private init(keyId: String, key: Curve25519.Signing.PrivateKey) {
        self.keyId = keyId
        self.rawKey = key.rawRepresentation
    }

    public var privateKeyBase64: String { key.rawRepresentation.base64EncodedString() }
    public var publicKeyBase64: String { key.publicKey.rawRepresentation.base64EncodedString() }
    public var approvalKey: ApprovalKey { try! ApprovalKey(keyId: keyId, publicKeyBase64: publicKeyBase64) }

    /// The signed-job document for `job`, as JSON bytes.
    public func sign(_ job: PrintJob) throws -> Data {
        try sign(jobValue: try JSONValue.parse(try JobSignature.canonicalBytes(of: job)))
    }

    /// Signs any job object as given, valid or not: what a verifier must still check
    /// after the signature (tests use it to sign data the station must refuse).
    public func sign(jobValue: JSONValue) throws -> Data {
        let canonical = jobValue.canonicalBytes()
        let signature = try key.signature(for: JobSignature.message(forCanonicalJob: canonical))
        let document = JSONValue.object([
            ("format", .string(JobSignature.format)),
            ("job", jobValue),
            (
                "signature",
                .object([
                    ("algorithm", .string("Ed25519")),
                    ("keyId", .string(keyId)),
                    ("value", .string(signature.base64EncodedString())),
                ])
            ),
        ])
        return Data(document.canonicalBytes())
    }
}

/// Why a signed job was refused. Messages are for operators, in Indonesian.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    case badKey(keyId: String)
    case notSignedJob(String)
    case unsigned
    case unknownKey(keyId: String)
    case unsupportedAlgorithm(String)
    case invalidSignature
    case undecodable(String)

    public var description: String {
        switch self {
        case .badKey(let id): "kunci \(id) tidak valid"
        case .notSignedJob(let why): "bukan job bertanda tangan: \(why)"
        case .unsigned: "job tidak bertanda tangan"
        case .unknownKey(let id): "ditandatangani dengan kunci \"\(id.prefix(40))\" yang tidak dipercaya"
        case .unsupportedAlgorithm(let a): "algoritma tanda tangan \"\(a.prefix(20))\" tidak didukung"
        case .invalidSignature: "tanda tangan tidak cocok: isi job diubah atau bukan dari kunci persetujuan"
        case .undecodable(let why): "isi job tidak bisa dibaca: \(why)"
        }
    }
}

/// A job whose signature checked out, with the canonical bytes it was verified over.
public struct VerifiedJob: Sendable {
    public let job: PrintJob
    public let keyId: String
    /// Canonical job bytes; their SHA-256 identifies the content (a job id sent again
    /// with other content is refused).
    public let canonical: [UInt8]
    /// The signed document as received, kept so the job can be re-verified before printing.
    public let document: Data

    public var contentHash: Data { Data(SHA256.hash(data: canonical)) }
}

/// Verifies signed jobs against the trusted approval keys.
public struct JobVerifier: Sendable {
    public let trusted: [String: ApprovalKey]

    public init(trusted: [ApprovalKey]) {
        self.trusted = Dictionary(trusted.map { ($0.keyId, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Verifies one signed-job document (already parsed) and decodes its job.
    public func verify(_ document: JSONValue) throws(SignatureError) -> VerifiedJob {
        guard case .object = document else { throw .notSignedJob("bukan objek JSON") }
        guard document["format"]?.stringValue == JobSignature.format else {
            throw .notSignedJob("format harus \"\(JobSignature.format)\"")
        }
        guard let jobValue = document["job"], case .object = jobValue else { throw .notSignedJob("tidak ada field job") }
        guard let sig = document["signature"], case .object = sig,
            let value = sig["value"]?.stringValue, let keyId = sig["keyId"]?.stringValue
        else { throw .unsigned }
        guard sig["algorithm"]?.stringValue == "Ed25519" else {
            throw .unsupportedAlgorithm(sig["algorithm"]?.stringValue ?? "?")
        }
        guard let key = trusted[keyId] else { throw .unknownKey(keyId: keyId) }
        guard let signature = Data(base64Encoded: value), signature.count == 64 else { throw .invalidSignature }
        // The document and the job it signs canonicalised in one walk.
        let (documentBytes, jobRange) = document.canonicalBytes(locating: "job")
        let canonical = Array(documentBytes[jobRange!])
        let publicKey = try! Curve25519.Signing.PublicKey(rawRepresentation: key.publicKey)
        guard publicKey.isValidSignature(signature, for: JobSignature.message(forCanonicalJob: canonical)) else {
            throw .invalidSignature
        }
        let job: PrintJob
        do {
            job = try JSONDecoder().decode(PrintJob.self, from: Data(canonical))
        } catch {
            throw .undecodable(Self.describe(error))
        }
        return VerifiedJob(job: job, keyId: keyId, canonical: canonical, document: Data(documentBytes))
    }

    /// Verifies a signed-job document from bytes.
    public func verify(bytes: Data) throws(SignatureError) -> VerifiedJob {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw .notSignedJob(error.description) }
        return try verify(value)
    }

    /// A short Indonesian description of a decoding error.
    public static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ ctx: DecodingError.Context) -> String {
            ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let p = path(ctx)
            return "field \(p.isEmpty ? "" : p + ".")\(key.stringValue) tidak ada"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return "field \(path(ctx)) bertipe salah"
        case .dataCorrupted(let ctx):
            return "field \(path(ctx)): \(ctx.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The key a NIK is found by without the NIK: an HMAC under a side's own data key (the
/// station's, the hub's), so two jobs for one person are found and a copy of the database
/// names no one. One live card per NIK, at the station and at the hub.
public enum NIKIndex {
    public static func key(_ nik: String, under key: SymmetricKey) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("nik:\(nik)".utf8), using: key))
    }
}
