import AugurActivations
import Foundation

/// Made-up features with their evidence and the answer we want, shown to the explainer as prior
/// chat turns. They are rendered by the same code as real evidence, so the layout the explainer
/// sees in the examples is exactly the layout it then gets.
enum FewShot {
    struct Shot {
        var examples: [ActivationRecord]
        var negatives: [ActivationRecord]
        var vocabProj: VocabProjEvidence
        var tokenChange: TokenChangeEvidence
        /// Answer for input-side prompts (MaxAct, OpenAI layout, contrastive).
        var inputAnswer: String
        /// Answers for the output-side prompts and the ensemble.
        var vocabAnswer: String
        var tokenChangeAnswer: String
        var ensembleAnswer: String
    }

    /// A record whose activations are 0 except at the given token indices.
    static func record(_ tokens: [String], _ active: [Int: Float]) -> ActivationRecord {
        ActivationRecord(tokens: tokens, activations: tokens.indices.map { active[$0] ?? 0 })
    }

    static func scores(_ tokens: [String], from: Float, step: Float) -> [TokenScore] {
        tokens.enumerated().map { TokenScore(token: $1, score: from + step * Float($0)) }
    }

    static let shots: [Shot] = [
        Shot(
            examples: [
                record(["The", " siege", " lasted", " three", " weeks", " and", " ended", " in", " spring", "."], [4: 8, 3: 1.5]),
                record(["He", " waited", " forty", " minutes", " for", " the", " last", " train", "."], [3: 9]),
                record(["Elections", " are", " held", " every", " four", " years", " in", " the", " state", "."], [5: 10, 4: 2]),
            ],
            negatives: [
                record(["Three", " friends", " met", " at", " the", " station", "."], [:]),
                record(["The", " weekly", " magazine", " closed", " last", " spring", "."], [:]),
            ],
            vocabProj: VocabProjEvidence(
                top: scores([" days", " weeks", " months", " hours", " years", " minutes", " decades"], from: 9, step: -0.5),
                bottom: scores([" the", "ing", " quickly", " and", "\n"], from: -7, step: 0.5)),
            tokenChange: TokenChangeEvidence(
                clampValue: 10, raised: scores([" weeks", " days", " hours", " months"], from: 3.1, step: -0.4),
                lowered: scores([" people", " times", " of"], from: -2.2, step: 0.3), positions: 1024),
            inputAnswer: "Units of time (minutes, weeks, years) right after a number, measuring how long something lasts.",
            vocabAnswer: "Promotes words for units of time such as days, weeks, months and years.",
            tokenChangeAnswer: "Makes the model predict a unit of time (weeks, days, hours) next.",
            ensembleAnswer: "Durations: fires on the time unit after a number (three weeks) and promotes time units like days, months and years."
        ),
        Shot(
            examples: [
                record(["    result", " =", " compute", "(", "x", ",", " y", ")"], [3: 7]),
                record(["print", "(", "\"", "done", "\"", ")"], [1: 9]),
                record(["if", " len", "(", "items", ")", " >", " 0", ":"], [2: 8, 3: 1]),
            ],
            negatives: [
                record(["The", " results", " (", "see", " table", ")", " were", " mixed", "."], [:]),
                record(["x", " =", " y", " +", " 1"], [:]),
            ],
            vocabProj: VocabProjEvidence(
                top: scores(["x", "self", "args", "\"", "i", "data", "key"], from: 8, step: -0.4),
                bottom: scores([" the", " of", ".", " and", " (", "(\n"], from: -6, step: 0.4)),
            tokenChange: TokenChangeEvidence(
                clampValue: 10, raised: scores(["self", "x", "\"", "args"], from: 2.5, step: -0.3),
                lowered: scores([" (", "(", " the"], from: -1.9, step: 0.3), positions: 1024),
            inputAnswer: "The opening parenthesis of a function call in code.",
            vocabAnswer: "Promotes argument names and string quotes, the tokens that follow an opening parenthesis in code.",
            tokenChangeAnswer: "Makes the model start a function argument (an identifier or a string) instead of more prose.",
            ensembleAnswer: "Opening parentheses of function calls in code; it predicts the first argument (an identifier or a quote)."
        ),
        Shot(
            examples: [
                record(["Boats", " sail", " down", " the", " Mississippi", " River", " to", " New", " Orleans", "."], [4: 9, 5: 6]),
                record(["The", " Rhine", " forms", " part", " of", " the", " border", "."], [1: 10]),
                record(["Cairo", " lies", " on", " the", " banks", " of", " the", " Nile", "."], [7: 8, 4: 2]),
            ],
            negatives: [
                record(["The", " river", " was", " cold", " and", " fast", "."], [:]),
                record(["She", " moved", " to", " New", " York", " in", " 1990", "."], [:]),
            ],
            vocabProj: VocabProjEvidence(
                top: scores([" River", " delta", " basin", " valley", " estuary", " tributary"], from: 7, step: -0.5),
                bottom: scores([" Street", " Airport", " Mountain", " University"], from: -5, step: 0.5)),
            tokenChange: TokenChangeEvidence(
                clampValue: 10, raised: scores([" River", " valley", " basin", " flows"], from: 2.8, step: -0.4),
                lowered: scores([" City", " Street", " Park"], from: -1.7, step: 0.3), positions: 1024),
            inputAnswer: "Names of rivers, such as the Rhine, the Nile and the Mississippi River.",
            vocabAnswer: "Promotes words that follow a river's name: River, delta, basin, valley.",
            tokenChangeAnswer: "Makes the model continue with river geography (River, valley, basin) rather than city words.",
            ensembleAnswer: "Names of rivers; it promotes the words that follow them, such as River, delta, basin and valley."
        ),
    ]
}
