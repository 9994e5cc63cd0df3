import AugurActivations
import AugurInterp
import AugurLLM
import Foundation
import Synchronization
import Testing

@Suite struct ExplainRunnerTests {
    let explainer = Explainer(options: ExplainerOptions(maxExamples: 4, fewShot: false))

    @Test func aValidReplyBecomesADescriptionWithItsAuditTrail() async throws {
        let model = ScriptedModel(replies: [.success("[EXPLANATION]: Tokens t20 and t21 of each window.")])
        let outcome = await explainer.explain(sampleEvidence(), method: .maxact, using: model)
        let s = try #require(outcome.success)
        #expect(s.description == FeatureDescription(method: "maxact", text: "Tokens t20 and t21 of each window."))
        #expect(s.explainer == "scripted")
        #expect(s.rawReplies.count == 1 && !s.repaired)
        #expect(s.usage == ChatUsage(promptTokens: 100, cachedPromptTokens: 40, completionTokens: 12))
        #expect(s.shown.examples?.count == 4)
        let requests = await model.state.requests
        #expect(requests.count == 1)
        #expect(requests[0].messages == s.messages)
        #expect(requests[0].maxTokens == explainer.options.maxReplyTokens)
        #expect(s.seconds >= 0)
    }

    @Test func garbageThenAValidReplyUsesTheRepairPrompt() async throws {
        let model = ScriptedModel(replies: [.success("The examples show <<t39_20>> in many places"),
                                            .success("[EXPLANATION]: Position twenty of a window.")])
        let outcome = await explainer.explain(sampleEvidence(), method: .maxact, using: model)
        let s = try #require(outcome.success)
        #expect(s.description.text == "Position twenty of a window.")
        #expect(s.repaired)
        #expect(s.rawReplies == ["The examples show <<t39_20>> in many places", "[EXPLANATION]: Position twenty of a window."])
        #expect(s.usage.promptTokens == 200 && s.usage.completionTokens == 24 && s.usage.cachedPromptTokens == 80)
        let requests = await model.state.requests
        #expect(requests.count == 2)
        let repair = requests[1].messages
        #expect(repair.count == requests[0].messages.count + 2)
        #expect(repair[repair.count - 2] == ChatMessage(role: "assistant", content: "The examples show <<t39_20>> in many places"))
        #expect(repair.last?.content.contains("Answer with one line: [EXPLANATION]:") == true)
        #expect(s.messages == repair)
    }

    @Test func garbageTwiceIsAFailureWithBothRepliesAndNoDescription() async throws {
        let model = ScriptedModel(replies: [.success("I'm sorry, I cannot help with that."), .success("<start>\nx\t3\n<end>")])
        let outcome = await explainer.explain(sampleEvidence(), method: .maxactOpenAI, using: model)
        #expect(outcome.success == nil)
        let f = try #require(outcome.failure)
        #expect(f.cause.kind == .unparseable)
        #expect(f.cause.message.contains("refusal") && f.cause.message.contains("markup"))
        #expect(f.rawReplies.count == 2)
        #expect(f.method == .maxactOpenAI && f.explainer == "scripted")
        #expect(await model.state.requests.count == 2)
    }

    @Test func anLLMErrorIsAFailureWithItsText() async throws {
        let error = LLMError.http(url: "http://localhost:8080/v1/chat/completions", status: 429, body: "slow down")
        let model = ScriptedModel(replies: [.failure(error)])
        let outcome = await explainer.explain(sampleEvidence(), method: .vocabproj, using: model)
        let f = try #require(outcome.failure)
        #expect(f.cause.kind == .llm)
        #expect(f.cause.message.contains("HTTP 429") && f.cause.message.contains("slow down"))
        #expect(f.rawReplies.isEmpty)
    }

    @Test func missingEvidenceFailsWithoutCallingTheModel() async throws {
        let model = ScriptedModel(replies: [.success("[EXPLANATION]: anything at all")])
        let outcome = await explainer.explain(sampleEvidence(vocab: false), method: .vocabproj, using: model)
        #expect(outcome.failure?.cause.kind == .missingEvidence)
        #expect(await model.state.requests.isEmpty)
    }

    @Test func ensembleConcatJoinsTheThreeDescriptionsOrNamesWhatIsMissing() async throws {
        let model = ScriptedModel(replies: [.success("unused")])
        let all = [FeatureDescription(method: "maxact", text: "Names of rivers"),
                   FeatureDescription(method: "vocabproj", text: "Promotes River and delta."),
                   FeatureDescription(method: "tokenchange", text: "Predicts geography words!")]
        let ok = await explainer.explain(sampleEvidence(), method: .ensembleConcat, using: model, descriptions: all)
        #expect(ok.success?.description.text == "Names of rivers. Promotes River and delta. Predicts geography words!")
        #expect(ok.success?.shown.descriptions == all)
        let missing = await explainer.explain(sampleEvidence(), method: .ensembleConcat, using: model, descriptions: [all[0]])
        let f = try #require(missing.failure)
        #expect(f.cause.kind == .missingEvidence)
        #expect(f.cause.message.contains("vocabproj, tokenchange"))
        #expect(await model.state.requests.isEmpty)
    }

    @Test func batchRespectsTheConcurrencyLimitAndOneFailureDoesNotStopTheOthers() async throws {
        let model = ScriptedModel(delay: .milliseconds(30)) { request, _ in
            let last = request.messages.last?.content ?? ""
            if last.contains("f5marker") { return .failure(.model("boom")) }
            return .success("[EXPLANATION]: A description of this feature.")
        }
        var jobs = (0..<12).map { ExplanationJob(evidence: sampleEvidence(id: "f\($0)"), method: .maxact) }
        jobs[5].evidence.examples?.train[39].tokens[20] = " f5marker"
        let seen = Locked<[Int]>([])
        let outcomes = await explainer.explainAll(jobs, using: model, concurrency: 3) { p in
            seen.withLock { $0.append(p.completed) }
            #expect(p.total == 12)
        }
        #expect(outcomes.count == 12)
        #expect(outcomes.map(\.featureID) == (0..<12).map { "f\($0)" })
        #expect(outcomes.filter { $0.success != nil }.count == 11)
        #expect(outcomes[5].failure?.cause.message.contains("boom") == true)
        #expect(seen.withLock { $0 } == Array(1...12))
        let maxInFlight = await model.state.maxInFlight
        #expect(maxInFlight <= 3)
        #expect(maxInFlight >= 2)
    }

    @Test func batchRunsEnsembleConcatAfterTheDescriptionsItNeeds() async throws {
        let model = ScriptedModel { request, _ in
            let system = request.messages.first?.content ?? ""
            if system.contains("projecting its output direction") { return .success("[EXPLANATION]: Promotes capitals.") }
            if system.contains("forced to a high value") { return .success("[EXPLANATION]: Predicts countries.") }
            return .success("[EXPLANATION]: Late tokens of a window.")
        }
        let e = sampleEvidence(id: "x")
        let jobs = [ExplanationJob(evidence: e, method: .ensembleConcat), ExplanationJob(evidence: e, method: .maxact),
                    ExplanationJob(evidence: e, method: .vocabproj), ExplanationJob(evidence: e, method: .tokenchange)]
        let outcomes = await explainer.explainAll(jobs, using: model, concurrency: 4)
        #expect(outcomes[0].success?.description.text == "Late tokens of a window. Promotes capitals. Predicts countries.")
        #expect(outcomes.allSatisfy { $0.success != nil })
    }
}
