import Foundation

/// Ribbons, the office's other consumable (docs/ektpctl.md, `stock load-ribbon`): rolls received into the
/// store, loaded into a printer one at a time, used a print per card fed, finished. Pure:
/// the store feeds it its ribbon ledger and the cards fed per printer since each roll went
/// in.
public enum RibbonEntryKind: String, Codable, Sendable, CaseIterable {
    /// Rolls arrived into the store.
    case received
    /// One roll from the store into a printer (the roll before it, if any, is finished).
    case loaded
    /// The printer's roll came out used up.
    case finished
}

/// One printer's roll as the office knows it.
public struct LoadedRibbon: Codable, Sendable, Equatable {
    public var device: DeviceID
    public var loadedAt: Date
    /// Prints a roll of this kind gives: the printer's word when it says, else its profile's.
    public var capacity: Int
    /// Cards fed on the printer since the roll went in (printed or spoiled there).
    public var used: Int
    /// What the printer itself says is left, when it says.
    public var printerSays: Int?

    public init(device: DeviceID, loadedAt: Date, capacity: Int, used: Int, printerSays: Int?) {
        self.device = device
        self.loadedAt = loadedAt
        self.capacity = capacity
        self.used = used
        self.printerSays = printerSays
    }

    /// Prints left: the printer's count where it tells, else the roll's capacity less the
    /// cards fed since it went in.
    public var remaining: Int { printerSays ?? max(0, capacity - used) }
}

/// The office's ribbons: rolls in the store, the roll in each printer, and how long they
/// last at the office's use (the blangko forecast's cards per printing day: a card fed
/// takes one print).
public struct RibbonStock: Codable, Sendable, Equatable {
    public var storeRolls: Int
    public var printers: [LoadedRibbon]
    /// Prints a roll in the store gives: the smallest capacity among the office's printers
    /// (a roll's kind is only known once it is in a printer, so the cautious figure).
    public var printsPerStoreRoll: Int
    public var usagePerPrintingDay: Double

    public init(storeRolls: Int, printers: [LoadedRibbon], printsPerStoreRoll: Int, usagePerPrintingDay: Double) {
        self.storeRolls = storeRolls
        self.printers = printers
        self.printsPerStoreRoll = printsPerStoreRoll
        self.usagePerPrintingDay = usagePerPrintingDay
    }

    /// Prints left in the printers and the store together.
    public var printsLeft: Int { storeRolls * printsPerStoreRoll + printers.reduce(0) { $0 + $1.remaining } }

    /// `printsLeft / usagePerPrintingDay`; nil without use.
    public var daysLeft: Double? { usagePerPrintingDay > 0 ? Double(printsLeft) / usagePerPrintingDay : nil }
}
