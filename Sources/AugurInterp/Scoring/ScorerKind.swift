import Foundation

/// The scorers by name, for command lines and configuration files.
public enum ScorerKind: String, Codable, Sendable, CaseIterable {
    /// LLM: which plain examples fit the description (``DetectionScorer``).
    case detection
    /// LLM: whether highlighted tokens fit the description (``FuzzingScorer``).
    case fuzzing
    /// LLM: the odd one out of 4 activating + 1 non-activating examples (``IntruderScorer``).
    case intruder
    /// LLM: per-token activations predicted from the description (``SimulationScorer``).
    case simulation
    /// Sentence embedder: cosine of description and examples (``EmbeddingScorer``).
    case embedding
    /// Base LM: loss drop of examples given the description (``SurprisalScorer``).
    case surprisal
    /// Subject model + base LM: loss drop of steered text given the description (``InterventionScorer``).
    case intervention
    /// LLM + subject model: generated sentences that should and should not activate (``InputBasedEvaluation``).
    case inputBased = "input-based"
    /// LLM judge + subject model: pick the target's steered generations (``OutputBasedEvaluation``).
    case outputBased = "output-based"

    /// Whether the scorer needs a chat model.
    public var needsChatModel: Bool {
        switch self {
        case .detection, .fuzzing, .intruder, .simulation, .inputBased, .outputBased: true
        case .embedding, .surprisal, .intervention: false
        }
    }

    /// Whether the scorer runs the subject model with its sparse coder (probe or steering).
    public var needsSubjectModel: Bool {
        switch self {
        case .intervention, .inputBased, .outputBased: true
        default: false
        }
    }

    /// Parses a comma-separated list such as `detection,fuzzing`, naming an unknown scorer and the valid ones.
    public static func parseList(_ spec: String) throws(InterpError) -> [ScorerKind] {
        let valid = allCases.map(\.rawValue).joined(separator: ", ")
        let names = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw .badArgument("no scorers given; valid: \(valid)") }
        var out: [ScorerKind] = []
        for n in names {
            guard let k = ScorerKind(rawValue: n.lowercased()) else { throw .badArgument("unknown scorer '\(n)'; valid: \(valid)") }
            if !out.contains(k) { out.append(k) }
        }
        return out
    }
}
