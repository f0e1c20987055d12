/// Why the station refused a request. Each code maps to one HTTP status in the local API;
/// the message is for a person, in Indonesian. Refusals change nothing.
public struct StationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No such job, device, count or place.
        case notFound = "not-found"
        /// The request conflicts with what the station holds (a job id with other content).
        case conflict
        /// The job's state does not allow this.
        case illegalTransition = "illegal-transition"
        /// The movement would leave a place with fewer than zero blangko, or a hopper over capacity.
        case stockRefused = "stock-refused"
        /// The request is malformed or incomplete.
        case invalid
        /// A signature or data check failed.
        case rejected
        /// The device cannot do this (e.g. a fault injected into a real printer).
        case unsupported
        /// Only today's date finds fault with a genuine job: the station's clock may be wrong.
        /// The job waits; it is never refused for this.
        case clock
        /// The database cannot take writes (disk full, read-only, failing disk): nothing was
        /// changed; the message says what to do (`StorageHealth`).
        case storage
    }
    public let code: Code
    public let message: String
    public var details: [String]

    public init(_ code: Code, _ message: String, details: [String] = []) {
        self.code = code
        self.message = message
        self.details = details
    }
    public var description: String { message }
}
