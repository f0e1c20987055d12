import EKTPDomain
import Testing

@Suite("Job state machine")
struct JobStateTests {
    static let transitions: [JobTransition] = [
        .accept, .reject(reason: "x"), .startPrinting, .finish, .failBeforePick(reason: "x"),
        .spoil(cause: .gagalCetak, note: nil), .loseOutcome(reason: "x"), .requeue,
        .decide(.printed, by: "op"), .decide(.spoiled(.rusak), by: "op"), .decide(.notFed, by: "op"),
        .reprint(reason: "kartu macet", by: "op"), .reprint(reason: "  ", by: "op"), .handOver(by: "op"),
        .withdraw(reason: "dibatalkan", by: "pusat"), .backFromPos(.returned), .backFromPos(.undeliverable), .backFromPos(.delivered),
    ]

    /// The whole table: every (state, transition) pair either lands where DESIGN.md says or throws.
    @Test func followsTheDesignTableExactly() {
        let allowed: [String: JobState] = [
            "received/accept": .queued, "received/reject": .rejected, "printing/reject": .rejected,
            "queued/startPrinting": .printing, "printing/finish": .printed,
            "printing/failBeforePick": .failedBeforePick, "printing/spoil": .spoiled,
            "printing/loseOutcome": .outcomeUnknown, "failed-before-pick/requeue": .queued,
            "outcome-unknown/decide.printed": .printed, "outcome-unknown/decide.spoiled": .spoiled,
            "outcome-unknown/decide.notFed": .queued, "printed/spoil": .spoiled,
            "spoiled/reprint": .queued, "printed/handOver": .handedOver,
            // The centre withdraws a job only while no card has been fed for it.
            "received/withdraw": .rejected, "queued/withdraw": .rejected, "failed-before-pick/withdraw": .rejected,
            // A card PT Pos brought back is on the shelf again; one delivered stays handed over.
            "handed-over/backFromPos.returned": .printed, "handed-over/backFromPos.undeliverable": .printed,
        ]
        for state in JobState.allCases {
            for t in Self.transitions {
                let key = "\(state.rawValue)/\(Self.name(t))"
                let result = try? state.applying(t)
                #expect(result == allowed[key], "\(key)")
            }
        }
    }

    /// Invariant 1: nothing but a person's decision moves a card whose outcome is unknown.
    @Test func outcomeUnknownWaitsForAPerson() {
        for t: JobTransition in [.startPrinting, .requeue, .finish, .accept, .reprint(reason: "x", by: "op")] {
            #expect(throws: IllegalTransition.self) { try JobState.outcomeUnknown.applying(t) }
        }
        #expect(throws: IllegalTransition.self) { try JobState.spoiled.applying(.reprint(reason: " ", by: "op")) }
        #expect(throws: IllegalTransition.self) { try JobState.spoiled.applying(.requeue) }
    }

    static func name(_ t: JobTransition) -> String {
        switch t {
        case .accept: "accept"
        case .reject: "reject"
        case .startPrinting: "startPrinting"
        case .finish: "finish"
        case .failBeforePick: "failBeforePick"
        case .spoil: "spoil"
        case .loseOutcome: "loseOutcome"
        case .requeue: "requeue"
        case .decide(.printed, _): "decide.printed"
        case .decide(.spoiled, _): "decide.spoiled"
        case .decide(.notFed, _): "decide.notFed"
        case .reprint(let reason, _): reason.trimmingCharacters(in: .whitespaces).isEmpty ? "reprint-blank" : "reprint"
        case .handOver: "handOver"
        case .withdraw: "withdraw"
        case .backFromPos(let result): "backFromPos.\(result.rawValue)"
        }
    }
}
