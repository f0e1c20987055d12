import EKTPDomain

/// Where a job stands on the hub (DESIGN.md, "The job, end to end"):
///
/// ```
/// approved → offered (leased, expires) → claimed (station acked) → printed / spoiled-reprint-needed / returned → handed-over
/// ```
public enum HubJobState: String, Codable, Sendable, CaseIterable {
    case approved
    case offered
    case claimed
    case printed
    case spoiledReprintNeeded = "spoiled-reprint-needed"
    case returned
    case handedOver = "handed-over"

    /// The hub state a station's job state reports. Anything still in the station's hands
    /// (queued, printing, waiting for the operator) is `claimed`; a job the station
    /// refused (bad signature or data at its own check) comes back as `returned`.
    public init(station: JobState) {
        switch station {
        case .received, .queued, .printing, .failedBeforePick, .outcomeUnknown: self = .claimed
        case .printed: self = .printed
        case .spoiled: self = .spoiledReprintNeeded
        case .rejected: self = .returned
        case .handedOver: self = .handedOver
        }
    }

    /// States in which a station holds the job.
    public var heldByStation: Bool {
        switch self {
        case .claimed, .printed, .spoiledReprintNeeded: true
        case .approved, .offered, .returned, .handedOver: false
        }
    }
}
