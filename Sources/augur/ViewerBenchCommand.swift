import ArgumentParser
import AugurActivations
import AugurInterp
import AugurLLM
import AugurPipeline
import AugurServer
import AugurTensor
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Times the viewer on a generated store of many features (issue 8's 200 ms target).
struct ViewerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "viewer-bench",
        abstract: "Generate a run store of N features (evidence, descriptions, scores) and time the viewer's pages; prints JSON.")
    @Option(help: "Features in the generated store.") var features = 10_000
    @Option(help: "Scorers per description.") var scorers = 3
    @Option(help: "Timed requests per page (the median is reported).") var repeats = 5
    @Option(help: "Folder for the generated store (default: a temporary folder, removed afterwards).") var dir: String?
    @Option(help: "Distinct features generated; the rest are copies of them made in SQL (default: all distinct).")
    var distinct: Int?

    func validate() throws {
        guard features >= 10 else { throw ValidationError("--features must be at least 10") }
        guard (1...4).contains(scorers) else { throw ValidationError("--scorers must be in 1...4") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: dir ?? FileManager.default.temporaryDirectory.appendingPathComponent("augur-viewer-bench-\(getpid())").path)
        let keep = dir != nil
        defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
        let start = Date()
        let store = try RunStore(directory: folder)
        let unique = min(distinct ?? features, features)
        guard features % unique == 0 else { throw ValidationError("--features must be a multiple of --distinct") }
        if try store.featureCount() < unique {
            try BenchStore(features: unique, scorers: scorers).fill(store) { done in
                if done % 1000 == 0 || done == unique { printError("generated \(done)/\(unique) features") }
            }
        }
        if try store.featureCount() < features {
            try store.replicateFeatures(copies: features / unique - 1, stride: unique)
            printError("copied them to \(try store.featureCount()) features")
        }
        try store.ensureViewerIndexes()
        let buildSeconds = Date().timeIntervalSince(start)
        let size = (try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0

        let viewer = try await ViewerServer(store: store, port: 0).start()
        do {
            try await measure(viewer: viewer, buildSeconds: buildSeconds, storeBytes: size)
        } catch {
            await viewer.stop()
            throw error
        }
        await viewer.stop()
    }

    func measure(viewer: RunningViewer, buildSeconds: Double, storeBytes size: Int) async throws {
        let base = viewer.url.absoluteString.dropLast()
        func time(_ path: String, repeats: Int = repeats) async throws -> Double {
            var ms: [Double] = []
            for _ in 0..<repeats {
                let t = Date()
                guard let url = URL(string: base + path) else { throw ValidationError("bad URL \(base + path)") }
                let (data, response) = try await URLSession.shared.data(from: url)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                guard status == 200, data.count > 100 else { throw ValidationError("GET \(path) answered \(status)") }
                ms.append(Date().timeIntervalSince(t) * 1000)
            }
            return ms.sorted()[ms.count / 2]
        }
        // The summary is rendered once (in the background from the start, or by the first request)
        // and then served from the cache until the store changes: time the first request apart.
        let summaryFirst = try await time("/summary", repeats: 1)
        let scorer = BenchStore.scorerNames[0]
        let listPages: [(String, String)] = [
            ("list_default", "/"),
            ("list_sort_density", "/?sort=density"),
            ("list_sort_max_asc", "/?sort=max&order=asc"),
            ("list_sort_score_best", "/?sort=score:\(scorer)"),
            ("list_sort_score_method", "/?sort=score:\(scorer):maxact"),
            ("list_search", "/?q=river"),
            ("list_search_sorted", "/?q=numbers&sort=score:\(scorer)"),
            ("list_kind_neurons", "/?kind=neurons&sort=density"),
            ("list_page_50", "/?sort=max&page=50"),
        ]
        var list: [String: Double] = [:]
        for (name, path) in listPages { list[name] = try await time(path) }
        var featureTimes: [Double] = []
        for i in stride(from: 0, to: features, by: max(1, features / 10)) {
            featureTimes.append(try await time("/features/" + HTML.pathSegment(BenchStore.id(i))))
        }
        let summary = try await time("/summary")
        featureTimes.sort()
        let result: [String: Any] = [
            "features": features, "store_mb": Double(size) / 1e6, "build_seconds": buildSeconds, "repeats": repeats,
            "list_ms": list, "feature_ms": ["median": featureTimes[featureTimes.count / 2], "max": featureTimes.last ?? 0,
                                            "pages": featureTimes.count],
            "summary_ms": summary, "summary_first_ms": summaryFirst,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A generated store: features with the evidence sizes of the defaults (40 train, 50 test and 50
/// non-activating windows of 32 tokens, 50 + 50 VocabProj tokens, TokenChange lists), four
/// descriptions each and `scorers` scores per description.
struct BenchStore {
    let features: Int
    let scorers: Int
    static let scorerNames = ["detection", "fuzzing", "embedding", "simulation"]
    static let methods = ["maxact", "vocabproj", "tokenchange", "ensemble"]
    static let words = ["the", " river", " flows", " past", " an", " old", " mill", " in", " numbers", " of", " 1998", " census",
                        " protein", " binds", " receptor", " Paris", " decades", " market", " square", " algorithm", " sorts",
                        " list", ".", ",", " and", " was", " founded", " near", " budget", " dollars", "\n", " café"]

    static func id(_ i: Int) -> String { i % 2 == 0 ? "blocks.15.hook_resid_post/\(i)" : "blocks.15.mlp.hook_post/\(i)" }

    func fill(_ store: RunStore, progress: (Int) -> Void) throws {
        var g = SplitMix64(seed: 1)
        func uniform() -> Double { Double(g.next() >> 11) / Double(1 << 53) }
        func record(_ active: Bool, quantile: Int?) -> ActivationRecord {
            let tokens = (0..<32).map { _ in Self.words[Int(g.next() % UInt64(Self.words.count))] }
            let acts = (0..<32).map { _ in active && uniform() < 0.15 ? Float(uniform() * 8) : 0 }
            return ActivationRecord(tokens: tokens, activations: acts, tokenIDs: (0..<32).map { _ in Int32(g.next() % 49152) },
                                    source: RecordSource(sequence: Int(g.next() % 5000), start: 32 * Int(g.next() % 8)), quantile: quantile)
        }
        func tokens(_ n: Int) -> [TokenScore] { (0..<n).map { _ in TokenScore(token: Self.words[Int(g.next() % 32)], score: Float(uniform() * 10)) } }
        let chunk = 250
        for base in stride(from: 0, to: features, by: chunk) {
            var records: [FeatureRecord] = []
            for i in base..<min(features, base + chunk) {
                let id = Self.id(i)
                let examples = FeatureExamples(id: id, train: (0..<40).map { record(true, quantile: 10 - $0 / 4) },
                                               test: (0..<50).map { record(true, quantile: 10 - $0 / 5) },
                                               nonActivating: (0..<50).map { _ in record(false, quantile: nil) })
                let evidence = FeatureEvidence(id: id, examples: examples, vocabProj: VocabProjEvidence(top: tokens(50), bottom: tokens(50)),
                                               tokenChange: TokenChangeEvidence(clampValue: 12, raised: tokens(10), lowered: tokens(10),
                                                                                negativeRaised: tokens(10), negativeLowered: tokens(10), positions: 120))
                let max = Double(examples.train.map(\.maxActivation).max() ?? 1)
                records.append(FeatureRecord(id: id, hook: String(id.split(separator: "/")[0]), latent: i, density: uniform() * 0.05,
                                             maxActivation: max, evidence: evidence, kind: i % 2 == 0 ? "sae" : "neurons",
                                             histogram: (0..<32).map { _ in Int(g.next() % 500) }, meanActivation: max / 3))
            }
            try store.upsertFeatures(records)
            var descriptions: [ExplanationSuccess] = []
            var scores: [(key: ScoreKey, value: Double?)] = []
            for r in records {
                for m in Self.methods {
                    let words = (0..<8).map { _ in Self.words[Int(g.next() % 32)].trimmingCharacters(in: .whitespacesAndNewlines) }
                    let text = "Tokens about" + words.map { " " + $0 }.joined()
                    let prompt = [ChatMessage(role: "system", content: String(repeating: "Describe the feature. ", count: 40)),
                                  ChatMessage(role: "user", content: String(repeating: "<<river>> flows past the mill. ", count: 40))]
                    descriptions.append(ExplanationSuccess(featureID: r.id, description: FeatureDescription(method: m, text: text),
                                                           messages: prompt, shown: EvidenceShown(), explainer: "bench-explainer",
                                                           rawReply: "[EXPLANATION]: \(text)", rawReplies: ["[EXPLANATION]: \(text)"],
                                                           seconds: 1, usage: ChatUsage(promptTokens: 900, cachedPromptTokens: 0, completionTokens: 20)))
                    for s in Self.scorerNames.prefix(scorers) {
                        // About one score in 50 failed, as a run has some.
                        scores.append((ScoreKey(featureID: r.id, method: m, explainer: "bench-explainer", scorer: s),
                                       g.next() % 50 == 0 ? nil : uniform()))
                    }
                }
            }
            try store.bulkRecord(descriptions: descriptions, scores: scores, failureCause: "the scorer's reply could not be parsed")
            progress(min(features, base + chunk))
        }
    }
}
