import AugurActivations
import AugurLLM
import Foundation

/// Simulation (OpenAI's "all at once", adapted to chat): for each record the scorer LLM gets the
/// description and the record's tokens as `index<TAB>token` lines and answers `index<TAB>digit`
/// lines, one digit 0–9 per token. The simulated activation of a token is the expected digit
/// Σ d·P(d) over the single-digit alternatives of the generated digit token when logprobs are
/// available, else the digit itself. The headline is the Pearson correlation of simulated and
/// true activations pooled over every token of the answered activating (test) and non-activating
/// records.
///
/// The scale is 0–9, not OpenAI's 0–10, so that every answer is one digit and one token in
/// every common tokenizer ("10" is two tokens in some); Pearson correlation does not depend on
/// the scale. Each record is one prompt (one record per request keeps the output short and
/// lets a failed record fail alone).
public struct SimulationScorer: FeatureScorer {
    /// The LLM that answers the scoring prompts.
    public let model: any ChatModel
    /// Batching, logprob, seed, repair and concurrency settings.
    public var options: LLMScorerOptions
    /// The scorer name recorded in every outcome.
    public var name: String { "simulation" }

    public init(model: any ChatModel, options: LLMScorerOptions = LLMScorerOptions()) {
        self.model = model
        self.options = options
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        let primary = MetricKey.correlation
        let activating = capped(examples.test, options.maxActivating)
        let quiet = capped(examples.nonActivating, options.maxNonActivating)
        let records = activating.map { ($0, true) } + quiet.map { ($0, false) }
        guard !records.isEmpty else {
            return .unscorable(name, examples, description, model: model.name, primary: primary,
                               cause: "feature \(examples.id) has no test or non-activating examples to simulate")
        }
        let model = self.model, options = self.options
        let answers = await boundedMap(records.map(\.0), limit: options.concurrency) { record in
            let n = record.tokens.count
            return await ask(
                model, messages: ScorerPrompts.simulation(description: description.text, tokens: record.tokens),
                maxTokens: 8 + 6 * n, options: options,
                parse: { response in
                    AnswerParser.simulatedDigits(response.text, count: n).map { lines -> [Double] in
                        let positions = response.logprobs.map { LogprobReader.digitPositions($0, lines: lines) }
                        return lines.enumerated().map { k, line in
                            positions?[k].flatMap(LogprobReader.expectedDigit) ?? Double(line.digit)
                        }
                    }
                },
                repair: { ScorerPrompts.simulationRepair(problem: $0, count: n) })
        }
        var predictions: [ExamplePrediction] = []
        var failures: [ScoringFailure] = []
        var truth: [Double] = [], simulated: [Double] = []
        for (i, ((record, isActivating), asked)) in zip(records, answers).enumerated() {
            var p = ExamplePrediction(text: promptText(record.tokens), tokens: record.tokens, activating: isActivating,
                                      quantile: record.quantile, activations: record.activations)
            switch asked {
            case let .answer(values, _):
                p.simulated = values
                truth += record.activations.map(Double.init)
                simulated += values
            case let .failed(cause, reply):
                p.failed = true
                failures.append(ScoringFailure(examples: [i], cause: cause, rawReply: reply))
            }
            predictions.append(p)
        }
        var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: model.name,
                                   primaryMetric: primary, predictions: predictions, failures: failures)
        outcome.values[MetricKey.answeredFraction] = Double(predictions.filter { !$0.failed }.count) / Double(predictions.count)
        if let r = Metrics.pearson(truth, simulated) {
            outcome.values[primary] = r
        } else if !truth.isEmpty {
            outcome.notes.append("no correlation: the true or the simulated activations are constant over all answered tokens")
        }
        if quiet.isEmpty { outcome.notes.append("no non-activating examples: the correlation is over activating records only") }
        if !(options.useLogprobs && model.supportsLogprobs) {
            outcome.notes.append("no logprobs: simulated activations are the parsed digits, not expected values")
        }
        return outcome
    }
}
