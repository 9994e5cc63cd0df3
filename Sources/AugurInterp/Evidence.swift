import AugurActivations
import Foundation

/// A token with a number attached (a logit, a logit change).
public struct TokenScore: Codable, Sendable, Equatable {
    /// The token's text.
    public var token: String
    /// Its score.
    public var score: Float

    public init(token: String, score: Float) {
        self.token = token
        self.score = score
    }
}

/// VocabProj evidence: the tokens W_U · finalNorm(d) ranks highest and lowest for the feature's
/// output direction d (an SAE decoder row, or a neuron's row of the MLP down-projection).
public struct VocabProjEvidence: Codable, Sendable, Equatable {
    /// Most promoted tokens, highest first.
    public var top: [TokenScore]
    /// Most suppressed tokens, lowest first.
    public var bottom: [TokenScore]

    public init(top: [TokenScore], bottom: [TokenScore]) {
        self.top = top
        self.bottom = bottom
    }
}

/// TokenChange evidence: the average change in next-token logits when the feature is clamped to a
/// high positive (and, separately, negative) value at every position of sample contexts.
public struct TokenChangeEvidence: Codable, Sendable, Equatable {
    /// The value the feature was clamped to for ``raised``/``lowered`` (its negation for the `negative…` lists).
    public var clampValue: Float
    /// Tokens whose logits rose most under the positive clamp, largest change first.
    public var raised: [TokenScore]
    /// Tokens whose logits fell most under the positive clamp, largest drop first.
    public var lowered: [TokenScore]
    /// Under the negative clamp (empty when it was not measured).
    public var negativeRaised: [TokenScore]
    public var negativeLowered: [TokenScore]
    /// Contexts × positions the change was averaged over.
    public var positions: Int

    public init(clampValue: Float, raised: [TokenScore], lowered: [TokenScore], negativeRaised: [TokenScore] = [],
                negativeLowered: [TokenScore] = [], positions: Int) {
        self.clampValue = clampValue
        self.raised = raised
        self.lowered = lowered
        self.negativeRaised = negativeRaised
        self.negativeLowered = negativeLowered
        self.positions = positions
    }
}

/// Everything known about one feature that an explainer or a scorer may use.
public struct FeatureEvidence: Codable, Sendable, Equatable {
    /// The feature's id (`HOOK/LATENT`, or a records file's id).
    public var id: String
    /// Input-side examples (absent for features known only by their output side).
    public var examples: FeatureExamples?
    /// Output-side evidence, when a model and decoder direction are available.
    public var vocabProj: VocabProjEvidence?
    public var tokenChange: TokenChangeEvidence?

    public init(id: String, examples: FeatureExamples? = nil, vocabProj: VocabProjEvidence? = nil,
                tokenChange: TokenChangeEvidence? = nil) {
        self.id = id
        self.examples = examples
        self.vocabProj = vocabProj
        self.tokenChange = tokenChange
    }
}
