import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurSAE
import Foundation
import Testing

private let french = [
    "Le chat dort sur le canapé depuis ce matin.", "Nous allons au marché tous les samedis.",
    "Il fait très froid en hiver dans les montagnes.", "Elle a écrit une longue lettre à sa grand-mère.",
    "Les enfants jouent dans le jardin après l'école.", "Je voudrais un café et un croissant, s'il vous plaît.",
]
private let english = [
    "The cat has been sleeping on the sofa since morning.", "We go to the market every Saturday.",
    "It is very cold in winter in the mountains.", "She wrote a long letter to her grandmother.",
    "The children play in the garden after school.", "I would like a coffee and a croissant, please.",
]

/// A record of `text` split at spaces with activation `value` on every token.
private func wordRecord(_ text: String, value: Float) -> ActivationRecord {
    let tokens = text.split(separator: " ").enumerated().map { $0.offset == 0 ? String($0.element) : " " + $0.element }
    return ActivationRecord(tokens: tokens, activations: tokens.map { _ in value })
}

@Test func surprisalPrefersTheRightDescription() async throws {
    let model = try ScorerModels.smollm.get()
    let examples = FeatureExamples(id: "french", train: [], test: french.map { wordRecord($0, value: 1) },
                                   nonActivating: english.map { wordRecord($0, value: 0) })
    let scorer = SurprisalScorer(model: model)
    let outcomes = scorer.scoreAll([FeatureDescription(method: "test", text: "French text"),
                                    FeatureDescription(method: "test", text: "computer programming")], examples: examples)
    let right = outcomes[0], wrong = outcomes[1]
    // The single-description entry point gives the same numbers.
    let again = await scorer.score(FeatureDescription(method: "test", text: "French text"), examples: examples)
    #expect(again.values == right.values)
    #expect(right.failures.isEmpty && wrong.failures.isEmpty)
    let r = try #require(right.value), w = try #require(wrong.value)
    let rd = try #require(right.values[MetricKey.meanDifference]), wd = try #require(wrong.values[MetricKey.meanDifference])
    print("surprisal AUROC right \(r) wrong \(w); mean drop difference right \(rd) wrong \(wd)")
    #expect(r > 0.8)
    #expect(rd > wd)
    #expect(r > w)
}

@Test func inputBasedEvaluationPassesOnlyTheRightSets() async throws {
    let model = try ScorerModels.smollm.get()
    let layer = 15
    let hook = try HookPoint.parse("blocks.\(layer).mlp.hook_post", layers: model.config.layers)
    let probe = FeatureProbe(model: model, coder: try NeuronBasis(width: model.config.dMLP), hook: hook)
    // Find the neuron that best tells French from English on three sentences of each.
    func maxPerNeuron(_ text: String) throws -> [Float] {
        let rows = try probe.allActivations(for: text)
        return (0..<probe.coder.numLatents).map { j in rows.map { $0[j] }.max() ?? 0 }
    }
    var difference = [Float](repeating: 0, count: probe.coder.numLatents)
    for (f, e) in zip(french.prefix(3), english.prefix(3)) {
        let a = try maxPerNeuron(f), b = try maxPerNeuron(e)
        for j in difference.indices { difference[j] += a[j] - b[j] }
    }
    let neuron = try #require(difference.indices.max { difference[$0] < difference[$1] })
    // The evaluation uses the other three sentences of each language.
    func writer(_ first: [String], _ second: [String]) -> ScorerScriptedChat {
        ScorerScriptedChat { _ in
            "ACTIVATING:\n" + first.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
                + "\n\nNON-ACTIVATING:\n" + second.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        }
    }
    let examples = FeatureExamples(id: "\(hook)/\(neuron)", train: [], test: [], nonActivating: [])
    let description = FeatureDescription(method: "test", text: "French text")
    let good = await InputBasedEvaluation(model: writer(Array(french.suffix(3)), Array(english.suffix(3))), probe: probe, k: 3)
        .score(description, examples: examples)
    let swapped = await InputBasedEvaluation(model: writer(Array(english.suffix(3)), Array(french.suffix(3))), probe: probe, k: 3)
        .score(description, examples: examples)
    print("input-based: neuron \(neuron), difference \(good.values[MetricKey.meanDifference] ?? .nan)")
    #expect(good.failures.isEmpty && good.predictions.count == 6)
    #expect(good.value == 1)
    #expect(swapped.value == 0)
    #expect(good.notes.isEmpty)
    // Every sentence's activations are kept, one per token.
    #expect(good.predictions.allSatisfy { ($0.activations?.count ?? 0) > 3 })
}

@Test func inputBasedEvaluationRecordsAnUnreadableReply() async throws {
    let model = try ScorerModels.smollm.get()
    let hook = try HookPoint.parse("blocks.2.mlp.hook_post", layers: model.config.layers)
    let probe = FeatureProbe(model: model, coder: try NeuronBasis(width: model.config.dMLP), hook: hook)
    let chat = ScorerScriptedChat { _ in "Sure, here are some sentences about cats." }
    let outcome = await InputBasedEvaluation(model: chat, probe: probe).score(
        FeatureDescription(method: "test", text: "cats"), examples: FeatureExamples(id: "\(hook)/5", train: [], test: [], nonActivating: []))
    #expect(outcome.value == nil)
    #expect(outcome.failures.count == 1 && outcome.failures[0].rawReply == "Sure, here are some sentences about cats.")
    #expect(chat.calls.count == 2)  // the first try and one repair
}

@Test func inputBasedSentencesAreParsedFromCommonLayouts() async throws {
    let model = try ScorerModels.smollm.get()
    let hook = try HookPoint.parse("blocks.0.mlp.hook_post", layers: model.config.layers)
    let probe = FeatureProbe(model: model, coder: try NeuronBasis(width: model.config.dMLP), hook: hook)
    let chat = ScorerScriptedChat { _ in
        "**Activating:**\n- \"One two three.\"\n- Four five.\n\n**Non-activating:**\n1) Red and blue.\n2) Green."
    }
    let outcome = await InputBasedEvaluation(model: chat, probe: probe, k: 2).score(
        FeatureDescription(method: "test", text: "numbers"), examples: FeatureExamples(id: "\(hook)/7", train: [], test: [], nonActivating: []))
    #expect(outcome.failures.isEmpty)
    #expect(outcome.predictions.map(\.text) == ["One two three.", "Four five.", "Red and blue.", "Green."])
    #expect(outcome.predictions.map(\.activating) == [true, true, false, false])
    #expect(outcome.value != nil)
}
