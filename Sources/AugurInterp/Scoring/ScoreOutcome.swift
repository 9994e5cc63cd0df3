import AugurActivations
import Foundation

/// Why part of a scoring run produced no prediction. Failures are counted apart from the
/// predictions: they never become a 0 or a 0.5.
public struct ScoringFailure: Sendable, Equatable, Codable {
    /// Indices (into ``ScoreOutcome/predictions``) of the examples the failed prompt or step covered.
    public var examples: [Int]
    /// What went wrong (the LLM error, or why the reply could not be read).
    public var cause: String
    /// The model's last reply, when there was one.
    public var rawReply: String?

    public init(examples: [Int], cause: String, rawReply: String? = nil) {
        self.examples = examples
        self.cause = cause
        self.rawReply = rawReply
    }
}

/// What a scorer said about one example (or, for the intruder test, one round), with everything
/// needed to recompute any metric.
public struct ExamplePrediction: Sendable, Equatable, Codable {
    /// The text shown (with highlights for fuzzing; the numbered list for an intruder round).
    public var text: String
    /// The example's tokens, when it has them.
    public var tokens: [String]?
    /// Whether the example is an activating one (false: a non-activating example).
    public var activating: Bool
    /// Activation quantile of an activating example (1 weakest … Q strongest).
    public var quantile: Int?
    /// What a correct binary answer is (detection: activating; fuzzing: the highlights are right;
    /// intruder: always true, "found the intruder"). Nil for continuous scorers.
    public var label: Bool?
    /// The scorer's binary answer; nil when there is none (a failure, or a continuous scorer).
    public var predicted: Bool?
    /// Probability the scorer gave to `true`, when read from logprobs.
    public var probability: Double?
    /// A continuous score (embedding cosine, surprisal loss drop; multiple choice: the chosen option).
    public var score: Double?
    /// Multiple choice (intruder, output-based evaluation): the correct option, 1-based.
    public var answer: Int?
    /// The true per-token activations (simulation).
    public var activations: [Float]?
    /// The simulated per-token activations (simulation, 0–9 scale expected values).
    public var simulated: [Double]?
    /// Whether this example's prompt failed (see ``ScoreOutcome/failures``).
    public var failed: Bool

    public init(text: String, tokens: [String]? = nil, activating: Bool, quantile: Int? = nil, label: Bool? = nil,
                predicted: Bool? = nil, probability: Double? = nil, score: Double? = nil, activations: [Float]? = nil,
                simulated: [Double]? = nil, answer: Int? = nil, failed: Bool = false) {
        self.text = text
        self.tokens = tokens
        self.activating = activating
        self.quantile = quantile
        self.label = label
        self.predicted = predicted
        self.probability = probability
        self.score = score
        self.activations = activations
        self.simulated = simulated
        self.answer = answer
        self.failed = failed
    }

    /// The binary view used by ``Metrics/classification(_:)`` (nil for continuous predictions).
    public var binary: BinaryPrediction? {
        guard let label else { return nil }
        return BinaryPrediction(label: label, predicted: failed ? nil : predicted, probability: probability,
                                quantile: quantile)
    }
}

/// The result of scoring one description of one feature with one scorer.
///
/// `values` holds the scorer's numbers (e.g. `balanced_accuracy`, `auroc`); a number that could
/// not be computed is absent. ``value`` is the headline number (``primaryMetric``), nil when the
/// feature has no score — e.g. every prompt failed, or there were no non-activating examples.
public struct ScoreOutcome: Sendable, Equatable, Codable {
    /// The scorer (`detection`, `fuzzing`, `intruder`, `simulation`, `embedding`, `surprisal`, …).
    public var scorer: String
    /// The feature scored.
    public var featureID: String
    /// The description scored.
    public var featureDescription: FeatureDescription
    /// The model that did the scoring (LLM, embedder or base LM).
    public var model: String
    /// Named metric values (keys listed in ``MetricKey``).
    public var values: [String: Double]
    /// Which entry of `values` is the headline score.
    public var primaryMetric: String
    /// Per-example (or per-round) predictions.
    public var predictions: [ExamplePrediction]
    /// Prompts or steps that produced nothing usable.
    public var failures: [ScoringFailure]
    /// Remarks (e.g. "AUROC omitted: the model returned no logprobs").
    public var notes: [String]

    public init(scorer: String, featureID: String, description: FeatureDescription, model: String,
                values: [String: Double] = [:], primaryMetric: String, predictions: [ExamplePrediction] = [],
                failures: [ScoringFailure] = [], notes: [String] = []) {
        self.scorer = scorer
        self.featureID = featureID
        self.featureDescription = description
        self.model = model
        self.values = values
        self.primaryMetric = primaryMetric
        self.predictions = predictions
        self.failures = failures
        self.notes = notes
    }

    /// The headline score; nil when the feature has none.
    public var value: Double? { values[primaryMetric] }

    /// Predictions that failed.
    public var failedCount: Int { predictions.filter(\.failed).count }

    /// Recomputes the classification metrics from the stored binary predictions.
    public func classificationMetrics() -> ClassificationMetrics {
        Metrics.classification(predictions.compactMap(\.binary))
    }

    /// An outcome with no value: the whole feature failed for `cause` (e.g. no non-activating examples).
    static func unscorable(_ scorer: String, _ examples: FeatureExamples, _ description: FeatureDescription,
                           model: String, primary: String, cause: String) -> ScoreOutcome {
        ScoreOutcome(scorer: scorer, featureID: examples.id, description: description, model: model,
                     primaryMetric: primary, failures: [ScoringFailure(examples: [], cause: cause)])
    }
}

/// Names of the entries of ``ScoreOutcome/values``.
public enum MetricKey {
    /// Fraction of answered predictions that are right.
    public static let accuracy = "accuracy"
    /// (recall + specificity) / 2.
    public static let balancedAccuracy = "balanced_accuracy"
    /// TP / (TP + FP).
    public static let precision = "precision"
    /// TP / (TP + FN).
    public static let recall = "recall"
    /// 2TP / (2TP + FP + FN).
    public static let f1 = "f1"
    /// Area under the ROC curve of probabilities or scores.
    public static let auroc = "auroc"
    /// Pearson correlation of simulated and true activations.
    public static let correlation = "correlation"
    /// Mean score of activating minus non-activating examples.
    public static let meanDifference = "mean_difference"
    /// Fraction of examples (or rounds) with a usable prediction.
    public static let answeredFraction = "answered_fraction"
    /// Binary pass (1) or fail (0) of an evaluation.
    public static let pass = "pass"
    /// Accuracy on activating examples of quantile `q`.
    public static func quantileAccuracy(_ q: Int) -> String { "accuracy_q\(q)" }
}

/// Anything that scores a description of a feature against its held-out examples.
///
/// Scorers never throw for a feature: everything that goes wrong is recorded as a
/// ``ScoringFailure`` in the outcome, whose value is then computed from the rest (or absent).
public protocol FeatureScorer: Sendable {
    /// The scorer's name, as recorded in ``ScoreOutcome/scorer``.
    var name: String { get }
    /// Scores `description` on `examples.test` (activating) and `examples.nonActivating`.
    func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome
}

extension ActivationRecord {
    /// The record's text: its tokens joined without separators.
    var joinedText: String { tokens.joined() }
}

extension ScoreOutcome {
    /// Fills `values` with the classification metrics of the predictions (and per-quantile
    /// accuracies), with `primary` the headline; notes why AUROC is absent when probabilities were asked for.
    mutating func fillClassificationValues() {
        let binaries = predictions.compactMap(\.binary)
        let m = Metrics.classification(binaries)
        values = [:]
        let answered = binaries.filter { $0.predicted != nil }.count
        if !binaries.isEmpty { values[MetricKey.answeredFraction] = Double(answered) / Double(binaries.count) }
        if let v = m.accuracy { values[MetricKey.accuracy] = v }
        if let v = m.balancedAccuracy { values[MetricKey.balancedAccuracy] = v }
        if let v = m.precision { values[MetricKey.precision] = v }
        if let v = m.recall { values[MetricKey.recall] = v }
        if let v = m.f1 { values[MetricKey.f1] = v }
        if let v = m.auroc { values[MetricKey.auroc] = v }
        for (q, v) in Metrics.accuracyByQuantile(binaries) { values[MetricKey.quantileAccuracy(q)] = v }
    }
}
