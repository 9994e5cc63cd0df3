import AugurInterp
import AugurLLM
import Testing

@Suite struct ExplainParserTests {
    static let accepted: [(String, String)] = [
        ("[EXPLANATION]: Names of rivers.", "Names of rivers."),
        ("[explanation] : Years in the 1990s", "Years in the 1990s"),
        ("  [ Explanation ]:   Closing brackets in code  ", "Closing brackets in code"),
        ("Let me think.\n[EXPLANATION]: draft one\n[EXPLANATION]: Currency symbols before amounts", "Currency symbols before amounts"),
        ("[EXPLANATION]: Month names in dates\n[EXPLANATION]:", "Month names in dates"),
        ("**Explanation:** \"Currency symbols\"", "Currency symbols"),
        ("Explanation: The word 'the' before nouns", "The word 'the' before nouns"),
        ("Sure! Here is the explanation:\nTokens about music and instruments.", "Tokens about music and instruments."),
        ("[EXPLANATION]: The word \"of\" in titles.\n\nExcerpts where the feature is active:\n1. x", "The word \"of\" in titles."),
        ("[EXPLANATION]:\n\nPlural nouns after numbers", "Plural nouns after numbers"),
        ("- `Opening parentheses of calls`", "Opening parentheses of calls"),
        ("[EXPLANATION]: “Verbs in the past tense”.", "Verbs in the past tense."),
        ("[EXPLANATION]: Description: Capitalised   surnames", "Capitalised surnames"),
        ("### Answer - Chemical element names", "Chemical element names"),
    ]

    @Test(arguments: accepted)
    func lenientParsingFindsTheDescription(reply: String, expected: String) {
        #expect(DescriptionParser.parse(reply) == .success(expected))
    }

    static let rejected: [(String, String)] = [
        ("", "empty"),
        ("   \n  ", "empty"),
        ("[EXPLANATION]:", "nothing after"),
        ("[EXPLANATION]: …", "no words"),
        ("[EXPLANATION]: !!! ???", "no words"),
        ("I'm sorry, but I cannot determine what this feature does.", "refusal"),
        ("[EXPLANATION]: Unfortunately the examples are too varied.", "refusal"),
        ("[EXPLANATION]: 1. the <<cat>> sat", "markup"),
        ("<start>\nthe\t0\n<end>", "markup"),
        ("[EXPLANATION]: What does this feature do?", "question"),
        ("[EXPLANATION]: " + String(repeating: "very long words ", count: 40), "too long"),
    ]

    @Test(arguments: rejected)
    func garbageIsRejectedWithAReason(reply: String, reason: String) {
        guard case .failure(let r) = DescriptionParser.parse(reply) else {
            Issue.record("accepted \(reply.debugDescription)")
            return
        }
        #expect(r.reason.contains(reason), "\(r.reason)")
    }

    @Test func echoesOfThePromptAndCopiedFewShotAnswersAreRejected() {
        let prompt = [
            ChatMessage(role: "system", content: "You study one feature of a neural language model."),
            ChatMessage(role: "user", content: "Excerpts where the feature is active:\n1. a <<b>>"),
            ChatMessage(role: "assistant", content: "[EXPLANATION]: Names of rivers, such as the Rhine and the Nile."),
            ChatMessage(role: "user", content: "Excerpts where the feature is active:\n1. c <<d>>\n\nWhat do the marked tokens have in common"),
        ]
        let echo = DescriptionParser.parse("What do the marked tokens have in common", prompt: prompt)
        #expect(echo.failureReason?.contains("echoes the prompt") == true)
        let system = DescriptionParser.parse("[EXPLANATION]: You study one feature of a neural language model.", prompt: prompt)
        #expect(system.failureReason?.contains("echoes") == true)
        let copy = DescriptionParser.parse("[EXPLANATION]: Names of rivers, such as the Rhine and the Nile.", prompt: prompt)
        #expect(copy.failureReason?.contains("few-shot") == true)
        // An echoed header line is skipped when a real description follows (no marker).
        #expect(DescriptionParser.parse("Excerpts where the feature is active:\nWords for colours", prompt: prompt) == .success("Words for colours"))
        // A short phrase that happens to occur in the prompt is fine.
        #expect(DescriptionParser.parse("[EXPLANATION]: Rivers", prompt: prompt) == .success("Rivers"))
    }

    @Test func lengthLimitIsConfigurable() {
        #expect(DescriptionParser.parse("[EXPLANATION]: Dates written as day month year", maxCharacters: 20).failureReason?.contains("too long") == true)
        #expect(DescriptionParser.parse("[EXPLANATION]: Dates written as day month year", maxCharacters: 100) == .success("Dates written as day month year"))
    }
}

extension Result where Failure == ReplyRejection {
    var failureReason: String? {
        if case .failure(let r) = self { return r.reason }
        return nil
    }
}
