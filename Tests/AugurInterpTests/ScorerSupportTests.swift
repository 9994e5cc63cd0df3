import AugurActivations
import AugurInterp
import AugurLLM
import Foundation

/// A ChatModel whose replies a test scripts as a function of the request. Counts its calls.
final class ScorerScriptedChat: ChatModel, @unchecked Sendable {
    let name = "scripted"
    let supportsLogprobs: Bool
    private let reply: @Sendable (ChatRequest) throws -> ChatResponse
    private let lock = NSLock()
    private var _calls: [ChatRequest] = []

    init(logprobs: Bool = false, reply: @escaping @Sendable (ChatRequest) throws -> ChatResponse) {
        supportsLogprobs = logprobs
        self.reply = reply
    }

    /// A model that answers with `text(request)` and no logprobs.
    convenience init(text: @escaping @Sendable (ChatRequest) throws -> String) {
        self.init { request in ScorerScriptedChat.response(try text(request)) }
    }

    var calls: [ChatRequest] { lock.withLock { _calls } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        lock.withLock { _calls.append(request) }
        return try reply(request)
    }

    static func response(_ text: String, logprobs: [TokenLogprob]? = nil) -> ChatResponse {
        ChatResponse(text: text, finishReason: "stop", logprobs: logprobs,
                     usage: ChatUsage(promptTokens: 10, completionTokens: 5), model: "scripted")
    }
}

extension ChatRequest {
    /// The last user turn.
    var scoringQuestion: String { messages.last(where: { $0.role == "user" })?.content ?? "" }
    /// Whether the last user turn is a repair prompt.
    var isScoringRepair: Bool { scoringQuestion.hasPrefix("I could not read") }
    /// The last user turn that is not a repair prompt.
    var scoringOriginalQuestion: String {
        messages.last(where: { $0.role == "user" && !$0.content.hasPrefix("I could not read") })?.content ?? ""
    }
    /// The `Example N: …` texts of the question.
    var scoringExampleTexts: [String] {
        scoringOriginalQuestion.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("Example"), let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        }
    }
}

/// A record of `text` split at spaces (the space kept at the start of the next token), with
/// activation `value` on every token holding a digit: a "digits" feature.
func scorerDigitRecord(_ text: String, value: Float = 3, quantile: Int? = nil) -> ActivationRecord {
    let words = text.split(separator: " ", omittingEmptySubsequences: false)
    let tokens = words.enumerated().map { $0.offset == 0 ? String($0.element) : " " + $0.element }
    let acts = tokens.map { $0.contains(where: \.isNumber) ? value : 0 }
    return ActivationRecord(tokens: tokens, activations: acts, quantile: quantile)
}

let scorerDigitSentences = [
    "The bridge opened in 1932 after six years of work.", "She scored 27 points in the final game.",
    "The recipe needs 250 grams of flour.", "Flight 405 leaves at 9 in the morning.",
    "The town had 4500 inhabitants in 1900.", "Chapter 12 begins on page 311.",
    "He ran the race in 43 minutes.", "The tower is 324 metres tall.",
    "Over 80 species live in the lake.", "The treaty was signed in 1648.",
]
let scorerPlainSentences = [
    "The river winds slowly through the valley.", "She painted the door a bright shade of blue.",
    "Bread is made from flour, water and yeast.", "The committee met to discuss the proposal.",
    "Birds gathered on the roof at dusk.", "He apologised for arriving late.",
    "The museum holds a famous collection of masks.", "Rain fell all through the night.",
    "Their garden is full of roses and tulips.", "The poem was translated into French.",
]

func scorerDigitExamples(id: String = "blocks.3.hook_resid_post/17", activating: Int = 10, quiet: Int = 10) -> FeatureExamples {
    FeatureExamples(id: id, train: [],
                    test: scorerDigitSentences.prefix(activating).enumerated().map { scorerDigitRecord($0.element, quantile: $0.offset % 3 + 1) },
                    nonActivating: scorerPlainSentences.prefix(quiet).map { scorerDigitRecord($0) })
}

let scorerDigitsDescription = FeatureDescription(method: "maxact", text: "numbers and digits")
