import AugurActivations
import AugurInterp
import AugurLLM
import Foundation
import Testing

/// The right description must score clearly above every wrong one with a real in-process scorer
/// LLM (qwen2.5-coder-0.5b-instruct) for features whose activations mark a known concept in real
/// text. One example per prompt, yes/no probabilities from logprobs (AUROC), so the shared prompt
/// prefix is computed once per description. The scorer is deterministic (greedy, one request at
/// a time), so the margins below are the observed ones less a small cushion.
///
/// Observed (2026-11-23), AUROC right vs wrong:
/// - numbers, detection: 0.55 vs 0.27 / 0.30 / 0.31;
/// - colours, detection: 0.95 vs 0.62 / 0.80 / 0.45; fuzzing: 0.92 vs 0.69 / 0.72 / 0.58.
/// Not asserted, because this judge cannot do them: numbers fuzzing (0.34 vs 0.25–0.34; it
/// answers about 0.5 for every marked number) and simulation (below).
@Suite(.serialized)
struct KnownAnswerLLMTests {
    static let numbersRight = "numbers and digits"
    static let numbersWrong = ["colors", "animals", "French words"]
    static let colorsRight = "color words such as red, green and blue"
    static let colorsWrong = ["numbers and digits", "animals", "legal terms"]
    static let options = LLMScorerOptions(perExamplePrompts: true, concurrency: 1)

    @Test func detectionPrefersTheRightDescriptionOfNumbers() async throws {
        let chat = try KnownAnswer.judge.get()
        let examples = try KnownAnswer.numbers(count: 10)
        #expect(examples.test.count == 10 && examples.nonActivating.count == 10)
        let before = chat.prefixStats
        let detection = try await KnownAnswer.values(DetectionScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                     right: Self.numbersRight, wrong: Self.numbersWrong, examples: examples)
        let after = chat.prefixStats
        for (text, value) in detection.wrong { #expect(detection.right - value > 0.2, "detection: \(text) \(value)") }
        #expect(detection.right > 0.5)
        // The shared prefix (instructions, the description) is computed once per description.
        let sent = after.promptTokensSent - before.promptTokensSent
        let computed = after.promptTokensComputed - before.promptTokensComputed
        print("known-answer detection prompt tokens: \(computed) computed of \(sent) sent")
        #expect(after.requests - before.requests == 80)
        #expect(Double(computed) < 0.65 * Double(sent))
    }

    @Test func detectionAndFuzzingPreferTheRightDescriptionOfColors() async throws {
        let chat = try KnownAnswer.judge.get()
        let examples = try KnownAnswer.colorsFeature(count: 10)
        #expect(examples.test.count == 10 && examples.nonActivating.count == 10)
        let detection = try await KnownAnswer.values(DetectionScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                     right: Self.colorsRight, wrong: Self.colorsWrong, examples: examples)
        let fuzzing = try await KnownAnswer.values(FuzzingScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                   right: Self.colorsRight, wrong: Self.colorsWrong, examples: examples)
        for (text, value) in detection.wrong { #expect(detection.right - value > 0.1, "detection: \(text) \(value)") }
        for (text, value) in fuzzing.wrong { #expect(fuzzing.right - value > 0.15, "fuzzing: \(text) \(value)") }
        #expect(detection.right > 0.9 && fuzzing.right > 0.85)
    }

    /// Simulation needs a stronger judge than the in-process ones: qwen2.5-coder-0.5b-instruct
    /// predicts 0 for every token (correlation −0.10 … −0.09 for the right and the wrong
    /// descriptions of numbers alike, and leaves out lines). Asking one token per prompt (the
    /// description and the text as a shared prefix, then "Token: "1969" (in "from 1969"). How
    /// strongly does the feature for numbers and digits fire on this token?", expected digit
    /// from logprobs) did not help either (2026-12-07): it answers 4–5 for every token, rising
    /// along the text, correlation 0.02 for the right description of numbers vs 0.06–0.08 for
    /// wrong ones and 0.04 vs 0.00–0.02 for colours (607 s for 8 descriptions × 6 sentences, beside
    /// another job). qwen2.5-coder-1.5b-instruct, the largest catalog model, all at once through
    /// `augur score --records`: numbers 0.14 vs −0.02 … 0.04, colours −0.06 vs −0.10 … −0.07
    /// (292 s). The margin is provisional.
    @Test(.disabled("qwen2.5-coder-0.5b-instruct cannot simulate: correlation -0.10 to -0.09 for right and wrong descriptions alike"))
    func simulationPrefersTheRightDescriptions() async throws {
        let chat = try KnownAnswer.judge.get()
        var options = Self.options
        options.maxActivating = 3
        options.maxNonActivating = 3
        let simulation = SimulationScorer(model: chat, options: options)
        let numbers = try await KnownAnswer.values(simulation, metric: MetricKey.correlation, right: Self.numbersRight,
                                                   wrong: Self.numbersWrong, examples: try KnownAnswer.numbers(count: 3))
        for (text, value) in numbers.wrong { #expect(numbers.right - value > 0.15, "numbers: \(text) \(value)") }
    }
}

/// The one-example layout the runs above rely on: everything but the example is a prefix shared
/// by all prompts of a description (the description in its own turn), the answer is one token,
/// and a reply that reads as neither answer falls back to the model's P(yes) / (P(yes) + P(no)).
@Test func onePromptPerExampleSharesEverythingButTheExample() async throws {
    let judge = ScorerScriptedChat(logprobs: true) { request in
        #expect(request.maxTokens == 1)
        let top = [TokenAlternative(token: "The", logprob: log(0.5)), TokenAlternative(token: " yes", logprob: log(0.3)),
                   TokenAlternative(token: "No", logprob: log(0.1))]
        return ScorerScriptedChat.response("The", logprobs: [TokenLogprob(token: "The", logprob: log(0.5), top: top)])
    }
    let outcome = await DetectionScorer(model: judge, options: LLMScorerOptions(perExamplePrompts: true))
        .score(scorerDigitsDescription, examples: scorerDigitExamples())
    let calls = judge.calls
    #expect(calls.count == 20)
    let shared = try #require(calls.first.map { Array($0.messages.dropLast()) })
    #expect(calls.allSatisfy { Array($0.messages.dropLast()) == shared })
    #expect(shared.contains { $0.role == "user" && $0.content.contains("numbers and digits") })
    // The last turn is the example, then the question with the description again.
    #expect(calls.allSatisfy { ($0.messages.last?.content ?? "").hasPrefix("Text: ") })
    #expect(calls.allSatisfy { ($0.messages.last?.content ?? "").hasSuffix("Does the text contain numbers and digits? Answer yes or no.") })
    #expect(Set(calls.map { $0.messages.last?.content ?? "" }).count == 20)
    #expect(outcome.failures.isEmpty)
    for p in outcome.predictions {
        #expect(p.predicted == true)
        #expect(p.probability.map { abs($0 - 0.75) < 1e-5 } == true)
    }
}
