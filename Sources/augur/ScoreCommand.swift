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
        // (feature examples, description) pairs with something left to score.
        let done = try store.completedScores()
        var jobs: [(examples: FeatureExamples, description: StoredDescription, kinds: [ScorerKind])] = []
        var described = 0
        for feature in try store.features() {
            let descriptions = try store.descriptions(featureID: feature.id)
            described += descriptions.count
            guard let examples = feature.evidence?.examples else { continue }
            for d in descriptions {
                let todo = kinds.filter { !done.contains(ScoreKey(featureID: feature.id, method: d.method, explainer: d.explainer, scorer: $0.rawValue)) }
                if !todo.isEmpty { jobs.append((examples, d, todo)) }
            }
        }
        guard described > 0 else { throw ValidationError("\(run) has no descriptions to score; run `augur explain` first") }
        let total = jobs.reduce(0) { $0 + $1.kinds.count }
        guard total > 0 else { printError("\(run): every description already has these scores"); return }

        let needsLLM = kinds.contains { $0 != .embedding }
        let chat = needsLLM ? try backend.make() : nil
        let embed = kinds.contains(.embedding) ? try SentenceEmbedder.load(embedder) : nil
        var options = LLMScorerOptions()
        options.seed = seed
        let progress = ProgressLine("score", total: total, unit: "scores")
        var scored = 0, failed = 0
        for job in jobs {
            let description = FeatureDescription(method: job.description.method, text: job.description.text)
            for kind in job.kinds {
                let scorer: any FeatureScorer
                switch (kind, chat?.chat, embed) {
                case (.detection, let llm?, _): scorer = DetectionScorer(model: llm, options: options)
                case (.fuzzing, let llm?, _): scorer = FuzzingScorer(model: llm, options: options)
                case (.intruder, let llm?, _): scorer = IntruderScorer(model: llm, options: options)
                case (.simulation, let llm?, _): scorer = SimulationScorer(model: llm, options: options)
                case (.embedding, _, let e?): scorer = EmbeddingScorer(embedder: e)
                default: throw ValidationError("scorer \(kind.rawValue) is not available from the command line")
                }
                let outcome = await scorer.score(description, examples: job.examples)
                let key = ScoreKey(featureID: job.examples.id, method: job.description.method,
                                   explainer: job.description.explainer, scorer: kind.rawValue)
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
        progress.finish(scored + failed)
        printError("\(run): \(scored) scores, \(failed) failed (recorded with their causes; rerun to retry)")
    }
}
