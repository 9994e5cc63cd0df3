import AugurTensor
import AugurModels
import Testing
@testable import AugurSAE

@Suite(.serialized) struct CrossEntropyTests {
    static let model: (any LanguageModel)? = try? ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))

    @Test func lossRecoveredOnSmolLM2() throws {
        let model = try #require(Self.model, "SmolLM2-135M not pulled")
        let contexts = [
            model.tokenize("The capital of France is Paris, and the capital of Germany is Berlin. The"),
            model.tokenize("def add(a, b):\n    return a + b\n\nprint(add(2, 3))"),
        ].map { Array($0.prefix(16)) }
        #expect(contexts.allSatisfy { $0.count >= 12 })
        let hook = try HookPoint.parse("blocks.3.hook_resid_post", layers: model.config.layers)
        let d = model.config.dModel

        let identity = try NeuronBasis(width: d)
        let exact = try SAEMetrics.crossEntropy(model: model, hook: hook, coder: identity, contexts: contexts)
        #expect(exact.clean < exact.zeroAblated, "clean \(exact.clean) vs zero \(exact.zeroAblated)")
        #expect(abs(exact.lossRecovered - 1) < 1e-6, "identity loss recovered \(exact.lossRecovered)")
        #expect(exact.sae == exact.clean)
        #expect(exact.predictions == contexts.reduce(0) { $0 + $1.count - 1 })

        var rng = SplitMix64(seed: 4)
        let n = 64
        let weights = try SAEWeights(dIn: d, numLatents: n, wEnc: randomFloats(n * d, &rng, scale: 0.05), bEnc: .init(repeating: 0, count: n),
                                     wDec: randomFloats(n * d, &rng, scale: 0.05), bDec: .init(repeating: 0, count: d))
        let random = try SAEMetrics.crossEntropy(model: model, hook: hook, coder: try TopKSAE(weights: weights, k: 4), contexts: contexts)
        #expect(random.clean == exact.clean && random.zeroAblated == exact.zeroAblated)
        #expect(random.sae > random.clean && random.lossRecovered < 0.9, "random SAE: \(random)")
        // A coder of the wrong width is refused with a message naming both widths.
        let wrong = #expect(throws: SAEError.self) {
            try SAEMetrics.crossEntropy(model: model, hook: hook, coder: try NeuronBasis(width: d + 1), contexts: contexts)
        }
        #expect(wrong?.description.contains("\(d + 1)") == true)
    }

    @Test func neuronBasisUsesModelDirections() throws {
        let model = try #require(Self.model, "SmolLM2-135M not pulled")
        let basis = try NeuronBasis(model: model, layer: 2, k: 8)
        #expect(basis.dIn == model.config.dMLP && basis.numLatents == model.config.dMLP)
        #expect(basis.decoderDirection(5) == (try model.neuronOutputDirection(layer: 2, neuron: 5)))
        #expect(basis.decoderDirection(5).count == model.config.dModel)
        #expect(throws: SAEError.self) { try NeuronBasis(model: model, layer: model.config.layers, k: nil) }
    }
}
