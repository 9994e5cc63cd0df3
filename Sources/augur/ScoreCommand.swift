import ArgumentParser
import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurPipeline
import Foundation

struct Score: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every description in a run (resumable; failures are recorded apart and retried on a rerun).")
    @Option(help: "Run folder made by `augur explain`.") var run: String
    @Option(help: "Comma-separated scorers: detection, fuzzing, intruder, simulation, embedding.")
    var scorers = "detection,fuzzing,embedding"
    @OptionGroup var backend: ScorerBackendOptions
    @Option(help: "Sentence embedder for the embedding scorer.") var embedder = "all-minilm-l6-v2"
    @Option(help: "Seed of example shuffling.") var seed: UInt64 = 0

    /// Scorers that need only the descriptions, the examples and an LLM or the embedder.
    static let available: [ScorerKind] = [.detection, .fuzzing, .intruder, .simulation, .embedding]

    func run() async throws {
        let kinds = try ScorerKind.parseList(scorers)
        if let k = kinds.first(where: { !Self.available.contains($0) }) {
            throw ValidationError("scorer \(k.rawValue) needs the subject model and coder and is not yet available from the command line; available: \(Self.available.map(\.rawValue).joined(separator: ", "))")
        }
        let dir = URL(fileURLWithPath: run)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(RunStore.fileName).path) else {
            throw ValidationError("\(run) is not a run folder (no \(RunStore.fileName))")
        }
        let store = try RunStore(directory: dir)
        // Per feature: its examples and, per scorer, the descriptions that still lack that score.
        let done = try store.completedScores()
        var jobs: [(examples: FeatureExamples, pending: [ScorerKind: [StoredDescription]])] = []
        var described = 0, total = 0
        for feature in try store.features() {
            let descriptions = try store.descriptions(featureID: feature.id)
            described += descriptions.count
            guard let examples = feature.evidence?.examples else { continue }
            var pending: [ScorerKind: [StoredDescription]] = [:]
            for kind in kinds {
                let todo = descriptions.filter {
                    !done.contains(ScoreKey(featureID: $0.featureID, method: $0.method, explainer: $0.explainer, scorer: kind.rawValue))
                }
                if !todo.isEmpty { pending[kind] = todo; total += todo.count }
            }
            if !pending.isEmpty { jobs.append((examples, pending)) }
        }
        guard described > 0 else { throw ValidationError("\(run) has no descriptions to score; run `augur explain` first") }
        guard total > 0 else { printError("\(run): every description already has these scores"); return }

        // One scorer per kind, built once.
        var options = LLMScorerOptions()
        options.seed = seed
        let chat = kinds.contains { $0 != .embedding } ? try backend.make().chat : nil
        let embedding = kinds.contains(.embedding) ? EmbeddingScorer(embedder: try SentenceEmbedder.load(embedder)) : nil
        var built: [ScorerKind: any FeatureScorer] = [:]
        for kind in kinds {
            switch (kind, chat, embedding) {
            case (.detection, let llm?, _): built[kind] = DetectionScorer(model: llm, options: options)
            case (.fuzzing, let llm?, _): built[kind] = FuzzingScorer(model: llm, options: options)
            case (.intruder, let llm?, _): built[kind] = IntruderScorer(model: llm, options: options)
            case (.simulation, let llm?, _): built[kind] = SimulationScorer(model: llm, options: options)
            case (.embedding, _, let e?): built[kind] = e
            default: throw ValidationError("scorer \(kind.rawValue) is not available from the command line")
            }
        }

        let progress = ProgressLine("score", total: total, unit: "scores")
        var scored = 0, failed = 0
        for job in jobs {
            for kind in kinds {
                guard let todo = job.pending[kind], let scorer = built[kind] else { continue }
                let asked = todo.map { FeatureDescription(method: $0.method, text: $0.text) }
                var outcomes: [ScoreOutcome] = []
                if let embedding, kind == .embedding {
                    outcomes = embedding.scoreAll(asked, examples: job.examples)  // embeds the examples once
                } else {
                    for d in asked { outcomes.append(await scorer.score(d, examples: job.examples)) }
                }
                for (d, outcome) in zip(todo, outcomes) {
                    let key = ScoreKey(featureID: d.featureID, method: d.method, explainer: d.explainer, scorer: kind.rawValue)
                    let details = String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
                    if let value = outcome.value {
                        try store.recordScore(key, value: value, detailsJSON: details)
                        scored += 1
                    } else {
                        let cause = outcome.failures.first?.cause ?? outcome.notes.first ?? "no value"
                        try store.recordScoreFailure(key, cause: cause, raw: details)
                        failed += 1
                    }
                    progress.update(scored + failed)
                }
            }
        }
        progress.finish(scored + failed)
        printError("\(run): \(scored) scores, \(failed) failed (recorded with their causes; rerun to retry)")
    }
}
