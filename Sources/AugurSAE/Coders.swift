import AugurTensor

/// Shared machinery of the SAE coders: dense encode through the sparse path, decode, directions.
public protocol AffineSparseCoder: SparseCoder {
    /// The encoder/decoder weights.
    var weights: SAEWeights { get }
    /// `k` of a top-k coder (nil when the coder has none).
    var k: Int? { get }
    /// Selects the active latents of one row of pre-activations, descending.
    func select(_ pre: UnsafePointer<Float>, into out: inout [(latent: Int32, value: Float)])
}

extension AffineSparseCoder {
    public var dIn: Int { weights.dIn }
    public var numLatents: Int { weights.numLatents }

    public func encode(_ x: UnsafePointer<Float>, rows: Int, into latents: UnsafeMutablePointer<Float>) {
        scatter(encodeSparse(x, rows: rows), width: numLatents, into: latents)
    }

    public func encodeSparse(_ x: UnsafePointer<Float>, rows: Int) -> [[(latent: Int32, value: Float)]] {
        weights.encodeSparse(x, rows: rows) { [self] pre, out in select(pre, into: &out) }
    }

    public func decode(_ latents: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>) {
        weights.decode(latents, rows: rows, into: x)
    }

    public func decoderDirection(_ latent: Int) -> [Float] { weights.decoderRow(latent) }
}

/// TopK SAE (EleutherAI sparsify): latents = top-k of ReLU(W_enc (x − b_dec) + b_enc).
public final class TopKSAE: AffineSparseCoder {
    public let weights: SAEWeights
    /// Active latents per row.
    public let kValue: Int
    public var k: Int? { kValue }

    public init(weights: SAEWeights, k: Int) throws(SAEError) {
        guard k > 0, k <= weights.numLatents else { throw .invalidShape("k \(k) with \(weights.numLatents) latents") }
        self.weights = weights
        self.kValue = k
    }

    public func select(_ pre: UnsafePointer<Float>, into out: inout [(latent: Int32, value: Float)]) {
        topK(pre, count: weights.numLatents, k: kValue, above: 0, into: &out)
    }
}

/// BatchTopK SAE: trained with top (k · batch) over the whole batch; at inference a latent fires
/// when its (ReLU) pre-activation exceeds the learned global `threshold`.
public final class BatchTopKSAE: AffineSparseCoder {
    public let weights: SAEWeights
    /// Average active latents per row during training.
    public let kValue: Int
    /// Inference threshold.
    public let threshold: Float
    public var k: Int? { kValue }

    public init(weights: SAEWeights, k: Int, threshold: Float) throws(SAEError) {
        guard k > 0, k <= weights.numLatents else { throw .invalidShape("k \(k) with \(weights.numLatents) latents") }
        self.weights = weights
        self.kValue = k
        self.threshold = threshold
    }

    public func select(_ pre: UnsafePointer<Float>, into out: inout [(latent: Int32, value: Float)]) {
        let t = max(threshold, 0)
        aboveThreshold(pre, count: weights.numLatents, threshold: { _ in t }, into: &out)
    }

    /// Training-time selection: the `k · rows` largest positive pre-activations over the batch.
    public func encodeBatchTopK(_ x: UnsafePointer<Float>, rows: Int) -> [[(latent: Int32, value: Float)]] {
        let n = weights.numLatents
        var pre = [Float](repeating: 0, count: rows * n)
        pre.withUnsafeMutableBufferPointer { weights.preactivations(x, rows: rows, into: $0.baseAddress!) }
        let budget = min(kValue * rows, rows * n)
        var positive = pre.filter { $0 > 0 }
        var cut: Float = 0
        if positive.count > budget {
            positive.sort(by: >)
            cut = positive[budget - 1]
        }
        var out = [[(latent: Int32, value: Float)]](repeating: [], count: rows)
        for r in 0..<rows {
            for i in 0..<n where pre[r * n + i] > 0 && pre[r * n + i] >= cut { out[r].append((Int32(i), pre[r * n + i])) }
            out[r].sort { $0.value > $1.value }
        }
        return out
    }
}

/// ReLU SAE (trained with an L1 penalty): latents = ReLU(W_enc (x − b_dec) + b_enc).
public final class ReLUSAE: AffineSparseCoder {
    public let weights: SAEWeights
    public var k: Int? { nil }

    public init(weights: SAEWeights) { self.weights = weights }

    public func select(_ pre: UnsafePointer<Float>, into out: inout [(latent: Int32, value: Float)]) {
        aboveThreshold(pre, count: weights.numLatents, threshold: { _ in 0 }, into: &out)
    }
}

/// JumpReLU SAE (Gemma Scope / SAELens, inference only): latent i = pre_i when pre_i > θ_i, else 0.
public final class JumpReLUSAE: AffineSparseCoder {
    public let weights: SAEWeights
    /// Per-latent thresholds θ.
    public let threshold: [Float]
    public var k: Int? { nil }

    public init(weights: SAEWeights, threshold: [Float]) throws(SAEError) {
        guard threshold.count == weights.numLatents else {
            throw .invalidShape("threshold has \(threshold.count) floats, want \(weights.numLatents)")
        }
        self.weights = weights
        self.threshold = threshold
    }

    public func select(_ pre: UnsafePointer<Float>, into out: inout [(latent: Int32, value: Float)]) {
        threshold.withUnsafeBufferPointer { t in
            aboveThreshold(pre, count: weights.numLatents, threshold: { t[$0] }, into: &out)
        }
    }
}
