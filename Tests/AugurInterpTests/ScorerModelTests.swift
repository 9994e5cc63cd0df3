import AugurActivations
import AugurInterp
import AugurModels
import AugurSAE
import Foundation
import Testing

/// Real models and text for the scorers that need no LLM (pulled by scripts/test.sh beforehand;
/// these tests fail, not skip, when the files are missing).
enum ScorerModels {
    static let embedder = Result { try SentenceEmbedder.load("all-minilm-l6-v2", pullIfMissing: false) }
    static let smollm: Result<any LanguageModel, Error> = Result {
        try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))
    }
    static let corpus = Result { try Corpus.load("wiki-vital", pullIfMissing: false) }

    /// A "number tokens" feature over real Wikipedia sentences: activating examples are sentences
    /// holding digits, with activation 1 on the words that hold them; non-activating examples
    /// are sentences without a digit.
    static func numberFeature(count: Int, seed: UInt64 = 3) throws -> FeatureExamples {
        var withDigits: [ActivationRecord] = [], without: [ActivationRecord] = []
        for doc in try corpus.get().shuffled(seed: seed) {
            for sentence in doc.split(separator: ". ") where sentence.count > 50 && sentence.count < 200 {
                let record = scorerDigitRecord(String(sentence) + ".", value: 1)
                if record.maxActivation > 0 {
                    if withDigits.count < count { withDigits.append(record) }
                } else if without.count < count {
                    without.append(record)
                }
            }
            if withDigits.count == count && without.count == count { break }
        }
        return FeatureExamples(id: "numbers", train: [], test: withDigits, nonActivating: without)
    }
}

@Test func embeddingScoreRanksTheRightDescriptionFirst() async throws {
    let embedder = try ScorerModels.embedder.get()
    let examples = try ScorerModels.numberFeature(count: 20)
    #expect(examples.test.count == 20 && examples.nonActivating.count == 20)
    let texts = ["numbers and digits", "colors", "French words", "animals"]
    let outcomes = EmbeddingScorer(embedder: embedder).scoreAll(texts.map { FeatureDescription(method: "test", text: $0) },
                                                                examples: examples)
    var scores: [String: Double] = [:]
    for (text, outcome) in zip(texts, outcomes) {
        #expect(outcome.failures.isEmpty && outcome.predictions.count == 40)
        #expect(outcome.featureDescription.text == text)
        let value = try #require(outcome.value)
        scores[text] = value
    }
    let right = try #require(scores["numbers and digits"])
    print("embedding AUROC:", scores.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.3f", $0.value))" })
    // Observed (20 + 20 wiki-vital sentences, seed 3): numbers and digits 0.698; colors 0.367,
    // French words 0.383, animals 0.453. Sentences with digits are mostly about years and dates,
    // so MiniLM separates them only moderately; the wrong descriptions are at or below chance.
    #expect(right > 0.6)
    for (text, value) in scores where text != "numbers and digits" { #expect(right - value > 0.2, "\(text): \(value)") }
}

@Test func embeddingScoreWithoutNonActivatingExamplesIsAFailure() async throws {
    let embedder = try ScorerModels.embedder.get()
    let examples = FeatureExamples(id: "x", train: [], test: [scorerDigitRecord("In 1990 it rained.")], nonActivating: [])
    let outcome = await EmbeddingScorer(embedder: embedder).score(scorerDigitsDescription, examples: examples)
    #expect(outcome.value == nil && outcome.failures.first?.cause.contains("non-activating") == true)
}
