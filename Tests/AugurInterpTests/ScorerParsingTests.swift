import AugurInterp
import AugurLLM
import Foundation
import Testing

@Test(arguments: [
    "[1, 0, 0, 1, 0]", "[1,0,0,1,0]", "Answer: [ 1 , 0 ,0,1, 0 ]", "Sure! [1, 0]\n\nFinal: [1, 0, 0, 1, 0]",
    "Example 1: 1\nExample 2: 0\nExample 3: 0\nExample 4: 1\nExample 5: 0", "1: yes\n2: no\n3: no\n4: yes\n5: no",
    "yes no no yes no", "[\"1\", \"0\", \"0\", \"1\", \"0\"]",
])
func binaryAnswersAreReadLeniently(reply: String) throws {
    #expect(try AnswerParser.binaryAnswers(reply, count: 5).get() == [true, false, false, true, false])
}

@Test func unreadableBinaryRepliesSayWhy() throws {
    for reply in ["I think the first one fits.", "[1, 0, 1]", "", "[1, 0, 2, 1, 0] maybe"] {
        guard case .failure(let e) = AnswerParser.binaryAnswers(reply, count: 5) else {
            Issue.record("'\(reply)' should not parse")
            continue
        }
        #expect(e.description.contains("expected 5 answers"))
    }
    #expect(try AnswerParser.binaryAnswers("1", count: 1).get() == [true])
    #expect(try AnswerParser.binaryAnswers(" No.", count: 1).get() == [false])
}

@Test func choicesAreReadOrRefused() throws {
    #expect(try AnswerParser.choice("3", options: 5).get() == 3)
    #expect(try AnswerParser.choice("The odd one out is example 4.", options: 5).get() == 4)
    #expect(try AnswerParser.choice("Example 2", options: 5).get() == 2)
    #expect(try AnswerParser.choice("Examples 1, 3, 4 and 5 are about money, so the answer is 2.", options: 5).get() == 2)
    #expect(throws: ReplyError.self) { try AnswerParser.choice("2 or 4", options: 5).get() }
    #expect(throws: ReplyError.self) { try AnswerParser.choice("none of them", options: 5).get() }
    #expect(throws: ReplyError.self) { try AnswerParser.choice("7", options: 5).get() }
}

@Test func simulatedDigitsAreReadByIndex() throws {
    let lines = try AnswerParser.simulatedDigits("1\t0\n2\t7\n3 the\t0\n\n4: 9", count: 4).get()
    #expect(lines.map(\.digit) == [0, 7, 0, 9])
    #expect(lines.map(\.line) == [0, 1, 2, 4])
    // Unindexed single digits in order.
    #expect(try AnswerParser.simulatedDigits("0\n5\n0", count: 3).get().map(\.digit) == [0, 5, 0])
    // A missing token is named.
    guard case .failure(let e) = AnswerParser.simulatedDigits("1\t0\n3\t2", count: 3) else {
        Issue.record("a missing line must fail")
        return
    }
    #expect(e.description.contains("token(s) 2"))
}

@Test func yesProbabilityComesFromTheTopAlternatives() throws {
    let t = TokenLogprob(token: "1", logprob: log(0.6),
                         top: [TokenAlternative(token: "1", logprob: log(0.6)), TokenAlternative(token: "0", logprob: log(0.2)),
                               TokenAlternative(token: " yes", logprob: log(0.1)), TokenAlternative(token: "maybe", logprob: log(0.1))])
    #expect(abs(try #require(LogprobReader.yesProbability(t)) - 0.7 / 0.9) < 1e-6)
    // The generated token counts even when `top` omits it.
    let lone = TokenLogprob(token: "0", logprob: log(0.5), top: [TokenAlternative(token: "1", logprob: log(0.25))])
    #expect(abs(try #require(LogprobReader.yesProbability(lone)) - 1.0 / 3) < 1e-6)
    let none = TokenLogprob(token: "x", logprob: 0, top: [TokenAlternative(token: "x", logprob: 0)])
    #expect(LogprobReader.yesProbability(none) == nil)
}

@Test func expectedDigitWeighsSingleDigitAlternatives() throws {
    let t = TokenLogprob(token: "9", logprob: log(0.5),
                         top: [TokenAlternative(token: "9", logprob: log(0.5)), TokenAlternative(token: "6", logprob: log(0.25)),
                               TokenAlternative(token: "10", logprob: log(0.15)), TokenAlternative(token: "\n", logprob: log(0.1))])
    // (9·0.5 + 6·0.25) / 0.75 = 8.
    #expect(abs(try #require(LogprobReader.expectedDigit(t)) - 8) < 1e-6)
}

@Test func digitPositionsFollowReplyLines() throws {
    // Distinct logprobs tell equal token texts apart.
    let texts = ["1", "\t", "1", "\n", "2", "\t", "0", "\n3", "\t", "4"]
    let tokens = texts.enumerated().map { i, s in
        TokenLogprob(token: s, logprob: -Float(i), top: [TokenAlternative(token: s, logprob: -Float(i))])
    }
    let lines = try AnswerParser.simulatedDigits(tokens.map(\.token).joined(), count: 3).get()
    let positions = LogprobReader.digitPositions(tokens, lines: lines)
    // Line 1's answer is the second "1", not the index; line 3's index token starts with a newline.
    #expect(positions.count == 3)
    #expect(positions[0].map { $0 == tokens[2] } == true)
    #expect(positions[1].map { $0 == tokens[6] } == true)
    #expect(positions[2].map { $0 == tokens[9] } == true)
}

@Test func scorerListsParseAndNameUnknownScorers() throws {
    #expect(try ScorerKind.parseList("detection, Fuzzing,detection,input-based") == [.detection, .fuzzing, .inputBased])
    #expect {
        _ = try ScorerKind.parseList("detection,vibes")
    } throws: { error in
        String(describing: error).contains("'vibes'") && String(describing: error).contains("output-based")
    }
}

@Test func outcomesRoundTripThroughJSON() throws {
    var outcome = ScoreOutcome(scorer: "detection", featureID: "f", description: scorerDigitsDescription, model: "m",
                               values: [MetricKey.balancedAccuracy: 0.75], primaryMetric: MetricKey.balancedAccuracy,
                               predictions: [ExamplePrediction(text: "a 1", activating: true, label: true, predicted: false,
                                                               probability: 0.4)],
                               failures: [ScoringFailure(examples: [1], cause: "LLM call failed", rawReply: nil)])
    outcome.notes = ["n"]
    let data = try JSONEncoder().encode(outcome)
    #expect(try JSONDecoder().decode(ScoreOutcome.self, from: data) == outcome)
    #expect(outcome.value == 0.75)
}
