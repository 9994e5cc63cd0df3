import Foundation
import Testing

/// corpus → train-sae → sae info → cache → cache info through the command line, on a tiny corpus.
@Suite(.serialized) struct PipelineCLITests {
    @Test func trainSAEThenCacheItsLatents() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-pipeline-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.txt")
        let paragraphs = (0..<60).map { i in
            "Paragraph \(i): the river flows past the old mill, and the miller counts \(i * 7) sacks of grain before the winter market opens."
        }
        try paragraphs.joined(separator: "\n\n").write(to: corpus, atomically: true, encoding: .utf8)
        let sae = dir.appendingPathComponent("sae").path
        let hook = "blocks.2.hook_resid_post"

        let stats = try augur(["corpus", "stats", "--corpus", corpus.path])
        #expect(stats.code == 0, "\(stats.err)")
        #expect(stats.out.contains("60"))

        let train = try augur(["train-sae", "--hook", hook, "--corpus", corpus.path, "--tokens", "512", "--context-length", "32",
                               "--batch-rows", "128", "--expansion", "2", "--k", "8", "--held-out", "0.2", "--eval-tokens", "64",
                               "--out", sae])
        #expect(train.code == 0, "\(train.err)")
        let folder = (sae as NSString).appendingPathComponent(hook)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.json"))) as? [String: Any]
        for key in ["fvu", "l0", "dead_fraction", "ce_clean", "ce_sae", "ce_zero_ablated", "loss_recovered"] {
            #expect(metrics?[key] is Double, "metrics.json lacks \(key)")
        }
        #expect((metrics?["l0"] as? Double) == 8)
        // A second run into the same folder refuses without --resume.
        let again = try augur(["train-sae", "--hook", hook, "--corpus", corpus.path, "--tokens", "512", "--out", sae])
        #expect(again.code != 0 && again.err.contains("--resume"))

        let info = try augur(["sae", "info", folder])
        #expect(info.code == 0 && info.out.contains("\"num_latents\" : 1152") && info.out.contains("topk"), "\(info.out)\(info.err)")

        // An SAE matched against itself: every latent with itself, cosine 1.
        let compareOut = dir.appendingPathComponent("compare.json").path
        let compare = try augur(["sae", "compare", folder, folder, "--out", compareOut])
        #expect(compare.code == 0 && compare.out.contains("mean cosine 1.0000"), "\(compare.out)\(compare.err)")
        let pairs = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: compareOut))) as? [String: Any])?["pairs"] as? [[String: Any]]
        #expect(pairs?.count == 1152 && pairs?.allSatisfy { ($0["a"] as? Int) == ($0["b"] as? Int) } == true)

        let cache = dir.appendingPathComponent("cache").path
        let build = try augur(["cache", "--sae", folder, "--hook", hook, "--corpus", corpus.path, "--tokens", "256",
                               "--context-length", "32", "--out", cache])
        #expect(build.code == 0, "\(build.err)")
        let summary = try augur(["cache", "info", cache])
        #expect(summary.code == 0 && summary.out.contains("\"tokens\" : 256"), "\(summary.out)\(summary.err)")

        // Bad input: each is refused with a message naming the culprit, and the cache is left as it was.
        let files = try cacheFiles(cache)
        let otherTokens = try augur(["cache", "--sae", folder, "--hook", hook, "--corpus", corpus.path, "--tokens", "128",
                                     "--context-length", "32", "--out", cache])
        #expect(otherTokens.code != 0 && otherTokens.err.contains("different arguments"), "\(otherTokens.err)")
        let noHook = try augur(["cache", "--sae", folder, "--hook", "blocks.99.hook_resid_post", "--corpus", corpus.path,
                                "--tokens", "64", "--context-length", "32", "--out", cache])
        #expect(noHook.code != 0 && noHook.err.contains("blocks.99"), "\(noHook.err)")
        let wrongWidth = try augur(["cache", "--sae", folder, "--hook", "blocks.2.mlp.hook_post", "--corpus", corpus.path,
                                    "--tokens", "64", "--context-length", "32", "--out", dir.appendingPathComponent("cache2").path])
        #expect(wrongWidth.code != 0 && wrongWidth.err.contains("1536") && wrongWidth.err.contains("576"), "\(wrongWidth.err)")
        let empty = dir.appendingPathComponent("empty.txt")
        try "\n\n  \n".write(to: empty, atomically: true, encoding: .utf8)
        let noText = try augur(["cache", "--sae", folder, "--hook", hook, "--corpus", empty.path, "--tokens", "64",
                                "--context-length", "32", "--out", dir.appendingPathComponent("cache3").path])
        #expect(noText.code != 0 && noText.err.contains("no documents"), "\(noText.err)")
        #expect(try cacheFiles(cache) == files, "a refused command changed the existing cache")
    }

    /// Every file of a cache folder with its contents, to prove refused commands leave it untouched.
    func cacheFiles(_ path: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent(name))
        }
        return out
    }
}
