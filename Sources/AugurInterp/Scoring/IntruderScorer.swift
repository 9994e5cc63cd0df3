import AugurActivations
import AugurLLM
import AugurTensor
import Foundation

/// Intruder test: each round shows 4 activating examples and 1 non-activating one in a random
/// order; the scorer LLM names the odd one out. The headline is the accuracy over answered rounds
/// (chance 1/5). With `intruderShowsDescription` the LLM is told the description (scoring the
/// description); without it, the test measures how coherent the feature itself is.
///
/// Rounds use disjoint examples: at most min(`intruderRounds`, activating/4, non-activating).
/// Each round is one entry of ``ScoreOutcome/predictions``: `text` is the numbered list shown,
/// `label` true, `predicted` whether the intruder was found, `score` the chosen position,
/// `answer` the intruder's position.
public struct IntruderScorer: FeatureScorer {
    /// The LLM that answers the scoring prompts.
    public let model: any ChatModel
    /// Batching, logprob, seed, repair and concurrency settings.
    public var options: LLMScorerOptions
    /// Activating examples per round (the round has one more).
    public var activatingPerRound = 4
    /// The scorer name recorded in every outcome.
    public var name: String { "intruder" }

    public init(model: any ChatModel, options: LLMScorerOptions = LLMScorerOptions()) {
        self.model = model
        self.options = options
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        let primary = MetricKey.accuracy
        var rng = SplitMix64(seed: options.seed)
        var activating = capped(examples.test, options.maxActivating)
        var quiet = capped(examples.nonActivating, options.maxNonActivating)
        activating.shuffle(using: &rng)
        quiet.shuffle(using: &rng)
        let perRound = max(1, activatingPerRound)
        let rounds = min(options.intruderRounds, activating.count / perRound, quiet.count)
        guard rounds > 0 else {
            return .unscorable(name, examples, description, model: model.name, primary: primary,
                               cause: "feature \(examples.id) has \(activating.count) activating and \(quiet.count) non-activating examples; an intruder round needs \(perRound) and 1")
        }
        struct Round: Sendable { var texts: [String]; var intruder: Int }
        var plan: [Round] = []
        for r in 0..<rounds {
            var texts = activating[(r * perRound)..<((r + 1) * perRound)].map { promptText($0.tokens) }
            let at = Int(rng.next() % UInt64(perRound + 1))
            texts.insert(promptText(quiet[r].tokens), at: at)
            plan.append(Round(texts: texts, intruder: at + 1))
        }
        let model = self.model, options = self.options
        let shownDescription = options.intruderShowsDescription ? description.text : nil
        let answers = await boundedMap(plan, limit: options.concurrency) { round in
            await ask(model, messages: ScorerPrompts.intruder(description: shownDescription, examples: round.texts),
                      maxTokens: 8, options: options,
                      parse: { AnswerParser.choice($0.text, options: round.texts.count) },
                      repair: { "I could not read your answer (\($0)). Reply with only the number (1 to \(round.texts.count)) of the odd example." })
        }
        var predictions: [ExamplePrediction] = []
        var failures: [ScoringFailure] = []
        for (i, (round, asked)) in zip(plan, answers).enumerated() {
            var p = ExamplePrediction(text: ScorerPrompts.numbered(round.texts), activating: false, label: true,
                                      answer: round.intruder)
            switch asked {
            case let .answer(choice, _):
                p.predicted = choice == round.intruder
                p.score = Double(choice)
            case let .failed(cause, reply):
                p.failed = true
                failures.append(ScoringFailure(examples: [i], cause: cause, rawReply: reply))
            }
            predictions.append(p)
        }
        var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: model.name,
                                   primaryMetric: primary, predictions: predictions, failures: failures)
        let answered = predictions.filter { !$0.failed }
        outcome.values[MetricKey.answeredFraction] = Double(answered.count) / Double(predictions.count)
        if !answered.isEmpty {
            outcome.values[primary] = Double(answered.filter { $0.predicted == true }.count) / Double(answered.count)
        }
        return outcome
    }
}
