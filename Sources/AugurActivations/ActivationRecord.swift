import Foundation

/// Where a record's window came from in a latent cache.
public struct RecordSource: Codable, Sendable, Equatable, Hashable {
    /// Cached sequence (context) index.
    public var sequence: Int
    /// Position of the window's first token in that sequence.
    public var start: Int

    public init(sequence: Int, start: Int) {
        self.sequence = sequence
        self.start = start
    }
}

/// How a non-activating example was chosen.
public enum NonActivatingKind: String, Codable, Sendable, Equatable {
    /// A random window where the feature does not fire.
    case random
    /// A "hard" negative: a window where a neighbouring feature fires and this one does not.
    case hard
}

/// A window of text with a feature's activation at every token — OpenAI's `ActivationRecord`
/// (`{"tokens": [str], "activations": [float]}`), with optional provenance.
public struct ActivationRecord: Codable, Sendable, Equatable {
    /// The window's tokens as text.
    public var tokens: [String]
    /// The feature's activation at each token (0 where it is inactive).
    public var activations: [Float]
    /// The token ids, when the record comes from a model's tokenizer.
    public var tokenIDs: [Int32]?
    /// Where the window lies in the cache, when it comes from one.
    public var source: RecordSource?
    /// For activating examples drawn by activation quantile: the quantile, 1 (weakest) … Q (strongest).
    public var quantile: Int?
    /// For non-activating examples: how the window was chosen (random, or a hard negative).
    public var nonActivatingKind: NonActivatingKind?

    public init(tokens: [String], activations: [Float], tokenIDs: [Int32]? = nil, source: RecordSource? = nil,
                quantile: Int? = nil, nonActivatingKind: NonActivatingKind? = nil) {
        self.tokens = tokens
        self.activations = activations
        self.tokenIDs = tokenIDs
        self.source = source
        self.quantile = quantile
        self.nonActivatingKind = nonActivatingKind
    }

    /// The largest activation in the window (0 for an empty one).
    public var maxActivation: Float { activations.max() ?? 0 }

    enum CodingKeys: String, CodingKey {
        case tokens, activations, source, quantile
        case tokenIDs = "token_ids"
        case nonActivatingKind = "non_activating_kind"
    }
}

/// The examples of one feature, split so that the explainer never sees what the scorers test.
public struct FeatureExamples: Codable, Sendable, Equatable {
    /// The feature's id (`HOOK/LATENT` for cache latents, or the id a records file gives).
    public var id: String
    /// Activating examples shown to the explainer (top and/or by quantile).
    public var train: [ActivationRecord]
    /// Activating examples held out for scoring, with their quantiles.
    public var test: [ActivationRecord]
    /// Windows where the feature does not fire (random or hard negatives), for scoring.
    public var nonActivating: [ActivationRecord]

    public init(id: String, train: [ActivationRecord], test: [ActivationRecord], nonActivating: [ActivationRecord]) {
        self.id = id
        self.train = train
        self.test = test
        self.nonActivating = nonActivating
    }

    enum CodingKeys: String, CodingKey {
        case id, train, test
        case nonActivating = "non_activating"
    }
}
