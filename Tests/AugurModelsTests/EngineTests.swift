import Foundation
import Testing
@testable import AugurModels

@Suite struct EngineTests {
    let exact = ForwardOptions(logits: .all, precision: .exact)

    @Test func batchedPrefillEqualsSeparateRuns() throws {
        let m = try TestModels.smollm.get()
        let a = m.tokenize("The quick brown fox jumps over the lazy dog.")
        let b = m.tokenize("Paris is the capital of")
        let batched = try m.forward([a, b], caches: nil, hooks: nil, options: exact)
        let alone = try [a, b].map { try m.forward([$0], caches: nil, hooks: nil, options: exact)[0] }
        for i in 0..<2 { #expect(relativeError(batched[i], alone[i]) < 1e-5) }
    }

    @Test func kvCacheContinuationEqualsFullForward() throws {
        let m = try TestModels.smollm.get()
        let ids = m.tokenize("In 1905, Albert Einstein published four papers that changed physics forever.")
        let full = try m.forward([ids], caches: nil, hooks: nil, options: exact)[0]
        let cache = m.makeCache(capacity: ids.count)
        _ = try m.forward([Array(ids.prefix(9))], caches: [cache], hooks: nil, options: exact)
        let rest = try m.forward([Array(ids.dropFirst(9))], caches: [cache], hooks: nil, options: exact)[0]
        #expect(cache.count == ids.count)
        let vocab = m.config.vocabSize
        #expect(relativeError(rest, Array(full[(9 * vocab)...])) < 1e-4)
    }

    @Test func stopAfterLayerSkipsTheRest() throws {
        let m = try TestModels.smollm.get()
        let ids = m.tokenize("A short text about cats.")
        let point = HookPoint(layer: 3, site: .residPost)
        let full = Hooks(), early = Hooks()
        full.capture(point); early.capture(point)
        early.capture(HookPoint(layer: 4, site: .residPre))
        _ = try m.forward([ids], caches: nil, hooks: full, options: exact)
        let out = try m.forward([ids], caches: nil, hooks: early,
                                options: ForwardOptions(logits: .all, stopAfterLayer: 3, precision: .exact))
        #expect(out == [[]])
        #expect(early.activations(at: point) == full.activations(at: point))
        #expect(early.activations(at: HookPoint(layer: 4, site: .residPre)).isEmpty)
    }

    @Test(arguments: ["smollm2-135m-instruct", "gemma-3-270m"])
    func hookSitesHaveTheRightWidthsAndRelations(model: String) throws {
        let m = try TestModels.named(model)
        let c = m.config
        let ids = m.tokenize("Hooks everywhere.")
        let h = Hooks()
        for p in HookPoint.all(layers: c.layers) where p.layer == 2 { h.capture(p) }
        _ = try m.forward([ids], caches: nil, hooks: h, options: exact)
        let pre = h.activations(at: .init(layer: 2, site: .residPre))
        let attn = h.activations(at: .init(layer: 2, site: .attnOut))
        let mid = h.activations(at: .init(layer: 2, site: .residMid))
        let mlpOut = h.activations(at: .init(layer: 2, site: .mlpOut))
        let post = h.activations(at: .init(layer: 2, site: .residPost))
        #expect(h.activations(at: .init(layer: 2, site: .mlpPost)).count == ids.count * c.dMLP)
        #expect(pre.count == ids.count * c.dModel)
        for i in pre.indices {
            #expect(abs(pre[i] + attn[i] - mid[i]) < 1e-4)
            #expect(abs(mid[i] + mlpOut[i] - post[i]) < 1e-4)
        }
    }

    /// Adding a vector at one position changes that position and later ones, never earlier ones.
    @Test(arguments: ["smollm2-135m-instruct", "gemma-3-270m"])
    func steeringChangesExactlyWhatItShould(model: String) throws {
        let m = try TestModels.named(model)
        let c = m.config
        let ids = m.tokenize("The cat sat on the mat and looked at the door.")
        let p = 4
        let at = HookPoint(layer: 5, site: .residPost), later = HookPoint(layer: 10, site: .residPost)
        let clean = Hooks(), steered = Hooks()
        for h in [clean, steered] { h.capture(at); h.capture(later) }
        let v = (0..<c.dModel).map { Float(($0 % 7) - 3) }
        steered.add(Intervention(.add(v, scale: 2), positions: .positions([p])), at: at)
        let l0 = try m.forward([ids], caches: nil, hooks: clean, options: exact)[0]
        let l1 = try m.forward([ids], caches: nil, hooks: steered, options: exact)[0]
        let d = c.dModel
        let a0 = clean.activations(at: at), a1 = steered.activations(at: at)
        for t in 0..<ids.count {
            for i in 0..<d {
                let expected = a0[t * d + i] + (t == p ? 2 * v[i] : 0)
                #expect(abs(a1[t * d + i] - expected) < 1e-4)
            }
        }
        let b0 = clean.activations(at: later), b1 = steered.activations(at: later)
        #expect(Array(b0[..<(p * d)]) == Array(b1[..<(p * d)]), "positions before the intervention must not change")
        #expect(relativeError(Array(b1[(p * d)...]), Array(b0[(p * d)...])) > 1e-3, "later positions must change")
        let vocab = c.vocabSize
        #expect(Array(l0[..<(p * vocab)]) == Array(l1[..<(p * vocab)]))
    }

    @Test func clampAndSetInterventions() throws {
        let m = try TestModels.smollm.get()
        let c = m.config
        let ids = m.tokenize("Neurons can be clamped.")
        let neurons = HookPoint(layer: 7, site: .mlpPost), resid = HookPoint(layer: 1, site: .residPre)
        let h = Hooks()
        h.add(Intervention(.clamp([17: 5, 300: -2])), at: neurons)
        let target = [Float](repeating: 0.25, count: c.dModel)
        h.add(Intervention(.set(target), positions: .from(2)), at: resid)
        h.capture(neurons); h.capture(resid)
        _ = try m.forward([ids], caches: nil, hooks: h, options: exact)
        let n = h.activations(at: neurons)
        for t in 0..<ids.count {
            #expect(n[t * c.dMLP + 17] == 5 && n[t * c.dMLP + 300] == -2)
        }
        let r = h.activations(at: resid)
        #expect(Array(r[(2 * c.dModel)..<(3 * c.dModel)]) == target)
        #expect(Array(r[0..<c.dModel]) != target)
        // A vector of the wrong width is refused, naming both widths.
        let bad = Hooks()
        bad.add(Intervention(.set([1, 2, 3])), at: resid)
        #expect(throws: ModelError.interventionShape(expected: c.dModel, got: 3)) {
            try m.forward([ids], caches: nil, hooks: bad, options: exact)
        }
    }

    @Test func greedyGenerationIsDeterministicAndStops() throws {
        let m = try TestModels.smollm.get()
        let ids = m.tokenize("The capital of France is")
        let a = try m.generate(prompt: ids, options: GenerationOptions(maxTokens: 12))
        let b = try m.generate(prompt: ids, options: GenerationOptions(maxTokens: 12))
        #expect(a.tokens == b.tokens && a.text == b.text)
        #expect(a.text.contains("Paris"))
        var streamed = ""
        let s = try m.generate(prompt: ids, options: GenerationOptions(maxTokens: 12, stopStrings: ["Paris"])) {
            streamed += $0; return true
        }
        #expect(s.stopReason == .stopString && !s.text.contains("Paris") && streamed == s.text)
    }

    @Test func sampledGenerationIsReproducibleBySeed() throws {
        let m = try TestModels.smollm.get()
        let ids = m.tokenize("Once upon a time")
        let o1 = GenerationOptions(maxTokens: 10, temperature: 1, topK: 40, topP: 0.95, seed: 7)
        var o2 = o1
        o2.seed = 8
        let a = try m.generate(prompt: ids, options: o1), b = try m.generate(prompt: ids, options: o1)
        let c = try m.generate(prompt: ids, options: o2)
        #expect(a.tokens == b.tokens)
        #expect(a.tokens != c.tokens)
    }

    @Test func steeringDuringGeneration() throws {
        let m = try TestModels.smollm.get()
        let ids = m.tokenize("My favourite food is")
        let clean = try m.generate(prompt: ids, options: GenerationOptions(maxTokens: 8))
        let h = Hooks()
        let v = try m.neuronOutputDirection(layer: 10, neuron: 3)
        h.add(Intervention(.add(v, scale: 40), positions: .from(ids.count - 1)), at: HookPoint(layer: 10, site: .residPost))
        let steered = try m.generate(prompt: ids, options: GenerationOptions(maxTokens: 8), hooks: h)
        #expect(clean.tokens != steered.tokens)
    }

    @Test func badInputIsRefusedClearly() throws {
        let m = try TestModels.smollm.get()
        #expect(throws: ModelError.self) { try HookPoint.parse("blocks.99.hook_resid_post", layers: m.config.layers) }
        do {
            _ = try HookPoint.parse("blocks.1.hook_nonsense", layers: 30)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("blocks.15.hook_resid_post"))
        }
        do {
            _ = try ModelLoader.load("no-such-model")
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.description.contains("smollm2-135m-instruct"))
        }
        let long = [Int32](repeating: 100, count: m.config.contextLength + 1)
        #expect(throws: ModelError.contextOverflow(tokens: long.count, contextLength: m.config.contextLength)) {
            try m.forward([long], caches: nil, hooks: nil, options: ForwardOptions(logits: .none))
        }
        #expect(throws: ModelError.tokenOutOfRange(token: -1, vocabularySize: m.config.vocabSize)) {
            try m.forward([[1, -1]], caches: nil, hooks: nil, options: ForwardOptions())
        }
    }

    @Test func corruptModelFileNamesTheFileAndSuggestsPull() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-corrupt-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("broken.gguf").path
        try Data("GGUF\u{3}\0\0\0garbage".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ModelLoader.load(path)
            Issue.record("expected an error")
        } catch let e as ModelError {
            #expect(e.description.contains(path) && e.description.contains("augur models pull"))
        }
    }
}
