import AugurLLM
import Foundation

/// The scorers' prompts, with their few-shot examples. Each builder returns the whole
/// conversation (system, few-shot turns, the question).
enum ScorerPrompts {
    static func numbered(_ examples: [String]) -> String {
        examples.enumerated().map { "Example \($0.offset + 1): \($0.element)" }.joined(separator: "\n")
    }

    /// The task of a binary judgement, as the system prompt says it.
    static func binaryTask(_ kind: BinaryJudgement.Kind) -> String {
        switch kind {
        case .detection:
            """
            You check descriptions of features of a language model. A feature fires on some pieces of text; \
            you get its description and some text examples. For each example decide whether the feature \
            fires on it, that is, whether the description fits some part of the example.
            """
        case .fuzzing:
            """
            You check descriptions of features of a language model. A feature fires on some tokens of a text; \
            you get its description and some text examples in which some tokens are marked with << and >>. \
            For each example decide whether the marked tokens are exactly the kind of tokens the description \
            is about (1) or not (0).
            """
        }
    }

    /// The few-shot description, examples and right answers of a binary judgement.
    static func binaryShots(_ kind: BinaryJudgement.Kind) -> (description: String, examples: [String], answers: [Bool]) {
        switch kind {
        case .detection:
            ("mentions of fruit",
             ["She bought apples and pears at the market.", "The bus was late again this morning.",
              "Add a squeeze of lemon before serving."], [true, false, true])
        case .fuzzing:
            ("mentions of fruit",
             ["She bought <<apples>> and <<pears>> at the market.", "The bus <<was>> late again this morning.",
              "Add a squeeze of lemon <<before>> serving."], [true, false, false])
        }
    }

    static func binary(kind: BinaryJudgement.Kind, description: String, examples: [String], single: Bool) -> [ChatMessage] {
        if single { return binarySingle(kind: kind, description: description, example: examples.first ?? "") }
        let format = "Answer with a JSON list of 0s and 1s, one per example in order (1: yes, 0: no), and nothing else."
        let (desc, texts, answers) = binaryShots(kind)
        return [
            ChatMessage(role: "system", content: binaryTask(kind) + "\n" + format),
            ChatMessage(role: "user", content: question(desc, texts)),
            ChatMessage(role: "assistant", content: "[" + answers.map { $0 ? "1" : "0" }.joined(separator: ", ") + "]"),
            ChatMessage(role: "user", content: question(description, examples)),
        ]
    }

    /// One example per prompt, laid out so that everything but the example is a shared prefix:
    /// the system prompt and the scored description (its own turn, acknowledged) come first and
    /// the example last, followed by the question asked with the description again. A
    /// prefix-caching backend (``LocalChatModel`` cuts its cache at message starts) then computes
    /// the shared part once per description and only the last turn per prompt, and the one-word
    /// answer (yes or no) is the first generated token.
    ///
    /// Small in-process judges need this wording: with qwen2.5-coder-0.5b-instruct, 1/0 answers
    /// after few-shot turns gave the same probability to every example (AUROC 0.41 on a digits
    /// feature), while "Text: …  Does the text contain <description>? Answer yes or no." gave
    /// AUROC 0.88 (digits) and 1.0 (colours) for the right description and 0.13–0.20 for the
    /// swapped one on short hand-written sentences (on wiki-vital sentences, see the known-answer
    /// tests: colours 0.95 vs ≤ 0.80, numbers 0.55 vs ≤ 0.31).
    static func binarySingle(kind: BinaryJudgement.Kind, description: String, example: String) -> [ChatMessage] {
        let asked = description.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ".")))
        let system: String
        let question: String
        switch kind {
        case .detection:
            system = "You check whether a description of a language-model feature fits a text. Answer yes or no."
            question = "Does the text contain \(asked)? Answer yes or no."
        case .fuzzing:
            system = "You check whether a description of a language-model feature fits the marked words of a text. Words are marked with << and >>. Answer yes or no."
            question = "Are the marked words \(asked)? Answer yes or no."
        }
        return [ChatMessage(role: "system", content: system),
                ChatMessage(role: "user", content: "Description: \(description)"),
                ChatMessage(role: "assistant", content: "Understood."),
                ChatMessage(role: "user", content: "Text: \(example)\n\n\(question)")]
    }

    static func question(_ description: String, _ examples: [String]) -> String {
        return "Description: \(description)\n\n\(numbered(examples))\n\nAnswer with a list of \(examples.count) numbers (0 or 1)."
    }

    static func binaryRepair(problem: ReplyError, count: Int, single: Bool) -> String {
        single
            ? "I could not read your answer (\(problem)). Reply with only one word: yes or no."
            : "I could not read your answer (\(problem)). Reply with only a JSON list of \(count) numbers, each 0 or 1, for example [\(Array(repeating: "0", count: count).joined(separator: ", "))]."
    }

    static func intruder(description: String?, examples: [String]) -> [ChatMessage] {
        let about = description.map { "All but one of the examples fit this description of a language-model feature: \($0)\n" }
            ?? "All but one of the examples share a common pattern (a feature of a language model).\n"
        let system = """
        You find the odd one out. You get \(examples.count) numbered text examples. \
        Exactly one of them does not belong with the others. Answer with the number of that example only.
        """
        let shot = ["The bank raised its interest rates.", "Stocks fell sharply on Monday.", "My cat sleeps on the sofa.",
                    "Investors sold their bonds.", "The central bank cut rates."]
        return [
            ChatMessage(role: "system", content: system),
            ChatMessage(role: "user", content: "All but one of the examples fit this description of a language-model feature: finance and markets\n\n\(numbered(shot))\n\nWhich example is the odd one out?"),
            ChatMessage(role: "assistant", content: "3"),
            ChatMessage(role: "user", content: "\(about)\n\(numbered(examples))\n\nWhich example is the odd one out?"),
        ]
    }

    /// A token as shown in a simulation prompt: tabs and newlines escaped so each token is one line.
    static func visible(_ token: String) -> String {
        token.replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
    }

    static func simulationTable(_ tokens: [String]) -> String {
        tokens.enumerated().map { "\($0.offset + 1)\t\(visible($0.element))" }.joined(separator: "\n")
    }

    static func simulation(description: String, tokens: [String]) -> [ChatMessage] {
        let system = """
        You predict how strongly a feature of a language model fires on each token of a text, given a \
        description of the feature. You get the tokens one per line as `index<TAB>token`. Reply with one \
        line per token, `index<TAB>activation`, where activation is a single digit from 0 (the feature is off) \
        to 9 (it fires most strongly). The feature is off on most tokens. Write exactly one line for every \
        token and nothing else.
        """
        let shotTokens = ["She", " ate", " an", " apple", " and", " a", " pear", "."]
        let shotDigits = [0, 0, 0, 8, 0, 0, 7, 0]
        return [
            ChatMessage(role: "system", content: system),
            ChatMessage(role: "user", content: "Description: mentions of fruit\n\n\(simulationTable(shotTokens))"),
            ChatMessage(role: "assistant", content: shotDigits.enumerated().map { "\($0.offset + 1)\t\($0.element)" }.joined(separator: "\n")),
            ChatMessage(role: "user", content: "Description: \(description)\n\n\(simulationTable(tokens))"),
        ]
    }

    static func simulationRepair(problem: ReplyError, count: Int) -> String {
        "I could not read your answer (\(problem)). Reply with exactly \(count) lines `index<TAB>digit`, for indices 1 to \(count), each digit between 0 and 9, and nothing else."
    }
}
