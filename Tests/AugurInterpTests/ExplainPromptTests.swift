import AugurActivations
import AugurInterp
import Foundation
import Testing

@Suite struct ExplainPromptTests {
    @Test func adjacentHighlightedTokensMergeIntoOneSpan() {
        let r = ActivationRecord(tokens: ["Boats", " sail", " the", " Mississippi", " River", " south", "."],
                                 activations: [0, 0, 0, 9, 6, 0, 0])
        #expect(ExampleRendering.highlighted(r, threshold: 0.3) == "Boats sail the <<Mississippi River>> south.")
    }

    @Test func highlightRespectsTheThresholdRelativeToTheRecordMaximum() {
        let r = ActivationRecord(tokens: ["a", " b", " c", " d", " e"], activations: [0, 10, 2.99, 3, 0])
        #expect(ExampleRendering.highlighted(r, threshold: 0.3) == "a <<b>> c <<d>> e")
        // The same shape at a different scale gives the same marks (threshold is relative).
        let scaled = ActivationRecord(tokens: r.tokens, activations: r.activations.map { $0 * 0.01 })
        #expect(ExampleRendering.highlighted(scaled, threshold: 0.3) == "a <<b>> c <<d>> e")
        // A record that never fires has no marks; a span open at the end is closed.
        #expect(ExampleRendering.highlighted(ActivationRecord(tokens: ["x", " y"], activations: [0, 0]), threshold: 0.3) == "x y")
        #expect(ExampleRendering.highlighted(ActivationRecord(tokens: ["x", " y"], activations: [0, 1]), threshold: 0.3) == "x <<y>>")
    }

    @Test func newlinesAreVisibleAndKeepAnExampleOnOneLine() {
        let r = ActivationRecord(tokens: ["end", ".\n", "Next"], activations: [0, 5, 0])
        #expect(ExampleRendering.highlighted(r, threshold: 0.3) == "end<<.\\n>>Next")
        #expect(ExampleRendering.quoted(" Paris") == "\" Paris\"")
        #expect(ExampleRendering.quoted("\n\t\"") == "\"\\n\\t\\\"\"")
    }

    @Test func activationsAreScaledZeroToTenByTheMaximumOverRecords() {
        #expect(ExampleRendering.scaled(5, maximum: 10) == 5)
        #expect(ExampleRendering.scaled(10, maximum: 10) == 10)
        #expect(ExampleRendering.scaled(-1, maximum: 10) == 0)
        #expect(ExampleRendering.scaled(3, maximum: 0) == 0)
        let strong = ActivationRecord(tokens: ["a", " b"], activations: [8, 0])
        let weak = ActivationRecord(tokens: ["c", " d"], activations: [0, 4])
        #expect(ExampleRendering.activationList(weak, threshold: 0.3, maximum: 8) == "(d : 5)")
        #expect(ExampleRendering.openAIBlock(weak, maximum: 8) == "<start>\nc\t0\n d\t5\n<end>")
        var options = ExplainerOptions(showActivationList: true)
        options.fewShot = false
        let evidence = FeatureEvidence(id: "f", examples: FeatureExamples(id: "f", train: [strong, weak], test: [], nonActivating: []))
        let prompt = try? PromptBuilder(options: options).prompt(for: evidence, method: .maxact)
        let last = prompt?.messages.last?.content ?? ""
        #expect(last.contains("1. <<a>> b\n   Activations: (a : 10)"))
        #expect(last.contains("2. c <<d>>\n   Activations: (d : 5)"))
    }

    @Test func maxactPromptHasThreeFewShotTurnsAndAsksForTheMarker() throws {
        let prompt = try PromptBuilder().prompt(for: sampleEvidence(), method: .maxact)
        #expect(prompt.messages.map(\.role) == ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"])
        #expect(prompt.messages[0].content.contains("[EXPLANATION]:"))
        for turn in prompt.messages where turn.role == "assistant" { #expect(turn.content.hasPrefix("[EXPLANATION]: ")) }
        #expect(prompt.messages[1].content.contains("three <<weeks>>"))
        #expect(prompt.messages[5].content.contains("the <<Mississippi River>> to"))
        let noShots = try PromptBuilder(options: ExplainerOptions(fewShot: false)).prompt(for: sampleEvidence(), method: .maxact)
        #expect(noShots.messages.map(\.role) == ["system", "user"])
    }

    @Test func exampleCountAndWindowsAreConfigurable() throws {
        let options = ExplainerOptions(maxExamples: 5, windowTokens: 8, fewShot: false)
        let prompt = try PromptBuilder(options: options).prompt(for: sampleEvidence(train: 40), method: .maxact)
        let shown = try #require(prompt.shown.examples)
        #expect(shown.count == 5)
        #expect(shown.allSatisfy { $0.tokens.count == 8 })
        // Strongest first, and the strongest (record 39, max 40) is included; windows keep the peak.
        #expect(shown.first?.maxActivation == 40)
        #expect(shown.map(\.maxActivation) == shown.map(\.maxActivation).sorted(by: >))
        #expect(shown.allSatisfy { $0.activations[6] == $0.maxActivation })
        let numbered = prompt.messages.last?.content.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(numbered?.count == 5)
        #expect(prompt.messages.last?.content.contains("<<t39_20 t39_21>>") == true)
    }

    @Test func aSmallTokenBudgetShowsLessEvidence() throws {
        let big = try PromptBuilder(options: ExplainerOptions(promptTokenBudget: 100_000)).prompt(for: sampleEvidence(), method: .maxact)
        let small = try PromptBuilder(options: ExplainerOptions(promptTokenBudget: 900)).prompt(for: sampleEvidence(), method: .maxact)
        #expect(big.shown.examples?.count == 20)
        #expect((small.shown.examples?.count ?? 0) < 20)
        #expect((small.shown.examples?.count ?? 0) >= 1)
        #expect(small.estimatedTokens <= 900)
        #expect(big.estimatedTokens > 900)
    }

    @Test func openAILayoutShowsTabbedLinesScaledOverAllRecords() throws {
        let options = ExplainerOptions(maxExamples: 2, windowTokens: 8, fewShot: false)
        let prompt = try PromptBuilder(options: options).prompt(for: sampleEvidence(train: 40), method: .maxactOpenAI)
        let text = try #require(prompt.messages.last?.content)
        #expect(text.components(separatedBy: "<start>").count == 3)
        #expect(text.contains(" t39_20\t10\n t39_21\t5"))
        #expect(text.contains(" t19_20\t5\n t19_21\t3"))   // max 20 of 40 → 5; 10 of 40 → 2.5 → 3
    }

    @Test func contrastivePromptTakesNegativesAfterTheScorersSlice() throws {
        let prompt = try PromptBuilder(options: ExplainerOptions(fewShot: false)).prompt(for: sampleEvidence(), method: .contrastive)
        let text = try #require(prompt.messages.last?.content)
        #expect(prompt.shown.nonActivating?.count == 8)
        #expect(text.contains("n50_"))
        #expect(!text.contains("n49_"))
        #expect(!text.contains(" n0_"))
        var few = sampleEvidence()
        let kept = Array(few.examples?.nonActivating.prefix(50) ?? [])
        few.examples?.nonActivating = kept
        #expect(throws: ExplanationFailureCause.self) { try PromptBuilder().prompt(for: few, method: .contrastive) }
        do {
            _ = try PromptBuilder().prompt(for: few, method: .contrastive)
        } catch {
            #expect(error.kind == .missingEvidence)
            #expect(error.message.contains("reserved for scoring"))
            #expect(error.message.contains("blocks.6.hook_resid_post/17"))
        }
        let overlapping = try PromptBuilder(options: ExplainerOptions(contrastiveNegativeOffset: 0)).prompt(for: few, method: .contrastive)
        #expect(overlapping.shown.nonActivating?.count == 8)
    }

    @Test func outputSidePromptsQuoteTokensAndShowEverySign() throws {
        let options = ExplainerOptions(fewShot: false)
        let vocab = try #require(try PromptBuilder(options: options).prompt(for: sampleEvidence(), method: .vocabproj).messages.last?.content)
        #expect(vocab.contains("Promoted tokens: \" Paris\", \"\\n\""))
        #expect(vocab.contains("Suppressed tokens: \" banana\""))
        #expect(!vocab.contains("<<"))
        let change = try #require(try PromptBuilder(options: options).prompt(for: sampleEvidence(), method: .tokenchange).messages.last?.content)
        #expect(change.contains("Forced high, rose most: \" France\""))
        #expect(change.contains("Forced high, fell most: \" Germany\""))
        #expect(change.contains("Forced negative, rose most: \" Spain\""))
        #expect(!change.contains("Forced negative, fell most"))
        let ensemble = try PromptBuilder(options: options).prompt(for: sampleEvidence(), method: .ensemble)
        let text = try #require(ensemble.messages.last?.content)
        #expect(text.contains("<<") && text.contains("Promoted tokens") && text.contains("Forced high"))
        #expect(ensemble.shown.examples?.count == 10)
    }

    @Test func missingEvidenceIsACauseNotACrash() {
        let cases: [(FeatureEvidence, ExplanationMethod, String)] = [
            (FeatureEvidence(id: "a"), .maxact, "no examples"),
            (sampleEvidence(id: "b", vocab: false), .vocabproj, "no VocabProj"),
            (sampleEvidence(id: "c", tokenChange: false), .tokenchange, "no TokenChange"),
            (sampleEvidence(id: "d", train: 0), .maxactOpenAI, "0 train records"),
            (sampleEvidence(id: "e", vocab: false, tokenChange: false), .ensemble, "no output-side evidence"),
        ]
        for (evidence, method, fragment) in cases {
            do {
                _ = try PromptBuilder().prompt(for: evidence, method: method)
                Issue.record("\(method) built a prompt without evidence")
            } catch {
                #expect(error.kind == .missingEvidence)
                #expect(error.message.contains(fragment), "\(error.message)")
                #expect(error.message.contains("feature \(evidence.id)"))
            }
        }
    }
}
