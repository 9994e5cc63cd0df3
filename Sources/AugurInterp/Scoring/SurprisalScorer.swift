import AugurActivations
import AugurModels
import Foundation

/// Surprisal (seed 1): a base language model reads each example after a prompt holding the
/// description, and after the same prompt holding an uninformative description. The example's
/// loss drop is  mean NLL(uninformative) − mean NLL(description)  over the example's tokens (nats
/// per token). A good description lowers the loss of activating examples more than that of
/// non-activating ones: the headline is the AUROC of the drop (activating vs non-activating);
/// `mean_difference` is the mean drop of activating minus that of non-activating examples.
///
/// Each prefix is run once and its KV cache reused for every example (truncated back to the prefix).
public struct SurprisalScorer: FeatureScorer {
    /// The in-process language model.
    public let model: any LanguageModel
    /// The prompt before each example; `{description}` is replaced by the description.
    public var template: String
    /// The description used for the baseline.
    public var uninformativeDescription: String
    /// At most this many activating (test) examples; nil: all.
    public var maxActivating: Int?
    /// At most this many non-activating examples; nil: all.
    public var maxNonActivating: Int?
    /// The scorer name recorded in every outcome.
    public var name: String { "surprisal" }

    public init(model: any LanguageModel,
                template: String = "The following text is an example of {description}.\n\nText:",
                uninformativeDescription: String = "ordinary text", maxActivating: Int? = nil,
                maxNonActivating: Int? = nil) {
        self.model = model
        self.template = template
        self.uninformativeDescription = uninformativeDescription
        self.maxActivating = maxActivating
        self.maxNonActivating = maxNonActivating
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        scoreAll([description], examples: examples)[0]
    }

    /// Scores several descriptions of one feature, computing the uninformative baseline once.
    public func scoreAll(_ descriptions: [FeatureDescription], examples: FeatureExamples) -> [ScoreOutcome] {
        let primary = MetricKey.auroc
        let activating = capped(examples.test, maxActivating)
        let quiet = capped(examples.nonActivating, maxNonActivating)
        guard !activating.isEmpty, !quiet.isEmpty else {
            return descriptions.map { description in
                .unscorable(name, examples, description, model: model.info.name, primary: primary,
                            cause: "feature \(examples.id) has \(activating.count) activating and \(quiet.count) non-activating examples; the surprisal score needs both")
            }
        }
        let records = activating.map { ($0, true) } + quiet.map { ($0, false) }
        let predictions = records.map { r, isActivating in
            ExamplePrediction(text: promptText(r.tokens), tokens: r.tokens, activating: isActivating, quantile: r.quantile,
                              activations: r.activations)
        }
        // A leading space so the text continues "Text:" as ordinary prose would.
        let ids = predictions.map { model.tokenizer.encode(" " + $0.text, addSpecialTokens: false) }
        func failed(_ description: FeatureDescription, _ error: any Error) -> ScoreOutcome {
            ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: model.info.name,
                         primaryMetric: primary, predictions: predictions.map { var p = $0; p.failed = true; return p },
                         failures: [ScoringFailure(examples: Array(predictions.indices), cause: "forward pass failed: \(error)")])
        }
        let baseline: [Double?]
        do {
            baseline = try meanLosses(prefix: prompt(uninformativeDescription), texts: ids)
        } catch {
            return descriptions.map { failed($0, error) }
        }
        return descriptions.map { description in
            let informed: [Double?]
            do {
                informed = try meanLosses(prefix: prompt(description.text), texts: ids)
            } catch {
                return failed(description, error)
            }
            var scored = predictions
            var empty: [Int] = []
            for i in scored.indices {
                if let a = informed[i], let b = baseline[i] { scored[i].score = b - a } else { scored[i].failed = true; empty.append(i) }
            }
            var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: model.info.name,
                                       primaryMetric: primary, predictions: scored)
            if !empty.isEmpty { outcome.failures.append(ScoringFailure(examples: empty, cause: "example has no tokens")) }
            outcome.fillContinuousValues()
            return outcome
        }
    }

    func prompt(_ description: String) -> [Int32] {
        model.tokenize(template.replacingOccurrences(of: "{description}", with: description))
    }

    /// Mean next-token NLL (nats) of each of `texts` read after `prefix`; nil for an empty text.
    func meanLosses(prefix: [Int32], texts: [[Int32]]) throws -> [Double?] {
        let longest = texts.map(\.count).max() ?? 0
        guard prefix.count + longest <= model.config.contextLength else {
            throw ModelError.contextOverflow(tokens: prefix.count + longest, contextLength: model.config.contextLength)
        }
        let cache = model.makeCache(capacity: prefix.count + longest)
        let first = try model.forward([prefix], caches: [cache], hooks: nil, options: ForwardOptions(logits: .last))[0]
        let prefixLength = cache.count
        return try texts.map { text -> Double? in
            guard !text.isEmpty else { return nil }
            cache.truncate(to: prefixLength)
            let logits = try model.forward([text], caches: [cache], hooks: nil, options: ForwardOptions(logits: .all))[0]
            let vocab = first.count
            var total = negativeLogLikelihood(first[...], text[0])
            for t in 1..<text.count {
                total += negativeLogLikelihood(logits[((t - 1) * vocab)..<(t * vocab)], text[t])
            }
            return total / Double(text.count)
        }
    }
}

/// −log softmax(logits)[token], in nats.
func negativeLogLikelihood(_ logits: ArraySlice<Float>, _ token: Int32) -> Double {
    let m = Double(logits.max() ?? 0)
    var sum = 0.0
    for x in logits { sum += exp(Double(x) - m) }
    return m + log(sum) - Double(logits[logits.startIndex + Int(token)])
}
