import AugurLLM
import AugurTensor
import Foundation

/// Settings shared by the LLM scorers (detection, fuzzing, intruder, simulation).
public struct LLMScorerOptions: Sendable, Equatable {
    /// Examples per prompt (detection, fuzzing).
    public var batchSize: Int
    /// One example per prompt with a one-token answer, so P("1") / (P("0") + P("1")) is read
    /// from the first generated token (detection, fuzzing).
    public var perExamplePrompts: Bool
    /// Ask for logprobs (only when the model supports them) to get probabilities.
    public var useLogprobs: Bool
    /// Alternatives per position requested with logprobs (0–20).
    public var topLogprobs: Int
    /// Seed of the shuffles and random highlights.
    public var seed: UInt64
    /// Repair prompts sent after an unreadable reply before recording a failure.
    public var repairAttempts: Int
    /// Prompts in flight at once.
    public var concurrency: Int
    /// At most this many activating (test) and non-activating examples are used; nil: all.
    public var maxActivating: Int?
    /// At most this many non-activating examples; nil: all.
    public var maxNonActivating: Int?
    /// Sampling temperature of the scorer LLM (0: greedy).
    public var temperature: Float
    /// Fuzzing: tokens with activation ≥ this fraction of the example's maximum are highlighted.
    public var highlightThreshold: Float
    /// Intruder: number of rounds (each 4 activating + 1 non-activating), at most.
    public var intruderRounds: Int
    /// Intruder: show the description (scores the description) or not (scores the feature).
    public var intruderShowsDescription: Bool

    public init(batchSize: Int = 5, perExamplePrompts: Bool = false, useLogprobs: Bool = true, topLogprobs: Int = 20,
                seed: UInt64 = 0, repairAttempts: Int = 1, concurrency: Int = 4, maxActivating: Int? = nil,
                maxNonActivating: Int? = nil, temperature: Float = 0, highlightThreshold: Float = 0.3,
                intruderRounds: Int = 10, intruderShowsDescription: Bool = true) {
        self.batchSize = batchSize
        self.perExamplePrompts = perExamplePrompts
        self.useLogprobs = useLogprobs
        self.topLogprobs = topLogprobs
        self.seed = seed
        self.repairAttempts = repairAttempts
        self.concurrency = concurrency
        self.maxActivating = maxActivating
        self.maxNonActivating = maxNonActivating
        self.temperature = temperature
        self.highlightThreshold = highlightThreshold
        self.intruderRounds = intruderRounds
        self.intruderShowsDescription = intruderShowsDescription
    }
}

/// A prompt's outcome after at most `repairAttempts` repairs.
enum Asked<T: Sendable>: Sendable {
    case answer(T, ChatResponse)
    case failed(cause: String, reply: String?)
}

/// Sends `messages` to `model`, reads the reply with `parse`, and on an unreadable reply sends
/// one repair turn per allowed attempt (the reply, then `repair(cause)`). An error from the model
/// is a failure at once (the client does its own retries with backoff).
func ask<T: Sendable>(_ model: any ChatModel, messages: [ChatMessage], maxTokens: Int, options: LLMScorerOptions,
                      parse: (ChatResponse) -> Result<T, ReplyError>, repair: (ReplyError) -> String) async -> Asked<T> {
    let logprobs = options.useLogprobs && model.supportsLogprobs
    var conversation = messages
    var attempt = 0
    while true {
        let request = ChatRequest(messages: conversation, maxTokens: maxTokens, temperature: options.temperature,
                                  seed: options.seed, logprobs: logprobs, topLogprobs: logprobs ? options.topLogprobs : 0)
        let response: ChatResponse
        do {
            response = try await model.complete(request)
        } catch {
            return .failed(cause: "LLM call failed: \(error)", reply: nil)
        }
        switch parse(response) {
        case .success(let value):
            return .answer(value, response)
        case .failure(let problem):
            guard attempt < options.repairAttempts else {
                let tried = attempt > 0 ? " (after \(attempt) repair prompt\(attempt == 1 ? "" : "s"))" : ""
                return .failed(cause: "unreadable reply\(tried): \(problem)", reply: response.text)
            }
            attempt += 1
            conversation += [ChatMessage(role: "assistant", content: response.text),
                             ChatMessage(role: "user", content: repair(problem))]
        }
    }
}

/// `body` over `items` with at most `limit` in flight; results in input order.
func boundedMap<T: Sendable, R: Sendable>(_ items: [T], limit: Int,
                                          _ body: @escaping @Sendable (T) async -> R) async -> [R] {
    await withTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        for _ in 0..<min(max(limit, 1), items.count) {
            let i = next, item = items[i]
            group.addTask { (i, await body(item)) }
            next += 1
        }
        while let (i, r) = await group.next() {
            results[i] = r
            if next < items.count {
                let j = next, item = items[j]
                group.addTask { (j, await body(item)) }
                next += 1
            }
        }
        return results.compactMap { $0 }
    }
}

/// The first `limit` elements (all when nil).
func capped<T>(_ xs: [T], _ limit: Int?) -> [T] {
    guard let limit else { return xs }
    return Array(xs.prefix(max(0, limit)))
}

/// Text of a record for a prompt: tokens joined, newlines kept, surrounding whitespace trimmed.
func promptText(_ tokens: [String]) -> String {
    tokens.joined().trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Tokens joined with the marked ones wrapped in `<<` `>>` (consecutive marked tokens share one pair).
func highlighted(_ tokens: [String], marked: [Bool]) -> String {
    var out = ""
    var open = false
    for (i, t) in tokens.enumerated() {
        let m = i < marked.count && marked[i]
        if m && !open {
            let lead = t.prefix { $0 == " " }
            out += lead + "<<" + t.dropFirst(lead.count)
            open = true
        } else if !m && open {
            out += ">>" + t
            open = false
        } else {
            out += t
        }
    }
    if open { out += ">>" }
    return out.trimmingCharacters(in: .whitespacesAndNewlines)
}
