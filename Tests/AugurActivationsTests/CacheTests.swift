import AugurModels
import AugurSAE
import Foundation
import Testing
@testable import AugurActivations

/// A random TopK sparse autoencoder: latents = TopK(ReLU(W_enc x + b)).
final class RandomTopK: SparseCoder {
    let dIn: Int, numLatents: Int, k: Int
    let wEnc: [Float], bias: [Float]

    init(dIn: Int, numLatents: Int, k: Int, seed: UInt64) {
        self.dIn = dIn; self.numLatents = numLatents; self.k = k
        var state = seed
        func uniform() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
        }
        wEnc = (0 ..< dIn * numLatents).map { _ in uniform() / Float(dIn).squareRoot() }
        bias = (0 ..< numLatents).map { _ in uniform() * 0.1 }
    }

    func pre(_ x: UnsafePointer<Float>) -> [Float] {
        (0 ..< numLatents).map { j in
            var s = bias[j]
            for i in 0 ..< dIn { s += wEnc[j * dIn + i] * x[i] }
            return s
        }
    }

    func encode(_ x: UnsafePointer<Float>, rows: Int, into latents: UnsafeMutablePointer<Float>) {
        latents.initialize(repeating: 0, count: rows * numLatents)
        for (r, e) in encodeSparse(x, rows: rows).enumerated() { for p in e { latents[r * numLatents + Int(p.latent)] = p.value } }
    }

    func encodeSparse(_ x: UnsafePointer<Float>, rows: Int) -> [[(latent: Int32, value: Float)]] {
        (0 ..< rows).map { r in
            let z = pre(x + r * dIn)
            let top = z.indices.sorted { z[$0] > z[$1] || (z[$0] == z[$1] && $0 < $1) }.prefix(k)
            return top.filter { z[$0] > 0 }.map { (Int32($0), z[$0]) }
        }
    }

    func decode(_ latents: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>) {
        x.initialize(repeating: 0, count: rows * dIn)
    }

    func decoderDirection(_ latent: Int) -> [Float] { Array(repeating: 0, count: dIn) }
}

let documents = (0 ..< 12).map { "Document number \($0) talks about topic \($0 * 7 % 5): the quick brown fox jumps over the lazy dog again and again." }

@Suite(.serialized) struct CacheTests {
    let model: any LanguageModel
    init() throws { model = try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false)) }

    @Test func contextsHaveLengthAndBOS() throws {
        let ctx = Array(try TokenContexts(documents: documents, model: model, contextLength: 16, tokenBudget: 100))
        #expect(ctx.count == 7)
        #expect(ctx.allSatisfy { $0.count == 16 })
        let bos = model.addsBOS ? model.tokenizer.bosID : nil
        if let bos { #expect(ctx.allSatisfy { $0[0] == bos }) }
        // The stream is the documents' tokens separated by EOS.
        let body = ctx.flatMap { bos == nil ? $0 : Array($0.dropFirst()) }
        var expected = model.tokenizer.encode(documents[0], addSpecialTokens: false)
        if let eos = model.tokenizer.eosID { expected.append(eos) }
        #expect(Array(body.prefix(expected.count)) == Array(expected.prefix(body.count)))
        // Deterministic, and skip matches.
        var again = try TokenContexts(documents: documents, model: model, contextLength: 16, tokenBudget: 100)
        again.skip(3)
        #expect(again.next() == ctx[3])
        #expect(throws: ActivationsError.self) { try TokenContexts(documents: documents, model: model, contextLength: 0) }
        // With a BOS convention every context starts with BOS and carries length − 1 stream tokens.
        if let b = model.tokenizer.bosID {
            let withBOS = Array(try TokenContexts(documents: documents, tokenizer: model.tokenizer, addsBOS: true, contextLength: 16, tokenBudget: 64))
            #expect(withBOS.count == 4 && withBOS.allSatisfy { $0.count == 16 && $0[0] == b })
            #expect(withBOS.flatMap { $0.dropFirst() } == Array(body.prefix(60)))
        }
    }

    @Test func streamEqualsDirectForward() throws {
        let hook = try HookPoint.parse("blocks.2.hook_resid_post", layers: model.config.layers)
        let contexts = try TokenContexts(documents: documents, model: model, contextLength: 16, tokenBudget: 64)
        let seqs = Array(contexts)
        var stream = try ActivationStream(model: model, hook: hook, contexts: contexts, batchSequences: 3)
        var rows: [Float] = []
        while let b = try stream.nextBatch(rows: 10) { #expect(b.count <= 10 * stream.width); rows += b }
        var direct: [Float] = []
        for s in seqs {
            let h = Hooks()
            h.capture(hook)
            _ = try model.forward([s], caches: nil, hooks: h, options: ForwardOptions(logits: .all, precision: .exact))
            direct += h.activations(at: hook)
        }
        #expect(rows.count == 64 * model.config.dModel)
        #expect(rows.count == direct.count)
        let err = zip(rows, direct).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
        #expect(err < 1e-3)

        // Skipping the attention-sink position drops exactly the first row of every context.
        var skipping = try ActivationStream(model: model, hook: hook, contexts: contexts, batchSequences: 3, skipPositions: 1)
        var kept: [Float] = []
        while let b = try skipping.nextBatch(rows: 7) { kept += b }
        let d = model.config.dModel
        var withoutFirst: [Float] = []
        for s in seqs.indices { withoutFirst += direct[((s * 16 + 1) * d) ..< ((s + 1) * 16 * d)] }
        let skipErr = zip(kept, withoutFirst).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
        #expect(skipErr < 1e-3)
        #expect(kept.count == 4 * 15 * d)
        #expect(throws: ActivationsError.self) { _ = try ActivationStream(model: model, hook: hook, contexts: contexts, skipPositions: 16) }
    }

    func build(_ dir: URL, coder: any SparseCoder, hook: HookPoint, stopAfter: Int? = nil) throws -> LatentCacheProgress {
        let spec = LatentCacheSpec(model: "smollm2", hook: hook.description, coder: "random", numLatents: coder.numLatents,
                                   corpus: "docs", contextLength: 16, tokenBudget: 160, batchSequences: 2, shardLatents: 40)
        return try LatentCacheWriter(directory: dir, spec: spec).build(model: model, coder: coder, hook: hook, documents: documents,
                                                                       stopAfterBatches: stopAfter)
    }

    @Test func cacheMatchesDirectComputationAndResumes() throws {
        let hook = try HookPoint.parse("blocks.3.hook_resid_post", layers: model.config.layers)
        let coder = RandomTopK(dIn: model.config.dModel, numLatents: 100, k: 6, seed: 1)
        let a = try temporaryFolder("cache-a"), b = try temporaryFolder("cache-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let full = try build(a, coder: coder, hook: hook)
        #expect(full.complete && full.tokensDone == 160 && full.sequencesDone == 10)

        // Interrupted after 2 batches, with a torn partial write, then resumed.
        let partial = try build(b, coder: coder, hook: hook, stopAfter: 2)
        #expect(!partial.complete && partial.sequencesDone == 4)
        if let h = FileHandle(forWritingAtPath: b.appendingPathComponent("shard-00000.bin").path) {
            try h.seekToEnd(); try h.write(contentsOf: Data([1, 2, 3, 4, 5])); try h.close()
        }
        _ = try build(b, coder: coder, hook: hook)
        for name in ["tokens.i32", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin", "stats.json"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(name)) == Data(contentsOf: b.appendingPathComponent(name)), "\(name)")
        }

        // Entries equal the coder applied to directly captured activations.
        let cache = try LatentCache(directory: a)
        let seqs = Array(try TokenContexts(documents: documents, model: model, contextLength: 16, tokenBudget: 160))
        var expected = Array(repeating: [LatentEntry](), count: 100)
        var counts = Array(repeating: 0, count: 100), maxima = Array(repeating: Float(0), count: 100)
        for (si, s) in seqs.enumerated() {
            #expect(try cache.tokens(sequence: si) == s)
            let acts = try ActivationStream.activations(model: model, hook: hook, of: [s])
            let sparse = acts.withUnsafeBufferPointer { coder.encodeSparse($0.baseAddress!, rows: 16) }
            for (p, entries) in sparse.enumerated() where p >= 1 {  // position 0 (the sink) is skipped
                for e in entries {
                    expected[Int(e.latent)].append(LatentEntry(sequence: si, position: p, value: e.value))
                    counts[Int(e.latent)] += 1
                    maxima[Int(e.latent)] = max(maxima[Int(e.latent)], Float(Float16(e.value)))
                }
            }
        }
        for l in 0 ..< 100 {
            let got = try cache.entries(latent: l)
            #expect(got.map { [$0.sequence, $0.position] } == expected[l].map { [$0.sequence, $0.position] }, "latent \(l)")
            for (g, e) in zip(got, expected[l]) { #expect(abs(g.value - e.value) <= abs(e.value) * 1e-3 + 1e-4) }
        }
        let ranged = try cache.entries(latents: 30 ..< 90)
        #expect(ranged.count == 60)
        for l in 30 ..< 90 { #expect(ranged[l - 30] == (try cache.entries(latent: l))) }
        let stats = try cache.statistics()
        #expect(stats.tokens == 150)  // 10 contexts × 15 recorded positions
        #expect(stats.counts == counts)
        #expect(stats.maxima == maxima)
        #expect(stats.histograms.map { $0.reduce(0, +) } == counts)
        #expect(stats.histograms.enumerated().allSatisfy { l, h in counts[l] == 0 || h[LatentStatistics.bins - 1] >= 1 })
        let summary = try cache.summary()
        #expect(summary["deadLatents"] as? Int == counts.filter { $0 == 0 }.count)

        // A different spec is refused; force starts over.
        let other = RandomTopK(dIn: model.config.dModel, numLatents: 120, k: 6, seed: 1)
        #expect(throws: ActivationsError.self) { try build(a, coder: other, hook: hook) }
    }

    @Test func neuronCoderTopK() throws {
        let hook = try HookPoint.parse("blocks.1.mlp.hook_post", layers: model.config.layers)
        let coder = try NeuronBasis(model: model, layer: 1, k: 5)
        let seq = Array(try TokenContexts(documents: documents, model: model, contextLength: 16, tokenBudget: 16))[0]
        let acts = try ActivationStream.activations(model: model, hook: hook, of: [seq])
        #expect(acts.count == 16 * coder.dIn)
        let sparse = acts.withUnsafeBufferPointer { coder.encodeSparse($0.baseAddress!, rows: 16) }
        for (r, e) in sparse.enumerated() {
            #expect(e.count == 5)
            let row = acts[r * coder.dIn ..< (r + 1) * coder.dIn].sorted(by: >)
            #expect(e.map(\.value) == Array(row.prefix(5)))
        }
    }
}
