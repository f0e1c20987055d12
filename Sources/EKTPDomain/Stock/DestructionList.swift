import Foundation

/// Which spoiled cards a destruction took, for the berita acara pemusnahan.
///
/// The ledger counts spoiled blangko by quantity; the cards themselves wait in one box in the
/// order they were spoiled, and each destruction empties the box from the oldest: first in,
/// first destroyed. So the cards of destruction N are the next `quantity` cards after all
/// the earlier destructions took theirs. One rule, used by the pages, the PDF and the API.
public enum DestructionList {
    /// Cards put into the spoiled box by one ledger entry.
    public struct Spoiled: Sendable, Equatable {
        public var entry: Int64
        public var at: Date
        public var job: String?
        public var maskedNIK: String?
        public var cause: String?
        public var quantity: Int

        public init(entry: Int64, at: Date, job: String?, maskedNIK: String?, cause: String?, quantity: Int) {
            self.entry = entry
            self.at = at
            self.job = job
            self.maskedNIK = maskedNIK
            self.cause = cause
            self.quantity = quantity
        }
    }

    /// The cards `destructions[index]` took: parts of the spoiled entries, in the order they
    /// were spoiled. `spoiled` and `destructions` (their quantities) are in ledger order.
    public static func cards(of index: Int, destructions: [Int], spoiled: [Spoiled]) -> [Spoiled] {
        guard destructions.indices.contains(index) else { return [] }
        var skip = destructions[..<index].reduce(0, +)
        var take = destructions[index]
        var result: [Spoiled] = []
        for entry in spoiled where take > 0 {
            let usedBefore = min(skip, entry.quantity)
            skip -= usedBefore
            let available = entry.quantity - usedBefore
            guard available > 0 else { continue }
            var part = entry
            part.quantity = min(available, take)
            take -= part.quantity
            result.append(part)
        }
        return result
    }
}
