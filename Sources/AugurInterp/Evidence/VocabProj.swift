import AugurModels
import AugurSAE
import AugurTokenizers

/// VocabProj evidence (seed 2): the tokens a feature's output direction d promotes and suppresses
/// directly, logits = W_U · finalNorm(d).
public enum VocabProj {
    /// Tokens kept at each end by default (seed 2: top 50 and bottom 50).
    public static let defaultCount = 50

    /// The residual-stream direction (d_model wide) that feature `latent` of `coder` writes when it
    /// reads hook `hook`.
    ///
    /// - On `blocks.L.mlp.hook_post` the features live in MLP space: a neuron (``NeuronBasis``, or
    ///   a one-hot decoder row) writes its column of the MLP down-projection,
    ///   `model.neuronOutputDirection(layer:neuron:)`; any other d_mlp-wide decoder row d writes
    ///   Σ_j d_j · W_down[:, j] (computed one neuron at a time: slow, meant for occasional use).
    /// - On every other hook the decoder row is already a d_model direction and is used as it is.
    public static func outputDirection(latent: Int, coder: any SparseCoder, hook: HookPoint,
                                       model: any LanguageModel) throws -> [Float] {
        guard latent >= 0, latent < coder.numLatents else {
            throw InterpError.badArgument("latent \(latent) is out of range: the coder has \(coder.numLatents) latents (0-\(coder.numLatents - 1))")
        }
        let c = model.config
        guard hook.layer < c.layers else {
            throw InterpError.badArgument("hook \(hook) is past the model's \(c.layers) layers")
        }
        if hook.site == .mlpPost {
            if coder is NeuronBasis { return try model.neuronOutputDirection(layer: hook.layer, neuron: latent) }
            let row = coder.decoderDirection(latent)
            if row.count == c.dModel { return row }
            guard row.count == c.dMLP else {
                throw InterpError.badArgument("decoder row of latent \(latent) has \(row.count) values; hook \(hook) is \(c.dMLP) wide")
            }
            var out = [Float](repeating: 0, count: c.dModel)
            for (j, w) in row.enumerated() where w != 0 {
                let col = try model.neuronOutputDirection(layer: hook.layer, neuron: j)
                for i in 0 ..< c.dModel { out[i] += w * col[i] }
            }
            return out
        }
        let row = coder.decoderDirection(latent)
        guard row.count == c.dModel else {
            throw InterpError.badArgument("decoder row of latent \(latent) has \(row.count) values; hook \(hook) is \(c.dModel) wide")
        }
        return row
    }

    /// The `count` most promoted and most suppressed tokens of `direction` (d_model wide):
    /// `model.projectToVocabulary(direction, applyFinalNorm: true)`, ranked.
    public static func evidence(direction: [Float], model: any LanguageModel, count: Int = defaultCount) throws -> VocabProjEvidence {
        guard count >= 0 else { throw InterpError.badArgument("VocabProj token count must not be negative, got \(count)") }
        let logits = try model.projectToVocabulary(direction, applyFinalNorm: true)
        return ranked(logits, count: count, tokenizer: model.tokenizer)
    }

    /// VocabProj evidence of feature `latent` of `coder` on `hook` (see ``outputDirection(latent:coder:hook:model:)``).
    public static func evidence(latent: Int, coder: any SparseCoder, hook: HookPoint, model: any LanguageModel,
                                count: Int = defaultCount) throws -> VocabProjEvidence {
        try evidence(direction: outputDirection(latent: latent, coder: coder, hook: hook, model: model), model: model, count: count)
    }

    /// The top `count` scores (highest first) and bottom `count` (lowest first) as tokens; ties by id.
    public static func ranked(_ scores: [Float], count: Int, tokenizer: any Tokenizer) -> VocabProjEvidence {
        let (top, bottom) = extremes(scores, count: count)
        return VocabProjEvidence(top: top.map { TokenScore(token: tokenizer.tokenString(Int32($0)), score: scores[$0]) },
                                 bottom: bottom.map { TokenScore(token: tokenizer.tokenString(Int32($0)), score: scores[$0]) })
    }

    /// Indices of the `count` largest values (descending) and the `count` smallest (ascending);
    /// NaNs are ignored, ties go to the lower index.
    static func extremes(_ scores: [Float], count: Int) -> (top: [Int], bottom: [Int]) {
        let idx = scores.indices.filter { !scores[$0].isNaN }
        let k = min(count, idx.count)
        guard k > 0 else { return ([], []) }
        let top = idx.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let bottom = idx.sorted { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return (Array(top.prefix(k)), Array(bottom.prefix(k)))
    }
}
