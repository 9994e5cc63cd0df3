import AugurLLM
import Foundation
import Testing

/// Decoding what real servers send (bodies abridged from vLLM, llama.cpp server, Ollama, OpenAI).
@Suite("OpenAI wire format")
struct WireTests {
    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test("vLLM response with logprobs, bytes and extra keys")
    func vllm() throws {
        let body = #"""
        {"id":"chatcmpl-1","object":"chat.completion","created":1731000000,"model":"Qwen/Qwen2.5-7B-Instruct",
         "choices":[{"index":0,"message":{"role":"assistant","reasoning_content":null,"content":"Yes","tool_calls":[]},
           "logprobs":{"content":[{"token":"Yes","logprob":-0.0123,"bytes":[89,101,115],
             "top_logprobs":[{"token":"Yes","logprob":-0.0123,"bytes":[89,101,115]},{"token":"No","logprob":-4.5,"bytes":[78,111]}]}]},
           "finish_reason":"stop","stop_reason":null}],
         "usage":{"prompt_tokens":20,"total_tokens":21,"completion_tokens":1,"prompt_tokens_details":null},
         "prompt_logprobs":null,"kv_transfer_params":null}
        """#
        let r = try #require(try Self.decode(OpenAIChatResponse.self, body).chatResponse())
        #expect(r.text == "Yes")
        #expect(r.model == "Qwen/Qwen2.5-7B-Instruct")
        #expect(r.logprobs == [TokenLogprob(token: "Yes", logprob: -0.0123,
                                             top: [TokenAlternative(token: "Yes", logprob: -0.0123),
                                                   TokenAlternative(token: "No", logprob: -4.5)])])
        #expect(r.usage == ChatUsage(promptTokens: 20, cachedPromptTokens: 0, completionTokens: 1))
    }

    @Test("llama.cpp server response with timings and no logprobs")
    func llamaCpp() throws {
        let body = #"""
        {"choices":[{"finish_reason":"length","index":0,"message":{"role":"assistant","content":"Hello there"}}],
         "created":1731000000,"model":"gpt-3.5-turbo","system_fingerprint":"b4000","object":"chat.completion",
         "usage":{"completion_tokens":2,"prompt_tokens":9,"total_tokens":11},"id":"chatcmpl-abc",
         "timings":{"prompt_n":9,"prompt_ms":12.5,"predicted_n":2}}
        """#
        let r = try #require(try Self.decode(OpenAIChatResponse.self, body).chatResponse())
        #expect(r.text == "Hello there")
        #expect(r.finishReason == "length")
        #expect(r.logprobs == nil)
        #expect(r.usage.completionTokens == 2)
    }

    @Test("Ollama response, OpenAI response with null content and cached tokens")
    func ollamaAndOpenAI() throws {
        let ollama = #"""
        {"id":"chatcmpl-42","object":"chat.completion","created":1731000000,"model":"llama3.2","system_fingerprint":"fp_ollama",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":26,"completion_tokens":2,"total_tokens":28}}
        """#
        #expect(try Self.decode(OpenAIChatResponse.self, ollama).chatResponse()?.text == "Hi")
        let openai = #"""
        {"id":"chatcmpl-B","object":"chat.completion","created":1731000000,"model":"gpt-4o-mini-2024-07-18",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"annotations":[]},
           "logprobs":null,"finish_reason":"content_filter"}],
         "usage":{"prompt_tokens":1200,"completion_tokens":0,"total_tokens":1200,
           "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
           "completion_tokens_details":{"reasoning_tokens":0}},"service_tier":"default"}
        """#
        let r = try #require(try Self.decode(OpenAIChatResponse.self, openai).chatResponse())
        #expect(r.text == "")
        #expect(r.finishReason == "content_filter")
        #expect(r.logprobs == nil)
        #expect(r.usage == ChatUsage(promptTokens: 1200, cachedPromptTokens: 1024, completionTokens: 0))
        // No choices → nil (the client reports it as invalidResponse).
        #expect(try Self.decode(OpenAIChatResponse.self, #"{"choices":[]}"#).chatResponse() == nil)
    }

    @Test("Requests: max_completion_tokens, stop as a string, content parts, defaults")
    func requests() throws {
        let body = #"""
        {"model":"m","messages":[{"role":"system","content":"Be brief."},
          {"role":"user","content":[{"type":"text","text":"Hello "},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"there"}]}],
         "max_completion_tokens":12,"stop":"\n","seed":-1,"top_logprobs":3,"n":1,"user":"u"}
        """#
        let chat = try Self.decode(OpenAIChatRequest.self, body).chatRequest()
        #expect(chat.messages == [ChatMessage(role: "system", content: "Be brief."),
                                  ChatMessage(role: "user", content: "Hello there")])
        #expect(chat.maxTokens == 12)
        #expect(chat.stop == ["\n"])
        #expect(chat.seed == UInt64.max)
        #expect(chat.logprobs && chat.topLogprobs == 3)
        #expect(chat.temperature == 1)  // OpenAI's default
        let minimal = try Self.decode(OpenAIChatRequest.self, #"{"messages":[{"role":"user","content":"x"}]}"#)
        #expect(try minimal.chatRequest(defaultMaxTokens: 99).maxTokens == 99)
        #expect(throws: OpenAIFieldError(field: "top_logprobs", message: "`top_logprobs` must be in 0…20, got 21")) {
            try Self.decode(OpenAIChatRequest.self,
                            #"{"messages":[{"role":"user","content":"x"}],"top_logprobs":21}"#).chatRequest()
        }
    }

    @Test("Encoding a ChatRequest sends logprobs only when asked and round-trips")
    func encodeRequest() throws {
        let plain = ChatRequest(messages: [ChatMessage(role: "user", content: "x")], maxTokens: 5)
        let json = String(decoding: try JSONEncoder().encode(OpenAIChatRequest(plain, model: "m")), as: UTF8.self)
        #expect(!json.contains("logprobs"))
        #expect(!json.contains("stop"))
        #expect(json.contains("\"max_tokens\":5"))
        let full = ChatRequest(messages: [ChatMessage(role: "user", content: "x")], maxTokens: 5, temperature: 0.7,
                               topP: 0.95, seed: 7, stop: ["a"], logprobs: true, topLogprobs: 5)
        let data = try JSONEncoder().encode(OpenAIChatRequest(full, model: "m"))
        #expect(String(decoding: data, as: UTF8.self).contains("\"top_logprobs\":5"))
        #expect(try JSONDecoder().decode(OpenAIChatRequest.self, from: data).chatRequest() == full)
    }

    @Test("Error bodies: string or numeric code, explicit nulls when encoding")
    func errors() throws {
        let vllm = try Self.decode(OpenAIErrorBody.self,
            #"{"object":"error","error":{"message":"bad","type":"BadRequestError","param":null,"code":400}}"#)
        #expect(vllm.error.code == "400")
        #expect(vllm.error.message == "bad")
        let encoded = String(decoding: try JSONEncoder().encode(OpenAIErrorBody(message: "m", type: "t")), as: UTF8.self)
        #expect(encoded.contains("\"param\":null"))
    }
}
