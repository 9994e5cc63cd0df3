import AugurTensor

/// Keys and values of the positions a sequence has seen so far, per layer.
///
/// One cache belongs to one sequence. Keys are stored after RoPE.
public final class KVCache: @unchecked Sendable {
    /// Positions the cache can hold.
    public let capacity: Int
    /// Width of a key/value row (kv heads × head dim).
    public let kvDim: Int
    /// Positions filled so far.
    public internal(set) var count: Int = 0
    let keys: [FloatBuffer]
    let values: [FloatBuffer]

    /// A cache for `layers` layers of `capacity` positions of width `kvDim`.
    public init(layers: Int, capacity: Int, kvDim: Int) {
        self.capacity = capacity
        self.kvDim = kvDim
        keys = (0..<layers).map { _ in FloatBuffer(count: capacity * kvDim) }
        values = (0..<layers).map { _ in FloatBuffer(count: capacity * kvDim) }
    }

    /// Forgets everything after the first `count` positions (e.g. to reuse a shared prompt prefix).
    public func truncate(to count: Int) {
        self.count = max(0, min(count, self.count))
    }

    /// Copies the first `count` positions of `other` into this cache (prefix reuse).
    public func copyPrefix(from other: KVCache, count n: Int) throws(ModelError) {
        guard n <= capacity, n <= other.count, other.kvDim == kvDim, other.keys.count == keys.count else {
            throw .cacheOverflow(needed: n, capacity: capacity)
        }
        for l in 0..<keys.count {
            keys[l].pointer.update(from: other.keys[l].pointer, count: n * kvDim)
            values[l].pointer.update(from: other.values[l].pointer, count: n * kvDim)
        }
        count = n
    }
}
