import AugurModels
import AugurSAE

/// MLP neurons of one block as features: the identity on `blocks.L.mlp.hook_post`, optionally
/// keeping only the `topK` largest neurons of each token. With no `topK`, every non-zero
/// neuron is a feature activation (values may be negative for gated activations).
public final class NeuronCoder: SparseCoder {
    public let dIn: Int
    public var numLatents: Int { dIn }
    /// Neurons kept per token (nil: all).
    public let topK: Int?
    let model: any LanguageModel
    let layer: Int

    /// The neurons of block `layer` of `model`.
    public init(model: any LanguageModel, layer: Int, topK: Int? = nil) throws {
        guard layer >= 0, layer < model.config.layers else {
            throw ActivationsError.badArgument("layer \(layer) out of range 0..<\(model.config.layers)")
        }
        if let k = topK, k <= 0 { throw ActivationsError.badArgument("--topk must be positive, got \(k)") }
        self.model = model
        self.layer = layer
        self.dIn = model.config.dMLP
        self.topK = topK
    }

    public func encode(_ x: UnsafePointer<Float>, rows: Int, into latents: UnsafeMutablePointer<Float>) {
        latents.initialize(repeating: 0, count: rows * dIn)
        for (r, entries) in encodeSparse(x, rows: rows).enumerated() {
            for e in entries { latents[r * dIn + Int(e.latent)] = e.value }
        }
    }

    public func encodeSparse(_ x: UnsafePointer<Float>, rows: Int) -> [[(latent: Int32, value: Float)]] {
        (0 ..< rows).map { r in
            let row = UnsafeBufferPointer(start: x + r * dIn, count: dIn)
            var entries: [(latent: Int32, value: Float)] = []
            for (i, v) in row.enumerated() where v != 0 { entries.append((Int32(i), v)) }
            entries.sort { $0.value > $1.value || ($0.value == $1.value && $0.latent < $1.latent) }
            if let k = topK, entries.count > k { entries.removeLast(entries.count - k) }
            return entries
        }
    }

    public func decode(_ latents: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>) {
        x.update(from: latents, count: rows * dIn)
    }

    /// The neuron's output direction in the residual stream (d_model floats; empty if the
    /// model cannot provide it).
    public func decoderDirection(_ latent: Int) -> [Float] {
        (try? model.neuronOutputDirection(layer: layer, neuron: latent)) ?? []
    }
}
