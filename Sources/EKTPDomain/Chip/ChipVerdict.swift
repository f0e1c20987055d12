/// What became of a card's chip at the printer's encoder, as the station saw it (DESIGN.md,
/// "Chip encoding"). The personalisation module says what it did; the station decides the
/// verdict from what it saw itself: whether the module announced its first write, what the
/// card answered, and the read-back it made on its own session.
public enum ChipVerdict: Sendable, Equatable {
    /// Written, and read back as the module said it wrote: the card may be printed.
    case verified(detail: String)
    /// Nothing was written: the blangko is whole. It leaves the printer unprinted and goes
    /// back to the store; the job waits for the next card.
    case refusedBeforeWrite(reason: String)
    /// A write was tried and failed, the chip did not answer, or the read-back differs: the
    /// chip cannot be trusted. Spoiled `gagal-encode`, never printed.
    case failed(reason: String)
    /// The session broke after writing began (the reader gone, the card moved, the module
    /// silent): what the chip holds is unknown. A person decides (invariant 1).
    case interrupted(reason: String)

    /// The short name counted per printer and sent to the hub.
    public var result: ChipResult {
        switch self {
        case .verified: .verified
        case .refusedBeforeWrite: .refused
        case .failed: .failed
        case .interrupted: .interrupted
        }
    }

    public var reason: String {
        switch self {
        case .verified(let text), .refusedBeforeWrite(let text), .failed(let text), .interrupted(let text): text
        }
    }
}

/// The four ends of an encoding, as counted per printer.
public enum ChipResult: String, Codable, Sendable, CaseIterable {
    case verified, refused, failed, interrupted

    /// Indonesian, for the pages.
    public var label: String {
        switch self {
        case .verified: "berhasil"
        case .refused: "ditolak sebelum menulis"
        case .failed: "gagal encode"
        case .interrupted: "terputus"
        }
    }
}

/// Encodings per printer, by result.
public struct ChipCounts: Codable, Hashable, Sendable {
    public var verified: Int
    public var refused: Int
    public var failed: Int
    public var interrupted: Int

    public init(verified: Int = 0, refused: Int = 0, failed: Int = 0, interrupted: Int = 0) {
        self.verified = verified
        self.refused = refused
        self.failed = failed
        self.interrupted = interrupted
    }

    public subscript(result: ChipResult) -> Int {
        get {
            switch result {
            case .verified: verified
            case .refused: refused
            case .failed: failed
            case .interrupted: interrupted
            }
        }
        set {
            switch result {
            case .verified: verified = newValue
            case .refused: refused = newValue
            case .failed: failed = newValue
            case .interrupted: interrupted = newValue
            }
        }
    }

    public var total: Int { verified + refused + failed + interrupted }

    /// As the pages and `ektpctl devices` say it: "3 berhasil, 1 gagal encode".
    public var summary: String {
        let parts = ChipResult.allCases.compactMap { r in self[r] > 0 ? "\(self[r]) \(r.label)" : nil }
        return parts.isEmpty ? "belum ada" : parts.joined(separator: ", ")
    }
}
