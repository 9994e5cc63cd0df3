import Foundation
import Testing

/// `augur init` and `augur run` end to end on a tiny configuration: a full run, a rerun that does
/// nothing new, a different configuration refused, a run killed (SIGKILL) while caching then
/// resumed to the same results as the uninterrupted one, and a run killed while explaining and
/// again while scoring that keeps what it stored and does only the rest.
@Suite(.serialized) struct RunCLITests {
    static func tinyConfig(corpus: String, k: Int = 8, sae: String = "", latents: Int = 1, methods: String = "\"maxact\"",
                           scorers: String = "\"embedding\"", responseCache: Bool = true, trainTokens: Int = 512) -> String {
        """
        [model]
        name = "smollm2-135m-instruct"
        hook = "blocks.2.hook_resid_post"
        [corpus]
        source = "\(corpus)"
        context_length = 32
        [sae]
        load = "\(sae)"
        train_tokens = \(trainTokens)
        expansion = 2
        k = \(k)
        batch_rows = 128
        checkpoint_every = 256
        held_out = 0.2
        eval_tokens = 64
        [cache]
        tokens = 512
        [latents]
        select = "top-density:\(latents)"
        [neurons]
        select = "top-density:1"
        topk = 16
        [examples]
        window_length = 8
        train_count = 6
        test_count = 4
        non_activating_count = 4
        quantiles = 2
        min_examples = 3
        [explain]
        methods = [\(methods)]
        model = "smollm2-135m-instruct"
        concurrency = 1
        response_cache = \(responseCache)
        [score]
        scorers = [\(scorers)]
        response_cache = \(responseCache)
        concurrency = 1
        """
    }

    /// Features of a run as exported: id → (descriptions by method, embedding score by method).
    static func exported(_ run: String) throws -> [String: [String: String]] {
        let r = try augur(["export", run, "--format", "jsonl"])
        #expect(r.code == 0, "\(r.err)")
        var out: [String: [String: String]] = [:]
        for line in r.out.split(separator: "\n") {
            guard let f = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = f["id"] as? String else { continue }
            var row: [String: String] = [:]
            for d in f["descriptions"] as? [[String: Any]] ?? [] {
                row["d:" + ((d["method"] as? String) ?? "?")] = d["text"] as? String
            }
            for s in f["scores"] as? [[String: Any]] ?? [] {
                row["s:\((s["scorer"] as? String) ?? "?"):\((s["method"] as? String) ?? "?")"] = "\(s["value"] ?? "nil")"
            }
            out[id] = row
        }
        return out
    }

    static func files(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name != "manifest.json" {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent(name))
        }
        return out
    }

    @Test func initWritesTheDefaultsAndRunRefusesBadConfigs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-init-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("augur.toml").path
        let r = try augur(["init", "--out", file])
        #expect(r.code == 0, "\(r.err)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("[sae]") && text.contains("train_tokens = 64_000") && text.contains("# "))
        let again = try augur(["init", "--out", file])
        #expect(again.code != 0 && again.err.contains("--force"), "\(again.err)")

        let bad = dir.appendingPathComponent("bad.toml").path
        try "[sae]\nk = 8\nexpansoin = 4\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let unknown = try augur(["run", bad, "--out", dir.appendingPathComponent("run").path])
        #expect(unknown.code != 0 && unknown.err.contains("bad.toml:3") && unknown.err.contains("sae.expansoin"), "\(unknown.err)")
        try "[corpus]\ncontext_length = \"long\"\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let wrongType = try augur(["run", bad, "--out", dir.appendingPathComponent("run").path])
        #expect(wrongType.code != 0 && wrongType.err.contains("bad.toml:2") && wrongType.err.contains("corpus.context_length"), "\(wrongType.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
    }

    @Test func runRerunRefuseAndResumeAfterKill() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-run-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.txt")
        let paragraphs = (0..<80).map { i in
            "Paragraph \(i): the river flows past the old mill, and the miller counts \(i * 7) sacks of grain before the winter market opens in town."
        }
        try paragraphs.joined(separator: "\n\n").write(to: corpus, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("tiny.toml").path
        try Self.tinyConfig(corpus: corpus.path).write(toFile: config, atomically: true, encoding: .utf8)

        // A full run.
        let a = dir.appendingPathComponent("a").path
        let first = try augur(["run", config, "--out", a])
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("Stage wall times") && first.out.contains("embedding") && first.out.contains("augur serve \(a)"), "\(first.out)")
        for stage in ["corpus", "sae", "cache-sae", "cache-neurons", "evidence", "explain", "score", "summary"] {
            #expect(first.err.contains("▸ \(stage):"), "no \(stage) stage in \(first.err)")
        }
        let features = try Self.exported(a)
        #expect(features.count == 2, "\(features)")
        #expect(features.keys.filter { $0.hasPrefix("blocks.2.mlp.hook_post/") }.count == 1)
        #expect(features.values.contains { $0["d:maxact"] != nil }, "\(features)")
        #expect(features.values.contains { $0["s:embedding:maxact"] != nil }, "\(features)")
        #expect(FileManager.default.fileExists(atPath: a + "/config.toml"))
        let report = (try? String(contentsOfFile: a + "/report.html", encoding: .utf8)) ?? ""
        #expect(report.contains("<svg") && report.contains("embedding") && !report.contains("<script"), "report: \(report.prefix(300))")

        // The same command again: every stage already done.
        let rerun = try augur(["run", config, "--out", a])
        #expect(rerun.code == 0, "\(rerun.err)")
        #expect(rerun.err.contains("already trained") && rerun.err.contains("already cached") && rerun.err.contains("0 described"), "\(rerun.err)")
        #expect(rerun.err.contains("0 scored"), "\(rerun.err)")
        #expect(try Self.exported(a) == features)

        // A different configuration into the same folder is refused, naming what differs.
        let other = dir.appendingPathComponent("other.toml").path
        try Self.tinyConfig(corpus: corpus.path, k: 4).write(toFile: other, atomically: true, encoding: .utf8)
        let refused = try augur(["run", other, "--out", a])
        #expect(refused.code != 0 && refused.err.contains("--force") && refused.err.contains("sae.k"), "\(refused.err)")
        #expect(try Self.exported(a) == features)

        // Killed while caching, then rerun: the same caches, features and descriptions. This run loads
        // the first run's SAE (so it skips training) and gets the explainer's replies from the response
        // cache when they are the same requests.
        let b = dir.appendingPathComponent("b").path
        let loading = dir.appendingPathComponent("load.toml").path
        try Self.tinyConfig(corpus: corpus.path, sae: a + "/sae/blocks.2.hook_resid_post").write(toFile: loading, atomically: true, encoding: .utf8)
        let killedAt = try runAndKill(["run", loading, "--out", b], when: "▸ cache-sae", after: 1.0, log: dir.appendingPathComponent("b.log"))
        #expect(killedAt != nil, "the run ended before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: b + "/summary.md"))
        let resumed = try augur(["run", loading, "--out", b])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(try Self.files(b + "/cache/sae") == (try Self.files(a + "/cache/sae")))
        #expect(try Self.files(b + "/cache/neurons") == (try Self.files(a + "/cache/neurons")))
        #expect(try Self.exported(b) == features)

        // Killed while explaining, and again while scoring (no response cache, so every reply is
        // computed): the rerun keeps what was stored before each kill and does only the rest.
        let c = dir.appendingPathComponent("c").path
        let bigger = dir.appendingPathComponent("bigger.toml").path
        try Self.tinyConfig(corpus: corpus.path, sae: a + "/sae/blocks.2.hook_resid_post", latents: 4,
                            methods: "\"maxact\", \"vocabproj\"", scorers: "\"embedding\", \"detection\", \"fuzzing\"", responseCache: false)
            .write(toFile: bigger, atomically: true, encoding: .utf8)
        // 1. Killed once a description is stored. 2. Rerun: explain resumes; killed once a score is
        // stored. 3. Rerun to the end: score resumes.
        let killedInExplain = try runAndKill(["run", bigger, "--out", c], when: "▸ explain:", after: 0,
                                             log: dir.appendingPathComponent("c1.log"), until: { Self.storedCount(c, keyPrefix: "d:") > 0 })
        #expect(killedInExplain != nil && killedInExplain?.contains("▸ score:") == false, "not killed during explain: \(killedInExplain ?? "it ended")")
        let afterExplainKill = try Self.exported(c)
        let killedInScore = try runAndKill(["run", bigger, "--out", c], when: "▸ score:", after: 0,
                                           log: dir.appendingPathComponent("c2.log"), until: { Self.storedCount(c, keyPrefix: "s:") > 0 })
        #expect(killedInScore != nil && killedInScore?.contains("▸ summary:") == false, "not killed during score: \(killedInScore ?? "it ended")")
        let afterScoreKill = try Self.exported(c)
        let finished = try augur(["run", bigger, "--out", c])
        #expect(finished.code == 0, "\(finished.err)")
        let done = try Self.exported(c)
        for (stage, log, before) in [("explain", killedInScore ?? "", afterExplainKill), ("score", finished.err, afterScoreKill)] {
            // What was stored before the kill is still there, unchanged.
            for (id, row) in before {
                for (key, value) in row { #expect(done[id]?[key] == value, "\(id) \(key) changed after resuming \(stage)") }
            }
            // The resumed stage found work already done and did only the rest.
            let line = try #require(log.split(separator: "\n").first { $0.contains("\(stage) done in") }.map(String.init), "\(log)")
            let already = try #require(line.firstMatch(of: #/(\d+) already done/#)).output.1
            #expect((Int(String(already)) ?? 0) > 0, "\(stage) redid everything: \(line)")
        }
        #expect(done.count >= 3, "\(done.keys)")
        for (id, row) in done {
            for method in ["maxact", "vocabproj"] where row["d:" + method] != nil {
                #expect(row["s:embedding:\(method)"] != nil && row["s:detection:\(method)"] != nil, "\(id) \(method) unscored: \(row)")
            }
        }
    }

    @Test func saeTrainingResumesAfterKill() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-run-sae-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.txt")
        let paragraphs = (0..<300).map { i in
            "Note \(i): the ferry leaves the harbour at \(i % 12 + 1) o'clock, carrying \(i * 3) passengers and their bicycles across the bay."
        }
        try paragraphs.joined(separator: "\n\n").write(to: corpus, atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("train.toml").path
        try Self.tinyConfig(corpus: corpus.path, trainTokens: 6_144).write(toFile: config, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("run").path
        let checkpoint = run + "/sae/checkpoint"
        // Killed once the first checkpoint (every 256 tokens) is on disk.
        let killed = try runAndKill(["run", config, "--out", run], when: "▸ sae:", after: 0, log: dir.appendingPathComponent("kill.log"),
                                    until: { FileManager.default.fileExists(atPath: checkpoint) })
        #expect(killed != nil && killed?.contains("sae done in") == false, "not killed during training: \(killed ?? "it ended")")
        let resumed = try augur(["run", config, "--out", run])
        #expect(resumed.code == 0, "\(resumed.err)")
        // The rerun continued from the checkpoint: its first progress line is past the first 256 tokens.
        let first = try #require(resumed.err.split(separator: "\n").first { $0.hasPrefix("sae ") }.map(String.init), "\(resumed.err)")
        let done = try #require(first.firstMatch(of: #/ (\d+)/6144 tokens/#)).output.1
        #expect((Int(String(done)) ?? 0) > 256, "training started over: \(first)")
        #expect(resumed.err.contains("FVU") && resumed.err.contains("loss recovered"), "\(resumed.err)")
        #expect(try Self.exported(run).count == 2)
    }

    /// How many exported rows of a run start with `keyPrefix` (`d:` descriptions, `s:` scores); 0
    /// while the run has no store yet.
    static func storedCount(_ run: String, keyPrefix: String) -> Int {
        guard let r = try? augur(["export", run, "--format", "jsonl"]), r.code == 0 else { return 0 }
        return r.out.split(separator: "\n").reduce(0) { n, line in
            guard let f = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return n }
            let key = keyPrefix == "d:" ? "descriptions" : "scores"
            return n + ((f[key] as? [Any])?.count ?? 0)
        }
    }

    /// Starts `augur args`, waits until its standard error contains `marker` and `until` holds, then
    /// `after` seconds more, and kills it with SIGKILL. Returns the stderr seen when it was killed,
    /// nil if it ended first.
    func runAndKill(_ args: [String], when marker: String, after: Double, log: URL,
                    until ready: () -> Bool = { true }) throws -> String? {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var url = bin.appendingPathComponent("augur")
        if !FileManager.default.fileExists(atPath: url.path) {
            url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/augur")
        }
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = url
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(600)
        var seen = false
        while p.isRunning && Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains(marker) && ready() {
                if !seen { seen = true; Thread.sleep(forTimeInterval: after) }
                guard p.isRunning else { break }
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                try handle.close()
                return try String(contentsOf: log, encoding: .utf8)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        p.waitUntilExit()
        try handle.close()
        return nil
    }
}
