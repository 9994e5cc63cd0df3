import AugurModels
import AugurTokenizers
import Foundation
@testable import AugurLLM

/// Models shared by the tests (loaded once; pulled by scripts/test.sh beforehand, so a missing
/// model fails the tests rather than skipping them).
enum TestModels {
    static let smollm: Result<any LanguageModel, any Error> = Result {
        try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))
    }
}

/// A real model seen without its chat template (a base model, for the chat API).
final class TemplatelessModel: LanguageModel {
    let base: any LanguageModel
    init(_ base: any LanguageModel) { self.base = base }
    var info: ModelInfo { base.info }
    var tokenizer: any Tokenizer { base.tokenizer }
    var chatTemplate: ChatTemplate? { nil }
    var addsBOS: Bool { base.addsBOS }
    func makeCache(capacity: Int) -> KVCache { base.makeCache(capacity: capacity) }
    func forward(_ sequences: [[Int32]], caches: [KVCache]?, hooks: Hooks?, options: ForwardOptions) throws -> [[Float]] {
        try base.forward(sequences, caches: caches, hooks: hooks, options: options)
    }
    func projectToVocabulary(_ direction: [Float], applyFinalNorm: Bool) throws -> [Float] {
        try base.projectToVocabulary(direction, applyFinalNorm: applyFinalNorm)
    }
    func neuronOutputDirection(layer: Int, neuron: Int) throws -> [Float] {
        try base.neuronOutputDirection(layer: layer, neuron: neuron)
    }
}

/// Forwards to a real chat model and counts the calls that reach it.
final class CountingChatModel: ChatModel, @unchecked Sendable {
    let base: any ChatModel
    private let lock = NSLock()
    private var count = 0
    init(_ base: any ChatModel) { self.base = base }
    var name: String { base.name }
    var supportsLogprobs: Bool { base.supportsLogprobs }
    var calls: Int { lock.withLock { count } }
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        lock.withLock { count += 1 }
        return try await base.complete(request)
    }
}

/// A fresh, empty temporary directory.
func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-llm-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Natural-log softmax of `logits` in double precision.
func logSoftmax(_ logits: [Float]) -> [Double] {
    let m = Double(logits.max() ?? 0)
    let lse = m + log(logits.reduce(0.0) { $0 + exp(Double($1) - m) })
    return logits.map { Double($0) - lse }
}

/// A system prompt long enough to span several prefill chunks of a small `prefillChunk`.
let longSystemPrompt = """
You label the topics of short English sentences. Answer with a single lowercase word naming the topic: \
weather, food, sport, music, travel, science, or other. Do not explain your answer and do not add punctuation. \
Examples: "It rained all afternoon in Leeds." → weather. "She scored twice in the final." → sport. \
"The soup needed more salt." → food. "We took the night train to Vienna." → travel.
"""
