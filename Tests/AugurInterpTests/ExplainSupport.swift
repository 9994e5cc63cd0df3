import AugurActivations
import AugurInterp
import AugurLLM
import Foundation
import Synchronization

/// Records every request, counts requests in flight, and answers from a script.
actor ScriptState {
    var requests: [ChatRequest] = []
    var inFlight = 0
    var maxInFlight = 0

    func enter(_ request: ChatRequest) -> Int {
        requests.append(request)
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        return requests.count - 1
    }

    func leave() { inFlight -= 1 }
}

/// A test double for `ChatModel`: answers each request with `respond(request, callIndex)`.
struct ScriptedModel: ChatModel {
    let name: String
    let supportsLogprobs = false
    let state = ScriptState()
    let delay: Duration
    let respond: @Sendable (ChatRequest, Int) -> Result<String, LLMError>

    init(name: String = "scripted", delay: Duration = .zero, respond: @escaping @Sendable (ChatRequest, Int) -> Result<String, LLMError>) {
        self.name = name
        self.delay = delay
        self.respond = respond
    }

    /// Answers the replies in order (the last one repeats).
    init(replies: [Result<String, LLMError>]) {
        self.init { _, i in replies[min(i, replies.count - 1)] }
    }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let index = await state.enter(request)
        if delay > .zero { try? await Task.sleep(for: delay) }
        await state.leave()
        switch respond(request, index) {
        case .success(let text):
            return ChatResponse(text: text, finishReason: "stop", logprobs: nil,
                                usage: ChatUsage(promptTokens: 100, cachedPromptTokens: 40, completionTokens: 12), model: name)
        case .failure(let error):
            throw error
        }
    }
}

/// A record of `n` tokens `w0 … w(n-1)` with the given activations (0 elsewhere).
func record(_ n: Int, _ active: [Int: Float], prefix: String = "w") -> ActivationRecord {
    ActivationRecord(tokens: (0..<n).map { " \(prefix)\($0)" }, activations: (0..<n).map { active[$0] ?? 0 })
}

/// A feature with `train` activating records (maxima 1…train), 60 non-activating ones, and output-side evidence.
func sampleEvidence(id: String = "blocks.6.hook_resid_post/17", train: Int = 40, vocab: Bool = true, tokenChange: Bool = true) -> FeatureEvidence {
    let trainRecords = (0..<train).map { i in record(32, [20: Float(i + 1), 21: Float(i + 1) * 0.5], prefix: "t\(i)_") }
    let negatives = (0..<60).map { i in record(32, [:], prefix: "n\(i)_") }
    let examples = FeatureExamples(id: id, train: trainRecords, test: [], nonActivating: negatives)
    let v = vocab ? VocabProjEvidence(top: [TokenScore(token: " Paris", score: 5), TokenScore(token: "\n", score: 4)],
                                      bottom: [TokenScore(token: " banana", score: -3)]) : nil
    let t = tokenChange ? TokenChangeEvidence(clampValue: 8, raised: [TokenScore(token: " France", score: 2)],
                                              lowered: [TokenScore(token: " Germany", score: -1)],
                                              negativeRaised: [TokenScore(token: " Spain", score: 1)], positions: 1024) : nil
    return FeatureEvidence(id: id, examples: examples, vocabProj: v, tokenChange: t)
}

/// A value behind a lock, capturable by `@Sendable` closures.
final class Locked<T: Sendable>: Sendable {
    private let mutex: Mutex<T>

    init(_ value: T) { mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout T) -> R) -> R { mutex.withLock { body(&$0) } }
}
