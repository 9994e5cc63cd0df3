import AugurTensor
import Foundation

/// Chooses the next token from logits.
public protocol Sampler {
    /// Picks a token id given the logits over the vocabulary.
    mutating func sample(_ logits: [Float]) -> Int32
}

/// Always the most likely token (lowest id on ties).
public struct GreedySampler: Sampler {
    public init() {}
    public mutating func sample(_ logits: [Float]) -> Int32 { Int32(argmax(logits)) }
}

/// Index of the largest value (first on ties).
public func argmax(_ x: [Float]) -> Int {
    var best = 0
    for i in 1..<x.count where x[i] > x[best] { best = i }
    return best
}

/// Temperature sampling with optional top-k and top-p (nucleus) truncation.
public struct RandomSampler: Sampler {
    public var temperature: Float
    public var topK: Int?
    public var topP: Float?
    var rng: SplitMix64

    /// A sampler; `temperature` must be > 0 (use ``GreedySampler`` for 0).
    public init(temperature: Float, topK: Int? = nil, topP: Float? = nil, seed: UInt64) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        rng = SplitMix64(seed: seed)
    }

    public mutating func sample(_ logits: [Float]) -> Int32 {
        // Candidates: tokens within 30·T of the best logit (the rest have probability below
        // e^-30 relative to the best), sorted by logit and cut to top-k.
        let m = logits.max() ?? 0
        let floor = m - 30 * temperature
        var idx = logits.indices.filter { logits[$0] >= floor }
        idx.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        if let k = topK, k > 0, k < idx.count { idx.removeLast(idx.count - k) }
        var probs = idx.map { Double(expf((logits[$0] - m) / temperature)) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        // Nucleus: the smallest prefix whose mass reaches top-p.
        var n = probs.count
        if let p = topP, p > 0, p < 1 {
            var acc = 0.0
            for i in probs.indices {
                acc += probs[i]
                if acc >= Double(p) { n = i + 1; break }
            }
        }
        let mass = probs[0..<n].reduce(0, +)
        var r = Double.random(in: 0..<1, using: &rng) * mass
        for i in 0..<n {
            r -= probs[i]
            if r < 0 { return Int32(idx[i]) }
        }
        return Int32(idx[n - 1])
    }
}
