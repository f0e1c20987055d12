extension Array {
    /// Consecutive slices of at most `size` elements: a database statement binds a bounded
    /// number of values, so a set of ids is read or written a slice at a time.
    public func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
