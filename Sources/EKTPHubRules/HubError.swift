/// Why the hub refused a request. Each code maps to one HTTP status in the hub API; the
/// message is for a person, in Indonesian. A refusal changes nothing.
public struct HubError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The request is malformed, incomplete or of the wrong type.
        case invalid
        /// A signature or data check failed (intake).
        case rejected
        /// The request conflicts with what the hub holds (a job id with other content,
        /// a job leased to another station).
        case conflict
        /// No such job, station or token.
        case notFound = "not-found"
        /// No credential, or one the hub does not know.
        case unauthorized
        /// The station's credential was revoked.
        case credentialRevoked = "credential-revoked"
        /// The station's credential or the enrollment token has expired.
        case credentialExpired = "credential-expired"
        /// Authenticated, but not allowed: another kecamatan's jobs, an admin route.
        case forbidden
        /// The body is larger than the hub accepts.
        case tooLarge = "too-large"
    }
    public let code: Code
    public let message: String
    public var details: [String]

    public init(_ code: Code, _ message: String, details: [String] = []) {
        self.code = code
        self.message = message
        self.details = details
    }
    public var description: String {
        ([message] + details.map { "  - \($0)" }).joined(separator: "\n")
    }
}
