import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurPipeline
import AugurSAE
import AugurServer
import AugurTensor
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real run store for the viewer tests: two latent caches of SmolLM2-135M over ~1.5k tokens (a
/// random TopK SAE on `blocks.1.hook_resid_post`, and the top-16 MLP neurons of layer 1), features
/// with evidence from ``ExampleSampler``, ``VocabProj`` and ``TokenChangeProbe``, descriptions and
/// scores stored through the ``RunStore`` API, and the run's artifacts.
enum ViewerFixture {
    static let explainer = "test-explainer"
    static let scriptDescription = "<script>alert(1)</script> river & mill"

    struct Built: @unchecked Sendable {
        let model: any LanguageModel
        let run: URL
        let store: RunStore
        /// Feature ids: SAE latents first, then neurons.
        let saeIDs: [String]
        let neuronIDs: [String]
        /// The feature whose description is ``scriptDescription``.
        let scriptFeature: String
        /// detection score by (feature id, method).
        let detection: [String: [String: Double]]
    }

    static let built: Result<Built, Error> = Result { try build() }

    static let texts: [String] = {
        let subjects = ["The river", "A small café", "Our committee", "The 1998 census", "The algorithm", "Marie Curie", "The protein",
                        "A naïve reader"]
        let verbs = ["flows past", "was founded near", "reported on", "counted", "sorts", "studied", "binds to", "misunderstood"]
        let objects = ["the old mill in the valley.", "a busy market square.", "the budget of 2,400,000 dollars.", "every household.",
                       "a list of 10,000 numbers quickly.", "radioactivity in Paris for decades.", "a receptor on the cell surface.",
                       "the footnotes entirely."]
        return (0 ..< 40).map { i in
            (0 ..< 5).map { j in "\(subjects[(i + j) % 8]) \(verbs[(i * 3 + j) % 8]) \(objects[(i * 5 + j * 3) % 8])" }.joined(separator: " ")
        }
    }()

    static func build() throws -> Built {
        let model = try TestModels.smollm.get()
        let c = model.config
        let tmp = FileManager.default.temporaryDirectory
        for old in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where old.hasPrefix("augur-viewer-test-") {
            try? FileManager.default.removeItem(at: tmp.appendingPathComponent(old))
        }
        let root = tmp.appendingPathComponent("augur-viewer-test-\(getpid())")
        let run = root.appendingPathComponent("run")
        let store = try RunStore(directory: run)
        try store.recordRun(configJSON: "{\"model\":\"smollm2-135m-instruct\",\"layer\":3}", augurVersion: "test")

        // The SAE cache: a random TopK SAE saved in the sparsify layout.
        let saeHook = try HookPoint.parse("blocks.1.hook_resid_post", layers: c.layers)
        let sae = try randomTopK(dIn: c.dModel, latents: 48, k: 4, seed: 11)
        let saeFolder = root.appendingPathComponent("sae").path
        try SparsifyFormat.write(sae, to: saeFolder, hook: saeHook.description)
        let saeCache = root.appendingPathComponent("cache-sae")
        try LatentCacheWriter(directory: saeCache, spec: LatentCacheSpec(
            model: "smollm2-135m-instruct", hook: saeHook.description, coder: "sae:\(saeFolder)", numLatents: 48, corpus: "viewer-test",
            contextLength: 64, tokenBudget: 1024, batchSequences: 8, shardLatents: 16))
            .build(model: model, coder: sae, hook: saeHook, documents: texts)

        // The neuron cache: layer 3's MLP neurons, top 16 per token.
        let neuronHook = try HookPoint.parse("blocks.1.mlp.hook_post", layers: c.layers)
        let neurons = try NeuronBasis(model: model, layer: 1, k: 16)
        let neuronCache = root.appendingPathComponent("cache-neurons")
        try LatentCacheWriter(directory: neuronCache, spec: LatentCacheSpec(
            model: "smollm2-135m-instruct", hook: neuronHook.description, coder: "neurons(topk=16)", numLatents: c.dMLP,
            corpus: "viewer-test", contextLength: 64, tokenBudget: 1024, batchSequences: 8, shardLatents: 512))
            .build(model: model, coder: neurons, hook: neuronHook, documents: texts)

        let saeIDs = try addFeatures(cache: LatentCache(directory: saeCache), coder: sae, hook: saeHook, kind: "sae", count: 6,
                                     model: model, store: store)
        let neuronIDs = try addFeatures(cache: LatentCache(directory: neuronCache), coder: neurons, hook: neuronHook, kind: "neurons",
                                        count: 6, model: model, store: store)
        try store.saveArtifact(RunStore.Artifact.caches, ["sae": saeCache.path, "neurons": neuronCache.path])
        try store.saveArtifact(RunStore.Artifact.saeMetrics, ["fvu": 0.31, "l0": 4.0, "dead_fraction": 0.125])
        try store.saveArtifact(RunStore.Artifact.stageTimings, ["cache": 12.5, "explain": 40.25, "score": 20.0])

        // Descriptions (three methods) and scores (two scorers, one failure).
        let all = saeIDs + neuronIDs
        var detection: [String: [String: Double]] = [:]
        for (i, id) in all.enumerated() {
            let methods: [ExplanationMethod] = [.maxact, .vocabproj, .tokenchange]
            for (j, m) in methods.enumerated() {
                let text = i == 1 && m == .maxact ? scriptDescription
                    : "\(m.rawValue) of \(id): " + (i % 2 == 0 ? "words near the river and the mill" : "numbers, counts and budgets")
                try store.record(.success(ExplanationSuccess(
                    featureID: id, description: FeatureDescription(method: m.rawValue, text: text),
                    messages: [ChatMessage(role: "user", content: "Describe feature \(id) <b>bold?</b>")], shown: EvidenceShown(),
                    explainer: explainer, rawReply: "[EXPLANATION]: \(text)", rawReplies: ["[EXPLANATION]: \(text)"], seconds: 0.5,
                    usage: ChatUsage(promptTokens: 100, cachedPromptTokens: 0, completionTokens: 10))))
                let d = Double((i * 7 + j * 3) % 11) / 10
                detection[id, default: [:]][m.rawValue] = d
                try store.recordScore(ScoreKey(featureID: id, method: m.rawValue, explainer: explainer, scorer: "detection"), value: d)
                let embeddingKey = ScoreKey(featureID: id, method: m.rawValue, explainer: explainer, scorer: "embedding")
                if i == 2 && m == .vocabproj {
                    try store.recordScoreFailure(embeddingKey, cause: "embedding server said <b>503</b>")
                } else {
                    try store.recordScore(embeddingKey, value: 0.5 + Double((i + j) % 5) / 10)
                }
            }
        }
        return Built(model: model, run: run, store: store, saeIDs: saeIDs, neuronIDs: neuronIDs, scriptFeature: all[1], detection: detection)
    }

    /// Samples `count` live latents of `cache` (most active first), stores them with their evidence
    /// and returns their ids.
    static func addFeatures(cache: LatentCache, coder: any SparseCoder, hook: HookPoint, kind: String, count: Int,
                            model: any LanguageModel, store: RunStore) throws -> [String] {
        let stats = try cache.statistics()
        let config = ExampleConfig(windowLength: 16, trainCount: 8, testCount: 10, quantiles: 5, nonActivatingCount: 6,
                                   minActivatingWindows: 4, seed: 3)
        let sampler = try ExampleSampler(cache: cache, tokenizer: model.tokenizer, config: config)
        let ranked = stats.counts.indices.sorted { (stats.counts[$0], -$0) > (stats.counts[$1], -$1) }.prefix(count * 3)
        var examples: [(Int, FeatureExamples)] = []
        for s in try sampler.sample(latents: Array(ranked)) {
            if case let .examples(latent, ex) = s, examples.count < count { examples.append((latent, ex)) }
        }
        // TokenChange (a forward pass per feature) for the first two features only, to keep the fixture fast.
        let probe = try TokenChangeProbe(model: model, hook: hook, coder: coder,
                                         contexts: TokenChangeProbe.sampleContexts(from: cache, model: model, count: 2, length: 10, seed: 1))
        var records: [FeatureRecord] = []
        for (n, (latent, ex)) in examples.enumerated() {
            let id = "\(cache.spec.hook)/\(latent)"
            var e = FeatureEvidence(id: id, examples: ex)
            e.vocabProj = try VocabProj.evidence(latent: latent, coder: coder, hook: hook, model: model, count: 20)
            if n < 2, let clamp = TokenChangeProbe.clampValue(latent: latent, statistics: stats) {
                e.tokenChange = try probe.evidence(latent: latent, clampValue: clamp, topCount: 8)
            }
            records.append(FeatureRecord(id: id, hook: cache.spec.hook, latent: latent, density: stats.densities[latent],
                                         maxActivation: Double(stats.maxima[latent]), evidence: e, kind: kind,
                                         histogram: stats.histograms[latent], meanActivation: Double(stats.means[latent])))
        }
        try store.upsertFeatures(records)
        return records.map(\.id)
    }

    static func randomTopK(dIn: Int, latents n: Int, k: Int, seed: UInt64) throws -> TopKSAE {
        var g = SplitMix64(seed: seed)
        let wEnc = (0 ..< n * dIn).map { _ in g.normal() / Float(dIn).squareRoot() }
        var wDec = (0 ..< n * dIn).map { _ in g.normal() }
        for l in 0 ..< n {
            let norm = (0 ..< dIn).reduce(Float(0)) { $0 + wDec[l * dIn + $1] * wDec[l * dIn + $1] }.squareRoot()
            for j in 0 ..< dIn { wDec[l * dIn + j] /= norm }
        }
        return try TopKSAE(weights: SAEWeights(dIn: dIn, numLatents: n, wEnc: wEnc, bEnc: Array(repeating: 0, count: n), wDec: wDec,
                                               bDec: Array(repeating: 0, count: dIn)), k: k)
    }
}

/// Runs `body` against a viewer of `store` on a free port.
func withViewer<T>(_ store: RunStore, pageSize: Int = 100, _ body: (RunningViewer) async throws -> T) async throws -> T {
    var server = ViewerServer(store: store, port: 0).logging(to: quietLogger)
    server.pageSize = pageSize
    let viewer = try await server.start()
    do {
        let result = try await body(viewer)
        await viewer.stop()
        return result
    } catch {
        await viewer.stop()
        throw error
    }
}

/// GETs `path` of `viewer`; returns status and body text.
func fetch(_ viewer: RunningViewer, _ path: String) async throws -> (status: Int, text: String) {
    let url = try viewerURL(viewer.url.absoluteString.dropLast() + path)
    let (status, body) = try await get(url)
    return (status, String(decoding: body, as: UTF8.self))
}

func viewerURL(_ s: some StringProtocol) throws -> URL {
    guard let url = URL(string: String(s)) else { throw TestFailure("bad URL \(s)") }
    return url
}
