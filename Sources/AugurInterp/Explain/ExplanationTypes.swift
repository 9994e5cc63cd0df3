import AugurActivations
import AugurLLM
import Foundation

/// Why a feature could not be described. Recorded with the run; never turned into a description.
public struct ExplanationFailureCause: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Codable, Equatable {
        /// The feature lacks the evidence the method needs (no examples, no VocabProj, …).
        case missingEvidence = "missing-evidence"
        /// The explainer model could not answer (an ``LLMError`` or another error it threw).
        case llm
        /// The explainer answered, twice, with something that is not a description.
        case unparseable
        /// The request cannot be made (for example an invalid option).
        case invalid
        /// The task was cancelled before the explainer answered.
        case cancelled
    }

    /// The kind of failure.
    public var kind: Kind
    /// What was wrong, naming the feature, method and missing piece or the error text.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// The evidence a prompt actually showed (windows after truncation, lists after trimming), stored
/// with the description so that a reader sees what the explainer saw.
public struct EvidenceShown: Sendable, Codable, Equatable {
    /// Activating examples, as shown (truncated windows), strongest first.
    public var examples: [ActivationRecord]?
    /// Non-activating examples (contrastive prompts).
    public var nonActivating: [ActivationRecord]?
    /// VocabProj tokens shown.
    public var vocabProj: VocabProjEvidence?
    /// TokenChange tokens shown.
    public var tokenChange: TokenChangeEvidence?
    /// For `ensemble-concat`: the descriptions that were concatenated.
    public var descriptions: [FeatureDescription]?

    public init(examples: [ActivationRecord]? = nil, nonActivating: [ActivationRecord]? = nil,
                vocabProj: VocabProjEvidence? = nil, tokenChange: TokenChangeEvidence? = nil,
                descriptions: [FeatureDescription]? = nil) {
        self.examples = examples
        self.nonActivating = nonActivating
        self.vocabProj = vocabProj
        self.tokenChange = tokenChange
        self.descriptions = descriptions
    }
}

/// A chat conversation asking for one feature's description.
public struct ExplanationPrompt: Sendable, Codable, Equatable {
    /// The method it implements.
    public var method: ExplanationMethod
    /// System turn, few-shot turns, then the feature's evidence as the last user turn.
    public var messages: [ChatMessage]
    /// What the last user turn shows.
    public var shown: EvidenceShown
    /// The prompt's size by the builder's token counter.
    public var estimatedTokens: Int

    public init(method: ExplanationMethod, messages: [ChatMessage], shown: EvidenceShown, estimatedTokens: Int) {
        self.method = method
        self.messages = messages
        self.shown = shown
        self.estimatedTokens = estimatedTokens
    }
}

/// A description and everything needed to audit it.
public struct ExplanationSuccess: Sendable, Codable, Equatable {
    /// The feature's id.
    public var featureID: String
    /// The description (method raw value and text).
    public var description: FeatureDescription
    /// The conversation of the accepted answer (with the repair turns when a repair was needed);
    /// empty for `ensemble-concat`, which makes no request.
    public var messages: [ChatMessage]
    /// The evidence the prompt showed.
    public var shown: EvidenceShown
    /// The explainer model's name (`ensemble-concat`: the model that was given, though not called).
    public var explainer: String
    /// The reply the description was parsed from.
    public var rawReply: String
    /// Every reply received, in order (two when the repair prompt was used).
    public var rawReplies: [String]
    /// Wall-clock seconds, all attempts included.
    public var seconds: Double
    /// Token counts summed over the attempts.
    public var usage: ChatUsage

    public init(featureID: String, description: FeatureDescription, messages: [ChatMessage], shown: EvidenceShown,
                explainer: String, rawReply: String, rawReplies: [String], seconds: Double, usage: ChatUsage) {
        self.featureID = featureID
        self.description = description
        self.messages = messages
        self.shown = shown
        self.explainer = explainer
        self.rawReply = rawReply
        self.rawReplies = rawReplies
        self.seconds = seconds
        self.usage = usage
    }

    /// Whether the first reply was unusable and the repair prompt produced this description.
    public var repaired: Bool { rawReplies.count > 1 }
}

/// A feature and method that could not be described, and why.
public struct ExplanationFailure: Sendable, Codable, Equatable {
    /// The feature's id.
    public var featureID: String
    /// The method that was attempted.
    public var method: ExplanationMethod
    /// The explainer model's name.
    public var explainer: String
    /// Why it failed.
    public var cause: ExplanationFailureCause
    /// The replies received, if any (kept for diagnosis; never used as a description).
    public var rawReplies: [String]
    /// Wall-clock seconds spent.
    public var seconds: Double
    /// Token counts summed over the attempts that got an answer.
    public var usage: ChatUsage

    public init(featureID: String, method: ExplanationMethod, explainer: String, cause: ExplanationFailureCause,
                rawReplies: [String], seconds: Double, usage: ChatUsage = ChatUsage(promptTokens: 0, completionTokens: 0)) {
        self.featureID = featureID
        self.method = method
        self.explainer = explainer
        self.cause = cause
        self.rawReplies = rawReplies
        self.seconds = seconds
        self.usage = usage
    }
}

/// The result of explaining one feature with one method.
public enum ExplanationOutcome: Sendable, Equatable {
    case success(ExplanationSuccess)
    case failure(ExplanationFailure)

    /// The feature's id.
    public var featureID: String {
        switch self {
        case .success(let s): return s.featureID
        case .failure(let f): return f.featureID
        }
    }

    /// The method's raw value.
    public var method: String {
        switch self {
        case .success(let s): return s.description.method
        case .failure(let f): return f.method.rawValue
        }
    }

    /// The explainer model's name.
    public var explainer: String {
        switch self {
        case .success(let s): return s.explainer
        case .failure(let f): return f.explainer
        }
    }

    /// The success, if it is one.
    public var success: ExplanationSuccess? {
        if case .success(let s) = self { return s }
        return nil
    }

    /// The failure, if it is one.
    public var failure: ExplanationFailure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
