/// Faults a simulated printer can be given, by URI (`faults=jam@5,cover-open@9`) or at
/// run time through the station API.
public enum SimulatedFault: String, Sendable, CaseIterable, Codable {
    /// The card jams in the printer after it was picked: spoiled; `media-jam` until cleared.
    case jam
    /// The ribbon runs out before the next card: `marker-supply-empty` until replaced.
    case ribbonOut = "ribbon-out"
    /// The hopper is found empty (the sensor says so, whatever the count).
    case hopperEmpty = "hopper-empty"
    /// The cover is opened: `cover-open` until closed.
    case coverOpen = "cover-open"
    /// The printer stops answering: offline until cleared.
    case offline
    /// Power lost after the card was picked: outcome unknown, offline until cleared.
    case powerLoss = "power-loss"
    /// A card goes through the printer outside the system: the counter and hopper move
    /// with no job (the ledger check must catch it).
    case outsidePrint = "outside-print"
    /// Clears every standing fault (and puts a new ribbon in after `ribbon-out`).
    case clear
}
