import EKTPDomain
import EKTPStationStore
import EKTPWire

extension Station {
    /// A person records what happened to a card: the decision on an unknown outcome, or a
    /// printed card found bad on inspection (spoiled after printing). The local API and
    /// the web pages both come here.
    func recordOutcome(_ id: JobID, _ body: OutcomeRequest, by person: String) throws -> JobState {
        let decision: OutcomeDecision
        switch body.decision {
        case .printed: decision = .printed
        case .notFed: decision = .notFed
        case .spoiled:
            guard let cause = body.cause else {
                throw StationError(.invalid, "penyebab rusak wajib diisi (\(SpoilCause.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            decision = .spoiled(cause)
        }
        let detail = try store.jobDetail(id)
        if detail.summary.state == .printed, case .spoiled(let cause) = decision {
            return try store.spoilPrinted(id, cause: cause, reason: body.reason, by: person)
        }
        return try store.decideOutcome(id, decision, reason: body.reason, by: person)
    }
}
