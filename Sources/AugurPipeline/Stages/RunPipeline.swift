import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurSAE
import Foundation
import Logging

/// Something a running pipeline reports, for a progress display.
public enum RunEvent: Sendable {
    /// A stage begins (`detail` says what it will do, or that it is already done).
    case stageStarted(stage: String, detail: String)
    /// Work done in a stage so far (`total` 0 when unknown).
    case progress(stage: String, done: Int, total: Int, unit: String, extra: String)
    /// A stage ended after `seconds` of wall time in this process.
    case stageFinished(stage: String, seconds: Double, detail: String)
    /// A remark worth showing (a skipped latent list, a refused scorer).
    case note(String)
}

/// One stage's wall time, as stored in the run's `stage_timings` artifact.
public struct StageTiming: Codable, Sendable, Equatable {
    public var stage: String
    /// Wall seconds, summed over every invocation that did work in the stage.
    public var seconds: Double

    public init(stage: String, seconds: Double) {
        self.stage = stage
        self.seconds = seconds
    }
}

/// What a pipeline run ended with.
public struct RunOutcome: Sendable {
    /// Stage wall times (summed over invocations).
    public var timings: [StageTiming]
    /// The SAE's metrics, when it was trained by the run.
    public var saeMetrics: SAETrainingMetrics?
    /// Features per kind (`sae`, `neurons`).
    public var features: [String: Int]
    /// What the explain stage did in this invocation.
    public var explain: ExplainSummary
    /// What the score stage did in this invocation (nil when no scorer was asked for).
    public var score: ScoreStageSummary?
    /// Method × scorer table and scorer correlations over the whole run.
    public var report: ScoreReport
    /// Per feature kind and scorer: mean score and count (descriptions of all methods together).
    public var byKind: [KindScore]
    /// The run folder's `summary.md`.
    public var summaryFile: URL
}

/// Mean score of one feature kind under one scorer.
public struct KindScore: Codable, Sendable, Equatable {
    public var kind: String
    public var scorer: String
    public var mean: Double
    public var count: Int
}

/// Why a run cannot start.
public enum RunPipelineError: Error, Sendable, CustomStringConvertible {
    /// The run folder holds results of a different configuration.
    case configMismatch(directory: String, keys: [String])
    /// A stage failed.
    case stage(String, String)

    public var description: String {
        switch self {
        case .configMismatch(let dir, let keys):
            let what = keys.isEmpty ? "a different configuration" : "a different configuration (\(keys.joined(separator: ", ")) differ)"
            return "\(dir) holds a run made with \(what); pass --force to start over (deletes its results) or choose another --out"
        case .stage(let s, let why): return "stage \(s): \(why)"
        }
    }
}

/// `augur run` as library code: corpus → SAE (train or load) → SAE cache → neuron cache →
/// evidence → explain → score → summary, every stage resumable. Files go into the run folder:
/// `config.toml`, `augur.sqlite` (the store), `sae/` (checkpoint and trained SAE), `cache/sae`,
/// `cache/neurons`, `skipped-KIND.json`, `summary.md`.
public struct RunPipeline {
    public let config: RunConfig
    public let directory: URL
    public var augurVersion: String
    let logger = Logger(label: "augur.run")

    /// The stages in order.
    public static let stages = ["corpus", "sae", "cache-sae", "cache-neurons", "evidence", "explain", "score", "summary"]

    public init(config: RunConfig, directory: URL, augurVersion: String) {
        self.config = config
        self.directory = directory
        self.augurVersion = augurVersion
    }

    /// What the pipeline writes into the run folder (what `--force` deletes).
    public static let outputs = [RunStore.fileName, RunStore.fileName + "-wal", RunStore.fileName + "-shm", "config.toml", "sae", "cache",
                                 "skipped-sae.json", "skipped-neurons.json", "summary.md"]

    /// Opens the run folder for this configuration: refuses one made by a different configuration
    /// unless `force`, in which case the earlier results are deleted (returned: the paths removed).
    /// Records the configuration (JSON in the store, `config.toml` beside it).
    public func prepare(force: Bool) throws -> (store: RunStore, deleted: [String]) {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = try config.json()
        var deleted: [String] = []
        if fm.fileExists(atPath: directory.appendingPathComponent(RunStore.fileName).path) {
            let existing = try RunStore(directory: directory)
            if let info = try existing.runInfo(), !RunStore.sameJSON(info.configJSON, json) {
                guard force else { throw RunPipelineError.configMismatch(directory: directory.path, keys: differingKeys(info.configJSON)) }
                for name in Self.outputs {
                    let p = directory.appendingPathComponent(name)
                    if fm.fileExists(atPath: p.path) { try fm.removeItem(at: p); deleted.append(p.path) }
                }
            }
        }
        let store = try RunStore(directory: directory)
        try store.recordRun(configJSON: json, augurVersion: augurVersion)
        let header = ["augur run configuration (written by augur \(augurVersion); the store holds the same as JSON)."]
        try Data(config.toml(header: header).utf8).write(to: directory.appendingPathComponent("config.toml"), options: .atomic)
        return (store, deleted)
    }

    /// The `table.key`s where a stored configuration differs from this one.
    func differingKeys(_ storedJSON: String) -> [String] {
        guard let stored = try? JSONDecoder().decode(RunConfig.self, from: Data(storedJSON.utf8)) else { return [] }
        return RunConfigField.all.filter { $0.get(stored) != $0.get(config) }.map(\.path)
    }

    /// Seconds between saves of a running stage's time.
    static let timingHeartbeat = 5.0

    /// `timings` with `seconds` added to `stage` (appended when missing), in stage order.
    static func timings(_ timings: [StageTiming], adding seconds: Double, to stage: String) -> [StageTiming] {
        var out = timings
        if let i = out.firstIndex(where: { $0.stage == stage }) { out[i].seconds += seconds } else {
            out.append(StageTiming(stage: stage, seconds: seconds))
        }
        return out.sorted { (stages.firstIndex(of: $0.stage) ?? 99) < (stages.firstIndex(of: $1.stage) ?? 99) }
    }

    /// Runs every stage not yet done; `events` reports progress.
    public func run(store: RunStore, events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunOutcome {
        var timings = (try store.artifact(RunStore.Artifact.stageTimings, as: [StageTiming].self)) ?? []
        func timed<T>(_ stage: String, _ detail: String, _ body: () async throws -> (T, String)) async throws -> T {
            events(.stageStarted(stage: stage, detail: detail))
            let start = Date()
            let before = timings
            // The time so far is saved every few seconds, so a stage that is killed keeps (nearly
            // all of) its time in the summed timings.
            let heartbeat = Task { [store] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(Self.timingHeartbeat))
                    guard !Task.isCancelled else { break }
                    try? store.saveArtifact(RunStore.Artifact.stageTimings,
                                            Self.timings(before, adding: Date().timeIntervalSince(start), to: stage))
                }
            }
            let result: (T, String)
            do {
                result = try await body()
            } catch {
                heartbeat.cancel()
                await heartbeat.value
                try? store.saveArtifact(RunStore.Artifact.stageTimings, Self.timings(before, adding: Date().timeIntervalSince(start), to: stage))
                throw error
            }
            heartbeat.cancel()
            await heartbeat.value
            let seconds = Date().timeIntervalSince(start)
            timings = Self.timings(before, adding: seconds, to: stage)
            try store.saveArtifact(RunStore.Artifact.stageTimings, timings)
            events(.stageFinished(stage: stage, seconds: seconds, detail: result.1))
            return result.0
        }
        let c = config
        let seed = UInt64(c.corpus.seed)
        let model = try ModelLoader.load(c.model.name)
        let hook = try HookPoint.parse(c.model.hook, layers: model.config.layers)

        // Corpus.
        let corpus = try await timed("corpus", c.corpus.source) {
            let corpus = try Corpus.load(c.corpus.source)
            return (corpus, "\(corpus.documents.count) documents")
        }

        // SAE: load or train (resuming from the checkpoint).
        let saeDir = directory.appendingPathComponent("sae").path
        let training = SAETrainingStage(
            tokens: c.sae.trainTokens, expansion: c.sae.expansion, k: c.sae.k,
            learningRate: c.sae.learningRate > 0 ? Float(c.sae.learningRate) : nil, batchRows: c.sae.batchRows,
            contextLength: c.corpus.contextLength, skipPositions: c.sae.skipPositions, heldOut: c.sae.heldOut,
            evalTokens: c.sae.evalTokens, checkpointEvery: c.sae.checkpointEvery, seed: seed, out: saeDir, augurVersion: augurVersion)
        let saePath = c.sae.load.isEmpty ? training.folder(hook: hook) : c.sae.load
        let metrics: SAETrainingMetrics? = try await timed("sae", c.sae.load.isEmpty ? "train \(c.sae.trainTokens) tokens" : "load \(c.sae.load)") {
            guard c.sae.load.isEmpty else {
                let coder = try SAELoader.load(c.sae.load)
                guard coder.dIn == (hook.site == .mlpPost ? model.config.dMLP : model.config.dModel) else {
                    throw RunPipelineError.stage("sae", "the SAE at \(c.sae.load) reads width \(coder.dIn), but \(hook) has a different width")
                }
                return (nil, "\(coder.numLatents) latents loaded")
            }
            if let done = training.finished(hook: hook) { return (done, "already trained") }
            let total = c.sae.trainTokens
            let (_, m) = try training.run(model: model, hook: hook, corpus: corpus, resume: true) { p in
                events(.progress(stage: "sae", done: p.tokens, total: total, unit: "tokens",
                                 extra: String(format: "FVU %.3f · L0 %.1f · dead %.1f%%", p.fvu, p.l0, 100 * p.deadFraction)))
            }
            return (m, String(format: "FVU %.3f, loss recovered %.3f", m.fvu, m.lossRecovered))
        }
        if let metrics { try store.saveArtifact(RunStore.Artifact.saeMetrics, metrics) }

        // Caches.
        let cacheRoot = directory.appendingPathComponent("cache")
        var caches: [String: String] = [:]
        func buildCache(_ stage: String, kind: String, source: CacheStage.Source, hook: HookPoint) async throws {
            let out = cacheRoot.appendingPathComponent(kind)
            let cs = CacheStage(source: source, contextLength: c.corpus.contextLength, tokens: c.cache.tokens, batch: c.cache.batch,
                                seed: seed, skipPositions: c.sae.skipPositions, out: out)
            try await timed(stage, cs.isComplete() ? "already cached" : "\(c.cache.tokens) tokens at \(hook)") {
                let state = try cs.run(model: model, hook: hook, corpus: corpus, augurVersion: augurVersion) { done in
                    events(.progress(stage: stage, done: done, total: c.cache.tokens, unit: "tokens", extra: ""))
                }
                return ((), "\(state.tokensDone) tokens in \(state.sequencesDone) contexts")
            }
            caches[kind] = out.standardizedFileURL.path
            try store.saveArtifact(RunStore.Artifact.caches, caches)
        }
        try await buildCache("cache-sae", kind: "sae", source: .sae(path: saePath), hook: hook)
        if c.neurons.enabled {
            let neuronHook = HookPoint(layer: hook.layer, site: .mlpPost)
            try await buildCache("cache-neurons", kind: "neurons", source: .neurons(topk: c.neurons.topk > 0 ? c.neurons.topk : nil), hook: neuronHook)
        }

        // Evidence.
        let methods = try ExplanationMethod.parseList(c.explain.methods.joined(separator: ","))
        var exampleConfig = ExampleConfig(windowLength: c.examples.windowLength, trainCount: c.examples.trainCount,
                                          testCount: c.examples.testCount, quantiles: c.examples.quantiles,
                                          nonActivatingCount: c.examples.nonActivatingCount, minActivatingWindows: c.examples.minExamples,
                                          seed: seed)
        exampleConfig.seed = seed
        var features: [FeatureEvidence] = []
        var counts: [String: Int] = [:]
        try await timed("evidence", "\(c.latents.select) latents" + (c.neurons.enabled ? ", \(c.neurons.select) neurons" : "")) {
            var reused = 0
            for (kind, selection) in [("sae", c.latents.select), ("neurons", c.neurons.select)] {
                guard let path = caches[kind] else { continue }
                let cache = try LatentCache(directory: URL(fileURLWithPath: path))
                let stage = EvidenceStage(selection: selection, seed: seed, methods: methods, examples: exampleConfig)
                let result = try stage.run(cache: cache, model: model, store: store) { done, total in
                    events(.progress(stage: "evidence", done: done, total: total, unit: "\(kind) features", extra: ""))
                }
                features += result.features
                counts[kind] = result.features.count
                reused += result.reused
                let skippedURL = directory.appendingPathComponent("skipped-\(kind).json")
                if !result.skipped.isEmpty {
                    let enc = JSONEncoder()
                    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                    try enc.encode(result.skipped).write(to: skippedURL, options: .atomic)
                    events(.note("\(result.skipped.count) \(kind) features have fewer than \(c.examples.minExamples) activating windows: no input-side description (listed in \(skippedURL.path))"))
                }
            }
            return ((), "\(features.count) features (\(reused) from an earlier run)")
        }
        guard !features.isEmpty else { throw RunPipelineError.stage("evidence", "no features to explain") }

        // Explain.
        let backends = ChatBackends()
        let explainer = try backends.make(c.explain.backend).chat
        let total = features.count * methods.count
        let explained = try await timed("explain", "\(features.count) features × \(methods.count) methods with \(explainer.name)") {
            let s = try await ExplainStage(concurrency: c.explain.backend.concurrency).run(
                features: features, methods: methods, model: explainer, store: store) { p in
                events(.progress(stage: "explain", done: p.completed, total: total, unit: "descriptions", extra: ""))
            }
            return (s, "\(s.described) described, \(s.failed) failed, \(s.alreadyDone) already done")
        }

        // Score.
        var scored: ScoreStageSummary?
        let kinds = try ScorerKind.parseList(c.score.scorers.joined(separator: ","))
        if !kinds.isEmpty {
            var options = LLMScorerOptions()
            options.seed = seed
            options.perExamplePrompts = c.score.perExample
            var context = ScoreContext(llmOptions: options)
            if kinds.contains(where: { $0.needsChatModel }) { context.chat = try backends.make(c.score.backend).chat }
            if kinds.contains(.embedding) { context.embedder = try SentenceEmbedder.load(c.score.embedder) }
            let stage = ScoreStage(concurrency: c.score.backend.concurrency)
            let pending = (try? stage.pending(store: store, scorers: kinds).count) ?? 0
            scored = try await timed("score", "\(pending) description × scorer pairs to score") {
                let s = try await stage.run(store: store, scorers: kinds, context: context) { p in
                    events(.progress(stage: "score", done: p.completed, total: p.total, unit: "scores", extra: ""))
                }
                for (name, why) in s.refused.sorted(by: { $0.key < $1.key }) { events(.note("\(name) refused: \(why)")) }
                return (s, "\(s.scored) scored, \(s.failed) failed, \(s.alreadyDone) already done")
            }
        }

        // Summary.
        let (report, byKind, file) = try await timed("summary", "score tables") {
            let report = try ScoreReport.compute(store: store, seed: seed)
            try report.save(to: store)
            let byKind = try Self.kindScores(store: store)
            let file = try report.writeMarkdown(to: directory, title: "Scores of \(directory.lastPathComponent)")
            return ((report, byKind, file), "\(report.summary.rows.count) method × scorer rows")
        }
        let storedMetrics = try store.artifact(RunStore.Artifact.saeMetrics, as: SAETrainingMetrics.self)
        return RunOutcome(timings: timings, saeMetrics: metrics ?? storedMetrics,
                          features: counts, explain: explained, score: scored, report: report, byKind: byKind, summaryFile: file)
    }

    /// Mean score per feature kind and scorer over every stored score.
    static func kindScores(store: RunStore) throws -> [KindScore] {
        var kindOf: [String: String] = [:]
        for f in try store.features() { kindOf[f.id] = f.kind ?? "?" }
        var sums: [String: [String: (Double, Int)]] = [:]
        for s in try store.scores() where !s.failed {
            guard let v = s.value, v.isFinite else { continue }
            let k = kindOf[s.key.featureID] ?? "?"
            let old = sums[k, default: [:]][s.key.scorer] ?? (0, 0)
            sums[k, default: [:]][s.key.scorer] = (old.0 + v, old.1 + 1)
        }
        var out: [KindScore] = []
        for (kind, byScorer) in sums.sorted(by: { $0.key < $1.key }) {
            for (scorer, (sum, n)) in byScorer.sorted(by: { $0.key < $1.key }) {
                out.append(KindScore(kind: kind, scorer: scorer, mean: sum / Double(n), count: n))
            }
        }
        return out
    }
}
