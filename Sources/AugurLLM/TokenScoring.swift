import AugurModels
import AugurTokenizers
import Foundation

/// Log-probabilities from raw logits (before any temperature).
enum TokenScoring {
    /// log Σ exp(logits), in double precision.
    static func logSumExp(_ logits: [Float]) -> Double {
        let m = Double(logits.max() ?? 0)
        var s = 0.0
        for x in logits { s += exp(Double(x) - m) }
        return m + log(s)
    }

    /// The `k` largest logits' ids, largest first (lower id first on ties, as ``GreedySampler``).
    static func topIDs(_ logits: [Float], k: Int) -> [Int] {
        guard k > 0 else { return [] }
        var top: [Int] = []
        top.reserveCapacity(k + 1)
        func before(_ a: Int, _ b: Int) -> Bool { logits[a] > logits[b] || (logits[a] == logits[b] && a < b) }
        for i in logits.indices {
            if top.count == k, let last = top.last, !before(i, last) { continue }
            var j = top.count
            while j > 0 && before(i, top[j - 1]) { j -= 1 }
            top.insert(i, at: j)
            if top.count > k { top.removeLast() }
        }
        return top
    }

    /// The logprob of `token` and of the `k` most likely tokens at a position with `logits`.
    static func score(_ logits: [Float], token: Int32, k: Int, tokenizer: any Tokenizer) -> TokenLogprob {
        let lse = logSumExp(logits)
        let top = topIDs(logits, k: k).map { id in
            TokenAlternative(token: tokenizer.decode([Int32(id)]), logprob: Float(Double(logits[id]) - lse))
        }
        return TokenLogprob(token: tokenizer.decode([token]), logprob: Float(Double(logits[Int(token)]) - lse), top: top)
    }
}
