/// What an emulated printer remembers of its past, so a demo left running stays flat in
/// memory: the last cards that came out and the last commands received.
public enum EmulatorMemory {
    public static let keptCards = 32
    public static let keptCommands = 2_000
}

extension Array {
    /// Drops the oldest elements so that at most `limit` remain.
    mutating func keepLast(_ limit: Int) {
        if count > limit { removeFirst(count - limit) }
    }
}
