import AugurActivations
import AugurInterp
import AugurLLM
import Foundation
import Testing

/// The "digits" judge: an example fits when it holds a digit.
private func hasDigit(_ s: String) -> Bool { s.contains(where: \.isNumber) }

/// Answer tokens `[a, b, …]` with logprobs: a 1 gets P(1) = 0.8, a 0 gets P(1) = 0.3.
private func listWithLogprobs(_ answers: [Bool]) -> ChatResponse {
    var tokens = [TokenLogprob(token: "[", logprob: 0, top: [])]
    for (i, a) in answers.enumerated() {
        if i > 0 { tokens.append(TokenLogprob(token: ",", logprob: 0, top: [])) }
        let p1: Float = a ? 0.8 : 0.3
        let space = i > 0 ? " " : ""
        tokens.append(TokenLogprob(token: space + (a ? "1" : "0"), logprob: log(a ? p1 : 1 - p1),
                                   top: [TokenAlternative(token: space + "1", logprob: log(p1)),
                                         TokenAlternative(token: space + "0", logprob: log(1 - p1))]))
    }
    tokens.append(TokenLogprob(token: "]", logprob: 0, top: []))
    return ScorerScriptedChat.response(tokens.map(\.token).joined(), logprobs: tokens)
}

private func list(_ answers: [Bool]) -> String { "[" + answers.map { $0 ? "1" : "0" }.joined(separator: ", ") + "]" }

@Test func detectionWithAPerfectJudgeScoresOne() async throws {
    let judge = ScorerScriptedChat { request in list(request.scoringExampleTexts.map(hasDigit)) }
    let outcome = await DetectionScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.scorer == "detection" && outcome.featureID == "blocks.3.hook_resid_post/17")
    #expect(outcome.predictions.count == 20 && outcome.failures.isEmpty)
    #expect(outcome.value == 1)
    #expect(outcome.values[MetricKey.f1] == 1 && outcome.values[MetricKey.answeredFraction] == 1)
    #expect(outcome.values[MetricKey.auroc] == nil)
    #expect(outcome.notes.contains { $0.contains("AUROC omitted") })
    // 4 prompts of 5 examples, shuffled: not all activating examples come first.
    let calls = judge.calls
    #expect(calls.count == 4 && calls.allSatisfy { $0.scoringExampleTexts.count == 5 })
    #expect(!calls.prefix(2).allSatisfy { $0.scoringExampleTexts.allSatisfy(hasDigit) })
    #expect(calls.allSatisfy { !$0.logprobs })  // the model does not support them
    #expect(calls[0].scoringQuestion.contains("numbers and digits"))
    // Per-quantile accuracies are there.
    #expect(outcome.values[MetricKey.quantileAccuracy(1)] == 1)
}

@Test func detectionReadsProbabilitiesFromLogprobs() async throws {
    // A judge that misses two activating examples (says 0) but with P(1) = 0.3 like the true 0s.
    let judge = ScorerScriptedChat(logprobs: true) { request in
        #expect(request.logprobs && request.topLogprobs == 20)
        return listWithLogprobs(request.scoringExampleTexts.map { hasDigit($0) && !$0.contains("bridge") && !$0.contains("recipe") })
    }
    let outcome = await DetectionScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.failures.isEmpty)
    for p in outcome.predictions {
        #expect(p.probability.map { abs($0 - (p.predicted == true ? 0.8 : 0.3)) < 1e-5 } == true)
    }
    // Recall 8/10, specificity 1: balanced accuracy 0.9. AUROC: the 2 missed positives tie with
    // the 10 negatives (0.3): (8·10 + 2·10·0.5) / 100 = 0.9.
    #expect(abs((outcome.values[MetricKey.balancedAccuracy] ?? 0) - 0.9) < 1e-9)
    #expect(abs((outcome.values[MetricKey.auroc] ?? 0) - 0.9) < 1e-9)
    #expect(abs((outcome.values[MetricKey.recall] ?? 0) - 0.8) < 1e-9)
    // The stored predictions recompute the same metrics.
    #expect(outcome.classificationMetrics().auroc == outcome.values[MetricKey.auroc])
}

@Test func perExamplePromptsReadTheFirstTokenProbability() async throws {
    let judge = ScorerScriptedChat(logprobs: true) { request in
        #expect(request.maxTokens <= 4)
        let yes = request.scoringQuestion.split(separator: "\n").contains { $0.hasPrefix("Text:") && hasDigit(String($0)) }
        let top = [TokenAlternative(token: "Yes", logprob: log(yes ? 0.6 : 0.1)), TokenAlternative(token: " yes", logprob: log(0.1)),
                   TokenAlternative(token: "No", logprob: log(yes ? 0.3 : 0.8))]
        return ScorerScriptedChat.response(yes ? "Yes" : "No", logprobs: [TokenLogprob(token: yes ? "Yes" : "No", logprob: top[yes ? 0 : 2].logprob, top: top)])
    }
    let options = LLMScorerOptions(perExamplePrompts: true)
    let outcome = await DetectionScorer(model: judge, options: options).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(judge.calls.count == 20)
    for p in outcome.predictions {
        // yes: (0.6 + 0.1) / 1.0; no: (0.1 + 0.1) / 1.0.
        #expect(p.probability.map { abs($0 - (p.activating ? 0.7 : 0.2)) < 1e-5 } == true)
    }
    #expect(outcome.values[MetricKey.auroc] == 1)
}

@Test func garbageRepliesAreRepairedOnce() async throws {
    let judge = ScorerScriptedChat { request in
        request.isScoringRepair ? list(request.scoringExampleTexts.map(hasDigit)) : "Hmm, the first and maybe the third one?"
    }
    let outcome = await DetectionScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.failures.isEmpty)
    #expect(outcome.value == 1)
    let calls = judge.calls
    #expect(calls.count == 8)
    // The repair turn carries the bad reply and says what was wrong.
    let repair = try #require(calls.first { $0.isScoringRepair })
    #expect(repair.messages.dropLast().last?.content == "Hmm, the first and maybe the third one?")
    #expect(repair.scoringQuestion.contains("expected 5 answers"))
}

@Test func unrepairableRepliesAreFailuresWithNoScore() async throws {
    let judge = ScorerScriptedChat { _ in "I cannot tell." }
    let outcome = await DetectionScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.value == nil)
    #expect(outcome.values[MetricKey.accuracy] == nil && outcome.values[MetricKey.f1] == nil)
    #expect(outcome.values[MetricKey.answeredFraction] == 0)
    #expect(outcome.failures.count == 4)
    #expect(outcome.failures.allSatisfy { $0.rawReply == "I cannot tell." && $0.cause.contains("after 1 repair prompt") })
    #expect(outcome.failedCount == 20)
    #expect(Set(outcome.failures.flatMap(\.examples)) == Set(0..<20))
}

@Test func failedCallsAreCountedApartFromPredictions() async throws {
    let judge = ScorerScriptedChat { request in
        if request.scoringExampleTexts.contains(where: { $0.contains("bridge") }) {
            throw LLMError.timeout(url: "http://judge", seconds: 30)
        }
        // Wrong on everything else would give 0; right gives 1: answer right.
        return list(request.scoringExampleTexts.map(hasDigit))
    }
    let outcome = await DetectionScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.failures.count == 1)
    let failure = try #require(outcome.failures.first)
    #expect(failure.cause.contains("did not answer within 30"))
    #expect(failure.examples.count == 5 && failure.rawReply == nil)
    #expect(outcome.failedCount == 5)
    #expect(outcome.values[MetricKey.answeredFraction] == 0.75)
    #expect(outcome.value == 1)  // computed over the 15 answered examples only
    #expect(outcome.classificationMetrics().unanswered == 5)
}

@Test func missingNonActivatingExamplesIsAFailureNotACrash() async throws {
    let judge = ScorerScriptedChat { _ in "[1]" }
    for scorer in [DetectionScorer(model: judge) as any FeatureScorer, FuzzingScorer(model: judge), IntruderScorer(model: judge)] {
        let outcome = await scorer.score(scorerDigitsDescription, examples: scorerDigitExamples(quiet: 0))
        #expect(outcome.value == nil)
        #expect(outcome.failures.count == 1)
        #expect(outcome.failures.first?.cause.contains("non-activating") == true)
    }
    #expect(judge.calls.isEmpty)
}

@Test func fuzzingHighlightsActiveAndRandomTokens() async throws {
    // Judge: the highlights are right when every marked span holds a digit.
    let judge = ScorerScriptedChat { request in
        list(request.scoringExampleTexts.map { text in
            let spans = text.components(separatedBy: "<<").dropFirst().map { $0.components(separatedBy: ">>")[0] }
            return !spans.isEmpty && spans.allSatisfy(hasDigit)
        })
    }
    let outcome = await FuzzingScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.scorer == "fuzzing" && outcome.failures.isEmpty)
    #expect(outcome.value == 1)
    for p in outcome.predictions {
        #expect(p.text.contains("<<") && p.text.contains(">>"))
        #expect(p.label == p.activating)
    }
    // An activating example has exactly its digit tokens marked.
    let first = try #require(outcome.predictions.first { $0.text.contains("bridge") })
    #expect(first.text == "The bridge opened in <<1932>> after six years of work.")
    // A judge that accepts every highlight is at chance.
    let yesMan = ScorerScriptedChat { request in list(request.scoringExampleTexts.map { _ in true }) }
    let naive = await FuzzingScorer(model: yesMan).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(naive.value == 0.5)
    #expect(naive.values[MetricKey.precision] == 0.5)
}

@Test func intruderFindsTheOddExampleOrFails() async throws {
    let judge = ScorerScriptedChat { request in
        let texts = request.scoringExampleTexts
        return "Example \((texts.firstIndex { !hasDigit($0) } ?? 0) + 1)"
    }
    let outcome = await IntruderScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.predictions.count == 2)  // 10 activating / 4 per round
    #expect(outcome.value == 1 && outcome.failures.isEmpty)
    #expect(judge.calls.allSatisfy { $0.scoringExampleTexts.count == 5 && $0.scoringQuestion.contains("numbers and digits") })
    // An undecided judge fails every round; no score.
    let undecided = ScorerScriptedChat { _ in "2 or 4" }
    let failed = await IntruderScorer(model: undecided).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(failed.value == nil && failed.failures.count == 2)
    #expect(failed.failures.allSatisfy { $0.cause.contains("several example numbers") })
    // Without the description.
    var options = LLMScorerOptions()
    options.intruderShowsDescription = false
    let blind = ScorerScriptedChat { _ in "1" }
    _ = await IntruderScorer(model: blind, options: options).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(blind.calls.allSatisfy { !$0.scoringQuestion.contains("numbers and digits") })
}

/// The simulation judge: reads `index<TAB>token` lines and answers 9 for tokens with a digit, 0
/// otherwise; with logprobs, a 9 has alternatives {9: 0.5, 8: 0.5} and a 0 {0: 0.9, 1: 0.1}.
private func simulationReply(_ request: ChatRequest, logprobs: Bool, skipLine: Int? = nil) -> ChatResponse {
    let rows = request.scoringOriginalQuestion.split(separator: "\n").compactMap { line -> (Int, String)? in
        let parts = line.split(separator: "\t", maxSplits: 1)
        guard parts.count == 2, let i = Int(parts[0]) else { return nil }
        return (i, String(parts[1]))
    }
    var tokens: [TokenLogprob] = []
    for (k, (i, token)) in rows.enumerated() where i != skipLine {
        let fires = hasDigit(token)
        let top = fires ? [TokenAlternative(token: "9", logprob: log(0.5)), TokenAlternative(token: "8", logprob: log(0.5))]
                        : [TokenAlternative(token: "0", logprob: log(0.9)), TokenAlternative(token: "1", logprob: log(0.1))]
        tokens += [TokenLogprob(token: (k > 0 ? "\n" : "") + String(i), logprob: 0, top: []),
                   TokenLogprob(token: "\t", logprob: 0, top: []),
                   TokenLogprob(token: fires ? "9" : "0", logprob: top[0].logprob, top: top)]
    }
    return ScorerScriptedChat.response(tokens.map(\.token).joined(), logprobs: logprobs ? tokens : nil)
}

@Test func simulationUsesExpectedDigitsFromLogprobs() async throws {
    let judge = ScorerScriptedChat(logprobs: true) { simulationReply($0, logprobs: true) }
    let outcome = await SimulationScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.failures.isEmpty && outcome.predictions.count == 20)
    for p in outcome.predictions {
        let simulated = try #require(p.simulated)
        let tokens = try #require(p.tokens)
        #expect(simulated.count == tokens.count)
        for (s, t) in zip(simulated, tokens) { #expect(abs(s - (hasDigit(t) ? 8.5 : 0.1)) < 1e-5) }
    }
    #expect(abs((outcome.value ?? 0) - 1) < 1e-9)
    #expect(judge.calls.count == 20)
    // Without logprobs the parsed digits are used.
    let plain = ScorerScriptedChat { simulationReply($0, logprobs: false) }
    let parsed = await SimulationScorer(model: plain).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(parsed.predictions.allSatisfy { $0.simulated?.allSatisfy { $0 == 0 || $0 == 9 } == true })
    #expect(abs((parsed.value ?? 0) - 1) < 1e-9)
}

@Test func simulationFailsRecordsWithMissingTokens() async throws {
    // Drops token 2 of every plain sentence, even after repair: those records fail.
    let judge = ScorerScriptedChat { request in
        let tokenHasDigit = request.scoringOriginalQuestion.split(separator: "\n").contains { line in
            line.split(separator: "\t").dropFirst().joined().contains(where: \.isNumber)
        }
        return simulationReply(request, logprobs: false, skipLine: tokenHasDigit ? nil : 2)
    }
    let outcome = await SimulationScorer(model: judge).score(scorerDigitsDescription, examples: scorerDigitExamples())
    #expect(outcome.failures.count == 10)
    #expect(outcome.failures.allSatisfy { $0.cause.contains("token(s) 2") })
    #expect(outcome.predictions.filter(\.failed).allSatisfy { !$0.activating })
    // Only activating records remain: digits 9 and 0 vs activations 3 and 0 still correlate perfectly.
    #expect(abs((outcome.value ?? 0) - 1) < 1e-9)
    #expect(outcome.values[MetricKey.answeredFraction] == 0.5)
}
