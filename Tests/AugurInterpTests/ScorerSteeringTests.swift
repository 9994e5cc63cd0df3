import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurSAE
import Foundation
import Testing

private func neuronSteering() throws -> FeatureSteering {
    let model = try ScorerModels.smollm.get()
    let hook = try HookPoint.parse("blocks.10.mlp.hook_post", layers: model.config.layers)
    return FeatureSteering(model: model, coder: try NeuronBasis(width: model.config.dMLP), hook: hook)
}

@Test func steeringStrengthHitsTheKLTarget() throws {
    let steering = try neuronSteering()
    let prompts = ["The cat sat", "I think that"]
    let quarter = try steering.strength(forKL: 0.25, latent: 100, prompts: prompts)
    let half = try steering.strength(forKL: 0.5, latent: 100, prompts: prompts)
    print("steering neuron 100: KL 0.25 at \(quarter), KL 0.5 at \(half)")
    #expect(abs(quarter.kl - 0.25) <= 0.025)
    #expect(abs(half.kl - 0.5) <= 0.05)
    #expect(half.strength > quarter.strength)
    // Steered generation differs from the clean one at a KL of 0.5 nats… or at least runs.
    let clean = try steering.generate(latent: 100, strength: 0, prompts: ["The cat sat"], maxTokens: 4)
    #expect(clean.count == 1 && !clean[0].isEmpty)
    #expect(throws: InterpError.self) { try steering.strength(forKL: 0.25, latent: -1, prompts: prompts) }
}

@Test func outputBasedEvaluationAsksTheJudgeToPickTheSteeredSet() async throws {
    let steering = try neuronSteering()
    let judge = ScorerScriptedChat { _ in "Set 2" }
    let evaluation = OutputBasedEvaluation(judge: judge, steering: steering, prompts: ["The cat sat", "I think that"],
                                           klTargets: [0.5], randomFeatures: 2, maxTokens: 4)
    let outcome = await evaluation.score(FeatureDescription(method: "test", text: "cats"),
                                         examples: FeatureExamples(id: "\(steering.hook)/100", train: [], test: [], nonActivating: []))
    #expect(outcome.failures.isEmpty)
    let p = try #require(outcome.predictions.first)
    let answer = try #require(p.answer)
    #expect((1...3).contains(answer))
    #expect(p.score == 2)
    #expect(outcome.value == (answer == 2 ? 1 : 0))
    let question = try #require(judge.calls.first?.scoringQuestion)
    #expect(question.contains("Set 1:") && question.contains("Set 3:") && question.contains("- The cat sat"))
    #expect(question.contains("Description: cats"))
    // A feature id without a latent is a failure, not a crash.
    let bad = await evaluation.score(FeatureDescription(method: "test", text: "cats"),
                                     examples: FeatureExamples(id: "no-latent", train: [], test: [], nonActivating: []))
    #expect(bad.value == nil && bad.failures.first?.cause.contains("no-latent") == true)
}

@Test func interventionScoresSteeredAgainstCleanContinuations() async throws {
    let steering = try neuronSteering()
    let scorer = InterventionScorer(steering: steering, surprisal: SurprisalScorer(model: steering.model),
                                    prompts: ["The cat sat", "I think that"], klTarget: 0.5, maxTokens: 6)
    let outcome = await scorer.score(FeatureDescription(method: "test", text: "cats"),
                                     examples: FeatureExamples(id: "\(steering.hook)/100", train: [], test: [], nonActivating: []))
    print("intervention:", outcome.values, outcome.notes)
    #expect(outcome.failures.isEmpty)
    #expect(outcome.predictions.map(\.activating) == [true, true, false, false])
    #expect(outcome.predictions.allSatisfy { $0.score != nil })
    // The headline is recomputable from the stored drops.
    let drops = outcome.predictions.compactMap(\.score)
    #expect(outcome.value == Metrics.auroc(scores: drops, labels: outcome.predictions.map(\.activating)))
}
