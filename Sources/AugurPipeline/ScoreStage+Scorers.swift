import AugurActivations
import AugurInterp
import AugurModels
import Foundation

/// Builds the scorer of one kind from a ``ScoreContext`` and scores a feature's descriptions
/// with it, sharing work between descriptions where the scorer can (embedding, surprisal).
struct ScorerFactory: Sendable {
    let kind: ScorerKind
    let context: ScoreContext
    /// Feature id → latent index, from the store (ids without one fall back to `HOOK/LATENT`).
    let latents: [String: Int]

    /// The latent index of a feature id.
    var latentForID: @Sendable (String) -> Int? {
        let known = latents
        return { id in known[id] ?? id.split(separator: "/").last.flatMap { Int($0) } }
    }

    /// One outcome per description, in order. Never throws: problems are failures in the outcomes.
    func score(_ descriptions: [FeatureDescription], examples: FeatureExamples, featureKind: String?) async -> [ScoreOutcome] {
        let options = context.llmOptions
        switch kind {
        case .embedding:
            guard let embedder = context.embedder else { return refuse(descriptions, examples) }
            return EmbeddingScorer(embedder: embedder).scoreAll(descriptions, examples: examples)
        case .surprisal:
            guard let base = context.effectiveBaseModel else { return refuse(descriptions, examples) }
            return SurprisalScorer(model: base).scoreAll(descriptions, examples: examples)
        case .detection, .fuzzing, .intruder, .simulation:
            guard let chat = context.chat else { return refuse(descriptions, examples) }
            let scorer: any FeatureScorer = switch kind {
            case .detection: DetectionScorer(model: chat, options: options)
            case .fuzzing: FuzzingScorer(model: chat, options: options)
            case .intruder: IntruderScorer(model: chat, options: options)
            default: SimulationScorer(model: chat, options: options)
            }
            return await each(descriptions, scorer, examples)
        case .intervention, .inputBased, .outputBased:
            guard let subject = context.subject(forKind: featureKind) else {
                return refuse(descriptions, examples, cause: "no subject model serves features of kind '\(featureKind ?? "?")'")
            }
            let scorer: any FeatureScorer
            switch kind {
            case .intervention:
                guard let base = context.effectiveBaseModel else { return refuse(descriptions, examples) }
                scorer = InterventionScorer(steering: FeatureSteering(model: subject.model, coder: subject.coder, hook: subject.hook),
                                            surprisal: SurprisalScorer(model: base), latentForID: latentForID)
            case .inputBased:
                guard let chat = context.chat else { return refuse(descriptions, examples) }
                scorer = InputBasedEvaluation(model: chat, probe: FeatureProbe(model: subject.model, coder: subject.coder, hook: subject.hook),
                                              options: options, latentForID: latentForID)
            default:
                guard let chat = context.chat else { return refuse(descriptions, examples) }
                scorer = OutputBasedEvaluation(judge: chat, steering: FeatureSteering(model: subject.model, coder: subject.coder, hook: subject.hook),
                                               options: options, latentForID: latentForID)
            }
            return await each(descriptions, scorer, examples)
        }
    }

    private func each(_ descriptions: [FeatureDescription], _ scorer: any FeatureScorer, _ examples: FeatureExamples) async -> [ScoreOutcome] {
        var out: [ScoreOutcome] = []
        for d in descriptions { out.append(await scorer.score(d, examples: examples)) }
        return out
    }

    /// Outcomes without a value, when a requirement is missing.
    private func refuse(_ descriptions: [FeatureDescription], _ examples: FeatureExamples, cause: String? = nil) -> [ScoreOutcome] {
        let why = cause ?? context.refusal(for: kind) ?? "scorer \(kind.rawValue) cannot run"
        return descriptions.map {
            ScoreOutcome(scorer: kind.rawValue, featureID: examples.id, description: $0, model: "",
                         primaryMetric: kind.primaryMetric, failures: [ScoringFailure(examples: [], cause: why)])
        }
    }
}

extension ScorerKind {
    /// The metric of the stored score (the scorer's headline): balanced accuracy for detection and
    /// fuzzing, accuracy for intruder and output-based, Pearson correlation for simulation, AUROC
    /// for embedding, surprisal and intervention, pass (0/1) for input-based.
    public var primaryMetric: String {
        switch self {
        case .detection, .fuzzing: MetricKey.balancedAccuracy
        case .intruder, .outputBased: MetricKey.accuracy
        case .simulation: MetricKey.correlation
        case .embedding, .surprisal, .intervention: MetricKey.auroc
        case .inputBased: MetricKey.pass
        }
    }
}
