import AugurActivations
import AugurInterp
import AugurLLM
import AugurPipeline
import Foundation
import Testing

@Suite struct DelphiExportTests {
    static let hook = "blocks.3.hook_resid_post"
    static let feature = FeatureRecord(id: "\(hook)/17", hook: hook, latent: 17, density: 0.01, maxActivation: 4)

    /// A detection-style outcome: an activating example answered right with P 0.9, a
    /// non-activating one answered wrong with P 0.6, and a failed one.
    static func outcome(_ scorer: String, method: String, text: String) -> ScoreOutcome {
        let predictions = [
            ExamplePrediction(text: "In 1932 it opened.", tokens: ["In", " 1932", " it", " opened", "."], activating: true,
                              quantile: 3, label: true, predicted: true, probability: 0.9, activations: [0, 4, 0, 0, 0]),
            ExamplePrediction(text: "It rained.", tokens: ["It", " rained", "."], activating: false, label: false,
                              predicted: true, probability: 0.6, activations: [0, 0, 0]),
            ExamplePrediction(text: "Page 3.", tokens: ["Page", " 3", "."], activating: true, quantile: 1, label: true,
                              activations: [0, 2, 0], failed: true),
        ]
        var o = ScoreOutcome(scorer: scorer, featureID: feature.id, description: FeatureDescription(method: method, text: text),
                             model: "test", primaryMetric: MetricKey.balancedAccuracy, predictions: predictions,
                             failures: [ScoringFailure(examples: [2], cause: "timeout")])
        o.values[MetricKey.balancedAccuracy] = 0.5
        return o
    }

    static func record(_ store: RunStore, _ outcome: ScoreOutcome, method: String) throws {
        let details = String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self)
        try store.recordScore(ScoreKey(featureID: outcome.featureID, method: method, explainer: "fake", scorer: outcome.scorer),
                              value: outcome.value ?? 0, detailsJSON: details)
    }

    static func json(_ url: URL) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url), options: [.fragmentsAllowed])
    }

    @Test func oneMethodWritesDelphisFoldersAtTheTop() throws {
        let dir = temporaryRunDirectory(), out = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: out) }
        let store = try RunStore(directory: dir)
        try store.upsertFeatures([Self.feature, FeatureRecord(id: "records/my feature")])
        try store.record(success(Self.feature.id, .maxact, "years and \"numbers\" / digits"))
        try store.record(success("records/my feature", .maxact, "colors"))
        try Self.record(store, Self.outcome("detection", method: "maxact", text: "years"), method: "maxact")
        try Self.record(store, Self.outcome("fuzzing", method: "maxact", text: "years"), method: "maxact")
        try store.recordScoreFailure(ScoreKey(featureID: Self.feature.id, method: "maxact", explainer: "fake", scorer: "simulation"),
                                     cause: "every prompt failed")

        let summary = try store.exportDelphi(to: out)
        #expect(summary.folders == [""])
        #expect(summary.explanations == 2 && summary.scoreFiles == 2)
        #expect(summary.skipped.count == 1 && summary.skipped[0].contains("simulation"))

        let name = "blocks.3.hook_resid_post_latent17"
        let explanation = out.appendingPathComponent("explanations/\(name).txt")
        #expect(try Self.json(explanation) as? String == "years and \"numbers\" / digits")
        // A records-file id keeps its name, with `/` replaced as delphi does.
        #expect(try Self.json(out.appendingPathComponent("explanations/records--my feature.txt")) as? String == "colors")

        let rows = try #require(try Self.json(out.appendingPathComponent("scores/detection/\(name).txt")) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(rows[0]["str_tokens"] as? [String] == ["In", " 1932", " it", " opened", "."])
        #expect(rows[0]["activations"] as? [Double] == [0, 4, 0, 0, 0])
        #expect(rows[0]["distance"] as? Double == 3 && rows[0]["activating"] as? Bool == true)
        #expect(rows[0]["prediction"] as? Bool == true && rows[0]["correct"] as? Bool == true)
        #expect(rows[0]["probability"] as? Double == 0.9)
        #expect(rows[1]["distance"] as? Double == -1 && rows[1]["activating"] as? Bool == false)
        #expect(rows[1]["prediction"] as? Bool == true && rows[1]["correct"] as? Bool == false)
        // A failed example has no prediction: null, never false.
        #expect(rows[2]["prediction"] is NSNull && rows[2]["correct"] is NSNull && rows[2]["probability"] is NSNull)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("scores/fuzz/\(name).txt").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("scores/simulation").path))
    }

    @Test func severalMethodsGetAFolderEach() throws {
        let dir = temporaryRunDirectory(), out = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: out) }
        let store = try RunStore(directory: dir)
        try store.upsertFeatures([Self.feature])
        try store.record(success(Self.feature.id, .maxact, "years"))
        try store.record(success(Self.feature.id, .vocabproj, "numbers"))
        try Self.record(store, Self.outcome("detection", method: "maxact", text: "years"), method: "maxact")
        try Self.record(store, Self.outcome("detection", method: "vocabproj", text: "numbers"), method: "vocabproj")

        let summary = try store.exportDelphi(to: out)
        #expect(summary.folders == ["maxact", "vocabproj"])
        #expect(summary.explanations == 2 && summary.scoreFiles == 2 && summary.skipped.isEmpty)
        let name = "blocks.3.hook_resid_post_latent17"
        #expect(try Self.json(out.appendingPathComponent("maxact/explanations/\(name).txt")) as? String == "years")
        #expect(try Self.json(out.appendingPathComponent("vocabproj/explanations/\(name).txt")) as? String == "numbers")
        let rows = try #require(try Self.json(out.appendingPathComponent("vocabproj/scores/detection/\(name).txt")) as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("explanations").path))
    }

    @Test func namesFollowDelphisLatentRepr() {
        #expect(RunStore.delphiName(id: "x", hook: "layers.6", latent: 3) == "layers.6_latent3")
        #expect(RunStore.delphiName(id: "blocks.2.hook_resid_post/40", hook: nil, latent: nil) == "blocks.2.hook_resid_post_latent40")
        #expect(RunStore.delphiName(id: "a/b", hook: nil, latent: nil) == "a--b")
        #expect(RunStore.delphiScorerFolder("fuzzing") == "fuzz" && RunStore.delphiScorerFolder("detection") == "detection")
    }
}
