import AugurActivations
import AugurInterp
import AugurLLM
import AugurPipeline
import Foundation
import Synchronization
import Testing

@Suite struct ExplainStageTests {
    @Test func aRerunSkipsWhatIsDoneAndRetriesFailures() async throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        let features = [evidence("alpha"), evidence("beta"), evidence("gamma")]
        let stage = ExplainStage(explainer: Explainer(options: ExplainerOptions(fewShot: false)), concurrency: 2)

        // First run: every request about "beta" gets garbage.
        let flaky = FakeExplainer(name: "fake") { request in
            let aboutBeta = request.messages.contains { $0.role == "user" && $0.content.contains("beta") }
            if aboutBeta && request.messages.count > 2 { return .success("<<beta>> again") }
            if aboutBeta { return .success("I'm sorry, I can't.") }
            return .success("[EXPLANATION]: The word in position one.")
        }
        let calls = Locked(0)
        let first = try await stage.run(features: features, methods: [.maxact, .vocabproj], model: flaky, store: store) { _ in
            calls.withLock { $0 += 1 }
        }
        #expect(first == ExplainSummary(described: 4, failed: 2, alreadyDone: 0, retried: 0, cancelled: 0))
        #expect(calls.withLock { $0 } == 6)
        #expect(try store.failedExplanations(explainer: "fake").map(\.featureID) == ["beta", "beta"])
        #expect(try store.descriptions(featureID: "beta").isEmpty)
        #expect(try store.feature(id: "gamma")?.evidence == features[2])

        // Second run with a working model: only beta's two pairs are asked, and its failures are dropped.
        let good = FakeExplainer(name: "fake") { _ in .success("[EXPLANATION]: A fixed description.") }
        let second = try await stage.run(features: features, methods: [.maxact, .vocabproj], model: good, store: store)
        #expect(second == ExplainSummary(described: 2, failed: 0, alreadyDone: 4, retried: 2, cancelled: 0))
        #expect(await good.counter.count == 2)
        #expect(try store.failedExplanations().isEmpty)
        #expect(try store.descriptions(featureID: "beta").map(\.text) == ["A fixed description.", "A fixed description."])

        // Third run: nothing left; ensemble-concat is added and uses the stored descriptions.
        let third = try await stage.run(features: features, methods: [.maxact, .vocabproj, .ensembleConcat], model: good, store: store)
        #expect(third.described == 0 && third.failed == 3 && third.alreadyDone == 6)
        #expect(await good.counter.count == 2)
        #expect(try store.failedExplanations().allSatisfy { $0.cause.contains("missing or failed: tokenchange") })
        // Another explainer is a separate set of work.
        let other = FakeExplainer(name: "other") { _ in .success("[EXPLANATION]: Another view.") }
        let fourth = try await stage.run(features: [features[0]], methods: [.maxact], model: other, store: store)
        #expect(fourth.described == 1 && fourth.alreadyDone == 0)
        #expect(try store.exportLines().count == 3)
    }
}
