import Dispatch
import Foundation

/// CPU-bound work over many independent items (a job file's signatures), spread over every
/// core. It runs on Dispatch's worker threads, not Swift's cooperative pool, so a large
/// intake file shares the cores with the requests being served instead of holding every
/// cooperative thread until it is done.
public enum ParallelMap {
    /// Below this many items the work runs on the caller's thread: a hop costs more.
    static let inlineBelow = 8

    /// `transform` applied to every item, results in the items' order.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) async -> [R] {
        if items.count < inlineBelow { return items.map(transform) }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: mapBlocking(items, transform))
            }
        }
    }

    /// As `map`, blocking the calling thread until every item is done.
    public static func mapBlocking<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // A few slices per core, so one slow slice does not leave the other cores idle.
        let slices = min(items.count, cores * 4)
        guard slices > 1 else { return items.map(transform) }
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        // Each slice writes only its own indices.
        nonisolated(unsafe) let shared = results
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            for i in (slice * items.count / slices)..<((slice + 1) * items.count / slices) { shared[i] = transform(items[i]) }
        }
        return results.map { $0! }
    }
}
