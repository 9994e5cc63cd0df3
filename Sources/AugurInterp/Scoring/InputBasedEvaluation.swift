import AugurActivations
import AugurLLM
import Foundation

/// Input-based evaluation (seed 2): an LLM writes `k` sentences that should make the feature
/// fire and `k` that should not, from the description alone; each sentence's activation is its
/// maximum over tokens (read with a ``FeatureProbe``). The description passes (`pass` = 1) when
/// the mean maximum of the first set is higher than that of the second; `mean_difference` is
/// that difference and `auroc` the separation of the two sets.
///
/// The feature is the latent number after the last `/` of the feature id (`HOOK/LATENT`), or
/// whatever `latentForID` returns.
public struct InputBasedEvaluation: FeatureScorer {
    /// The LLM that answers the scoring prompts.
    public let model: any ChatModel
    /// Reads the feature on the generated sentences.
    public let probe: FeatureProbe
    /// Sentences per set.
    public var k: Int
    /// Batching, logprob, seed, repair and concurrency settings.
    public var options: LLMScorerOptions
    /// Maps a feature id to its latent index in the probe's coder.
    public var latentForID: @Sendable (String) -> Int?
    /// The scorer name recorded in every outcome.
    public var name: String { "input-based" }

    public init(model: any ChatModel, probe: FeatureProbe, k: Int = 5, options: LLMScorerOptions = LLMScorerOptions(),
                latentForID: @escaping @Sendable (String) -> Int? = { id in id.split(separator: "/").last.flatMap { Int($0) } }) {
        self.model = model
        self.probe = probe
        self.k = k
        self.options = options
        self.latentForID = latentForID
    }

    /// Scores `description` on `examples`; never throws: problems are failures in the outcome.
    public func score(_ description: FeatureDescription, examples: FeatureExamples) async -> ScoreOutcome {
        let primary = MetricKey.pass
        guard let latent = latentForID(examples.id) else {
            return .unscorable(name, examples, description, model: model.name, primary: primary,
                               cause: "cannot tell the latent index from feature id '\(examples.id)' (expected HOOK/LATENT)")
        }
        let k = max(1, self.k)
        let asked = await ask(model, messages: Self.prompt(description.text, k: k), maxTokens: 80 * k, options: options,
                              parse: { Self.parseSentences($0.text) },
                              repair: { "I could not read your answer (\($0)). Reply in exactly this format:\nACTIVATING:\n1. …\nNON-ACTIVATING:\n1. …" })
        let sets: ([String], [String])
        switch asked {
        case let .answer(value, _): sets = value
        case let .failed(cause, reply):
            var outcome = ScoreOutcome.unscorable(name, examples, description, model: model.name, primary: primary, cause: cause)
            outcome.failures[0].rawReply = reply
            return outcome
        }
        var predictions: [ExamplePrediction] = []
        var failures: [ScoringFailure] = []
        for (sentence, isActivating) in sets.0.map({ ($0, true) }) + sets.1.map({ ($0, false) }) {
            var p = ExamplePrediction(text: sentence, activating: isActivating)
            do {
                let acts = try probe.activations(for: sentence, latent: latent)
                p.activations = acts
                p.score = Double(acts.max() ?? 0)
            } catch {
                p.failed = true
                failures.append(ScoringFailure(examples: [predictions.count], cause: "probe failed: \(error)"))
            }
            predictions.append(p)
        }
        var outcome = ScoreOutcome(scorer: name, featureID: examples.id, description: description, model: model.name,
                                   primaryMetric: primary, predictions: predictions, failures: failures)
        outcome.fillContinuousValues()
        if let d = outcome.values[MetricKey.meanDifference] { outcome.values[primary] = d > 0 ? 1 : 0 }
        if sets.0.count != k || sets.1.count != k {
            outcome.notes.append("asked for \(k) sentences per set, got \(sets.0.count) and \(sets.1.count)")
        }
        return outcome
    }

    static func prompt(_ description: String, k: Int) -> [ChatMessage] {
        [
            ChatMessage(role: "system", content: """
            You help test a description of a feature of a language model. Given the description, write \(k) \
            different sentences on which the feature should fire strongly, and \(k) sentences on which it should \
            not fire at all (ordinary sentences unrelated to the description). Use exactly this format:
            ACTIVATING:
            1. <sentence>
            …
            NON-ACTIVATING:
            1. <sentence>
            …
            """),
            ChatMessage(role: "user", content: "Description: \(description)"),
        ]
    }

    /// Reads the two numbered (or bulleted) lists under `ACTIVATING:` and `NON-ACTIVATING:` headers.
    static func parseSentences(_ reply: String) -> Result<([String], [String]), ReplyError> {
        var first: [String] = [], second: [String] = []
        var section = 0
        for raw in reply.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let letters = line.lowercased().filter(\.isLetter)
            if letters.hasPrefix("nonactivating") || letters.hasPrefix("notactivating") || letters.hasPrefix("shouldnot") {
                section = 2
                continue
            }
            if letters.hasPrefix("activating") || letters.hasPrefix("should") && line.hasSuffix(":") {
                section = 1
                continue
            }
            var body = Substring(line)
            if let bullet = body.first, "-*•".contains(bullet) {
                body = body.dropFirst()
            } else {
                let digits = body.prefix(while: \.isNumber)
                let rest = body.dropFirst(digits.count)
                guard !digits.isEmpty, let mark = rest.first, ".):".contains(mark) else { continue }
                body = rest.dropFirst()
            }
            let sentence = body.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard !sentence.isEmpty else { continue }
            if section == 1 { first.append(sentence) } else if section == 2 { second.append(sentence) }
        }
        guard !first.isEmpty, !second.isEmpty else {
            return .failure(ReplyError("found \(first.count) activating and \(second.count) non-activating sentences; need a numbered list under each of ACTIVATING: and NON-ACTIVATING:"))
        }
        return .success((first, second))
    }
}
