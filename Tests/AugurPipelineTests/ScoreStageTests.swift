import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurPipeline
import Foundation
import Synchronization
import Testing

/// Real small models for the score stage (pulled beforehand; the tests fail when they are missing).
enum ScoreStageModels {
    static let embedder = Result { try SentenceEmbedder.load("all-minilm-l6-v2", pullIfMissing: false) }
    static let smollm = Result {
        try LocalChatModel.load("smollm2-135m-instruct", options: LoadOptions(denseWeights: true, pullIfMissing: false))
    }
}

/// A records feature that fires on colour words, with a right and a wrong description, and one
/// with no non-activating example.
func colourRecords() throws -> [RecordsFeature] {
    let sentences = ["The sky was blue and the grass was green today .", "She painted the door red and the wall white .",
                     "His old car is yellow with a black roof .", "They bought an orange kite and a purple ball .",
                     "A grey cat sat on the brown mat .", "The pink flowers and the blue vase look nice .",
                     "The report was filed on Monday at noon .", "We walked to the station after lunch .",
                     "He counted the money twice before leaving .", "The train was late again this morning ."]
    let colours: Set<String> = ["blue", "green", "red", "white", "yellow", "black", "orange", "purple", "grey", "brown", "pink"]
    let records = sentences.map { s -> [String: Any] in
        let tokens = s.split(separator: " ").map { " " + $0 }
        return ["tokens": tokens, "activations": tokens.map { colours.contains($0.trimmingCharacters(in: .whitespaces)) ? 5.0 : 0.0 }]
    }
    let activating = records.filter { (($0["activations"] as? [Double]) ?? []).contains { $0 > 0 } }
    let json: [[String: Any]] = [
        ["id": "colours", "records": records, "descriptions": [["method": "right", "text": "colour words such as red, blue and green"],
                                                               ["method": "wrong", "text": "days of the week and times of day"]]],
        ["id": "always", "records": activating, "descriptions": [["method": "right", "text": "colour words"]]],
    ]
    return try RecordsFile.parse(try JSONSerialization.data(withJSONObject: json))
}

@Suite struct ScoreStageTests {
    @Test func scoresRecordsFailuresApartAndAResumedRunScoresNothingNew() async throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        #expect(try ScoreStage.importRecords(try colourRecords(), into: store) == 3)
        var options = LLMScorerOptions()
        options.perExamplePrompts = true  // one-token answers read from logprobs: SmolLM2-135M always answers
        let context = ScoreContext(chat: try ScoreStageModels.smollm.get(), embedder: try ScoreStageModels.embedder.get(),
                                   llmOptions: options)
        let stage = ScoreStage(concurrency: 2, maxExamples: 2)
        let kinds: [ScorerKind] = [.embedding, .detection]
        #expect(try stage.pending(store: store, scorers: kinds).count == 6)
        let seen = Mutex<[Int]>([])
        let first = try await stage.run(store: store, scorers: kinds, context: context) { p in
            seen.withLock { $0.append(p.completed) }
            #expect(p.total == 6)
        }
        #expect(seen.withLock { $0.sorted() } == Array(1...6))
        // "always" has no non-activating example: a recorded failure for each scorer, never a score.
        #expect(first.scored == 4 && first.failed == 2 && first.alreadyDone == 0 && first.refused.isEmpty, "\(first)")
        let failures = try store.scoreFailures()
        #expect(failures.count == 2 && failures.allSatisfy { $0.featureID == "always" && $0.cause.contains("non-activating") }, "\(failures)")
        let scores = try store.scores()
        #expect(scores.filter(\.failed).allSatisfy { $0.value == nil && $0.key.featureID == "always" })
        let embedding = Dictionary(uniqueKeysWithValues: scores.filter { $0.key.scorer == "embedding" && !$0.failed }.map { ($0.key.method, $0.value ?? .nan) })
        // Observed: right 1.0, wrong 0.0 (2 + 2 examples).
        #expect((embedding["right"] ?? 0) > (embedding["wrong"] ?? 1), "\(embedding)")
        // The stored details are the full outcome, with one prediction per example used (2 + 2).
        let details = try #require(scores.first { $0.key.scorer == "detection" && !$0.failed }?.detailsJSON)
        let outcome = try JSONDecoder().decode(ScoreOutcome.self, from: Data(details.utf8))
        #expect(outcome.predictions.count == 4 && outcome.scorer == "detection")

        // A rerun scores nothing new and retries only the failures.
        let second = try await stage.run(store: store, scorers: kinds, context: context)
        #expect(second.scored == 0 && second.failed == 2 && second.retried == 2 && second.alreadyDone == 4, "\(second)")
        #expect(try store.scoreFailures().allSatisfy { $0.attempts == 2 })

        // The summary counts failures apart and correlates the two scorers over the descriptions both scored.
        let report = try ScoreReport.compute(store: store)
        let cell = try #require(report.summary.rows.first { $0.scorer == "embedding" && $0.method == "right" })
        #expect(cell.scored == 1 && cell.failed == 1 && cell.unscored == 0 && cell.mean == embedding["right"] && cell.metric == "auroc")
        // Detection (headline balanced accuracy) also reports the AUROC of its logprob probabilities; embedding's headline is AUROC.
        let detectionRow = try #require(report.summary.rows.first { $0.scorer == "detection" && $0.method == "right" })
        let aurocs = scores.filter { $0.key.scorer == "detection" && $0.key.method == "right" && !$0.failed }.compactMap { s in
            s.detailsJSON.flatMap { try? JSONDecoder().decode(ScoreOutcome.self, from: Data($0.utf8)) }?.values[MetricKey.auroc]
        }
        #expect(detectionRow.auroc?.scored == aurocs.count && aurocs.count == 1)
        #expect(detectionRow.auroc?.mean == aurocs.first)
        #expect(cell.auroc == nil)
        let pair = try #require(report.correlations.pairs.first)
        #expect(pair.a == "detection" && pair.b == "embedding" && pair.n == 2)
        try report.save(to: store)
        #expect(try store.artifact(RunStore.Artifact.scoreSummary, as: ScoreSummaryTable.self) == report.summary)
        #expect(try store.artifact(RunStore.Artifact.scorerCorrelations, as: ScorerCorrelationTable.self) == report.correlations)
        let md = report.markdown()
        #expect(md.contains("| embedding | auroc | right |") && md.contains("| detection | embedding |"), "\(md)")
        #expect(md.contains("AUROC [95% CI] |") && md.contains("| detection | balanced_accuracy | right |"), "\(md)")
    }

    @Test func refusesScorersWhoseModelsAreMissingAndScoresTheRest() async throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        let stage = ScoreStage(maxExamples: 3)
        let context = ScoreContext(embedder: try ScoreStageModels.embedder.get(),
                                   missingSubjectReason: "the run has no latent cache")
        await #expect(throws: ScoreStageError.noDescriptions(run: dir.path)) {
            try await stage.run(store: store, scorers: [.embedding], context: context)
        }
        try ScoreStage.importRecords(try colourRecords(), into: store)
        let summary = try await stage.run(store: store, scorers: [.embedding, .inputBased, .surprisal], context: context)
        #expect(summary.scored == 2 && summary.failed == 1)
        #expect(summary.refused["input-based"]?.contains("the run has no latent cache") == true, "\(summary.refused)")
        #expect(summary.refused["input-based"]?.contains("chat model") == true)
        #expect(summary.refused["surprisal"]?.contains("base language model") == true)
        #expect(try store.scores().allSatisfy { $0.key.scorer == "embedding" })
        do {
            _ = try await stage.run(store: store, scorers: [.detection], context: context)
            Issue.record("detection ran without a chat model")
        } catch {
            guard case .noScorerAvailable(let why) = error else { Issue.record("\(error)"); return }
            #expect(why["detection"]?.contains("chat model") == true)
        }
    }

    @Test func cappingSpreadsActivatingExamplesOverTheRange() {
        let records = (0..<10).map { ActivationRecord(tokens: ["x\($0)"], activations: [Float(10 - $0)]) }
        let quiet = (0..<5).map { ActivationRecord(tokens: ["q\($0)"], activations: [0]) }
        let e = FeatureExamples(id: "f", train: [], test: records, nonActivating: quiet)
        let c = ScoreStage.capped(e, 3)
        #expect(c.test.map { $0.tokens[0] } == ["x0", "x3", "x6"])
        #expect(c.nonActivating.count == 3)
        #expect(ScoreStage.capped(e, nil) == e)
        #expect(ScoreStage.capped(e, 20) == e)
    }

    @Test func reimportingAChangedDescriptionDropsItsOldScores() throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        var features = try colourRecords()
        try ScoreStage.importRecords(features, into: store)
        try store.recordScore(ScoreKey(featureID: "colours", method: "wrong", explainer: ScoreStage.recordsExplainer, scorer: "embedding"), value: 0.1)
        try store.recordScore(ScoreKey(featureID: "colours", method: "right", explainer: ScoreStage.recordsExplainer, scorer: "embedding"), value: 0.9)
        #expect(try ScoreStage.importRecords(features, into: store) == 0)
        features[0].descriptions[1].text = "colours"
        #expect(try ScoreStage.importRecords(features, into: store) == 1)
        #expect(try store.scores().map(\.key.method) == ["right"])
        #expect(try store.descriptions(featureID: "colours").map(\.text).contains("colours"))
    }
}
