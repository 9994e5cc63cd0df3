import AugurModels
import AugurSAE
import AugurTensor
import Foundation
import Testing
@testable import AugurActivations

/// A small real cache shared by the example tests: SmolLM2, a random TopK SAE on
/// `blocks.2.hook_resid_post`, 20 contexts of 64 tokens.
enum ExampleFixture {
    static let hookName = "blocks.2.hook_resid_post"
    static let numLatents = 64

    struct Built: @unchecked Sendable {
        let model: any LanguageModel
        let coder: TopKSAE
        let cache: LatentCache
    }

    static let built: Result<Built, Error> = Result {
        let model = try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))
        let hook = try HookPoint.parse(hookName, layers: model.config.layers)
        let d = model.config.dModel, n = numLatents
        var g = SplitMix64(seed: 7)
        let wEnc = (0 ..< n * d).map { _ in g.normal() / Float(d).squareRoot() }
        var wDec = (0 ..< n * d).map { _ in g.normal() }
        for l in 0 ..< n {
            let norm = (0 ..< d).reduce(Float(0)) { $0 + wDec[l * d + $1] * wDec[l * d + $1] }.squareRoot()
            for j in 0 ..< d { wDec[l * d + j] /= norm }
        }
        let weights = try SAEWeights(dIn: d, numLatents: n, wEnc: wEnc, bEnc: Array(repeating: 0, count: n), wDec: wDec,
                                     bDec: Array(repeating: 0, count: d))
        let coder = try TopKSAE(weights: weights, k: 4)
        // The fixture lives as long as the test process; earlier runs' folders are removed here.
        let tmp = FileManager.default.temporaryDirectory
        for old in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where old.hasPrefix("augur-examples-") {
            try? FileManager.default.removeItem(at: tmp.appendingPathComponent(old))
        }
        let dir = tmp.appendingPathComponent("augur-examples-\(ProcessInfo.processInfo.processIdentifier)")
        let spec = LatentCacheSpec(model: "smollm2", hook: hookName, coder: "random-topk", numLatents: n, corpus: "synthetic",
                                   contextLength: 64, tokenBudget: 1280, batchSequences: 10, shardLatents: 24)
        try LatentCacheWriter(directory: dir, spec: spec).build(model: model, coder: coder, hook: hook, documents: texts)
        return Built(model: model, coder: coder, cache: try LatentCache(directory: dir))
    }

    /// Varied text, including accented and CJK characters (byte-level tokens that split UTF-8).
    static let texts: [String] = {
        let subjects = ["The river", "A small café", "Our committee", "The 1998 census", "Die Katze", "東京の電車", "The algorithm",
                        "Marie Curie", "A naïve reader", "The protein"]
        let verbs = ["flows past", "was founded near", "reported on", "counted", "schläft neben", "は走る", "sorts", "studied",
                     "misunderstood", "binds to"]
        let objects = ["the old mill in the valley.", "a busy market square full of résumés.", "the budget of 2,400,000 dollars.",
                       "every household in the region.", "dem warmen Ofen.", "毎日とても速く。", "a list of 10,000 numbers quickly.",
                       "radioactivity in Paris for decades.", "the footnotes entirely.", "a receptor on the cell surface."]
        return (0 ..< 60).map { i in
            (0 ..< 6).map { j in "\(subjects[(i + j) % 10]) \(verbs[(i * 3 + j) % 10]) \(objects[(i * 7 + j * 3) % 10])" }
                .joined(separator: " ")
        }
    }()
}

@Suite(.serialized) struct ExampleSamplerTests {
    let fixture: ExampleFixture.Built
    init() throws { fixture = try ExampleFixture.built.get() }

    var small: ExampleConfig {
        ExampleConfig(windowLength: 8, trainCount: 8, testCount: 10, quantiles: 5, nonActivatingCount: 10, minActivatingWindows: 5, seed: 3)
    }

    /// Windows of `latent` (key → per-position values) straight from the cache's entries.
    func windows(_ latent: Int, L: Int) throws -> [Int: [Float]] {
        let wps = fixture.cache.spec.contextLength / L
        var out: [Int: [Float]] = [:]
        for e in try fixture.cache.entries(latent: latent) where e.position / L < wps {
            out[e.sequence * wps + e.position / L, default: Array(repeating: 0, count: L)][e.position % L] = e.value
        }
        return out
    }

    @Test func recordsMatchTheCache() throws {
        let cfg = small
        let sampler = try ExampleSampler(cache: fixture.cache, tokenizer: fixture.model.tokenizer, config: cfg)
        let stats = try fixture.cache.statistics()
        var sampledAny = 0
        for result in try sampler.sample(latents: 0 ..< ExampleFixture.numLatents) {
            let l = result.latent
            let wins = try windows(l, L: 8)
            let activating = wins.filter { ($0.value.max() ?? 0) > 0 }
            guard case .examples(_, let ex) = result else {
                #expect(activating.count < cfg.minActivatingWindows, "latent \(l) skipped with \(activating.count) windows")
                if case .skipped(_, let reason, let n) = result { #expect(n == activating.count && !reason.isEmpty) }
                continue
            }
            sampledAny += 1
            #expect(ex.id == "\(ExampleFixture.hookName)/\(l)")
            let (trainN, testN) = WindowSampling.split(activating: activating.count, train: cfg.trainCount, test: cfg.testCount)
            #expect(ex.train.count == trainN && ex.test.count == testN)
            #expect(ex.nonActivating.count == min(cfg.nonActivatingCount, sampler.totalWindows - activating.count))
            let trainKeys = Set(ex.train.compactMap(\.source)), testKeys = Set(ex.test.compactMap(\.source))
            #expect(trainKeys.count == ex.train.count && testKeys.count == ex.test.count)
            #expect(trainKeys.isDisjoint(with: testKeys), "latent \(l): train and test overlap")
            for r in ex.train + ex.test + ex.nonActivating {
                let src = try #require(r.source)
                let key = src.sequence * 8 + src.start / 8
                let ids = try #require(r.tokenIDs)
                #expect(ids == Array(try fixture.cache.tokens(sequence: src.sequence)[src.start ..< src.start + 8]))
                #expect(r.tokens == ids.map { fixture.model.tokenizer.tokenString($0) })
                #expect(!r.tokens.contains { $0.isEmpty || $0.contains("\u{FFFD}") })
                #expect(r.activations == (wins[key] ?? Array(repeating: 0, count: 8)))
            }
            #expect((ex.train + ex.test).allSatisfy { $0.maxActivation > 0 && $0.maxActivation <= stats.maxima[l] })
            #expect(ex.nonActivating.allSatisfy { $0.maxActivation <= 0 && $0.nonActivatingKind == .random })
            // Rank-based quantiles: every test window of a higher quantile is at least as strong.
            #expect(ex.test.allSatisfy { ($0.quantile ?? 0) >= 1 && ($0.quantile ?? 0) <= cfg.quantiles })
            for q in 1 ..< cfg.quantiles {
                let lower = ex.test.filter { $0.quantile == q }.map(\.maxActivation)
                let upper = ex.test.filter { $0.quantile == q + 1 }.map(\.maxActivation)
                if let a = lower.max(), let b = upper.min() { #expect(b >= a, "latent \(l) quantile \(q)") }
            }
            if activating.count >= 50 {
                for q in 1 ... cfg.quantiles { #expect(ex.test.filter { $0.quantile == q }.count == 2, "latent \(l) quantile \(q)") }
            }
        }
        #expect(sampledAny >= 10)
    }

    @Test func deterministicAndIndependentOfBatch() throws {
        let tok = fixture.model.tokenizer
        let a = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: small)
        let b = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: small)
        let batch = try a.sample(latents: [40, 3, 17, 3])
        #expect(batch.map(\.latent) == [40, 3, 17, 3])
        #expect(batch[1] == batch[3])
        #expect(try b.sample(latent: 17) == batch[2])
        #expect(try b.sample(latent: 40) == batch[0])
        var other = small
        other.seed = 4
        let c = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: other)
        let differs = try [3, 17, 40].contains { try c.sample(latent: $0) != a.sample(latent: $0) }
        #expect(differs)
    }

    @Test func topTrainingTakesTheStrongestRemainingWindows() throws {
        var cfg = small
        cfg.trainSampling = .top
        let sampler = try ExampleSampler(cache: fixture.cache, tokenizer: fixture.model.tokenizer, config: cfg)
        let ex = try #require(try sampler.sample(latents: 0 ..< ExampleFixture.numLatents).compactMap(\.examples).first)
        let testKeys = Set(ex.test.compactMap(\.source))
        let l = try #require(Int(ex.id.split(separator: "/").last ?? ""))
        let remaining = try windows(l, L: 8).filter { ($0.value.max() ?? 0) > 0 }
            .filter { !testKeys.contains(RecordSource(sequence: $0.key / 8, start: $0.key % 8 * 8)) }
            .map { $0.value.max() ?? 0 }.sorted(by: >)
        #expect(ex.train.map(\.maxActivation) == Array(remaining.prefix(cfg.trainCount)))
        #expect(ex.train.allSatisfy { $0.quantile == nil })
    }

    @Test func hardNegativesComeFromNeighbours() throws {
        let tok = fixture.model.tokenizer
        let plain = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: small)
        let sampled = try plain.sample(latents: 0 ..< ExampleFixture.numLatents).compactMap { $0.examples == nil ? nil : $0.latent }
        let target = try #require(sampled.first), neighbour = try #require(sampled.dropFirst().first)
        var cfg = small
        cfg.nonActivating = .hard(neighbours: [neighbour])
        let ex = try #require(try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: cfg).sample(latent: target).examples)
        let mine = try windows(target, L: 8), theirs = try windows(neighbour, L: 8)
        let hard = ex.nonActivating.filter { $0.nonActivatingKind == .hard }
        let candidates = theirs.filter { ($0.value.max() ?? 0) > 0 && (mine[$0.key]?.max() ?? 0) <= 0 }.count
        #expect(hard.count == min(cfg.nonActivatingCount, candidates))
        #expect(ex.nonActivating.count == cfg.nonActivatingCount)
        for r in hard {
            let src = try #require(r.source)
            let key = src.sequence * 8 + src.start / 8
            #expect((theirs[key]?.max() ?? 0) > 0 && (mine[key]?.max() ?? 0) <= 0)
        }
        // Nearest neighbours by decoder cosine.
        cfg.nonActivating = .nearest(count: 3)
        #expect(throws: ActivationsError.self) { try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: cfg) }
        let nb = try DecoderNeighbours(coder: fixture.coder)
        let near = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: cfg, neighbours: nb).sample(latent: target)
        #expect((near.examples?.nonActivating.filter { $0.nonActivatingKind == .hard }.count ?? 0) > 0)
    }

    @Test func skipsRareLatentsAndChecksArguments() throws {
        let tok = fixture.model.tokenizer
        var cfg = small
        cfg.minActivatingWindows = 10_000
        let s = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: cfg).sample(latent: 5)
        guard case .skipped(5, let reason, let n) = s else { Issue.record("latent 5 was not skipped: \(s)"); return }
        #expect(n == (try windows(5, L: 8)).filter { ($0.value.max() ?? 0) > 0 }.count)
        #expect(reason.contains("10000") || reason.contains("never fires"))
        cfg = small
        cfg.windowLength = 65
        #expect(throws: ActivationsError.self) { try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: cfg) }
        let sampler = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: small)
        #expect(throws: ActivationsError.badArgument("latent 64 is out of range: this cache has 64 latents (0-63)")) {
            try sampler.sample(latent: 64)
        }
    }

    @Test func tokensSplittingACharacterStayReadable() throws {
        let tok = fixture.model.tokenizer
        let sampler = try ExampleSampler(cache: fixture.cache, tokenizer: tok, config: small)
        let ids = Set(try (0 ..< fixture.cache.sequenceCount).flatMap { try fixture.cache.tokens(sequence: $0) })
        let partial = ids.filter { String(validating: tok.tokenBytes($0), as: UTF8.self) == nil }
        #expect(!partial.isEmpty, "the Japanese text gives byte tokens that split a character")
        for id in partial {
            let s = sampler.tokenString(id)
            #expect(s.contains("<0x") && !s.contains("\u{FFFD}"), "token \(id): \(s)")
        }
    }

    @Test func decoderNeighboursMatchBruteForce() throws {
        var g = SplitMix64(seed: 11)
        let dirs = (0 ..< 30).map { i in i == 7 ? [Float](repeating: 0, count: 12) : (0 ..< 12).map { _ in g.normal() } }
        let nb = try DecoderNeighbours(directions: dirs)
        func cos(_ a: [Float], _ b: [Float]) -> Float {
            let dot = zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let na = a.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            return dot / (na * nb)
        }
        for l in [0, 13, 29] {
            let expected = (0 ..< 30).filter { $0 != l && $0 != 7 }.sorted { cos(dirs[l], dirs[$0]) > cos(dirs[l], dirs[$1]) }
            #expect(try nb.nearest(to: l, count: 5) == Array(expected.prefix(5)))
        }
        #expect(try nb.nearest(to: 3, count: 100).count == 28)
        #expect(throws: ActivationsError.self) { try nb.nearest(to: 30, count: 2) }
        #expect(throws: ActivationsError.self) { try DecoderNeighbours(directions: [[1, 2], [1]]) }
    }
}

/// The pure sampling rules on synthetic windows.
struct WindowSamplingTests {
    func windows(_ n: Int) -> LatentWindows {
        // Window k (sequence k, window 0) has activation k + 1.
        LatentWindows(hits: (0 ..< n).map { CacheHit(sequence: UInt32($0), position: 3, value: Float($0 + 1)) },
                      windowLength: 8, windowsPerSequence: 2)
    }

    @Test func quantilesAreEqualCountRankBins() {
        let counts = (0 ..< 103).reduce(into: [Int: Int]()) { $0[WindowSampling.quantile(index: $1, count: 103, quantiles: 10), default: 0] += 1 }
        #expect(counts.keys.sorted() == Array(1 ... 10))
        #expect(counts.values.allSatisfy { $0 == 10 || $0 == 11 })
        #expect(WindowSampling.quantile(index: 0, count: 103, quantiles: 10) == 10)
        #expect(WindowSampling.quantile(index: 102, count: 103, quantiles: 10) == 1)
    }

    @Test func drawIsStratifiedDisjointAndAvoidsFiringWindows() {
        let w = windows(500)
        #expect(w.activating.first?.max == 500)
        var cfg = ExampleConfig()
        cfg.nonActivatingCount = 60
        var g = SplitMix64(seed: 1)
        let d = WindowSampling.draw(w, config: cfg, totalWindows: 1000, hardCandidates: [1, 3, 5, 0, 2], &g)
        #expect(d.train.count == 40 && d.test.count == 50)
        #expect(Set(d.train.map(\.key)).isDisjoint(with: d.test.map(\.key)))
        for q in 1 ... 10 {
            #expect(d.test.filter { $0.quantile == q }.count == 5)
            #expect(d.train.filter { $0.quantile == q }.count == 4)
            // Quantile q holds windows 50(q−1)…50q−1 (activations 50(q−1)+1…50q) at window index 0.
            #expect(d.test.filter { $0.quantile == q }.allSatisfy { $0.key / 2 >= 50 * (q - 1) && $0.key / 2 < 50 * q && $0.key % 2 == 0 })
        }
        // Hard candidates 0 and 2 fire (sequences 0 and 1, window 0): only 1, 3, 5 are hard negatives.
        #expect(d.negatives.filter { $0.kind == .hard }.map(\.key) == [1, 3, 5])
        #expect(d.negatives.count == 60 && Set(d.negatives.map(\.key)).count == 60)
        #expect(d.negatives.allSatisfy { !w.firing.contains($0.key) })
    }

    @Test func fewWindowsAreSplitInProportionAndDenseLatentsStillGetNegatives() {
        #expect(WindowSampling.split(activating: 20, train: 40, test: 50) == (9, 11))
        #expect(WindowSampling.split(activating: 200, train: 40, test: 50) == (40, 50))
        var g = SplitMix64(seed: 2)
        var cfg = ExampleConfig()
        cfg.trainSampling = .mixed
        let w = windows(20)
        let d = WindowSampling.draw(w, config: cfg, totalWindows: 40, hardCandidates: [], &g)
        #expect(d.train.count == 9 && d.test.count == 11)
        #expect(Set(d.train.map(\.key) + d.test.map(\.key)).count == 20)
        #expect(d.train.filter { $0.quantile == nil }.count == 2) // round(0.2 × 9)
        // Only the 20 odd windows do not fire: all of them, and no more.
        #expect(Set(d.negatives.map(\.key)) == Set(stride(from: 1, to: 40, by: 2)))
        #expect(d.negatives.count == 20)
    }
}
