import AugurFormats
import Foundation
import Testing
@testable import AugurModels

/// The forward pass against an independent fp32 implementation on the same GGUF weights.
@Suite(.serialized) struct ReferenceForwardTests {
    static let cases: [(String, String)] = [
        ("smollm2-135m-instruct", "fox"), ("smollm2-135m-instruct", "einstein"),
        ("qwen2.5-coder-0.5b-instruct", "fox"), ("qwen2.5-coder-0.5b-instruct", "einstein"),
        ("gemma-3-270m", "fox"), ("gemma-3-270m", "einstein"),
    ]

    @Test(arguments: cases)
    func matchesReference(model name: String, prompt: String) throws {
        let model = try TestModels.named(name)
        let meta = try Reference.json(name, "forward.json")
        let prompts = try #require(meta["prompts"] as? [String: Any])
        let p = try #require(prompts[prompt] as? [String: Any])
        let text = try #require(p["text"] as? String)
        let layers = try #require(meta["layers_saved"] as? [Int])
        let ref = try Reference.tensors(name, prompt)

        let ids = model.tokenize(text)
        #expect(ids == (try ref.int32s("input_ids")))

        let hooks = Hooks()
        let points = [HookPoint(layer: 0, site: .residPre)] + layers.map { HookPoint(layer: $0, site: .residPost) }
        for pt in points { hooks.capture(pt) }
        let logits = try model.forward([ids], caches: nil, hooks: hooks, options: ForwardOptions(logits: .all, precision: .exact))[0]
        let vocab = model.config.vocabSize, t = ids.count

        // Argmax at every position.
        let top = try ref.int32s("top20_ids")
        for pos in 0..<t {
            let row = Array(logits[(pos * vocab)..<((pos + 1) * vocab)])
            #expect(Int32(argmax(row)) == top[pos * 20], "argmax differs at position \(pos)")
        }
        // Last-position logits within 0.02.
        let last = try ref.floats("logits_last")
        let mine = Array(logits[((t - 1) * vocab)...])
        let maxDiff = zip(mine, last).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff <= 0.02, "last-position logits differ by up to \(maxDiff)")
        // Residual streams within 1e-3 relative.
        #expect(relativeError(hooks.activations(at: points[0]), try ref.floats("resid_pre.0")) <= 1e-3)
        for l in layers where ref.tensors["resid_post.\(l)"] != nil {
            let err = relativeError(hooks.activations(at: HookPoint(layer: l, site: .residPost)), try ref.floats("resid_post.\(l)"))
            #expect(err <= 1e-3, "resid_post.\(l) relative error \(err)")
        }
    }

    /// The fast path (8-bit activations for small batches) stays close to the exact one.
    @Test(arguments: ["smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct", "gemma-3-270m"])
    func fastDecodeTracksExact(model name: String) throws {
        let model = try TestModels.named(name)
        let ids = model.tokenize("In 1905, Albert Einstein published four papers that changed physics forever.")
        let exactCache = model.makeCache(capacity: ids.count), fastCache = model.makeCache(capacity: ids.count)
        let prefix = Array(ids.dropLast())
        _ = try model.forward([prefix], caches: [exactCache], hooks: nil, options: ForwardOptions(logits: .none, precision: .exact))
        _ = try model.forward([prefix], caches: [fastCache], hooks: nil, options: ForwardOptions(logits: .none, precision: .exact))
        let exact = try model.forward([[ids.last!]], caches: [exactCache], hooks: nil, options: ForwardOptions(precision: .exact))[0]
        let fast = try model.forward([[ids.last!]], caches: [fastCache], hooks: nil, options: ForwardOptions(precision: .fast))[0]
        // Near-ties may swap, but the exact argmax stays among the fast path's top 3.
        let top3 = fast.indices.sorted { fast[$0] > fast[$1] }.prefix(3)
        #expect(top3.contains(argmax(exact)))
        let kl = klDivergence(exact, fast)
        print("fast vs exact \(name): KL \(kl), relative error \(relativeError(fast, exact))")
        #expect(kl < 0.02, "KL(exact ‖ fast) = \(kl)")
    }
}
