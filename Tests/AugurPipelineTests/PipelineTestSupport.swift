import AugurActivations
import AugurInterp
import AugurLLM
import AugurPipeline
import Foundation
import Synchronization

/// A fresh run directory under the temporary directory.
func temporaryRunDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("augur-run-\(UUID().uuidString)")
}

/// Counts requests; answers with `respond(request)`.
actor RequestCounter {
    var count = 0
    func next() -> Int {
        count += 1
        return count
    }
}

/// A test double for `ChatModel`.
struct FakeExplainer: ChatModel {
    let name: String
    let supportsLogprobs = false
    let counter = RequestCounter()
    let respond: @Sendable (ChatRequest) -> Result<String, LLMError>

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        _ = await counter.next()
        switch respond(request) {
        case .success(let text):
            return ChatResponse(text: text, finishReason: "stop", logprobs: nil,
                                usage: ChatUsage(promptTokens: 50, cachedPromptTokens: 10, completionTokens: 5), model: name)
        case .failure(let e): throw e
        }
    }
}

func evidence(_ id: String) -> FeatureEvidence {
    let train = (0..<6).map { i in
        ActivationRecord(tokens: ["The", " \(id)", " word", " \(i)"], activations: [0, Float(i + 1), 0, 0])
    }
    return FeatureEvidence(id: id, examples: FeatureExamples(id: id, train: train, test: [], nonActivating: []),
                           vocabProj: VocabProjEvidence(top: [TokenScore(token: " \(id)s", score: 3)], bottom: []))
}

func success(_ id: String, _ method: ExplanationMethod, _ text: String, explainer: String = "fake") -> ExplanationOutcome {
    .success(ExplanationSuccess(featureID: id, description: FeatureDescription(method: method.rawValue, text: text),
                                messages: [ChatMessage(role: "user", content: "describe \(id)")],
                                shown: EvidenceShown(examples: evidence(id).examples?.train),
                                explainer: explainer, rawReply: "[EXPLANATION]: \(text)", rawReplies: ["[EXPLANATION]: \(text)"],
                                seconds: 1.5, usage: ChatUsage(promptTokens: 120, cachedPromptTokens: 30, completionTokens: 9)))
}

func failure(_ id: String, _ method: ExplanationMethod, _ cause: String, explainer: String = "fake") -> ExplanationOutcome {
    .failure(ExplanationFailure(featureID: id, method: method, explainer: explainer,
                                cause: ExplanationFailureCause(kind: .unparseable, message: cause),
                                rawReplies: ["garbage", "more garbage"], seconds: 2))
}

/// A value behind a lock, capturable by `@Sendable` closures.
final class Locked<T: Sendable>: Sendable {
    private let mutex: Mutex<T>

    init(_ value: T) { mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout T) -> R) -> R { mutex.withLock { body(&$0) } }
}
