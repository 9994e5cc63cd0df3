import AugurActivations
import AugurInterp
import AugurModels
import AugurSAE
import Foundation

/// A latent left without examples (too few activating windows).
public struct SkippedLatent: Codable, Sendable, Equatable {
    public var latent: Int
    public var reason: String
    public var activatingWindows: Int

    enum CodingKeys: String, CodingKey {
        case latent, reason
        case activatingWindows = "activating_windows"
    }
}

/// What the evidence stage produced.
public struct EvidenceResult: Sendable {
    /// Evidence of each selected feature, in latent order.
    public var features: [FeatureEvidence]
    /// The store rows of the features (statistics and kind).
    public var records: [FeatureRecord]
    /// Latents without examples.
    public var skipped: [SkippedLatent]
    /// Features whose evidence came from the store (an earlier run) instead of being computed.
    public var reused: Int
}

/// Gathers the evidence of selected latents of a cache: activating and non-activating examples
/// (``ExampleSampler``), VocabProj tokens and TokenChange tokens, as the methods need; records
/// each feature's statistics (density, maximum, mean, histogram, kind `sae` or `neurons`).
/// With a store, features whose evidence it already holds are not recomputed.
public struct EvidenceStage {
    /// Which latents (``LatentSelection`` text).
    public var selection: String
    /// Seed of the latent selection, example sampling and TokenChange contexts.
    public var seed: UInt64
    /// The methods the evidence is for (decides which evidence is gathered).
    public var methods: [ExplanationMethod]
    /// How examples are cut and drawn (its `minActivatingWindows` skips sparse latents).
    public var examples: ExampleConfig

    public init(selection: String, seed: UInt64, methods: [ExplanationMethod], examples: ExampleConfig) {
        self.selection = selection
        self.seed = seed
        self.methods = methods
        self.examples = examples
    }

    /// The feature id of `latent` in a cache of `hook`.
    public static func featureID(hook: String, latent: Int) -> String { "\(hook)/\(latent)" }

    /// The feature kind of a cache: `neurons` or `sae`.
    public static func kind(of cache: LatentCache) -> String { cache.spec.coder.hasPrefix("neurons") ? "neurons" : "sae" }

    /// The selected latents of `cache`.
    public func selected(cache: LatentCache, statistics: LatentStatistics) throws -> [Int] {
        try LatentSelection.parse(selection).resolve(numLatents: cache.spec.numLatents, statistics: statistics, seed: seed)
    }

    /// Evidence of the selected latents of `cache`, read with `model` (the cache's model);
    /// `progress(done, total)` after each feature. Features already in `store` with evidence are reused.
    public func run(cache: LatentCache, model: any LanguageModel, store: RunStore? = nil,
                    progress: ((Int, Int) -> Void)? = nil) throws -> EvidenceResult {
        let stats = try cache.statistics()
        let selected = try selected(cache: cache, statistics: stats)
        let hook = try HookPoint.parse(cache.spec.hook, layers: model.config.layers)
        let kind = Self.kind(of: cache)
        let needsInput = methods.contains { [.maxact, .maxactOpenAI, .contrastive, .ensemble, .ensembleConcat].contains($0) }
        let needsVocab = methods.contains { [.vocabproj, .ensemble, .ensembleConcat].contains($0) }
        let needsChange = methods.contains { [.tokenchange, .ensemble, .ensembleConcat].contains($0) }

        func record(_ latent: Int) -> FeatureRecord {
            FeatureRecord(id: Self.featureID(hook: cache.spec.hook, latent: latent), hook: cache.spec.hook, latent: latent,
                          density: stats.densities[latent], maxActivation: Double(stats.maxima[latent]), kind: kind,
                          histogram: stats.histograms[latent], meanActivation: Double(stats.means[latent]))
        }
        var stored: [Int: FeatureEvidence] = [:]
        if let store {
            for latent in selected {
                if let f = try store.feature(id: Self.featureID(hook: cache.spec.hook, latent: latent)), let e = f.evidence, f.kind == kind {
                    stored[latent] = e
                }
            }
        }
        let todo = selected.filter { stored[$0] == nil }
        var computed: [Int: FeatureEvidence] = [:]
        var skipped: [SkippedLatent] = []
        if !todo.isEmpty {
            let coder = try cache.spec.loadCoder(model: model)
            var examples: [Int: FeatureExamples] = [:]
            if needsInput {
                var config = self.examples
                config.seed = seed
                if methods.contains(.contrastive) { config.nonActivatingCount += ExplainerOptions().contrastiveNegatives }
                let sampler = try ExampleSampler(cache: cache, tokenizer: model.tokenizer, config: config)
                for chunk in stride(from: 0, to: todo.count, by: 256) {
                    for s in try sampler.sample(latents: Array(todo[chunk ..< min(todo.count, chunk + 256)])) {
                        switch s {
                        case .examples(let latent, let ex): examples[latent] = ex
                        case .skipped(let latent, let reason, let n):
                            skipped.append(SkippedLatent(latent: latent, reason: reason, activatingWindows: n))
                        }
                    }
                }
            }
            var probe: TokenChangeProbe?
            if needsChange {
                probe = try TokenChangeProbe(model: model, hook: hook, coder: coder,
                                             contexts: TokenChangeProbe.sampleContexts(from: cache, model: model, seed: seed))
            }
            for (i, latent) in todo.enumerated() {
                let id = Self.featureID(hook: cache.spec.hook, latent: latent)
                var e = FeatureEvidence(id: id, examples: examples[latent].map { var x = $0; x.id = id; return x })
                if e.examples != nil || needsVocab || needsChange {
                    if needsVocab { e.vocabProj = try VocabProj.evidence(latent: latent, coder: coder, hook: hook, model: model) }
                    if let probe, let c = TokenChangeProbe.clampValue(latent: latent, statistics: stats) {
                        e.tokenChange = try probe.evidence(latent: latent, clampValue: c)
                    }
                    computed[latent] = e
                    if let store {
                        var r = record(latent)
                        r.evidence = e
                        try store.upsertFeatures([r])
                    }
                }
                progress?(stored.count + i + 1, selected.count)
            }
        }
        progress?(selected.count, selected.count)
        let keep = selected.filter { stored[$0] != nil || computed[$0] != nil }
        let records = keep.map(record)
        if let store { try store.upsertFeatures(records) }
        return EvidenceResult(features: keep.compactMap { stored[$0] ?? computed[$0] }, records: records, skipped: skipped,
                              reused: stored.count)
    }
}
