import AugurActivations
import AugurSAE
import AugurTensor
import Foundation
import Testing
@testable import AugurInterp
@testable import AugurModels

enum EvidenceModels {
    static let smollm: Result<any LanguageModel, Error> = Result {
        try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))
    }
}

/// A random TopK SAE over `dIn`-wide activations with unit decoder rows.
func randomSAE(dIn: Int, latents n: Int, k: Int, seed: UInt64) throws -> TopKSAE {
    var g = SplitMix64(seed: seed)
    let wEnc = (0 ..< n * dIn).map { _ in g.normal() / Float(dIn).squareRoot() }
    var wDec = (0 ..< n * dIn).map { _ in g.normal() }
    for l in 0 ..< n {
        let norm = (0 ..< dIn).reduce(Float(0)) { $0 + wDec[l * dIn + $1] * wDec[l * dIn + $1] }.squareRoot()
        for j in 0 ..< dIn { wDec[l * dIn + j] /= norm }
    }
    return try TopKSAE(weights: SAEWeights(dIn: dIn, numLatents: n, wEnc: wEnc, bEnc: Array(repeating: 0, count: n), wDec: wDec,
                                           bDec: Array(repeating: 0, count: dIn)), k: k)
}

@Suite(.serialized) struct VocabProjTests {
    let model: any LanguageModel
    init() throws { model = try EvidenceModels.smollm.get() }

    /// W_U (vocab × d_model) dequantized from the model's head.
    func unembedding() throws -> [Float] {
        let dm = try #require(model as? DecoderModel)
        let c = model.config
        var w = [Float](repeating: 0, count: c.vocabSize * c.dModel)
        w.withUnsafeMutableBufferPointer { dm.head.matrix.dequantizeRows(0, c.vocabSize, into: $0.baseAddress!) }
        return w
    }

    /// W_U · rmsnorm(d) computed here, in doubles.
    func manualLogits(_ d: [Float], _ wU: [Float]) throws -> [Double] {
        let dm = try #require(model as? DecoderModel)
        let c = model.config
        let ms = d.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(d.count)
        let h = d.indices.map { Float(Double(d[$0]) / (ms + Double(c.rmsEps)).squareRoot() * Double(dm.finalNorm[$0] + c.normWeightOffset)) }
        var out = [Float](repeating: 0, count: c.vocabSize)
        wU.withUnsafeBufferPointer { w in
            h.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { BLAS.matmulTransposedB(w.baseAddress!, x.baseAddress!, $0.baseAddress!, m: c.vocabSize, n: 1, k: c.dModel) }
            }
        }
        return out.map(Double.init)
    }

    @Test func matchesManualNormAndUnembedding() throws {
        var g = SplitMix64(seed: 5)
        let d = (0 ..< model.config.dModel).map { _ in g.normal() * 3 }
        let ev = try VocabProj.evidence(direction: d, model: model)
        #expect(ev.top.count == 50 && ev.bottom.count == 50)
        let manual = try manualLogits(d, unembedding())
        let order = manual.indices.sorted { manual[$0] > manual[$1] }
        let tok = model.tokenizer
        for (i, s) in ev.top.enumerated() { #expect(abs(Double(s.score) - manual[order[i]]) < 1e-3 * max(1, abs(manual[order[i]]))) }
        let bottomOrder = Array(order.reversed())
        for (i, s) in ev.bottom.enumerated() {
            #expect(abs(Double(s.score) - manual[bottomOrder[i]]) < 1e-3 * max(1, abs(manual[bottomOrder[i]])))
        }
        #expect(Set(ev.top.map(\.token)).intersection(order.prefix(50).map { tok.tokenString(Int32($0)) }).count >= 48)
        #expect(Set(ev.bottom.map(\.token)).intersection(bottomOrder.prefix(50).map { tok.tokenString(Int32($0)) }).count >= 48)
        #expect(zip(ev.top, ev.top.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(zip(ev.bottom, ev.bottom.dropFirst()).allSatisfy { $0.score <= $1.score })
        let seven = VocabProj.ranked(manual.map(Float.init), count: 7, tokenizer: tok)
        #expect(seven.top.count == 7 && seven.bottom.count == 7)
        #expect(seven.top.map(\.score) == order.prefix(7).map { Float(manual[$0]) })
        #expect(throws: (any Error).self) { try VocabProj.evidence(direction: [1, 2, 3], model: model) }
    }

    @Test func neuronsUseTheDownProjection() throws {
        let c = model.config
        let hook = try HookPoint.parse("blocks.5.mlp.hook_post", layers: c.layers)
        let col17 = try model.neuronOutputDirection(layer: 5, neuron: 17)
        #expect(col17.count == c.dModel)
        #expect(try VocabProj.outputDirection(latent: 17, coder: NeuronBasis(width: c.dMLP), hook: hook, model: model) == col17)
        let basis = try NeuronBasis(model: model, layer: 5)
        #expect(try VocabProj.outputDirection(latent: 17, coder: basis, hook: hook, model: model) == col17)
        #expect(try VocabProj.evidence(latent: 17, coder: basis, hook: hook, model: model) == VocabProj.evidence(direction: col17, model: model))
        // An SAE over MLP space writes W_down · row.
        var wDec = [Float](repeating: 0, count: 2 * c.dMLP)
        wDec[c.dMLP + 3] = 2; wDec[c.dMLP + 9] = -1
        let sae = try TopKSAE(weights: SAEWeights(dIn: c.dMLP, numLatents: 2, wEnc: wDec, bEnc: [0, 0], wDec: wDec,
                                                  bDec: Array(repeating: 0, count: c.dMLP)), k: 1)
        let col3 = try model.neuronOutputDirection(layer: 5, neuron: 3), col9 = try model.neuronOutputDirection(layer: 5, neuron: 9)
        let got = try VocabProj.outputDirection(latent: 1, coder: sae, hook: hook, model: model)
        #expect(zip(got, zip(col3, col9)).allSatisfy { abs($0 - (2 * $1.0 - $1.1)) < 1e-5 })
        #expect(throws: InterpError.self) { try VocabProj.outputDirection(latent: 2, coder: sae, hook: hook, model: model) }
        // A residual-stream SAE's decoder row is used as it is.
        let res = try randomSAE(dIn: c.dModel, latents: 4, k: 2, seed: 1)
        let rhook = try HookPoint.parse("blocks.5.hook_resid_post", layers: c.layers)
        #expect(try VocabProj.outputDirection(latent: 3, coder: res, hook: rhook, model: model) == res.decoderDirection(3))
    }
}

@Suite(.serialized) struct TokenChangeTests {
    let model: any LanguageModel
    init() throws { model = try EvidenceModels.smollm.get() }

    var contexts: [[Int32]] {
        ["The capital of France is Paris, a city on the Seine.", "She played the violin in the orchestra every night.",
         "Water boils at one hundred degrees Celsius at sea level."].map { Array(model.tokenize($0).prefix(9)) }
    }

    @Test func zeroClampOfAnIdleLatentChangesNothing() throws {
        let c = model.config
        let hook = try HookPoint.parse("blocks.3.hook_resid_post", layers: c.layers)
        let sae = try randomSAE(dIn: c.dModel, latents: 48, k: 4, seed: 3)
        let probe = try TokenChangeProbe(model: model, hook: hook, coder: sae, contexts: contexts)
        #expect(probe.skippedPositions == (model.addsBOS ? 1 : 0))
        #expect(probe.positions == contexts.reduce(0) { $0 + $1.count - probe.skippedPositions })
        let idle = try #require((0 ..< 48).first { probe.cleanActivations[Int32($0)] == nil }, "some latent never fires here")
        let busy = try #require((0 ..< 48).max { (probe.cleanActivations[Int32($0)]?.count ?? 0) < (probe.cleanActivations[Int32($1)]?.count ?? 0) })
        let changes = try probe.meanLogitChanges(latent: idle, clampValues: [0])
        #expect(changes.count == 1 && changes[0].count == c.vocabSize)
        #expect((changes[0].map(abs).max() ?? 1) < 1e-3)
        // Clamping a latent that fires to 0 removes its contribution; clamping high moves logits more.
        let off = try probe.meanLogitChanges(latent: busy, clampValues: [0, 40])
        let offSize = off[0].map(abs).max() ?? 0, highSize = off[1].map(abs).max() ?? 0
        #expect(offSize > 1e-3 && highSize > offSize)
        // Batched with an idle latent clamped to 0 in the same forward call.
        let both = try probe.evidence(latents: [busy, idle], clampValues: [40, 0], negative: false)
        #expect(both.count == 2 && both[1].raised.allSatisfy { abs($0.score) < 1e-3 } && both[1].lowered.allSatisfy { abs($0.score) < 1e-3 })
        let ev = both[0]
        #expect(ev.raised.count == 10 && ev.lowered.count == 10 && ev.negativeRaised.isEmpty && ev.negativeLowered.isEmpty)
        // The lists are the extremes of the mean change (raw logits: a shift common to all tokens stays in the scores).
        let sorted = off[1].sorted()
        #expect(zip(ev.raised.map(\.score), sorted.reversed().prefix(10)).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(ev.lowered.map(\.score), sorted.prefix(10)).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(ev.positions == probe.positions && ev.clampValue == 40)
        #expect(throws: InterpError.self) { try probe.meanLogitChanges(latent: 48, clampValues: [1]) }
    }

    @Test func neuronClampAgreesWithVocabProjAndFlipsWithSign() throws {
        let c = model.config
        let layer = c.layers - 1
        let hook = try HookPoint.parse("blocks.\(layer).mlp.hook_post", layers: c.layers)
        let basis = try NeuronBasis(model: model, layer: layer)
        let probe = try TokenChangeProbe(model: model, hook: hook, coder: basis, contexts: contexts)
        var overlaps: [Int] = []
        for neuron in [11, 777] {
            let vp = try VocabProj.evidence(latent: neuron, coder: basis, hook: hook, model: model)
            let ch = try probe.meanLogitChanges(latent: neuron, clampValues: [20, -20])
            let raised = VocabProj.extremes(ch[0], count: 10).top.map { model.tokenizer.tokenString(Int32($0)) }
            overlaps.append(Set(raised).intersection(vp.top.map(\.token)).count)
            // + and − clamps move the logits in opposite directions.
            #expect(pearson(ch[0], ch[1]) < -0.5, "neuron \(neuron)")
        }
        // Chance overlap of 10 tokens with a 50-token list out of ~49k is ~0.01 per neuron.
        #expect(overlaps.allSatisfy { $0 >= 3 }, "overlaps \(overlaps)")
    }

    @Test func contextsFromACacheAndClampDefaults() throws {
        let c = model.config
        let hook = try HookPoint.parse("blocks.1.mlp.hook_post", layers: c.layers)
        let coder = try NeuronBasis(model: model, layer: 1, k: 8)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-evidence-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let docs = (0 ..< 8).map { "Article \($0) describes the history of bridge number \($0 * 13) and the people who crossed it." }
        let spec = LatentCacheSpec(model: "smollm2", hook: hook.description, coder: "neurons", numLatents: c.dMLP, corpus: "docs",
                                   contextLength: 32, tokenBudget: 256, batchSequences: 4, shardLatents: 512)
        try LatentCacheWriter(directory: dir, spec: spec).build(model: model, coder: coder, hook: hook, documents: docs)
        let cache = try LatentCache(directory: dir)
        let ctx = try TokenChangeProbe.sampleContexts(from: cache, model: model, count: 5, length: 16, seed: 2)
        #expect(ctx.count == 5 && ctx.allSatisfy { $0.count == 16 })
        #expect(ctx == (try TokenChangeProbe.sampleContexts(from: cache, model: model, count: 5, length: 16, seed: 2)))
        let offset = model.addsBOS ? 1 : 0
        for x in ctx {
            if let bos = model.tokenizer.bosID, model.addsBOS { #expect(x[0] == bos) }
            let body = Array(x.dropFirst(offset))
            let found = try (0 ..< cache.sequenceCount).contains { s in
                let t = try cache.tokens(sequence: s)
                return (offset ..< t.count - body.count + 1).contains { Array(t[$0 ..< $0 + body.count]) == body }
            }
            #expect(found)
        }
        #expect(throws: InterpError.self) { try TokenChangeProbe.sampleContexts(from: cache, model: model, count: 2, length: 40) }
        let stats = try cache.statistics()
        let live = try #require(stats.maxima.firstIndex { $0 > 0 })
        #expect(TokenChangeProbe.clampValue(latent: live, statistics: stats) == stats.maxima[live] * TokenChangeProbe.defaultClampFactor)
        if let dead = stats.maxima.firstIndex(of: 0) { #expect(TokenChangeProbe.clampValue(latent: dead, statistics: stats) == nil) }
    }
}

func pearson(_ a: [Float], _ b: [Float]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for i in a.indices {
        let x = Double(a[i]) - ma, y = Double(b[i]) - mb
        sab += x * y; saa += x * x; sbb += y * y
    }
    return sab / (saa * sbb).squareRoot()
}
