import AugurActivations
import AugurInterp
import AugurLLM
import Foundation
import Testing

/// The right description must score clearly above every wrong one with a real in-process scorer
/// LLM (SmolLM2-135M-Instruct) on detection, fuzzing and simulation, for features whose
/// activations mark a known concept in real text. One example per prompt, probabilities from
/// logprobs (AUROC), so the shared prompt prefix is computed once per description.
///
/// Disabled for now: on the shared, overloaded machine (load 15–19 on 2 cores) no run of these
/// finished before the deadline, so the margins (0.15) and floors (0.75) below are provisional,
/// not observed. Enable, run `swift test --filter KnownAnswerLLMTests`, and set them from the
/// printed `known-answer …` lines.
@Suite(.serialized, .disabled("margins not yet observed on a quiet machine; see the comment above"))
struct KnownAnswerLLMTests {
    static let numbersRight = "numbers and digits"
    static let numbersWrong = ["colors", "animals", "French words"]
    static let colorsRight = "color words such as red, green and blue"
    static let colorsWrong = ["numbers and digits", "animals", "legal terms"]
    static let options = LLMScorerOptions(perExamplePrompts: true, concurrency: 1)

    @Test func detectionAndFuzzingPreferTheRightDescriptionOfNumbers() async throws {
        let chat = try KnownAnswer.smollm.get()
        let examples = try KnownAnswer.numbers(count: 10)
        #expect(examples.test.count == 10 && examples.nonActivating.count == 10)
        let before = chat.prefixStats
        let detection = try await KnownAnswer.values(DetectionScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                     right: Self.numbersRight, wrong: Self.numbersWrong, examples: examples)
        let after = chat.prefixStats
        let fuzzing = try await KnownAnswer.values(FuzzingScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                   right: Self.numbersRight, wrong: Self.numbersWrong, examples: examples)
        for (text, value) in detection.wrong { #expect(detection.right - value > 0.15, "detection: \(text) \(value)") }
        for (text, value) in fuzzing.wrong { #expect(fuzzing.right - value > 0.15, "fuzzing: \(text) \(value)") }
        #expect(detection.right > 0.75 && fuzzing.right > 0.75)
        // The shared prefix (instructions, few-shot turns, the description) is computed once per
        // description: most prompt tokens are reused.
        let sent = after.promptTokensSent - before.promptTokensSent
        let computed = after.promptTokensComputed - before.promptTokensComputed
        print("known-answer detection prompt tokens: \(computed) computed of \(sent) sent")
        #expect(after.requests - before.requests == 80)
        #expect(Double(computed) < 0.35 * Double(sent))
    }

    @Test func detectionAndFuzzingPreferTheRightDescriptionOfColors() async throws {
        let chat = try KnownAnswer.smollm.get()
        let examples = try KnownAnswer.colorsFeature(count: 10)
        #expect(examples.test.count == 10 && examples.nonActivating.count == 10)
        let detection = try await KnownAnswer.values(DetectionScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                     right: Self.colorsRight, wrong: Self.colorsWrong, examples: examples)
        let fuzzing = try await KnownAnswer.values(FuzzingScorer(model: chat, options: Self.options), metric: MetricKey.auroc,
                                                   right: Self.colorsRight, wrong: Self.colorsWrong, examples: examples)
        for (text, value) in detection.wrong { #expect(detection.right - value > 0.15, "detection: \(text) \(value)") }
        for (text, value) in fuzzing.wrong { #expect(fuzzing.right - value > 0.15, "fuzzing: \(text) \(value)") }
        #expect(detection.right > 0.75 && fuzzing.right > 0.75)
    }

    @Test func simulationPrefersTheRightDescriptions() async throws {
        let chat = try KnownAnswer.smollm.get()
        var options = Self.options
        options.maxActivating = 3
        options.maxNonActivating = 3
        let simulation = SimulationScorer(model: chat, options: options)
        let numbers = try await KnownAnswer.values(simulation, metric: MetricKey.correlation, right: Self.numbersRight,
                                                   wrong: Self.numbersWrong, examples: try KnownAnswer.numbers(count: 3))
        let colors = try await KnownAnswer.values(simulation, metric: MetricKey.correlation, right: Self.colorsRight,
                                                  wrong: Self.colorsWrong, examples: try KnownAnswer.colorsFeature(count: 3))
        for (text, value) in numbers.wrong { #expect(numbers.right - value > 0.15, "numbers: \(text) \(value)") }
        for (text, value) in colors.wrong { #expect(colors.right - value > 0.15, "colors: \(text) \(value)") }
    }
}

/// The one-example layout the runs above rely on: everything but the example is a prefix shared
/// by all prompts of a description (the description in its own turn), the answer is one token,
/// and a reply that reads as neither answer falls back to the model's P("1") / (P("0") + P("1")).
@Test func onePromptPerExampleSharesEverythingButTheExample() async throws {
    let judge = ScorerScriptedChat(logprobs: true) { request in
        #expect(request.maxTokens == 1)
        let top = [TokenAlternative(token: "The", logprob: log(0.5)), TokenAlternative(token: "1", logprob: log(0.3)),
                   TokenAlternative(token: "0", logprob: log(0.1))]
        return ScorerScriptedChat.response("The", logprobs: [TokenLogprob(token: "The", logprob: log(0.5), top: top)])
    }
    let outcome = await DetectionScorer(model: judge, options: LLMScorerOptions(perExamplePrompts: true))
        .score(scorerDigitsDescription, examples: scorerDigitExamples())
    let calls = judge.calls
    #expect(calls.count == 20)
    let shared = try #require(calls.first.map { Array($0.messages.dropLast()) })
    #expect(calls.allSatisfy { Array($0.messages.dropLast()) == shared })
    #expect(shared.contains { $0.role == "user" && $0.content.contains("numbers and digits") })
    #expect(calls.allSatisfy { ($0.messages.last?.content ?? "").hasPrefix("Example: ") })
    #expect(calls.allSatisfy { !($0.messages.last?.content ?? "").contains("numbers and") })
    #expect(outcome.failures.isEmpty)
    for p in outcome.predictions {
        #expect(p.predicted == true)
        #expect(p.probability.map { abs($0 - 0.75) < 1e-5 } == true)
    }
}
