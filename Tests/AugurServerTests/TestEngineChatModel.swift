import AugurLLM
import AugurModels
import Foundation
import Synchronization

/// A minimal in-process ``ChatModel`` for the round-trip tests: the model's chat template, its
/// tokenizer and `generate(prompt:options:)`. (The lead replaces it with `LocalChatModel`.)
final class TestEngineChatModel: ChatModel {
    let name: String
    let model: any LanguageModel
    private let lock = Mutex(())

    init(name: String, model: any LanguageModel) {
        self.name = name
        self.model = model
    }

    var supportsLogprobs: Bool { false }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        guard let template = model.chatTemplate else { throw LLMError.model("\(name) has no chat template") }
        let prompt = try template.render(request.messages, addGenerationPrompt: true)
        let ids = model.tokenizer.encode(prompt, addSpecialTokens: false)
        let options = GenerationOptions(maxTokens: request.maxTokens, temperature: request.temperature,
                                        topP: request.topP, seed: request.seed ?? 0, stopStrings: request.stop)
        let model = self.model
        let result = try lock.withLock { _ in try model.generate(prompt: ids, options: options) }
        return ChatResponse(text: result.text, finishReason: result.stopReason == .maxTokens ? "length" : "stop",
                            logprobs: nil,
                            usage: ChatUsage(promptTokens: result.promptTokens, completionTokens: result.tokens.count),
                            model: name)
    }
}
