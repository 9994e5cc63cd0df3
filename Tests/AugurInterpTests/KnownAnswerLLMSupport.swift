import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import Foundation
import Testing

/// Known-answer features for the LLM scorers: real Wikipedia sentences (wiki-vital) split at
/// spaces, with activation 1 on the words that carry a known concept, and descriptions that are
/// right or wrong for it.
enum KnownAnswer {
    /// The in-process scorer LLM, loaded once (fails, not skips, when the file is missing).
    /// qwen2.5-coder-0.5b-instruct: SmolLM2-135M cannot tell texts apart as a judge (AUROC
    /// 0.3–0.66 for right and wrong descriptions alike).
    static let judge: Result<LocalChatModel, Error> = Result {
        LocalChatModel(model: try ModelLoader.load("qwen2.5-coder-0.5b-instruct", options: LoadOptions(denseWeights: true, pullIfMissing: false)),
                       prefixCacheEntries: 4)
    }

    /// Colour words, lowercase ("black" left out: in the corpus it is mostly "black hole").
    static let colors: Set<String> = ["red", "orange", "yellow", "green", "blue", "purple", "violet", "pink", "brown",
                                      "white", "grey", "gray"]

    /// A word token's letters, lowercased, when it starts lowercase (so "Red Army" is no colour).
    static func colorWord(_ token: String) -> Bool {
        let word = token.trimmingCharacters(in: .whitespaces)
        guard word.first?.isLowercase == true else { return false }
        return colors.contains(String(word.filter(\.isLetter)))
    }

    /// A feature over wiki-vital sentences (50–200 characters): activating sentences have a word
    /// for which `fires` holds (activation 1 there, quantiles 1–3 in turn), non-activating ones
    /// have none and no digit either (so the colour feature's quiet sentences hold no numbers).
    static func feature(_ id: String, count: Int, seed: UInt64, fires: (String) -> Bool) throws -> FeatureExamples {
        var on: [ActivationRecord] = [], off: [ActivationRecord] = []
        for doc in try ScorerModels.corpus.get().shuffled(seed: seed) {
            for sentence in doc.split(separator: ". ") where sentence.count > 50 && sentence.count < 200 {
                let words = (String(sentence) + ".").split(separator: " ")
                let tokens = words.enumerated().map { $0.offset == 0 ? String($0.element) : " " + $0.element }
                let acts: [Float] = tokens.map { fires($0) ? 1 : 0 }
                if acts.contains(1) {
                    if on.count < count { on.append(ActivationRecord(tokens: tokens, activations: acts, quantile: on.count % 3 + 1)) }
                } else if off.count < count, !sentence.contains(where: \.isNumber) {
                    off.append(ActivationRecord(tokens: tokens, activations: acts))
                }
            }
            if on.count == count && off.count == count { break }
        }
        return FeatureExamples(id: id, train: [], test: on, nonActivating: off)
    }

    static func numbers(count: Int) throws -> FeatureExamples {
        try feature("numbers", count: count, seed: 3) { $0.contains(where: \.isNumber) }
    }

    static func colorsFeature(count: Int) throws -> FeatureExamples {
        try feature("colors", count: count, seed: 5, fires: colorWord)
    }

    /// Scores `right` and every `wrong` description with `scorer`; returns the values by text
    /// (failing the test on a missing value) and prints them; with KNOWN_ANSWER_DEBUG set, also
    /// every example with its probability.
    static func values(_ scorer: any FeatureScorer, metric: String, right: String, wrong: [String],
                       examples: FeatureExamples) async throws -> (right: Double, wrong: [String: Double]) {
        var values: [String: Double] = [:]
        for text in [right] + wrong {
            let outcome = await scorer.score(FeatureDescription(method: "test", text: text), examples: examples)
            #expect(outcome.failures.isEmpty, "\(scorer.name) \(text): \(outcome.failures.map(\.cause))")
            values[text] = try #require(outcome.values[metric], "\(scorer.name) '\(text)' has no \(metric)")
            if ProcessInfo.processInfo.environment["KNOWN_ANSWER_DEBUG"] != nil {
                for p in outcome.predictions {
                    if let simulated = p.simulated, let tokens = p.tokens {
                        print("  \(p.activating ? "+" : "-")", zip(tokens, simulated).map { "\($0)=\(String(format: "%.1f", $1))" }.joined())
                    } else {
                        print("  \(p.activating ? "+" : "-") \(p.probability ?? .nan) \(p.text)")
                    }
                }
            }
        }
        print("known-answer \(scorer.name) \(examples.id) \(metric):",
              ([right] + wrong).map { "\($0)=\(String(format: "%.3f", values[$0] ?? .nan))" }.joined(separator: ", "))
        let r = try #require(values[right])
        return (r, values.filter { $0.key != right })
    }
}
