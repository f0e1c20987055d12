/// Where a job stands on the station. See DESIGN.md, "The job, end to end":
///
/// ```
/// received ─→ queued ─→ printing ─→ printed ─→ handed-over
///    │           │          ├─→ failed-before-pick ─→ queued again
///    │           │          ├─→ spoiled ─→ reprint only with a reason
///    │           │          └─→ outcome-unknown ─→ operator decides
///    └─→ rejected
/// ```
///
/// "Held" is not stored per job: a queued job is held when no ready printer holds blangko,
/// a condition of the whole station that the scheduler reports with its reason.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case received
    case queued
    case printing
    case printed
    case failedBeforePick = "failed-before-pick"
    case spoiled
    case outcomeUnknown = "outcome-unknown"
    case rejected
    case handedOver = "handed-over"

    /// Indonesian label for operators.
    public var label: String {
        switch self {
        case .received: "diterima"
        case .queued: "antre"
        case .printing: "sedang dicetak"
        case .printed: "tercetak"
        case .failedBeforePick: "gagal sebelum kartu ditarik"
        case .spoiled: "rusak"
        case .outcomeUnknown: "hasil tidak diketahui"
        case .rejected: "ditolak"
        case .handedOver: "diserahkan"
        }
    }

    /// Whether a card has gone into a printer for the job (or may have): from here on it
    /// cannot be withdrawn, only decided.
    public var cardFed: Bool {
        switch self {
        case .received, .queued, .failedBeforePick, .rejected: false
        case .printing, .printed, .spoiled, .outcomeUnknown, .handedOver: true
        }
    }

    /// True while the job still waits on the printer or on a person.
    public var isOpen: Bool {
        switch self {
        case .received, .queued, .printing, .failedBeforePick, .outcomeUnknown, .spoiled: true
        case .printed, .rejected, .handedOver: false
        }
    }
}

/// Why a job moves from one state to the next. Each case names who decided: the
/// station's own pipeline, the printer, or a person.
public enum JobTransition: Sendable, Equatable {
    /// Verified and stored durably.
    case accept
    /// Failed verification (signature, data, kecamatan).
    case reject(reason: String)
    /// The scheduler sends the job to a printer.
    case startPrinting
    /// The printer reports the card done.
    case finish
    /// The printer refused before picking a card: no blangko used.
    case failBeforePick(reason: String)
    /// The card was consumed and is unusable.
    case spoil(cause: SpoilCause, note: String?)
    /// The station cannot know whether a card was printed: it died, the printer vanished,
    /// or a reply was lost after the card was fed.
    case loseOutcome(reason: String)
    /// Back in the queue after a failure before pick.
    case requeue
    /// A person decides the outcome of an unknown card.
    case decide(OutcomeDecision, by: String)
    /// A person orders a reprint of a spoiled card.
    case reprint(reason: String, by: String)
    /// The card left the office: picked up, or given to PT Pos.
    case handOver(by: String)
    /// The central office withdrew the job before any card was fed: it is not printed here.
    case withdraw(reason: String, by: String)
    /// PT Pos brought the card back (returned, or it could not be delivered): on the
    /// office's shelf again, for pickup.
    case backFromPos(PosDeliveryResult)
}

/// What an operator records for a card whose outcome the station could not know.
public enum OutcomeDecision: Sendable, Equatable {
    case printed
    case spoiled(SpoilCause)
    case notFed
}

/// Causes of a spoiled blangko, as the monthly report counts them.
public enum SpoilCause: String, Codable, Sendable, CaseIterable {
    case gagalCetak = "gagal-cetak"
    case gagalEncode = "gagal-encode"
    case rusak = "rusak"
    case perubahanElemenData = "perubahan-elemen-data"
    /// A blangko used for a printer's test card (`ektpctl devices test-print`).
    case cetakUji = "cetak-uji"

    public var label: String {
        switch self {
        case .gagalCetak: "gagal cetak"
        case .gagalEncode: "gagal encode"
        case .rusak: "rusak"
        case .perubahanElemenData: "perubahan elemen data"
        case .cetakUji: "cetak uji"
        }
    }
}

/// A transition that the state machine does not allow.
public struct IllegalTransition: Error, Equatable, CustomStringConvertible {
    public let from: JobState
    public let transition: String
    public var description: String { "tidak bisa \(transition) job yang berstatus \(from.label)" }
}

extension JobState {
    /// The state after `transition`, or `IllegalTransition`.
    ///
    /// Invariant 1 lives here: nothing leaves `outcome-unknown` but a person's decision,
    /// and nothing leaves `spoiled` for the queue but a reprint with a reason.
    public func applying(_ transition: JobTransition) throws(IllegalTransition) -> JobState {
        switch (self, transition) {
        case (.received, .accept): return .queued
        case (.received, .reject): return .rejected
        // Checked again just before printing (signature, data, rendering) and refused:
        // no card was fed.
        case (.printing, .reject): return .rejected
        case (.queued, .startPrinting): return .printing
        case (.printing, .finish): return .printed
        case (.printing, .failBeforePick): return .failedBeforePick
        case (.printing, .spoil): return .spoiled
        case (.printing, .loseOutcome): return .outcomeUnknown
        case (.failedBeforePick, .requeue): return .queued
        case (.outcomeUnknown, .decide(.printed, _)): return .printed
        case (.outcomeUnknown, .decide(.spoiled, _)): return .spoiled
        case (.outcomeUnknown, .decide(.notFed, _)): return .queued
        // A printed card found bad on inspection (misprint, wrong data) is spoiled by a person.
        case (.printed, .spoil): return .spoiled
        case (.spoiled, .reprint(let reason, _)) where !reason.trimmingCharacters(in: .whitespaces).isEmpty:
            return .queued
        case (.printed, .handOver): return .handedOver
        // PT Pos brought it back: on the shelf again; delivered is not a change of state.
        case (.handedOver, .backFromPos(let result)) where result.backOnShelf: return .printed
        // Withdrawn by the central office, only while no card has been fed for it.
        case (.received, .withdraw), (.queued, .withdraw), (.failedBeforePick, .withdraw): return .rejected
        default:
            throw IllegalTransition(from: self, transition: transition.verb)
        }
    }
}

extension JobTransition {
    /// Indonesian verb phrase for error messages.
    var verb: String {
        switch self {
        case .accept: "menerima"
        case .reject: "menolak"
        case .startPrinting: "mulai mencetak"
        case .finish: "menyelesaikan"
        case .failBeforePick: "menandai gagal sebelum kartu ditarik"
        case .spoil: "menandai rusak"
        case .loseOutcome: "menandai hasil tidak diketahui"
        case .requeue: "mengantrekan lagi"
        case .decide: "memutuskan hasil"
        case .reprint(let reason, _): reason.trimmingCharacters(in: .whitespaces).isEmpty ? "mencetak ulang tanpa alasan" : "mencetak ulang"
        case .handOver: "menyerahkan"
        case .withdraw: "menarik"
        case .backFromPos: "mengembalikan dari PT Pos"
        }
    }
}

/// A state names a count in a JSON object (`{"queued": 3}`).
extension JobState: CodingKeyRepresentable {}
