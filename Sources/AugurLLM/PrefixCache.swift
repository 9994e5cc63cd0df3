import AugurModels

/// Cumulative prompt-prefix reuse of a ``LocalChatModel``.
public struct PrefixCacheStats: Sendable, Codable, Equatable {
    /// Requests whose prompt was prefilled.
    public var requests: Int
    /// Prompt tokens of those requests.
    public var promptTokensSent: Int
    /// Prompt tokens that went through the model (the rest were copied from cached prefixes).
    public var promptTokensComputed: Int

    /// Counters starting at the given values (zero by default).
    public init(requests: Int = 0, promptTokensSent: Int = 0, promptTokensComputed: Int = 0) {
        self.requests = requests
        self.promptTokensSent = promptTokensSent
        self.promptTokensComputed = promptTokensComputed
    }

    /// Prompt tokens whose keys and values were reused instead of computed.
    public var promptTokensReused: Int { promptTokensSent - promptTokensComputed }
}

/// How a prompt is cut into prefill chunks.
///
/// A chunk's keys and values depend on the exact batch it was computed in (BLAS blocking, the
/// quantized small-batch kernels), so a prefix is reused only up to a boundary where the cached
/// prompt was cut exactly like the new one: then the reused positions hold bit-for-bit what a fresh
/// prefill would compute, and a request answers the same with or without the cache.
///
/// Boundaries are placed at every message start (`<|im_start|>`), and every `maxChunk` tokens
/// within a message; a chunk shorter than `minChunk` is merged with its neighbour, so no
/// prefill batch is small enough to take the low-precision quantized path (at most 4 rows).
struct PrefillPlan: Equatable {
    /// Sorted chunk starts, beginning with 0 and ending with the prompt length.
    let boundaries: [Int]

    /// No chunk is shorter than this (unless the whole prompt is).
    static let minChunk = 8

    init(tokens: [Int32], messageStart: Int32?, maxChunk: Int) {
        let n = tokens.count
        var anchors = [0]
        if let messageStart {
            for i in 1..<max(1, n) where tokens[i] == messageStart { anchors.append(i) }
        }
        anchors.append(n)
        var cuts: [Int] = []
        for (a, e) in zip(anchors, anchors.dropFirst()) where e > a {
            var p = a
            while p < e {
                cuts.append(p)
                p += max(1, maxChunk)
            }
        }
        // A chunk shorter than minChunk extends to the next cut (so whether a cut is kept depends
        // only on the tokens before it); a short final run joins the chunk before it.
        var merged = [0]
        for c in cuts.dropFirst() where c - (merged.last ?? 0) >= Self.minChunk { merged.append(c) }
        while merged.count > 1, let last = merged.last, n - last < Self.minChunk { merged.removeLast() }
        boundaries = merged + [n]
    }

    /// The chunks, as `[start, end)` ranges starting at `from` (a boundary).
    func chunks(from start: Int) -> [Range<Int>] {
        zip(boundaries, boundaries.dropFirst()).filter { $0.0 >= start }.map { $0.0..<$0.1 }
    }
}

/// The KV caches of recent prompts, least recently used first out.
///
/// Used only on a ``LocalChatModel``'s worker thread.
final class PrefixStore {
    struct Entry {
        let tokens: [Int32]
        let plan: PrefillPlan
        let cache: KVCache
    }

    let capacity: Int
    private(set) var entries: [Entry] = []  // most recently used last

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The entry and position up to which `tokens` can reuse a cached prefix: the largest
    /// boundary of `plan` below the prompt's length, within the common prefix, and cut the same
    /// way in the entry's plan. Marks the entry as used.
    func bestMatch(tokens: [Int32], plan: PrefillPlan) -> (cache: KVCache, count: Int)? {
        var best: (index: Int, count: Int)?
        for (i, e) in entries.enumerated() {
            let lcp = Self.commonPrefix(tokens, e.tokens)
            // Boundaries both plans share, in order, up to the first disagreement.
            var cut = 0
            for (a, b) in zip(plan.boundaries, e.plan.boundaries) {
                guard a == b, a <= lcp, a < tokens.count, a <= e.cache.count else { break }
                cut = a
            }
            if cut > 0, cut > (best?.count ?? 0) { best = (i, cut) }
        }
        guard let best else { return nil }
        let entry = entries.remove(at: best.index)
        entries.append(entry)
        return (entry.cache, best.count)
    }

    /// Remembers the cache of a prefilled prompt, dropping entries it makes redundant and the
    /// least recently used beyond `capacity`.
    func insert(tokens: [Int32], plan: PrefillPlan, cache: KVCache) {
        guard capacity > 0 else { return }
        entries.removeAll { $0.tokens.count <= tokens.count && Self.commonPrefix($0.tokens, tokens) == $0.tokens.count }
        entries.append(Entry(tokens: tokens, plan: plan, cache: cache))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    static func commonPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
        var i = 0
        let n = min(a.count, b.count)
        while i < n && a[i] == b[i] { i += 1 }
        return i
    }
}
