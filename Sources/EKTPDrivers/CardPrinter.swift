import EKTPDomain

/// What became of one card sent to a printer. The driver says only what it knows: a card
/// is `printed` when the printer reports it done, never on a guess.
public enum PrintOutcome: Sendable, Equatable {
    /// The printer reports the card finished.
    case printed(counter: Int?)
    /// The printer refused before picking a card (cover open, hopper empty, ribbon out, no
    /// answer to the job): no blangko used.
    case failedBeforePick(reason: String, counter: Int?)
    /// A card was picked and ruined (a jam, a failed encode).
    case spoiled(cause: SpoilCause, detail: String, counter: Int?)
    /// A card was picked and came out whole, unwritten and unprinted (its encoding was
    /// refused before any write), into the reject box: the blangko goes back to the store.
    case returnedUnused(reason: String, counter: Int?)
    /// The card may or may not have been fed: the printer vanished, the power went, a
    /// reply never came. Only a person may decide (invariant 1).
    case unknown(reason: String)
}

/// One card printer, whatever reaches it: CUPS, USB, or the simulator. Drivers are
/// registered by URI scheme in `DriverRegistry`.
public protocol CardPrinter: Sendable {
    /// Identity from the printer's own serial number.
    var info: DeviceInfo { get }
    /// What the printer takes for a card.
    var documentKind: CardDocumentKind { get }
    /// The canonical state now; a printer that does not answer is `offline`.
    func status() async -> DeviceState
    /// Prints one card and reports what happened.
    func print(_ document: CardDocument, job: JobID) async -> PrintOutcome
    /// Releases the device.
    func close() async
}

/// A printer that can hold a card in its contactless encoder's field (DESIGN.md, "Chip
/// encoding"). The driver moves the card with the printer's documented commands; what
/// happens to the chip meanwhile is `encode`'s business.
public protocol ChipEncodingPrinter: CardPrinter {
    /// Feeds a card to the encoder and runs `encode` while it is there. A verified chip is
    /// then printed on the same card; any other verdict ejects the card unprinted:
    /// `refusedBeforeWrite` → `returnedUnused`, `failed` → spoiled `gagal-encode`,
    /// `interrupted` → `unknown`.
    func print(_ document: CardDocument, job: JobID, encoding encode: @Sendable () async -> ChipVerdict) async -> PrintOutcome
}
