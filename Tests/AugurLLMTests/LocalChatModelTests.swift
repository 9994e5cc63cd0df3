import AugurModels
import Foundation
import Testing
@testable import AugurLLM

@Suite("LocalChatModel", .serialized)
struct LocalChatModelTests {
    let model: any LanguageModel
    init() throws { model = try TestModels.smollm.get() }

    static let hello = [ChatMessage(role: "system", content: "You are a terse assistant."),
                        ChatMessage(role: "user", content: "Name three colours.")]

    @Test func greedyCompletionMatchesGenerate() async throws {
        let chat = LocalChatModel(model: model)
        let r = try await chat.complete(ChatRequest(messages: Self.hello, maxTokens: 8))
        let prompt = try chat.promptTokens(Self.hello)
        #expect(r.model == "smollm2-135m-instruct")
        #expect(r.usage.promptTokens == prompt.count)
        #expect(r.usage.cachedPromptTokens == 0)
        #expect(r.logprobs == nil)
        // The same greedy continuation as the plain generator, which prefills in one pass.
        let reference = try model.generate(prompt: prompt, options: GenerationOptions(maxTokens: 8))
        #expect(r.text == reference.text)
        #expect(r.usage.completionTokens == reference.tokens.count)
        #expect(r.finishReason == (reference.stopReason == .maxTokens ? "length" : "stop"))
        #expect(!r.text.isEmpty)
    }

    @Test func logprobsAreTheLogSoftmaxOfTheLogits() async throws {
        let chat = LocalChatModel(model: model)
        let r = try await chat.complete(ChatRequest(messages: Self.hello, maxTokens: 4, logprobs: true, topLogprobs: 5))
        let lps = try #require(r.logprobs)
        #expect(lps.count == r.usage.completionTokens || r.finishReason == "stop")
        #expect(!lps.isEmpty)
        for lp in lps {
            #expect(lp.top.count == 5)
            let probs = lp.top.map { exp(Double($0.logprob)) }
            #expect(probs.allSatisfy { $0 <= 1 })
            #expect(probs.reduce(0, +) <= 1 + 1e-6)
            #expect(zip(lp.top, lp.top.dropFirst()).allSatisfy { $0.logprob >= $1.logprob })
            // Greedy: the generated token is the most likely one.
            #expect(lp.token == lp.top[0].token)
            #expect(lp.logprob == lp.top[0].logprob)
        }
        #expect(lps.map(\.token).joined() == r.text)
        // The first token's distribution equals a direct forward pass over the whole prompt.
        let prompt = try chat.promptTokens(Self.hello)
        let logits = try model.forward([prompt], caches: nil, hooks: nil, options: ForwardOptions(logits: .last))[0]
        let ls = logSoftmax(logits)
        let order = ls.indices.sorted { ls[$0] > ls[$1] }
        for (alt, id) in zip(lps[0].top, order.prefix(5)) {
            #expect(alt.token == model.tokenizer.decode([Int32(id)]))
            #expect(abs(Double(alt.logprob) - ls[id]) < 1e-4, "\(alt.token): \(alt.logprob) vs \(ls[id])")
        }
    }

    @Test func stopStringsCutTheText() async throws {
        let chat = LocalChatModel(model: model)
        let full = try await chat.complete(ChatRequest(messages: Self.hello, maxTokens: 8, logprobs: true))
        // Stop at the second word of the unconstrained answer.
        let words = full.text.split(separator: " ")
        let stop = String(try #require(words.dropFirst().first))
        let cut = try #require(full.text.range(of: stop))
        let r = try await chat.complete(ChatRequest(messages: Self.hello, maxTokens: 8, stop: [stop], logprobs: true))
        #expect(r.text == String(full.text[..<cut.lowerBound]))
        #expect(r.finishReason == "stop")
        let cutLogprobs = try #require(r.logprobs), fullLogprobs = try #require(full.logprobs)
        #expect(cutLogprobs.count < fullLogprobs.count)
    }

    @Test func invalidRequestsAreRejected() async throws {
        let chat = LocalChatModel(model: model)
        let context = model.config.contextLength
        await #expect(throws: LLMError.self) { try await chat.complete(ChatRequest(messages: [])) }
        await #expect(throws: LLMError.self) { try await chat.complete(ChatRequest(messages: Self.hello, topLogprobs: 21)) }
        do {
            _ = try await chat.complete(ChatRequest(messages: Self.hello, maxTokens: context))
            Issue.record("a prompt plus maxTokens beyond the context was accepted")
        } catch let LLMError.invalidRequest(message) {
            #expect(message.contains("\(context)"))
            #expect(message.contains("smollm2-135m-instruct"))
        }
        let bare = LocalChatModel(model: TemplatelessModel(model), name: "bare-model")
        do {
            _ = try await bare.complete(ChatRequest(messages: Self.hello, maxTokens: 2))
            Issue.record("a model without a chat template answered")
        } catch let LLMError.invalidRequest(message) {
            #expect(message.contains("bare-model"))
        }
    }

    @Test func sharedPrefixIsReusedExactly() async throws {
        let cached = LocalChatModel(model: model, prefillChunk: 32)
        func request(_ text: String) -> ChatRequest {
            ChatRequest(messages: [ChatMessage(role: "system", content: longSystemPrompt),
                                   ChatMessage(role: "user", content: text)],
                        maxTokens: 3, logprobs: true, topLogprobs: 3)
        }
        let first = try await cached.complete(request("The violinist played Bach."))
        #expect(first.usage.cachedPromptTokens == 0)
        let second = try await cached.complete(request("Heavy snow closed the roads."))
        #expect(second.usage.cachedPromptTokens > 0)
        #expect(second.usage.cachedPromptTokens < second.usage.promptTokens)
        let stats = cached.prefixStats
        #expect(stats.requests == 2)
        #expect(stats.promptTokensSent == first.usage.promptTokens + second.usage.promptTokens)
        #expect(stats.promptTokensComputed == stats.promptTokensSent - second.usage.cachedPromptTokens)

        let fresh = LocalChatModel(model: model, prefixCacheEntries: 0, prefillChunk: 32)
        let reference = try await fresh.complete(request("Heavy snow closed the roads."))
        #expect(reference.usage.cachedPromptTokens == 0)
        #expect(second.text == reference.text)
        #expect(second.logprobs == reference.logprobs)
        #expect(second.finishReason == reference.finishReason)
        #expect(fresh.prefixStats.promptTokensComputed == reference.usage.promptTokens)
    }

    static let shortQuestions = ["Name a fruit.", "Name a river.", "Name a planet."]

    static func shortRequest(_ i: Int) -> ChatRequest {
        ChatRequest(messages: [ChatMessage(role: "user", content: shortQuestions[i])], maxTokens: 4,
                    temperature: i == 2 ? 0.8 : 0, seed: 7, logprobs: true, topLogprobs: 2)
    }

    static func concurrently(_ chat: LocalChatModel) async throws -> [ChatResponse] {
        let got = try await withThrowingTaskGroup(of: (Int, ChatResponse).self) { group in
            for i in shortQuestions.indices { group.addTask { (i, try await chat.complete(shortRequest(i))) } }
            var out: [Int: ChatResponse] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        return try shortQuestions.indices.map { try #require(got[$0]) }
    }

    /// Serial FIFO service answers concurrent requests exactly as sequential ones; batched decoding
    /// (maxBatch 4) keeps the prefill's first token exact and later ones close.
    @Test func concurrentRequestsAnswerAsSequentialOnes() async throws {
        let chat = LocalChatModel(model: model, prefixCacheEntries: 0)
        var expected: [ChatResponse] = []
        for i in Self.shortQuestions.indices { expected.append(try await chat.complete(Self.shortRequest(i))) }
        #expect(try await Self.concurrently(chat) == expected)

        let got = try await Self.concurrently(LocalChatModel(model: model, prefixCacheEntries: 0, maxBatch: 4))
        for (g, e) in zip(got, expected) {
            let gl = try #require(g.logprobs), el = try #require(e.logprobs)
            #expect(gl.first == el.first)
            #expect(g.usage.completionTokens == 4 || g.finishReason == "stop")
            // Later tokens: the same distribution up to kernel rounding while the texts agree.
            for (a, b) in zip(gl, el) {
                guard a.token == b.token else { break }
                #expect(abs(a.logprob - b.logprob) < 0.25, "\(a.token): \(a.logprob) vs \(b.logprob)")
            }
        }
    }
}
