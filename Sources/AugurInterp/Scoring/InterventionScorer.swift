import AugurActivations
import AugurModels
import Foundation

/// Intervention (seed 1): steer the subject model with the feature (at the strength whose mean
/// KL(clean ‖ steered) over `prompts` is `klTarget` nats), generate greedy continuations, and
/// generate the clean (unsteered) continuations of the same prompts. A base language model then
/// reads each continuation after a prompt holding the description and after one holding an
/// uninformative description (as in ``SurprisalScorer``). A good description of what the
/// feature does to the output lowers the loss of steered text more than that of clean text:
/// the headline is the AUROC of the loss drop, steered (positive) vs clean; `mean_difference`
/// is the mean drop on steered minus clean text.
///
/// Predictions: one per continuation, `activating` true for steered text, `score` its loss drop.
public struct InterventionScorer: FeatureScorer {
    /// Steers the subject model with the feature.
    public let steering: FeatureSteering
    /// Reads the continuations (may be the subject model itself).
    public let surprisal: SurprisalScorer
    /// Prompts the steered model continues.
    public var prompts: [String]
    /// Mean KL(clean ‖ steered) in nats that fixes the steering strength.
    public var klTarget: Double
    /// Tokens generated per continuation.
    public var maxTokens: Int
    /// Maps a feature id to its latent index (default: the number after the last `/`).
    public var latentForID: @Sendable (String) -> Int?
    /// The scorer name recorded in every outcome.
    public var name: String { "intervention" }

    public init(steering: FeatureSteering, surprisal: SurprisalScorer,
                prompts: [String] = ["I think that", "The most important thing is", "Once upon a time", "In the news today,"],
                klTarget: Double = 0.5, maxTokens: Int = 24,
                latentForID: @escaping @Sendable (String) -> Int? = { id in id.split(separator: "/").last.flatMap { Int($0) } }) {
        self.steering = steering
        self.surprisal = surprisal
        self.prompts = prompts
        self.klTarget = klTarget
        self.maxTokens = maxTokens
        self.latentForID = latentForID
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        let primary = MetricKey.auroc
        let model = surprisal.model.info.name
        guard let latent = latentForID(examples.id), latent >= 0, latent < steering.coder.numLatents else {
            return .unscorable(name, examples, description, model: model, primary: primary,
                               cause: "cannot tell a latent index in 0..<\(steering.coder.numLatents) from feature id '\(examples.id)' (expected HOOK/LATENT)")
        }
        let steered: [String], clean: [String], strength: (strength: Float, kl: Double)
        do {
            strength = try steering.strength(forKL: klTarget, latent: latent, prompts: prompts)
            steered = try steering.generate(latent: latent, strength: strength.strength, prompts: prompts, maxTokens: maxTokens)
            clean = try steering.generate(latent: latent, strength: 0, prompts: prompts, maxTokens: maxTokens)
        } catch {
            return .unscorable(name, examples, description, model: model, primary: primary, cause: "steering failed: \(error)")
        }
        var predictions = steered.map { ExamplePrediction(text: $0, activating: true) }
            + clean.map { ExamplePrediction(text: $0, activating: false) }
        let ids = predictions.map { surprisal.model.tokenizer.encode(" " + $0.text.trimmingCharacters(in: .whitespaces), addSpecialTokens: false) }
        var failures: [ScoringFailure] = []
        do {
            let informed = try surprisal.meanLosses(prefix: surprisal.prompt(description.text), texts: ids)
            let baseline = try surprisal.meanLosses(prefix: surprisal.prompt(surprisal.uninformativeDescription), texts: ids)
            var empty: [Int] = []
            for i in predictions.indices {
                if let a = informed[i], let b = baseline[i] { predictions[i].score = b - a } else { predictions[i].failed = true; empty.append(i) }
            }
            if !empty.isEmpty { failures.append(ScoringFailure(examples: empty, cause: "the continuation is empty")) }
        } catch {
            for i in predictions.indices { predictions[i].failed = true }
            failures.append(ScoringFailure(examples: Array(predictions.indices), cause: "forward pass failed: \(error)"))
        }
        var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: model,
                                   primaryMetric: primary, predictions: predictions, failures: failures,
                                   notes: ["steering strength \(strength.strength) (KL \(String(format: "%.3f", strength.kl)) nats)"])
        outcome.fillContinuousValues()
        if zip(steered, clean).allSatisfy({ $0 == $1 }) {
            outcome.notes.append("steering did not change any greedy continuation")
        }
        return outcome
    }
}
