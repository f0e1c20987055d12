import Foundation

/// How a batch of items that carry an id and a content hash joins what is already held:
/// the rule of intake at the hub (signed jobs from the approval system) and at the station
/// (jobs from the hub or a flashdisk), written once.
///
/// An id already held with the same content, or repeated in the batch with the same
/// content, is a duplicate: stored once, answered as success. An id held (or repeated)
/// with other content is a conflict; the caller refuses the whole batch.
public enum VersionedIntake {
    public struct Item<ID: Hashable & Sendable>: Sendable {
        public var id: ID
        public var contentHash: Data
        public init(id: ID, contentHash: Data) {
            self.id = id
            self.contentHash = contentHash
        }
    }

    public enum Conflict<ID: Hashable & Sendable>: Sendable, Equatable, CustomStringConvertible {
        /// The same id twice in one batch with different content.
        case repeatedWithOtherContent(ID)
        /// The id is already held with different content.
        case heldWithOtherContent(ID)

        public var description: String {
            switch self {
            case .repeatedWithOtherContent(let id): "job \(id): muncul dua kali dalam kiriman ini dengan isi berbeda"
            case .heldWithOtherContent(let id): "job \(id): id sudah ada dengan isi berbeda"
            }
        }
    }

    public struct Classification<ID: Hashable & Sendable>: Sendable {
        /// Positions in the batch of the items to store, in batch order.
        public var new: [Int] = []
        public var duplicates: [ID] = []
        public var conflicts: [Conflict<ID>] = []
    }

    /// Classifies `items` against `held`, the content hash of every id of the batch that
    /// is already stored (ids not stored are absent).
    public static func classify<ID>(_ items: [Item<ID>], held: [ID: Data]) -> Classification<ID> {
        var result = Classification<ID>()
        var seen: [ID: Data] = [:]
        for (index, item) in items.enumerated() {
            if let earlier = seen[item.id] {
                if earlier == item.contentHash {
                    result.duplicates.append(item.id)
                } else {
                    result.conflicts.append(.repeatedWithOtherContent(item.id))
                }
                continue
            }
            seen[item.id] = item.contentHash
            if let stored = held[item.id] {
                if stored == item.contentHash {
                    result.duplicates.append(item.id)
                } else {
                    result.conflicts.append(.heldWithOtherContent(item.id))
                }
                continue
            }
            result.new.append(index)
        }
        return result
    }
}
