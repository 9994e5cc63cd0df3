import AugurModels
import AugurTensor

/// MLP neurons as features (on `blocks.L.mlp.hook_post`): every neuron is a feature whose value is
/// its activation; encode and decode are the identity on the d_mlp-wide activation.
///
/// `decoderDirection` is the neuron's output direction in the residual stream (d_model wide, from
/// `LanguageModel.neuronOutputDirection`), not a d_mlp vector; a basis made with ``init(width:)``
/// (no model) returns the standard basis vector instead.
public final class NeuronBasis: SparseCoder {
    public let dIn: Int
    public var numLatents: Int { dIn }
    /// Neurons kept per row (nil: every non-zero neuron).
    public let k: Int?
    private let directions: [[Float]]?

    /// Neurons of block `layer` of `model`, optionally sparsified to the `k` largest per token.
    public init(model: any LanguageModel, layer: Int, k: Int? = nil) throws {
        let width = model.config.dMLP
        guard layer >= 0, layer < model.config.layers else { throw SAEError.invalidShape("layer \(layer) of \(model.config.layers)") }
        if let k, k <= 0 || k > width { throw SAEError.invalidShape("k \(k) with \(width) neurons") }
        self.dIn = width
        self.k = k
        self.directions = try (0..<width).map { try model.neuronOutputDirection(layer: layer, neuron: $0) }
    }

    /// The identity basis of a `width`-wide activation (directions are standard basis vectors),
    /// optionally sparsified to the `k` largest coordinates per row.
    public init(width: Int, k: Int? = nil) throws(SAEError) {
        guard width > 0 else { throw .invalidShape("width \(width)") }
        if let k, k <= 0 || k > width { throw .invalidShape("k \(k) with width \(width)") }
        self.dIn = width
        self.k = k
        self.directions = nil
    }

    public func encode(_ x: UnsafePointer<Float>, rows: Int, into latents: UnsafeMutablePointer<Float>) {
        if k == nil {
            latents.update(from: x, count: rows * dIn)
        } else {
            scatter(encodeSparse(x, rows: rows), width: dIn, into: latents)
        }
    }

    /// Non-zero neurons (or the `k` largest, when positive or negative values rank below them) descending.
    public func encodeSparse(_ x: UnsafePointer<Float>, rows: Int) -> [[(latent: Int32, value: Float)]] {
        var result = [[(latent: Int32, value: Float)]](repeating: [], count: rows)
        let width = dIn, k = self.k
        result.withUnsafeMutableBufferPointer { res in
            let base = res.baseAddress!
            parallelChunks(rows, minChunk: 64) { s, e in
                for r in s..<e {
                    let row = x + r * width
                    if let k {
                        topK(row, count: width, k: k, above: -.infinity, into: &base[r])
                        base[r].removeAll { $0.value == 0 }
                    } else {
                        var out: [(latent: Int32, value: Float)] = []
                        for i in 0..<width where row[i] != 0 { out.append((Int32(i), row[i])) }
                        out.sort { $0.value > $1.value }
                        base[r] = out
                    }
                }
            }
        }
        return result
    }

    public func decode(_ latents: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>) {
        x.update(from: latents, count: rows * dIn)
    }

    public func decoderDirection(_ latent: Int) -> [Float] {
        if let directions { return directions[latent] }
        var e = [Float](repeating: 0, count: dIn)
        e[latent] = 1
        return e
    }
}
