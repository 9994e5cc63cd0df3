import AugurActivations
import AugurInterp
import AugurLLM
import AugurPipeline
import Foundation
import Testing

@Suite struct RunStoreTests {
    @Test func descriptionsAndFeaturesRoundTrip() throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("augur.sqlite").path))
        #expect(try store.journalMode() == "wal")
        #expect(try store.runInfo() == nil)
        let info = try store.recordRun(configJSON: "{\"methods\":[\"maxact\"]}", augurVersion: "0.1.0")
        #expect(try store.runInfo() == info)

        let feature = FeatureRecord(id: "blocks.6.hook_resid_post/17", hook: "blocks.6.hook_resid_post", latent: 17, density: 0.002,
                                    maxActivation: 7.5, evidence: evidence("blocks.6.hook_resid_post/17"))
        try store.upsertFeatures([feature, FeatureRecord(id: "plain")])
        #expect(try store.features() == [feature, FeatureRecord(id: "plain")])
        #expect(try store.feature(id: "blocks.6.hook_resid_post/17") == feature)
        #expect(try store.feature(id: "nope") == nil)

        let outcome = success(feature.id, .maxact, "The word of the feature")
        try store.record(outcome)
        let stored = try store.descriptions(featureID: feature.id)
        #expect(stored.count == 1)
        let d = try #require(stored.first)
        #expect(d.text == "The word of the feature" && d.method == "maxact" && d.explainer == "fake")
        #expect(d.rawReply == "[EXPLANATION]: The word of the feature" && d.rawReplies == [d.rawReply])
        #expect(d.seconds == 1.5)
        #expect(d.usage == ChatUsage(promptTokens: 120, cachedPromptTokens: 30, completionTokens: 9))
        let messages = try JSONDecoder().decode([ChatMessage].self, from: Data(d.promptJSON.utf8))
        #expect(messages == outcome.success?.messages)
        let shown = try JSONDecoder().decode(EvidenceShown.self, from: Data(d.evidenceShownJSON.utf8))
        #expect(shown == outcome.success?.shown)

        // Re-recording the same key replaces the description rather than duplicating it.
        try store.record(success(feature.id, .maxact, "A better description"))
        #expect(try store.descriptions(featureID: feature.id).map(\.text) == ["A better description"])
        // A description for an unknown feature adds the feature.
        try store.record(success("new", .vocabproj, "Promotes news"))
        #expect(try store.feature(id: "new") == FeatureRecord(id: "new"))
    }

    @Test func resumeQueriesAndFailureRetryBookkeeping() throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        try store.saveEvidence([evidence("a"), evidence("b")])
        try store.record(success("a", .maxact, "Feature a"))
        try store.record(success("a", .maxact, "Feature a by another", explainer: "other"))
        try store.record(failure("b", .maxact, "reply unusable: a refusal"))

        #expect(try store.completedExplanations(explainer: "fake") == [ExplanationKey(featureID: "a", method: "maxact", explainer: "fake")])
        #expect(try store.completedExplanations().count == 2)
        let pending = try store.pendingExplanations(featureIDs: ["a", "b"], methods: [.maxact, .vocabproj], explainer: "fake")
        #expect(pending == [ExplanationKey(featureID: "a", method: "vocabproj", explainer: "fake"),
                            ExplanationKey(featureID: "b", method: "maxact", explainer: "fake"),
                            ExplanationKey(featureID: "b", method: "vocabproj", explainer: "fake")])

        var failed = try store.failedExplanations(explainer: "fake")
        #expect(failed.count == 1)
        #expect(failed.first?.attempts == 1 && failed.first?.stage == "explain" && failed.first?.cause.contains("refusal") == true)
        #expect(failed.first?.raw == "[\"garbage\",\"more garbage\"]")
        // No description came out of the failure.
        #expect(try store.descriptions(featureID: "b").isEmpty)

        try store.record(failure("b", .maxact, "reply unusable: too long"))
        failed = try store.failedExplanations(explainer: "fake")
        #expect(failed.count == 1 && failed.first?.attempts == 2 && failed.first?.cause.contains("too long") == true)

        try store.record(success("b", .maxact, "Feature b"))
        #expect(try store.failedExplanations().isEmpty)
        #expect(try store.descriptions(featureID: "b").map(\.text) == ["Feature b"])
        // A failure after a success keeps the description.
        try store.record(failure("b", .maxact, "reply unusable: again"))
        #expect(try store.descriptions(featureID: "b").map(\.text) == ["Feature b"])
        #expect(try store.failedExplanations().count == 1)
    }

    @Test func scoresAndScoreFailures() throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        let key = ScoreKey(featureID: "a", method: "maxact", explainer: "fake", scorer: "detection")
        try store.recordScoreFailure(key, cause: "llm: HTTP 500", raw: "oops")
        #expect(try store.completedScores().isEmpty)
        #expect(try store.scores(featureID: "a").map(\.failed) == [true])
        #expect(try store.failures(stage: "score").first?.scorer == "detection")
        try store.recordScore(key, value: 0.82, detailsJSON: "{\"f1\":0.8}")
        #expect(try store.completedScores() == [key])
        #expect(try store.failures(stage: "score").isEmpty)
        let s = try #require(try store.scores().first)
        #expect(s.value == 0.82 && !s.failed && s.detailsJSON == "{\"f1\":0.8}")
        // A later failure does not erase the successful score.
        try store.recordScoreFailure(key, cause: "llm: timeout")
        #expect(try store.scores().first?.value == 0.82)
        #expect(try store.completedScores() == [key])
    }

    @Test func exportWritesOneJSONObjectPerFeature() throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        try store.upsertFeatures([FeatureRecord(id: "h/1", hook: "h", latent: 1, density: 0.01, maxActivation: 3), FeatureRecord(id: "x")])
        try store.record(success("h/1", .maxact, "Input side"))
        try store.record(success("h/1", .vocabproj, "Output side"))
        try store.record(failure("x", .maxact, "nothing usable"))
        try store.recordScore(ScoreKey(featureID: "h/1", method: "maxact", explainer: "fake", scorer: "detection"), value: 0.75)
        try store.recordScoreFailure(ScoreKey(featureID: "h/1", method: "vocabproj", explainer: "fake", scorer: "fuzzing"), cause: "boom")

        let lines = try store.exportLines()
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["id"] as? String == "h/1")
        #expect(first["hook"] as? String == "h")
        #expect(first["latent"] as? Int == 1)
        #expect(first["density"] as? Double == 0.01)
        #expect(first["max_activation"] as? Double == 3)
        let descriptions = try #require(first["descriptions"] as? [[String: Any]])
        #expect(descriptions.map { $0["method"] as? String } == ["maxact", "vocabproj"])
        #expect(descriptions.map { $0["text"] as? String } == ["Input side", "Output side"])
        let scores = try #require(first["scores"] as? [[String: Any]])
        #expect(scores.count == 2)
        #expect(scores[0]["scorer"] as? String == "detection" && scores[0]["value"] as? Double == 0.75 && scores[0]["failed"] == nil)
        #expect(scores[1]["scorer"] as? String == "fuzzing" && scores[1]["value"] == nil && scores[1]["failed"] as? Bool == true)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["id"] as? String == "x")
        #expect((second["descriptions"] as? [Any])?.isEmpty == true)
        #expect(second["scores"] == nil && second["hook"] == nil)

        let out = dir.appendingPathComponent("export.jsonl")
        #expect(FileManager.default.createFile(atPath: out.path, contents: nil))
        let handle = try FileHandle(forWritingTo: out)
        try store.exportJSONL(to: handle)
        try handle.close()
        #expect(try String(contentsOf: out, encoding: .utf8) == lines.joined(separator: "\n") + "\n")
    }

    @Test func reopeningAStoreKeepsEverythingAndChecksTheConfiguration() throws {
        let dir = temporaryRunDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let store = try RunStore(directory: dir)
            try store.recordRun(configJSON: "{\"a\": 1, \"b\": [2, 3]}", augurVersion: "0.1.0")
            try store.record(success("f", .maxact, "Kept across reopening"))
            try store.record(failure("g", .maxact, "still failing"))
        }
        let reopened = try RunStore(directory: dir)
        #expect(try reopened.descriptions(featureID: "f").map(\.text) == ["Kept across reopening"])
        #expect(try reopened.failedExplanations().map(\.featureID) == ["g"])
        // The same configuration (other spacing and key order) is accepted; another one is refused.
        #expect(try reopened.recordRun(configJSON: "{\"b\":[2,3],\"a\":1}", augurVersion: "0.1.0").configJSON == "{\"a\": 1, \"b\": [2, 3]}")
        #expect {
            try reopened.recordRun(configJSON: "{\"a\": 2}", augurVersion: "0.1.0")
        } throws: { error in
            String(describing: error).contains("another configuration")
        }
        try reopened.recordRun(configJSON: "{\"a\": 2}", augurVersion: "0.2.0", replace: true)
        #expect(try reopened.runInfo()?.configJSON == "{\"a\": 2}")
    }

    @Test func anUnwritableLocationIsAClearError() {
        #expect {
            _ = try RunStore(directory: URL(fileURLWithPath: "/proc/augur-cannot-write-here"))
        } throws: { error in
            String(describing: error).contains("/proc/augur-cannot-write-here")
        }
    }
}

@Suite struct RunStoreArtifactTests {
    @Test func artifactsAndFeatureStatisticsRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-artifacts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        #expect(try store.artifact("sae_metrics", as: [String: Double].self) == nil)
        try store.saveArtifact(RunStore.Artifact.saeMetrics, ["fvu": 0.25, "l0": 32])
        try store.saveArtifact(RunStore.Artifact.saeMetrics, ["fvu": 0.2, "l0": 32])
        #expect(try store.artifact(RunStore.Artifact.saeMetrics, as: [String: Double].self) == ["fvu": 0.2, "l0": 32])
        #expect(try store.artifactNames() == [RunStore.Artifact.saeMetrics])
        #expect(throws: RunStoreError.self) { try store.artifact(RunStore.Artifact.saeMetrics, as: [String].self) }

        let f = FeatureRecord(id: "h/3", hook: "h", latent: 3, density: 0.1, maxActivation: 4, kind: "sae", histogram: [5, 0, 2],
                              meanActivation: 1.5)
        try store.upsertFeatures([f])
        #expect(try store.feature(id: "h/3") == f)
        // Reopening keeps everything (migrations run once).
        let again = try RunStore(directory: dir)
        #expect(try again.feature(id: "h/3") == f)
    }
}
