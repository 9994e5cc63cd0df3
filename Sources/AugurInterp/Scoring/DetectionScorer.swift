import AugurActivations
import AugurLLM
import AugurTensor
import Foundation

/// Detection (seed 1): the scorer LLM sees plain examples, activating and not, shuffled, and
/// says for each whether the description fits it. Reports balanced accuracy (headline),
/// accuracy, precision, recall, F1, per-quantile accuracy and — with logprobs — AUROC of
/// P("1") / (P("0") + P("1")).
///
/// ```swift
/// let outcome = await DetectionScorer(model: chat).score(description, examples: examples)
/// ```
public struct DetectionScorer: FeatureScorer {
    /// The LLM that answers the scoring prompts.
    public let model: any ChatModel
    /// Batching, logprob, seed, repair and concurrency settings.
    public var options: LLMScorerOptions
    /// The scorer name recorded in every outcome.
    public var name: String { "detection" }

    public init(model: any ChatModel, options: LLMScorerOptions = LLMScorerOptions()) {
        self.model = model
        self.options = options
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        await BinaryJudgement(kind: .detection, model: model, options: options).run(description, examples)
    }
}

/// Fuzzing (seed 1): the scorer LLM sees examples with some tokens marked `<<…>>` and says
/// whether the marked tokens are what the description is about. Activating examples have their
/// active tokens (≥ `highlightThreshold` × the example's maximum) marked — the correct answer is
/// 1; non-activating examples have as many random tokens marked as a random activating example
/// has — the correct answer is 0. Metrics as for ``DetectionScorer``.
public struct FuzzingScorer: FeatureScorer {
    /// The LLM that answers the scoring prompts.
    public let model: any ChatModel
    /// Batching, logprob, seed, repair and concurrency settings.
    public var options: LLMScorerOptions
    /// The scorer name recorded in every outcome.
    public var name: String { "fuzzing" }

    public init(model: any ChatModel, options: LLMScorerOptions = LLMScorerOptions()) {
        self.model = model
        self.options = options
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        await BinaryJudgement(kind: .fuzzing, model: model, options: options).run(description, examples)
    }
}

/// The machinery shared by detection and fuzzing.
struct BinaryJudgement: Sendable {
    enum Kind: String, Sendable { case detection, fuzzing }
    let kind: Kind
    let model: any ChatModel
    let options: LLMScorerOptions

    func run(_ description: FeatureDescription, _ examples: FeatureExamples) async -> ScoreOutcome {
        let activating = capped(examples.test, options.maxActivating)
        let quiet = capped(examples.nonActivating, options.maxNonActivating)
        let primary = MetricKey.balancedAccuracy
        guard !activating.isEmpty else {
            return .unscorable(kind.rawValue, examples, description, model: model.name, primary: primary,
                               cause: "feature \(examples.id) has no activating test examples; \(kind.rawValue) needs some")
        }
        guard !quiet.isEmpty else {
            return .unscorable(kind.rawValue, examples, description, model: model.name, primary: primary,
                               cause: "feature \(examples.id) has no non-activating examples; \(kind.rawValue) needs both kinds to measure anything")
        }
        var rng = SplitMix64(seed: options.seed)
        var predictions = activating.map { r in
            ExamplePrediction(text: shown(r, marked: nil), tokens: r.tokens, activating: true, quantile: r.quantile,
                              label: true, activations: r.activations)
        }
        let counts = activating.map { r in marks(r).filter { $0 }.count }
        for r in quiet {
            var marked: [Bool]? = nil
            if kind == .fuzzing {
                let want = min(counts[Int(rng.next() % UInt64(counts.count))], r.tokens.count)
                var positions = Array(r.tokens.indices)
                positions.shuffle(using: &rng)
                var m = [Bool](repeating: false, count: r.tokens.count)
                for p in positions.prefix(max(want, 1)) { m[p] = true }
                marked = m
            }
            predictions.append(ExamplePrediction(text: shown(r, marked: marked), tokens: r.tokens, activating: false,
                                                 label: false, activations: r.activations))
        }
        var order = Array(predictions.indices)
        order.shuffle(using: &rng)
        let size = options.perExamplePrompts ? 1 : max(1, options.batchSize)
        let batches = stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min($0 + size, order.count)]) }

        let texts = predictions.map(\.text)
        let prompts = ScorerPrompts.self
        let kind = self.kind, model = self.model, options = self.options
        let answers = await boundedMap(batches, limit: options.concurrency) { batch in
            let messages = prompts.binary(kind: kind, description: description.text, examples: batch.map { texts[$0] },
                                          single: options.perExamplePrompts)
            let n = batch.count
            let single = options.perExamplePrompts
            let asked: Asked<([Bool], [Double]?)> = await ask(
                model, messages: messages, maxTokens: single ? 1 : 8 + 6 * n, options: options,
                parse: { response in
                    single ? Self.singleAnswer(response)
                        : AnswerParser.binaryAnswers(response.text, count: n).map { answers in
                            (answers, LogprobReader.yesProbabilities(response.logprobs, count: n))
                        }
                },
                repair: { problem in prompts.binaryRepair(problem: problem, count: n, single: options.perExamplePrompts) })
            return (batch, asked)
        }
        var failures: [ScoringFailure] = []
        var missingProbabilities = false
        for (batch, asked) in answers {
            switch asked {
            case let .answer((values, probabilities), _):
                if probabilities == nil { missingProbabilities = true }
                for (k, i) in batch.enumerated() {
                    predictions[i].predicted = values[k]
                    predictions[i].probability = probabilities?[k]
                }
            case let .failed(cause, reply):
                for i in batch { predictions[i].failed = true }
                failures.append(ScoringFailure(examples: batch, cause: cause, rawReply: reply))
            }
        }
        var outcome = ScoreOutcome(scorer: kind.rawValue, featureID: examples.id, description: description,
                                   model: model.name, primaryMetric: primary, predictions: predictions, failures: failures)
        if missingProbabilities {
            for i in outcome.predictions.indices { outcome.predictions[i].probability = nil }
            outcome.notes.append(options.useLogprobs && model.supportsLogprobs
                ? "AUROC omitted: some replies' answer tokens could not be matched to logprobs"
                : "AUROC omitted: no logprobs (the model does not support them or they were not asked for)")
        }
        outcome.fillClassificationValues()
        return outcome
    }

    /// The answer of a one-example prompt (one generated token): the reply read as yes or no, with
    /// P("1") / (P("0") + P("1")) from the first position's alternatives when there are logprobs.
    /// When the token reads as neither (say "The") but its alternatives hold a 1 or a 0, the answer
    /// is that probability ≥ 0.5: the model's own preference between the two answers.
    static func singleAnswer(_ response: ChatResponse) -> Result<([Bool], [Double]?), ReplyError> {
        let p = response.logprobs?.first.flatMap(LogprobReader.yesProbability)
        switch AnswerParser.binaryAnswers(response.text, count: 1) {
        case .success(let answers):
            return .success((answers, p.map { [$0] }))
        case .failure(let problem):
            guard let p else { return .failure(problem) }
            return .success(([p >= 0.5], [p]))
        }
    }

    /// Which tokens of an activating record count as active for highlighting.
    func marks(_ r: ActivationRecord) -> [Bool] {
        let top = r.maxActivation
        guard top > 0 else { return r.activations.map { _ in false } }
        return r.activations.map { $0 > 0 && $0 >= options.highlightThreshold * top }
    }

    /// The example as shown: plain (detection) or highlighted (fuzzing; `marked` overrides the
    /// record's own active tokens).
    func shown(_ r: ActivationRecord, marked: [Bool]?) -> String {
        switch kind {
        case .detection: promptText(r.tokens)
        case .fuzzing: highlighted(r.tokens, marked: marked ?? marks(r))
        }
    }
}
