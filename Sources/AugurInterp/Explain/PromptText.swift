import Foundation

/// The fixed wording of the explanation prompts.
public enum PromptText {
    /// The marker the answer follows.
    public static let marker = "[EXPLANATION]:"

    static let intro = "You study one feature of a neural language model: an internal unit that becomes active on some tokens and changes what the model predicts."

    static let answerRule = "Reply with a single line: \(marker) followed by one short sentence (under 25 words) naming the common pattern. Describe the pattern, not each example, and do not quote the excerpts."

    /// The system turn of `method`.
    public static func system(_ method: ExplanationMethod, activationList: Bool) -> String {
        let listNote = activationList
            ? " After each excerpt its marked tokens are listed as (token : strength), strength from 0 to 10." : ""
        let task: String
        switch method {
        case .maxact, .ensembleConcat:
            task = "Below are short excerpts of text where the feature was active. The tokens where it was most active are marked with << and >>.\(listNote) Find what the marked tokens have in common: a word or family of words, a topic, a grammatical role, or a pattern in the text around them."
        case .maxactOpenAI:
            task = "Below are excerpts of text, one token per line: the token, a tab, then the feature's activation on it from 0 (inactive) to 10 (its strongest). Each excerpt starts with <start> and ends with <end>. Find what the tokens with high activations have in common: a word or family of words, a topic, a grammatical role, or a pattern in the text around them."
        case .contrastive:
            task = "Below are two groups of excerpts. In the first the feature was active; the tokens where it was most active are marked with << and >>.\(listNote) In the second it was not active anywhere. Find what the marked tokens have in common that the inactive excerpts do not have."
        case .vocabproj:
            task = "Below are the tokens the feature's output most promotes (makes more likely as the next token) and most suppresses, found by projecting its output direction onto the vocabulary. Tokens are quoted; a leading space marks the start of a word. Describe what the feature makes the model say: the theme of the promoted tokens (the suppressed ones are often less telling)."
        case .tokenchange:
            task = "The feature was forced to a high value while the model read ordinary text. Below are the next tokens whose probability rose most and fell most; when the feature was also forced negative, those changes are listed too. Tokens are quoted; a leading space marks the start of a word. Describe the effect of the feature on what the model says next."
        case .ensemble:
            task = "Below is both sides of the feature: excerpts where it was active (the most active tokens marked with << and >>),\(activationList ? " each followed by its marked tokens as (token : strength 0–10)," : "") and the tokens its output promotes and suppresses (and, when measured, the tokens that rise and fall when it is forced high). Describe what activates the feature and what it makes the model say."
        }
        return "\(intro) \(task) \(answerRule)"
    }

    static func vocabLines(_ v: VocabProjEvidence, quoted: ([TokenScore]) -> String) -> String {
        var lines: [String] = []
        if !v.top.isEmpty { lines.append("Promoted tokens: " + quoted(v.top)) }
        if !v.bottom.isEmpty { lines.append("Suppressed tokens: " + quoted(v.bottom)) }
        return lines.joined(separator: "\n")
    }

    static func tokenChangeLines(_ t: TokenChangeEvidence, quoted: ([TokenScore]) -> String) -> String {
        var lines: [String] = []
        if !t.raised.isEmpty { lines.append("Forced high, rose most: " + quoted(t.raised)) }
        if !t.lowered.isEmpty { lines.append("Forced high, fell most: " + quoted(t.lowered)) }
        if !t.negativeRaised.isEmpty { lines.append("Forced negative, rose most: " + quoted(t.negativeRaised)) }
        if !t.negativeLowered.isEmpty { lines.append("Forced negative, fell most: " + quoted(t.negativeLowered)) }
        return lines.joined(separator: "\n")
    }

    /// The user turn that asks again after an unusable reply.
    public static func repair(reason: String) -> String {
        "I could not use that answer (\(reason)). Answer with one line: \(marker) followed by a short description of the feature."
    }
}
