import EKTPDrivers

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

/// Operations only a simulated printer has: the hand of the operator and the faults a
/// test or the demo injects.
public protocol SimulatedDevice: CardPrinter {
    /// The operator puts `count` blangko into the hopper.
    func loadCards(_ count: Int) async
    /// The operator takes `count` blangko out of the hopper.
    func unloadCards(_ count: Int) async
    /// Injects a fault, or `clear` to clear every fault.
    func inject(_ fault: SimulatedFault) async
}
