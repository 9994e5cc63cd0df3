import AugurModels
import AugurSAE
import Foundation

/// Steers a model with one feature: adds `strength` × the feature's direction to the activation
/// at a hook point, at every position. For an SAE the direction is its decoder row (dIn wide);
/// for a neuron basis on `mlp.hook_post`, whose decoder direction lives in the residual stream,
/// the neuron's own coordinate is raised instead.
public final class FeatureSteering: Sendable {
    /// The in-process language model.
    public let model: any LanguageModel
    /// The sparse coder (SAE or neuron basis) whose features are read or steered.
    public let coder: any SparseCoder
    /// Where the coder reads (and steering writes) the activations.
    public let hook: HookPoint

    public init(model: any LanguageModel, coder: any SparseCoder, hook: HookPoint) {
        self.model = model
        self.coder = coder
        self.hook = hook
    }

    /// The intervention adding `strength` × feature `latent`'s direction at every position.
    public func intervention(latent: Int, strength: Float) throws -> Intervention {
        guard latent >= 0, latent < coder.numLatents else {
            throw InterpError.badArgument("latent \(latent) is outside 0..<\(coder.numLatents) of the sparse coder at \(hook)")
        }
        let direction = coder.decoderDirection(latent)
        if direction.count == coder.dIn { return Intervention(.add(direction, scale: strength)) }
        return Intervention(.custom { row, _ in if latent < row.count { row[latent] += strength } })
    }

    /// Log-softmax of every position's logits of `prompts` (with `intervention`, if any).
    func logProbabilities(_ prompts: [[Int32]], intervention: Intervention?) throws -> [[Double]] {
        let hooks = Hooks()
        if let intervention { hooks.add(intervention, at: hook) }
        let logits = try model.forward(prompts, caches: nil, hooks: intervention == nil ? nil : hooks,
                                       options: ForwardOptions(logits: .all))
        let vocab = model.config.vocabSize
        var rows: [[Double]] = []
        for l in logits {
            for start in stride(from: 0, to: l.count, by: vocab) {
                let row = l[start..<(start + vocab)]
                let m = Double(row.max() ?? 0)
                let lse = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
                rows.append(row.map { Double($0) - lse })
            }
        }
        return rows
    }

    /// Mean over every position of `prompts` of KL(clean ‖ steered), in nats, given the clean
    /// log-probabilities from ``logProbabilities(_:intervention:)``.
    func meanKL(_ prompts: [[Int32]], clean: [[Double]], latent: Int, strength: Float) throws -> Double {
        let steered = try logProbabilities(prompts, intervention: intervention(latent: latent, strength: strength))
        guard steered.count == clean.count, !clean.isEmpty else { return 0 }
        var total = 0.0
        for (p, q) in zip(clean, steered) {
            var kl = 0.0
            for i in p.indices { kl += exp(p[i]) * (p[i] - q[i]) }
            total += kl
        }
        return total / Double(clean.count)
    }

    /// The strength ≥ 0 at which the mean KL(clean ‖ steered) over `prompts` is within
    /// `tolerance` × `target` of `target` nats: doubling from `initial` until the KL passes the
    /// target, then bisection (at most `maxSteps` forward passes in all). Throws when the target
    /// is not reached (e.g. a dead feature whose direction changes nothing).
    public func strength(forKL target: Double, latent: Int, prompts: [String], initial: Float = 1,
                         tolerance: Double = 0.1, maxSteps: Int = 40) throws -> (strength: Float, kl: Double) {
        let ids = prompts.map { model.tokenize($0) }.filter { !$0.isEmpty }
        guard !ids.isEmpty, target > 0 else { throw InterpError.badArgument("steering needs a non-empty prompt and a positive KL target") }
        let clean = try logProbabilities(ids, intervention: nil)
        var steps = 0
        var lo: Float = 0, hi = max(initial, 1e-3)
        var kl = try meanKL(ids, clean: clean, latent: latent, strength: hi)
        steps += 1
        while kl < target {
            guard steps < maxSteps, hi < 1e8 else {
                throw InterpError.badArgument("steering feature \(latent) at \(hook) reaches KL \(String(format: "%.3g", kl)) nats at strength \(hi), below the target \(target)")
            }
            lo = hi
            hi *= 2
            kl = try meanKL(ids, clean: clean, latent: latent, strength: hi)
            steps += 1
        }
        var best = (strength: hi, kl: kl)
        while abs(best.kl - target) > tolerance * target, steps < maxSteps {
            let mid = (lo + hi) / 2
            let k = try meanKL(ids, clean: clean, latent: latent, strength: mid)
            steps += 1
            if abs(k - target) < abs(best.kl - target) { best = (mid, k) }
            if k < target { lo = mid } else { hi = mid }
        }
        guard abs(best.kl - target) <= tolerance * target else {
            throw InterpError.badArgument("steering feature \(latent) at \(hook): no strength within \(maxSteps) steps gives KL \(target) ± \(tolerance * target) nats (closest \(best.kl) at \(best.strength))")
        }
        return best
    }

    /// Greedy continuations of `prompts` with feature `latent` added at `strength`
    /// (strength 0: the clean model); prompts are plain text, tokenized with the model's BOS convention.
    public func generate(latent: Int, strength: Float, prompts: [String], maxTokens: Int) throws -> [String] {
        try prompts.map { prompt in
            let hooks = Hooks()
            if strength != 0 { hooks.add(try intervention(latent: latent, strength: strength), at: hook) }
            let result = try model.generate(prompt: model.tokenize(prompt), options: GenerationOptions(maxTokens: maxTokens),
                                            hooks: hooks)
            return result.text
        }
    }
}
