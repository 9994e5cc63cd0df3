import AugurActivations
import AugurModels
import AugurSAE
import AugurTensor

/// TokenChange evidence (seed 2): clamp a feature to a high value at every position of some sample
/// contexts and see which next-token logits change most on average.
///
/// A probe holds the sample contexts and the clean (unsteered) mean logits, so that the clean pass
/// is paid once for many features. For each feature it runs the contexts once per clamp value, all
/// in one batched forward call.
///
/// Clamping: an SAE latent is set to c by adding (c − a)·d at the hook, where a is the latent's
/// activation there (from the coder) and d its decoder direction — the SAE's reconstruction error
/// stays in the activation. A neuron (``NeuronBasis`` on `blocks.L.mlp.hook_post`) is set to c
/// directly (`Intervention(.clamp([i: c]))`). When every context starts with the model's BOS
/// token, that position is neither clamped nor averaged (it is an attention sink whose
/// activations are unlike any text token's).
public final class TokenChangeProbe: Sendable {
    /// Contexts per probe by default. One feature (clamped to +c and −c) costs a forward pass over
    /// 2 × contexts × length tokens with logits at every position. Measured with SmolLM2-135M, a
    /// release build and an SAE on `blocks.15.hook_resid_post`, 8 × 16 costs ~2.5 CPU-seconds per
    /// feature (~1.3 s wall on two idle cores); the clean pass ~1.4 CPU-seconds, once per probe.
    public static let defaultContextCount = 8
    /// Tokens per context by default (with BOS).
    public static let defaultContextLength = 16
    /// The clamp is this many times the feature's largest activation in the cache by default:
    /// high, as the output-centric paper asks, but still of the size the model has seen.
    public static let defaultClampFactor: Float = 2
    /// Tokens kept per list by default (seed 2: ~10 most raised and ~10 most lowered).
    public static let defaultTopCount = 10

    public let model: any LanguageModel
    public let hook: HookPoint
    public let coder: any SparseCoder
    /// The sample contexts.
    public let contexts: [[Int32]]
    /// Leading positions of every context that are neither clamped nor averaged (1 when all start with BOS).
    public let skippedPositions: Int
    /// Positions the change is averaged over.
    public let positions: Int
    /// Mean clean logits over the averaged positions (vocab wide).
    let cleanMean: [Float]
    /// SAE latents: for each latent, its clean activations at the hook as (context, position, value).
    let cleanActivations: [Int32: [(context: Int32, position: Int32, value: Float)]]
    /// Whether features are neurons clamped directly.
    let neurons: Bool

    /// Runs the clean pass over `contexts` (one batched forward, logits at every position).
    public init(model: any LanguageModel, hook: HookPoint, coder: any SparseCoder, contexts: [[Int32]]) throws {
        let c = model.config
        guard hook.layer < c.layers else { throw InterpError.badArgument("hook \(hook) is past the model's \(c.layers) layers") }
        let width = hook.site == .mlpPost ? c.dMLP : c.dModel
        guard coder.dIn == width else {
            throw InterpError.badArgument("hook \(hook) is \(width) wide but the coder reads \(coder.dIn)-wide activations")
        }
        guard !contexts.isEmpty, contexts.allSatisfy({ !$0.isEmpty }) else {
            throw InterpError.badArgument("TokenChange needs at least one non-empty context")
        }
        neurons = coder is NeuronBasis
        if neurons, hook.site != .mlpPost {
            throw InterpError.badArgument("neuron features live on blocks.L.mlp.hook_post, not \(hook)")
        }
        let bos = model.addsBOS ? model.tokenizer.bosID : nil
        let skip = bos != nil && contexts.allSatisfy { $0.count > 1 && $0[0] == bos } ? 1 : 0
        self.model = model
        self.hook = hook
        self.coder = coder
        self.contexts = contexts
        skippedPositions = skip
        positions = contexts.reduce(0) { $0 + $1.count - skip }

        let hooks = Hooks()
        if !neurons { hooks.capture(hook) }
        let logits = try model.forward(contexts, caches: nil, hooks: hooks, options: ForwardOptions(logits: .all))
        cleanMean = Self.mean(logits, lengths: contexts.map(\.count), skip: skip, vocab: c.vocabSize)
        var index: [Int32: [(context: Int32, position: Int32, value: Float)]] = [:]
        if !neurons {
            for (s, ctx) in contexts.enumerated() {
                let acts = hooks.activations(at: hook, sequence: s)
                guard acts.count == ctx.count * width else {
                    throw InterpError.badArgument("captured \(acts.count) activations at \(hook) for a \(ctx.count)-token context")
                }
                let sparse = acts.withUnsafeBufferPointer { coder.encodeSparse($0.baseAddress!, rows: ctx.count) }
                for (p, row) in sparse.enumerated() {
                    for e in row { index[e.latent, default: []].append((Int32(s), Int32(p), e.value)) }
                }
            }
        }
        cleanActivations = index
    }

    /// `count` contexts of `length` tokens from a latent cache's token file: random sequences
    /// (distinct while there are enough) at random offsets; with the model's BOS convention each
    /// context is BOS followed by `length − 1` cached tokens that do not include position 0.
    public static func sampleContexts(from cache: LatentCache, model: any LanguageModel, count: Int = defaultContextCount,
                                      length: Int = defaultContextLength, seed: UInt64 = 0) throws -> [[Int32]] {
        let bos = model.addsBOS ? model.tokenizer.bosID : nil
        let offset = bos == nil ? 0 : 1, body = length - offset
        guard count > 0, body > 0, body <= cache.spec.contextLength - offset else {
            throw InterpError.badArgument("cannot cut \(count) contexts of \(length) tokens from a cache of \(cache.spec.contextLength)-token contexts")
        }
        guard cache.sequenceCount > 0 else { throw InterpError.badArgument("the cache at \(cache.directory.path) holds no sequences") }
        var g = SplitMix64(seed: seed)
        var order = Array(0 ..< cache.sequenceCount)
        var out: [[Int32]] = []
        for i in 0 ..< count {
            let k = i % order.count
            if k == 0 { for j in order.indices { order.swapAt(j, j + Int(g.next() % UInt64(order.count - j))) } }
            let tokens = try cache.tokens(sequence: order[k])
            let start = offset + Int(g.next() % UInt64(cache.spec.contextLength - offset - body + 1))
            out.append((bos.map { [$0] } ?? []) + tokens[start ..< start + body])
        }
        return out
    }

    /// The default clamp value of `latent`: ``defaultClampFactor`` (or `factor`) × its largest
    /// activation in the cache; nil when the latent never fired there.
    public static func clampValue(latent: Int, statistics: LatentStatistics, factor: Float = defaultClampFactor) -> Float? {
        guard latent >= 0, latent < statistics.maxima.count, statistics.maxima[latent] > 0 else { return nil }
        return statistics.maxima[latent] * factor
    }

    /// The mean change of the logits (vocab wide, averaged over contexts and positions) with
    /// feature `latent` clamped to each of `values`, from one batched forward call.
    public func meanLogitChanges(latent: Int, clampValues values: [Float]) throws -> [[Float]] {
        try meanLogitChanges(values.map { (latent, $0) })
    }

    /// The mean change of the logits for each (feature, clamp value) pair, all from one forward
    /// call over pairs × contexts sequences (memory: that many × positions × vocab floats of logits).
    public func meanLogitChanges(_ pairs: [(latent: Int, clampValue: Float)]) throws -> [[Float]] {
        if let bad = pairs.first(where: { $0.latent < 0 || $0.latent >= coder.numLatents }) {
            throw InterpError.badArgument("latent \(bad.latent) is out of range: the coder has \(coder.numLatents) latents (0-\(coder.numLatents - 1))")
        }
        if let bad = pairs.first(where: { !$0.clampValue.isFinite }) {
            throw InterpError.badArgument("clamp value \(bad.clampValue) of latent \(bad.latent) is not finite")
        }
        guard !pairs.isEmpty else { return [] }
        let n = contexts.count, skip = skippedPositions
        let hooks = Hooks()
        var directions: [Int: [Float]] = [:]
        for (g, pair) in pairs.enumerated() {
            let (latent, value) = pair
            if neurons {
                hooks.add(Intervention(.clamp([latent: value]), positions: .from(skip), sequences: Set(g * n ..< (g + 1) * n)), at: hook)
                continue
            }
            let d = directions[latent] ?? coder.decoderDirection(latent)
            directions[latent] = d
            guard d.count == coder.dIn else {
                throw InterpError.badArgument("decoder row of latent \(latent) has \(d.count) values, expected \(coder.dIn)")
            }
            var clean = contexts.map { [Float](repeating: 0, count: $0.count) }
            for e in cleanActivations[Int32(latent)] ?? [] { clean[Int(e.context)][Int(e.position)] = e.value }
            for i in 0 ..< n {
                let delta = clean[i].enumerated().map { p, a in p < skip ? 0 : value - a }
                hooks.add(Intervention(.custom { row, pos in
                    guard pos < delta.count else { return }
                    let s = delta[pos]
                    if s != 0 { for j in 0 ..< row.count { row[j] += s * d[j] } }
                }, positions: .from(skip), sequences: [g * n + i]), at: hook)
            }
        }
        let batch = Array(Array(repeating: contexts, count: pairs.count).joined())
        let logits = try model.forward(batch, caches: nil, hooks: hooks, options: ForwardOptions(logits: .all))
        let vocab = model.config.vocabSize
        return (0 ..< pairs.count).map { g in
            var m = Self.mean(Array(logits[g * n ..< (g + 1) * n]), lengths: contexts.map(\.count), skip: skip, vocab: vocab)
            for t in 0 ..< vocab { m[t] -= cleanMean[t] }
            return m
        }
    }

    /// TokenChange evidence of `latent` clamped to `clampValue` (and, when `negative`, to −clampValue):
    /// the `topCount` most raised and most lowered tokens per sign. Scores are raw mean logit
    /// changes (a shift common to every token stays in them; it does not change the ranking).
    public func evidence(latent: Int, clampValue: Float, negative: Bool = true, topCount: Int = defaultTopCount) throws -> TokenChangeEvidence {
        try evidence(latents: [latent], clampValues: [clampValue], negative: negative, topCount: topCount)[0]
    }

    /// TokenChange evidence of several features (`clampValues[i]` for `latents[i]`) from one forward
    /// call, which shares the per-call costs; memory grows with latents × contexts × positions × vocab.
    public func evidence(latents: [Int], clampValues: [Float], negative: Bool = true,
                         topCount: Int = defaultTopCount) throws -> [TokenChangeEvidence] {
        guard topCount >= 0 else { throw InterpError.badArgument("TokenChange token count must not be negative, got \(topCount)") }
        guard latents.count == clampValues.count else {
            throw InterpError.badArgument("\(latents.count) latents but \(clampValues.count) clamp values")
        }
        var pairs: [(latent: Int, clampValue: Float)] = []
        for (l, c) in zip(latents, clampValues) {
            pairs.append((l, c))
            if negative { pairs.append((l, -c)) }
        }
        let changes = try meanLogitChanges(pairs)
        let tok = model.tokenizer
        func lists(_ change: [Float]) -> ([TokenScore], [TokenScore]) {
            let (up, down) = VocabProj.extremes(change, count: topCount)
            return (up.map { TokenScore(token: tok.tokenString(Int32($0)), score: change[$0]) },
                    down.map { TokenScore(token: tok.tokenString(Int32($0)), score: change[$0]) })
        }
        let per = negative ? 2 : 1
        return clampValues.indices.map { i in
            let (raised, lowered) = lists(changes[i * per])
            let (nRaised, nLowered) = negative ? lists(changes[i * per + 1]) : ([], [])
            return TokenChangeEvidence(clampValue: clampValues[i], raised: raised, lowered: lowered, negativeRaised: nRaised,
                                       negativeLowered: nLowered, positions: positions)
        }
    }

    /// Mean of the per-position logits (each sequence tokens × vocab) over positions ≥ `skip`.
    static func mean(_ logits: [[Float]], lengths: [Int], skip: Int, vocab: Int) -> [Float] {
        var sum = [Double](repeating: 0, count: vocab)
        var rows = 0
        for (s, l) in logits.enumerated() {
            for p in skip ..< lengths[s] {
                let o = p * vocab
                for t in 0 ..< vocab { sum[t] += Double(l[o + t]) }
                rows += 1
            }
        }
        return sum.map { Float($0 / Double(max(rows, 1))) }
    }
}
