import Foundation

/// How much evidence an explanation prompt shows, and how the explainer is asked.
///
/// The defaults keep a prompt (system turn, few-shot turns and the feature's evidence) around
/// 1,000–1,500 tokens, so that a small in-process model (Qwen2.5-Coder-0.5B) answers in seconds.
/// The system turn and the few-shot turns are the same for every feature of a method, so a model
/// with a prefix cache only pays for the last user turn.
public struct ExplainerOptions: Sendable, Codable, Equatable {
    /// Most activating examples shown (chosen evenly across the train records ranked by their
    /// maximum activation, so the strongest and the weaker ones are both represented).
    public var maxExamples: Int
    /// Tokens kept of each example, in a window around its most active token (¾ of it before).
    public var windowTokens: Int
    /// A token is highlighted `<<…>>` when its activation is at least this fraction of its example's maximum.
    public var highlightThreshold: Float
    /// MaxAct/contrastive/ensemble: follow each example with `(token : activation 0–10)` for its highlighted tokens.
    public var showActivationList: Bool
    /// Contrastive prompts: most non-activating examples shown.
    public var contrastiveNegatives: Int
    /// Contrastive prompts take non-activating examples from `nonActivating[contrastiveNegativeOffset...]`.
    ///
    /// The first records of `FeatureExamples.nonActivating` are the scorers' negatives; showing them
    /// to the explainer would let a description be tuned to the very windows it is scored on. The
    /// default (50, the scorers' count in DESIGN.md §1) takes the explainer's negatives from the
    /// slice after them; a feature without such extra records fails with a cause saying so. Set 0
    /// to accept the overlap.
    public var contrastiveNegativeOffset: Int
    /// VocabProj: most promoted and most suppressed tokens shown (each list).
    public var vocabTokens: Int
    /// TokenChange: most raised and most lowered tokens shown per clamp sign (each list).
    public var tokenChangeTokens: Int
    /// Ensemble prompts: most activating examples shown (fewer than MaxAct, to leave room for the output side).
    public var ensembleExamples: Int
    /// Include the three few-shot examples as prior chat turns.
    public var fewShot: Bool
    /// Estimated prompt tokens at most; evidence is shown in smaller amounts until the prompt fits.
    public var promptTokenBudget: Int
    /// Most tokens the explainer may generate.
    public var maxReplyTokens: Int
    /// Sampling temperature of the explainer (0: greedy).
    public var temperature: Float
    /// Replies longer than this many characters are not accepted as a description.
    public var maxDescriptionCharacters: Int

    /// The defaults described on each property.
    public init(maxExamples: Int = 20, windowTokens: Int = 16, highlightThreshold: Float = 0.3,
                showActivationList: Bool = false, contrastiveNegatives: Int = 8, contrastiveNegativeOffset: Int = 50,
                vocabTokens: Int = 30, tokenChangeTokens: Int = 10, ensembleExamples: Int = 10, fewShot: Bool = true,
                promptTokenBudget: Int = 3000, maxReplyTokens: Int = 80, temperature: Float = 0,
                maxDescriptionCharacters: Int = 400) {
        self.maxExamples = maxExamples
        self.windowTokens = windowTokens
        self.highlightThreshold = highlightThreshold
        self.showActivationList = showActivationList
        self.contrastiveNegatives = contrastiveNegatives
        self.contrastiveNegativeOffset = contrastiveNegativeOffset
        self.vocabTokens = vocabTokens
        self.tokenChangeTokens = tokenChangeTokens
        self.ensembleExamples = ensembleExamples
        self.fewShot = fewShot
        self.promptTokenBudget = promptTokenBudget
        self.maxReplyTokens = maxReplyTokens
        self.temperature = temperature
        self.maxDescriptionCharacters = maxDescriptionCharacters
    }

    /// Checks every value, naming the first one out of range.
    public func validate() throws(InterpError) {
        func need(_ ok: Bool, _ what: String) throws(InterpError) { if !ok { throw .badArgument(what) } }
        try need(maxExamples >= 1, "maxExamples must be at least 1 (got \(maxExamples))")
        try need(windowTokens >= 1, "windowTokens must be at least 1 (got \(windowTokens))")
        try need(highlightThreshold > 0 && highlightThreshold <= 1,
                 "highlightThreshold must be in (0, 1] (got \(highlightThreshold))")
        try need(contrastiveNegatives >= 1, "contrastiveNegatives must be at least 1 (got \(contrastiveNegatives))")
        try need(contrastiveNegativeOffset >= 0, "contrastiveNegativeOffset must be ≥ 0 (got \(contrastiveNegativeOffset))")
        try need(vocabTokens >= 1, "vocabTokens must be at least 1 (got \(vocabTokens))")
        try need(tokenChangeTokens >= 1, "tokenChangeTokens must be at least 1 (got \(tokenChangeTokens))")
        try need(ensembleExamples >= 1, "ensembleExamples must be at least 1 (got \(ensembleExamples))")
        try need(promptTokenBudget >= 64, "promptTokenBudget must be at least 64 (got \(promptTokenBudget))")
        try need(maxReplyTokens >= 8, "maxReplyTokens must be at least 8 (got \(maxReplyTokens))")
        try need(temperature >= 0, "temperature must be ≥ 0 (got \(temperature))")
        try need(maxDescriptionCharacters >= 20, "maxDescriptionCharacters must be at least 20 (got \(maxDescriptionCharacters))")
    }
}

/// Estimates how many tokens a text costs an explainer's tokenizer: one per three UTF-8 bytes,
/// rounded up — conservative for English BPE (about four bytes a token) and for the markup prompts use.
public let estimateTokens: @Sendable (String) -> Int = { text in (text.utf8.count + 2) / 3 }
