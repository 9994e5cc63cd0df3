import AugurActivations
import AugurModels
import Foundation

/// Embedding (seed 1): embed the description (as the query) and every example's text (as
/// documents) with a sentence embedder (all-MiniLM-L6-v2), and score how well the cosine
/// similarity to the description separates activating from non-activating examples: AUROC
/// (headline) and the difference of the mean cosines. No LLM is involved.
///
/// all-MiniLM-L6-v2 is symmetric (no query/document prefixes); `queryPrefix` and
/// `documentPrefix` are there for embedders trained with them.
public struct EmbeddingScorer: FeatureScorer {
    /// The sentence embedder (all-MiniLM-L6-v2 by default in the pipeline).
    public let embedder: SentenceEmbedder
    /// Prepended to the description before embedding.
    public var queryPrefix: String
    /// Prepended to each example before embedding.
    public var documentPrefix: String
    /// At most this many activating (test) examples; nil: all.
    public var maxActivating: Int?
    /// At most this many non-activating examples; nil: all.
    public var maxNonActivating: Int?
    /// The scorer name recorded in every outcome.
    public var name: String { "embedding" }

    public init(embedder: SentenceEmbedder, queryPrefix: String = "", documentPrefix: String = "",
                maxActivating: Int? = nil, maxNonActivating: Int? = nil) {
        self.embedder = embedder
        self.queryPrefix = queryPrefix
        self.documentPrefix = documentPrefix
        self.maxActivating = maxActivating
        self.maxNonActivating = maxNonActivating
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        scoreAll([description], examples: examples)[0]
    }

    /// Scores several descriptions of one feature, embedding its examples once.
    public func scoreAll(_ descriptions: [FeatureDescription], examples: FeatureExamples) -> [ScoreOutcome] {
        let primary = MetricKey.auroc
        let activating = capped(examples.test, maxActivating)
        let quiet = capped(examples.nonActivating, maxNonActivating)
        guard !activating.isEmpty, !quiet.isEmpty else {
            return descriptions.map { description in
                .unscorable(name, examples, description, model: embedder.name, primary: primary,
                            cause: "feature \(examples.id) has \(activating.count) activating and \(quiet.count) non-activating examples; the embedding score needs both")
            }
        }
        let records = activating.map { ($0, true) } + quiet.map { ($0, false) }
        let predictions = records.map { r, isActivating in
            ExamplePrediction(text: promptText(r.tokens), tokens: r.tokens, activating: isActivating, quantile: r.quantile,
                              activations: r.activations)
        }
        let vectors: [[Float]]
        do {
            vectors = try embedder.embed(descriptions.map { queryPrefix + $0.text } + predictions.map { documentPrefix + $0.text })
        } catch {
            return descriptions.map { description in
                var outcome = ScoreOutcome.unscorable(name, examples, description, model: embedder.name, primary: primary,
                                                      cause: "embedding failed: \(error)")
                outcome.failures[0].examples = Array(predictions.indices)
                outcome.predictions = predictions.map { var p = $0; p.failed = true; return p }
                return outcome
            }
        }
        let documents = vectors.dropFirst(descriptions.count)
        return descriptions.enumerated().map { d, description in
            var scored = predictions
            for (i, v) in zip(scored.indices, documents) {
                scored[i].score = Double(SentenceEmbedder.cosineSimilarity(vectors[d], v))
            }
            var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: embedder.name,
                                       primaryMetric: primary, predictions: scored)
            outcome.fillContinuousValues()
            return outcome
        }
    }
}

extension ScoreOutcome {
    /// AUROC of `score` (activating vs non-activating) and the difference of the class means,
    /// over predictions that did not fail.
    mutating func fillContinuousValues() {
        let scored = predictions.filter { !$0.failed }.compactMap { p in p.score.map { ($0, p.activating) } }
        let pos = scored.filter(\.1).map(\.0), neg = scored.filter { !$0.1 }.map(\.0)
        if let a = Metrics.auroc(scores: scored.map(\.0), labels: scored.map(\.1)) { values[MetricKey.auroc] = a }
        if !pos.isEmpty, !neg.isEmpty {
            values[MetricKey.meanDifference] = pos.reduce(0, +) / Double(pos.count) - neg.reduce(0, +) / Double(neg.count)
        }
        if !predictions.isEmpty { values[MetricKey.answeredFraction] = Double(scored.count) / Double(predictions.count) }
    }
}
