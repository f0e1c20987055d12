import Crypto
import Foundation

/// Station credentials and enrollment tokens: 32 random bytes, base64url, shown once.
/// The hub stores only their SHA-256, so a copy of the database does not let anyone
/// act as a station.
public enum Credentials {
    /// A new random secret with a readable prefix (`ektp-st-…`, `ektp-en-…`).
    public static func generate(prefix: String) -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return prefix + base64URL(Data(bytes))
    }

    public static func hash(_ secret: String) -> Data {
        Data(SHA256.hash(data: Data(secret.utf8)))
    }

    /// A station id: kecamatan digits and 6 random hex digits, `stn-321601-3fa29c`.
    public static func stationID(kecamatan: String) -> String {
        let digits = kecamatan.filter(\.isNumber)
        let suffix = (0..<3).map { _ in String(format: "%02x", Int(UInt8.random(in: .min ... .max))) }.joined()
        return "stn-\(digits)-\(suffix)"
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares two secrets in time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = hash(a), y = hash(b)
        var diff: UInt8 = 0
        for (p, q) in zip(x, y) { diff |= p ^ q }
        return diff == 0
    }
}
