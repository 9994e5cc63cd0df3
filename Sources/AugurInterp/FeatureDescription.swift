import Foundation

/// The ways a feature can be described (seed 1 and seed 2).
public enum ExplanationMethod: String, Codable, Sendable, CaseIterable {
    /// Input side: top and quantile-sampled activating examples with the active tokens marked `<<…>>`.
    case maxact
    /// MaxAct in OpenAI's layout: `token<TAB>activation` lines scaled 0–10.
    case maxactOpenAI = "maxact-openai"
    /// Activating and non-activating examples side by side.
    case contrastive
    /// Output side: the tokens the feature's decoder direction promotes and suppresses (W_U · norm(d)).
    case vocabproj
    /// Output side: the tokens whose logits change most when the feature is clamped high/low.
    case tokenchange
    /// One prompt holding input and output evidence (MaxAct + VocabProj + TokenChange).
    case ensemble
    /// The concatenation of the separate MaxAct, VocabProj and TokenChange descriptions.
    case ensembleConcat = "ensemble-concat"

    /// Parses a comma-separated list such as `maxact,vocabproj`, naming an unknown method and the valid ones.
    public static func parseList(_ spec: String) throws(InterpError) -> [ExplanationMethod] {
        let names = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw .badArgument("no methods given; valid: \(allCases.map(\.rawValue).joined(separator: ", "))") }
        var out: [ExplanationMethod] = []
        for n in names {
            guard let m = ExplanationMethod(rawValue: n.lowercased()) else {
                throw .badArgument("unknown method '\(n)'; valid: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !out.contains(m) { out.append(m) }
        }
        return out
    }
}

/// A description of a feature, by one method.
public struct FeatureDescription: Codable, Sendable, Equatable {
    /// The method's name (an ``ExplanationMethod`` raw value, or any label a records file gives).
    public var method: String
    /// The description itself.
    public var text: String

    public init(method: String, text: String) {
        self.method = method
        self.text = text
    }
}

/// What went wrong explaining or scoring.
public enum InterpError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A user-supplied value is invalid; the message names it and the valid range or choices.
    case badArgument(String)
    /// A file could not be read or does not have the expected shape.
    case badFile(path: String, detail: String)

    public var description: String {
        switch self {
        case .badArgument(let s): return s
        case let .badFile(path, detail): return "\(path): \(detail)"
        }
    }
}
