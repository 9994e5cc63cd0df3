import AugurModels
import AugurTokenizers
import Foundation

/// A chat model running in-process on the CPU (an instruct model loaded by ``ModelLoader``).
///
/// Requests are rendered with the model's chat template and answered on one dedicated worker
/// thread, so `complete` never blocks the Swift concurrency pool. Concurrent requests are served
/// in FIFO order, one at a time by default. With `maxBatch` > 1, up to that many decode together in
/// one batched forward pass: more tokens per second, but the quantized kernels for several tokens
/// round differently from the one-token kernel, so answers then depend slightly on which requests
/// happen to run alongside (logprobs differ by a few hundredths of a nat; greedy text can change).
///
/// Prompts often repeat a long prefix (system prompt, few-shot examples). The KV caches of the
/// last `prefixCacheEntries` prompts are kept, and a new prompt copies the longest reusable prefix
/// from them and computes only the rest. Prefill is cut into chunks at message starts (and every
/// `prefillChunk` tokens within a message), and a prefix is reused only up to a chunk boundary
/// both prompts share, so the reused keys and values are exactly those a fresh prefill computes:
/// with `maxBatch` 1, answers and logprobs are bit-for-bit the same with or without the cache and
/// whatever the concurrency.
///
/// Logprobs are the natural-log softmax of the model's raw logits (before temperature).
public final class LocalChatModel: ChatModel {
    /// The name recorded with every response.
    public let name: String
    /// The model answering.
    public let model: any LanguageModel
    private let engine: LocalEngine

    /// In-process models return exact per-token logprobs.
    public var supportsLogprobs: Bool { true }

    /// A chat model answering with `model`.
    ///
    /// - Parameters:
    ///   - model: an instruct model with a chat template.
    ///   - name: the name recorded in responses (default: the model's catalog or file name).
    ///   - prefixCacheEntries: how many recent prompts' KV caches to keep for prefix reuse (0: none).
    ///   - prefillChunk: most prompt tokens per prefill forward pass within one message.
    ///   - maxBatch: most requests decoded together in one forward pass (1: one at a time, and
    ///     answers independent of concurrency; at most 4 keep the quantized decode kernels).
    public init(model: any LanguageModel, name: String? = nil, prefixCacheEntries: Int = 4,
                prefillChunk: Int = 512, maxBatch: Int = 1) {
        self.model = model
        self.name = name ?? model.info.name
        engine = LocalEngine(model: model, name: self.name, prefixCacheEntries: prefixCacheEntries,
                             prefillChunk: prefillChunk, maxBatch: maxBatch)
    }

    deinit {
        engine.shutdown()
    }

    /// Loads `nameOrPath` (a catalog name such as `qwen2.5-coder-0.5b-instruct`, a GGUF file or a
    /// Hugging Face folder) with ``ModelLoader/load(_:options:)``.
    public static func load(_ nameOrPath: String, options: LoadOptions = LoadOptions(),
                            prefixCacheEntries: Int = 4) throws -> LocalChatModel {
        LocalChatModel(model: try ModelLoader.load(nameOrPath, options: options), prefixCacheEntries: prefixCacheEntries)
    }

    /// Cumulative prefix reuse over all requests so far.
    public var prefixStats: PrefixCacheStats { engine.prefixStats }

    /// The prompt token ids `messages` render to (with the generation prompt), as `complete` sends them.
    public func promptTokens(_ messages: [ChatMessage]) throws(LLMError) -> [Int32] {
        guard let template = model.chatTemplate else {
            throw .invalidRequest("model '\(name)' has no chat template, so it cannot answer chat requests")
        }
        let text: String
        do {
            text = try template.render(messages, addGenerationPrompt: true)
        } catch {
            throw .invalidRequest("cannot render the conversation for model '\(name)': \(error)")
        }
        var ids = model.tokenizer.encode(text, addSpecialTokens: false)
        if model.addsBOS, let bos = model.tokenizer.bosID, ids.first != bos { ids.insert(bos, at: 0) }
        return ids
    }

    /// Answers `request` greedily (temperature 0) or by seeded sampling, stopping at the model's
    /// end-of-turn tokens, at a stop string or after `maxTokens` tokens.
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try validate(request)
        let prompt = try promptTokens(request.messages)
        let context = model.config.contextLength
        guard prompt.count + request.maxTokens <= context else {
            throw LLMError.invalidRequest("the prompt has \(prompt.count) tokens and maxTokens is \(request.maxTokens): "
                + "\(prompt.count + request.maxTokens) tokens exceed the context length \(context) of model '\(name)'")
        }
        let plan = PrefillPlan(tokens: prompt, messageStart: engine.messageStart, maxChunk: engine.prefillChunk)
        let engine = self.engine
        let id = engine.makeID()
        return try await withTaskCancellationHandler {
            try Task.checkCancellation()
            return try await withCheckedThrowingContinuation { continuation in
                engine.submit(LocalJob(id: id, request: request, prompt: prompt, plan: plan, continuation: continuation))
            }
        } onCancel: {
            engine.cancel(id)
        }
    }

    private func validate(_ r: ChatRequest) throws(LLMError) {
        guard !r.messages.isEmpty else { throw .invalidRequest("the conversation has no messages") }
        guard r.maxTokens > 0 else { throw .invalidRequest("maxTokens must be positive, got \(r.maxTokens)") }
        guard r.temperature >= 0, r.temperature.isFinite else {
            throw .invalidRequest("temperature must be a finite number ≥ 0, got \(r.temperature)")
        }
        if let p = r.topP, !(p > 0 && p <= 1) { throw .invalidRequest("topP must be in (0, 1], got \(p)") }
        guard (0...20).contains(r.topLogprobs) else {
            throw .invalidRequest("topLogprobs must be in 0...20, got \(r.topLogprobs)")
        }
    }
}
