import AugurModels
import AugurSAE
import Foundation

/// Reads one feature's activation on any text: runs the model up to a hook point, encodes the
/// activations there with a sparse coder (an SAE, or a neuron basis), and returns the feature's
/// value at every token. Used by the input-based evaluation.
public final class FeatureProbe: Sendable {
    /// The in-process language model.
    public let model: any LanguageModel
    /// The sparse coder (SAE or neuron basis) whose features are read or steered.
    public let coder: any SparseCoder
    /// Where the coder reads (and steering writes) the activations.
    public let hook: HookPoint

    /// A probe for the features of `coder`, which reads the activations at `hook` of `model`.
    public init(model: any LanguageModel, coder: any SparseCoder, hook: HookPoint) {
        self.model = model
        self.coder = coder
        self.hook = hook
    }

    /// The activation of `latent` at each token of `text` (tokenized with the model's BOS
    /// convention; the BOS position, if any, is left out).
    public func activations(for text: String, latent: Int) throws -> [Float] {
        guard latent >= 0, latent < coder.numLatents else {
            throw InterpError.badArgument("latent \(latent) is outside 0..<\(coder.numLatents) of the sparse coder at \(hook)")
        }
        return try allActivations(for: text).map { $0[latent] }
    }

    /// Every feature's activation at each token of `text`: one row of `coder.numLatents` floats
    /// per token (BOS left out).
    public func allActivations(for text: String) throws -> [[Float]] {
        let ids = model.tokenize(text)
        guard !ids.isEmpty else { return [] }
        let hooks = Hooks()
        hooks.capture(hook)
        _ = try model.forward([ids], caches: nil, hooks: hooks, options: ForwardOptions(logits: .none, stopAfterLayer: hook.layer))
        let rows = hooks.activations(at: hook)
        guard rows.count == ids.count * coder.dIn else {
            throw InterpError.badArgument("hook \(hook) gives \(rows.count / max(ids.count, 1)) floats per token but the sparse coder reads \(coder.dIn)")
        }
        let n = coder.numLatents
        var dense = [Float](repeating: 0, count: ids.count * n)
        rows.withUnsafeBufferPointer { x in
            dense.withUnsafeMutableBufferPointer { out in
                guard let xb = x.baseAddress, let ob = out.baseAddress else { return }
                coder.encode(xb, rows: ids.count, into: ob)
            }
        }
        let skip = model.addsBOS && ids.first == model.tokenizer.bosID ? 1 : 0
        return (skip..<ids.count).map { Array(dense[($0 * n)..<(($0 + 1) * n)]) }
    }
}
