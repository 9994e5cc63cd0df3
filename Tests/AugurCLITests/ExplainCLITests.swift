import Foundation
import Testing

/// `augur explain --records` → `augur export`, with the in-process SmolLM2 as the explainer, and the
/// bad-input cases of `explain`.
@Suite(.serialized) struct ExplainCLITests {
    @Test func explainRecordsThenExport() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-explain-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A feature that fires on colour words.
        let sentences = ["The sky was blue and the grass was green today .", "She painted the door red and the wall white .",
                         "His old car is yellow with a black roof .", "They bought an orange kite and a purple ball .",
                         "The report was filed on Monday at noon .", "We walked to the station after lunch ."]
        let colours: Set<String> = ["blue", "green", "red", "white", "yellow", "black", "orange", "purple"]
        let records = sentences.map { s -> [String: Any] in
            let tokens = s.split(separator: " ").map { " " + $0 }
            return ["tokens": tokens, "activations": tokens.map { colours.contains($0.trimmingCharacters(in: .whitespaces)) ? 5.0 : 0.0 }]
        }
        let file = dir.appendingPathComponent("colours.json")
        try JSONSerialization.data(withJSONObject: [["id": "colours", "records": records]]).write(to: file)
        let run = dir.appendingPathComponent("run").path

        let r = try augur(["explain", "--records", file.path, "--methods", "maxact", "--explainer", "smollm2-135m-instruct",
                           "--no-response-cache", "--out", run])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("1 described") || r.err.contains("1 failed"), "\(r.err)")
        #expect(r.err.contains("prefix cache:"), "\(r.err)")

        let export = try augur(["export", run, "--format", "jsonl"])
        #expect(export.code == 0, "\(export.err)")
        let lines = export.out.split(separator: "\n")
        #expect(lines.count == 1)
        let feature = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(feature?["id"] as? String == "colours")
        if r.err.contains("1 described") {
            let d = (feature?["descriptions"] as? [[String: Any]])?.first
            #expect(d?["method"] as? String == "maxact" && !((d?["text"] as? String) ?? "").isEmpty, "\(export.out)")
        }

        // Rerun: nothing left to do.
        let again = try augur(["explain", "--records", file.path, "--methods", "maxact", "--explainer", "smollm2-135m-instruct",
                               "--no-response-cache", "--out", run])
        #expect(again.code == 0 && (again.err.contains("1 already done") || again.err.contains("retried")), "\(again.err)")

        // Bad input.
        let outputSide = try augur(["explain", "--records", file.path, "--methods", "vocabproj", "--out", run])
        #expect(outputSide.code != 0 && outputSide.err.contains("vocabproj"), "\(outputSide.err)")
        let unknown = try augur(["explain", "--records", file.path, "--methods", "maxact,vibes", "--out", run])
        #expect(unknown.code != 0 && unknown.err.contains("vibes"), "\(unknown.err)")
        let other = dir.appendingPathComponent("other.json")
        try FileManager.default.copyItem(at: file, to: other)
        let mixed = try augur(["explain", "--records", other.path, "--methods", "maxact", "--out", run])
        #expect(mixed.code != 0 && mixed.err.contains("--force"), "\(mixed.err)")
        let refused = try augur(["explain", "--records", file.path, "--methods", "maxact", "--explainer-url", "http://127.0.0.1:9/v1",
                                 "--explainer-model", "x", "--no-response-cache", "--out", dir.appendingPathComponent("run2").path])
        #expect(refused.code == 0 && refused.err.contains("1 failed"), "\(refused.err)")
        let nothing = try augur(["score", "--run", dir.appendingPathComponent("run2").path, "--scorers", "embedding"])
        #expect(nothing.code != 0 && nothing.err.contains("no descriptions"), "\(nothing.err)")

        // Scoring: the embedding scorer on the described feature; unknown and not-yet-wired scorers refused.
        if r.err.contains("1 described") {
            let score = try augur(["score", "--run", run, "--scorers", "embedding"])
            #expect(score.code == 0 && score.err.contains("1 scores"), "\(score.err)")
            let scored = try JSONSerialization.jsonObject(with: Data(try augur(["export", run]).out.utf8)) as? [String: Any]
            let s = (scored?["scores"] as? [[String: Any]])?.first
            #expect(s?["scorer"] as? String == "embedding" && s?["value"] is Double, "\(String(describing: scored))")
        }
        let vibes = try augur(["score", "--run", run, "--scorers", "vibes"])
        #expect(vibes.code != 0 && vibes.err.contains("'vibes'"), "\(vibes.err)")
        let surprisal = try augur(["score", "--run", run, "--scorers", "surprisal"])
        #expect(surprisal.code != 0 && surprisal.err.contains("surprisal"), "\(surprisal.err)")
        let notRun = try augur(["export", dir.path])
        #expect(notRun.code != 0 && notRun.err.contains("not a run folder"), "\(notRun.err)")
    }
}
