import Foundation
import Testing

/// `augur score`: records files with descriptions scored side by side, the summary, refusals and
/// bad input; surprisal with the subject model reopened from a latent cache.
@Suite(.serialized) struct ScoreCLITests {
    /// Colour-word records: 6 sentences with colours (activation 5 on them), 4 without.
    static func colourRecords() -> [[String: Any]] {
        let sentences = ["The sky was blue and the grass was green today .", "She painted the door red and the wall white .",
                         "His old car is yellow with a black roof .", "They bought an orange kite and a purple ball .",
                         "A grey cat sat on the brown mat .", "The pink flowers and the blue vase look nice .",
                         "The report was filed on Monday at noon .", "We walked to the station after lunch .",
                         "He counted the money twice before leaving .", "The train was late again this morning ."]
        let colours: Set<String> = ["blue", "green", "red", "white", "yellow", "black", "orange", "purple", "grey", "brown", "pink"]
        return sentences.map { s in
            let tokens = s.split(separator: " ").map { " " + $0 }
            return ["tokens": tokens, "activations": tokens.map { colours.contains($0.trimmingCharacters(in: .whitespaces)) ? 5.0 : 0.0 }]
        }
    }

    static let descriptions: [[String: String]] = [["method": "right", "text": "colour words such as red, blue and green"],
                                                  ["method": "wrong", "text": "days of the week and times of day"]]

    @Test func scoresARecordsFileSideBySide() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-score-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let records = Self.colourRecords()
        let activating = records.filter { (($0["activations"] as? [Double]) ?? []).contains { $0 > 0 } }
        let file = dir.appendingPathComponent("colours.json")
        try JSONSerialization.data(withJSONObject: [
            ["id": "colours", "records": records, "descriptions": Self.descriptions],
            ["id": "always", "records": activating, "descriptions": [["method": "right", "text": "colour words"]]],
        ]).write(to: file)
        let run = dir.appendingPathComponent("run").path

        let r = try augur(["score", "--records", file.path, "--out", run, "--scorers", "embedding,input-based", "--max-examples", "3"])
        #expect(r.code == 0, "\(r.err)")
        // input-based is refused (no subject model) and embedding still scores; the feature without
        // non-activating examples is a recorded failure with its cause.
        #expect(r.err.contains("input-based") && r.err.contains("no latent cache"), "\(r.err)")
        #expect(r.err.contains("2 scores, 1 failed"), "\(r.err)")
        #expect(r.err.contains("always") && r.err.contains("non-activating"), "\(r.err)")
        #expect(r.out.contains("| embedding | auroc | right | 1.000") && r.out.contains("| 1 | 1 | 0 |"), "\(r.out)")
        let summary = try String(contentsOfFile: run + "/summary.md", encoding: .utf8)
        #expect(summary == r.out)

        let export = try augur(["export", run, "--format", "jsonl"])
        let lines = export.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let colours = try #require(lines.first { $0["id"] as? String == "colours" })
        let scores = (colours["scores"] as? [[String: Any]]) ?? []
        let right = scores.first { $0["method"] as? String == "right" }?["value"] as? Double
        let wrong = scores.first { $0["method"] as? String == "wrong" }?["value"] as? Double
        #expect(right != nil && wrong != nil && (right ?? 0) > (wrong ?? 1), "\(scores)")
        let always = try #require(lines.first { $0["id"] as? String == "always" })
        #expect(((always["scores"] as? [[String: Any]])?.first?["failed"] as? Bool) == true, "\(always)")

        // A rerun scores nothing new (the failure is retried); --summary-only just reprints.
        let again = try augur(["score", "--records", file.path, "--out", run, "--scorers", "embedding", "--max-examples", "3"])
        #expect(again.code == 0 && again.err.contains("0 scores, 1 failed, 2 already done, 1 earlier failures retried"), "\(again.err)")
        let only = try augur(["score", "--run", run, "--summary-only"])
        #expect(only.code == 0 && only.out == r.out, "\(only.out)\(only.err)")

        // Surprisal on a records run: refused without a base model, scored with --base-model.
        let noBase = try augur(["score", "--run", run, "--scorers", "surprisal"])
        #expect(noBase.code != 0 && noBase.err.contains("surprisal") && noBase.err.contains("--base-model"), "\(noBase.err)")

        // Bad input: each is refused with a message naming the culprit.
        let missing = dir.appendingPathComponent("missing.json")
        try JSONSerialization.data(withJSONObject: [["id": "colours", "records": records, "descriptions": Self.descriptions],
                                                    ["id": "bare", "records": records]]).write(to: missing)
        let noDescriptions = try augur(["score", "--records", missing.path, "--out", dir.appendingPathComponent("r2").path])
        #expect(noDescriptions.code != 0 && noDescriptions.err.contains("feature 1 (id 'bare')") && noDescriptions.err.contains("no descriptions"),
                "\(noDescriptions.err)")
        let empty = dir.appendingPathComponent("empty.json")
        try JSONSerialization.data(withJSONObject: [["id": 7, "records": records, "descriptions": [Any]()]]).write(to: empty)
        let emptyList = try augur(["score", "--records", empty.path, "--out", dir.appendingPathComponent("r3").path])
        #expect(emptyList.code != 0 && emptyList.err.contains("feature 0 (id '7')"), "\(emptyList.err)")
        let vibes = try augur(["score", "--run", run, "--scorers", "embedding,vibes"])
        #expect(vibes.code != 0 && vibes.err.contains("'vibes'"), "\(vibes.err)")
        let noOut = try augur(["score", "--records", file.path])
        #expect(noOut.code != 0 && noOut.err.contains("--out"), "\(noOut.err)")
        let notRun = try augur(["score", "--run", dir.path])
        #expect(notRun.code != 0 && notRun.err.contains("not a run folder"), "\(notRun.err)")
    }

    @Test func surprisalReopensTheSubjectModelFromTheCache() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-score-cache-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.txt")
        try (0..<30).map { "Paragraph \($0): the river flows past the old mill, and the sky was blue over the red door." }
            .joined(separator: "\n\n").write(to: corpus, atomically: true, encoding: .utf8)
        let cache = dir.appendingPathComponent("cache").path
        let built = try augur(["cache", "--neurons", "--topk", "32", "--hook", "blocks.2.mlp.hook_post", "--corpus", corpus.path,
                               "--tokens", "256", "--context-length", "32", "--out", cache])
        #expect(built.code == 0, "\(built.err)")
        // Descriptions written elsewhere for neuron 5 of that hook, scored with the cache's model as the base LM.
        let file = dir.appendingPathComponent("neuron.json")
        try JSONSerialization.data(withJSONObject: [["id": "blocks.2.mlp.hook_post/5", "records": Self.colourRecords(),
                                                     "descriptions": Self.descriptions]]).write(to: file)
        let run = dir.appendingPathComponent("run").path
        let r = try augur(["score", "--records", file.path, "--cache", cache, "--out", run, "--scorers", "surprisal", "--max-examples", "2"])
        #expect(r.code == 0 && r.err.contains("2 scores, 0 failed"), "\(r.err)")
        #expect(r.out.contains("| surprisal | auroc | right |") && r.out.contains("| surprisal | auroc | wrong |"), "\(r.out)")
        let noCache = try augur(["score", "--run", dir.path + "/nowhere", "--scorers", "surprisal"])
        #expect(noCache.code != 0)
        let misplaced = try augur(["score", "--run", run, "--cache", cache])
        #expect(misplaced.code != 0 && misplaced.err.contains("--cache goes with --records"), "\(misplaced.err)")
    }
}
