import AugurLLM
import AugurServer
import Foundation
import Testing

@Suite("Client ↔ server round trip")
struct RoundTripTests {
    @Test("Client text and logprobs equal the in-process LocalChatModel's, usage filled")
    func engineRoundTrip() async throws {
        let engine = LocalChatModel(model: try TestModels.smollm.get(), name: "smollm2-135m-instruct")
        let request = ChatRequest(messages: [ChatMessage(role: "system", content: "You are terse."),
                                             ChatMessage(role: "user", content: "Name a colour.")],
                                  maxTokens: 10, temperature: 0, logprobs: true, topLogprobs: 3)
        let viaHTTP = try await withServer(OpenAIServer(model: engine, port: 0)) { server in
            try await OpenAIClient(baseURL: server.baseURL, model: engine.name).complete(request)
        }
        let direct = try await engine.complete(request)
        #expect(!viaHTTP.text.isEmpty)
        #expect(viaHTTP.text == direct.text)
        #expect(viaHTTP.finishReason == direct.finishReason)
        #expect(viaHTTP.usage.promptTokens == direct.usage.promptTokens)
        #expect(viaHTTP.usage.completionTokens == direct.usage.completionTokens)
        #expect(viaHTTP.usage.promptTokens > 5)
        #expect(viaHTTP.usage.completionTokens > 0 && viaHTTP.usage.completionTokens <= 10)
        // The second (direct) request reused the first one's prompt prefix.
        #expect(direct.usage.cachedPromptTokens > 0)
        #expect(viaHTTP.model == engine.name)
        let http = try #require(viaHTTP.logprobs), local = try #require(direct.logprobs)
        #expect(http.count == local.count && http.first?.top.count == 3)
        for (h, l) in zip(http, local) {
            #expect(h.token == l.token && abs(h.logprob - l.logprob) < 1e-5)
        }
    }

    static let scriptedLogprobs = [
        TokenLogprob(token: "Hel", logprob: -0.1234, top: [TokenAlternative(token: "Hel", logprob: -0.1234),
                                                           TokenAlternative(token: "Hi", logprob: -2.5)]),
        TokenLogprob(token: "lo ✓", logprob: -0.0001, top: [TokenAlternative(token: "lo ✓", logprob: -0.0001)]),
        TokenLogprob(token: "!", logprob: -3.75, top: []),
    ]

    static func scripted() -> ScriptedChatModel {
        ScriptedChatModel(name: "scripted") { request in
            ChatResponse(text: "Hello ✓!", finishReason: "stop",
                         logprobs: request.logprobs ? RoundTripTests.scriptedLogprobs : nil,
                         usage: ChatUsage(promptTokens: 11, cachedPromptTokens: 4, completionTokens: 3),
                         model: "scripted")
        }
    }

    @Test("Logprobs, usage and request fields survive the wire format")
    func logprobsRoundTrip() async throws {
        let scripted = Self.scripted()
        try await withServer(OpenAIServer(models: ["scripted": scripted], port: 0)) { server in
            let client = OpenAIClient(baseURL: server.baseURL, model: "scripted")
            let request = ChatRequest(messages: [ChatMessage(role: "user", content: "hi")], maxTokens: 7,
                                      temperature: 0.5, topP: 0.9, seed: 42, stop: ["\n\n", "END"], logprobs: true,
                                      topLogprobs: 2)
            let answer = try await client.complete(request)
            #expect(answer.text == "Hello ✓!")
            #expect(answer.logprobs == Self.scriptedLogprobs)
            #expect(answer.usage == ChatUsage(promptTokens: 11, cachedPromptTokens: 4, completionTokens: 3))
            #expect(scripted.requests == [request])

            // Without logprobs asked, none are sent or returned.
            let plain = try await client.complete(ChatRequest(messages: request.messages, maxTokens: 3))
            #expect(plain.logprobs == nil)
            #expect(scripted.requests.last?.logprobs == false)

            // The raw JSON uses OpenAI's keys.
            let raw = try await post(server.baseURL.appendingPathComponent("chat/completions"),
                #"{"model":"scripted","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":2}"#)
            let object = try #require(try JSONSerialization.jsonObject(with: raw.body) as? [String: Any])
            #expect(object["object"] as? String == "chat.completion")
            let choice = try #require((object["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            let content = try #require((choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
            #expect(content.count == 3)
            #expect(content[1]["bytes"] as? [Int] == Array("lo ✓".utf8).map(Int.init))
            #expect((content[0]["top_logprobs"] as? [[String: Any]])?.count == 2)
            let usage = try #require(object["usage"] as? [String: Any])
            #expect(usage["total_tokens"] as? Int == 14)
            #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 4)
        }
    }

    @Test("Streaming sends SSE chunks that spell the text and end with [DONE]")
    func streaming() async throws {
        try await withServer(OpenAIServer(models: ["scripted": Self.scripted()], port: 0)) { server in
            let url = server.baseURL.appendingPathComponent("chat/completions")
            for logprobs in [true, false] {
                let raw = try await post(url, #"{"model":"scripted","messages":[{"role":"user","content":"hi"}],"#
                    + #""stream":true,"stream_options":{"include_usage":true},"logprobs":\#(logprobs)}"#)
                #expect(raw.status == 200)
                let events = String(decoding: raw.body, as: UTF8.self).components(separatedBy: "\n\n")
                    .filter { !$0.isEmpty }
                #expect(events.allSatisfy { $0.hasPrefix("data: ") })
                #expect(events.last == "data: [DONE]")
                let chunks = try events.dropLast().map {
                    try JSONDecoder().decode(OpenAIChatChunk.self, from: Data($0.dropFirst(6).utf8))
                }
                #expect(chunks.allSatisfy { $0.object == "chat.completion.chunk" })
                let text = chunks.compactMap { $0.choices.first?.delta.content }.joined()
                #expect(text == "Hello ✓!")
                #expect(chunks.first?.choices.first?.delta.role == "assistant")
                #expect(chunks.contains { $0.choices.first?.finishReason == "stop" })
                #expect(chunks.last?.usage?.completionTokens == 3)
                let streamedLogprobs = chunks.compactMap { $0.choices.first?.logprobs?.content }.flatMap { $0 }
                #expect(streamedLogprobs.map(\.token) == (logprobs ? ["Hel", "lo ✓", "!"] : []))
            }
        }
    }

    @Test("GET /v1/models and /health")
    func modelsAndHealth() async throws {
        try await withServer(OpenAIServer(models: ["b": Self.scripted(), "a": Self.scripted()], port: 0)) { server in
            let models = try await get(server.baseURL.appendingPathComponent("models"))
            #expect(models.status == 200)
            let list = try JSONDecoder().decode(OpenAIModelList.self, from: models.body)
            #expect(list.data.map(\.id) == ["a", "b"])
            #expect(list.object == "list")
            let health = try await get(try #require(URL(string: "http://127.0.0.1:\(server.port)/health")))
            #expect(health.status == 200)
        }
    }
}
