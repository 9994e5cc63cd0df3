import AugurLLM
import AugurServer
import Foundation
import Testing

@Suite("OpenAIServer errors")
struct ServerErrorTests {
    static func server() -> OpenAIServer {
        OpenAIServer(models: [
            "scripted": RoundTripTests.scripted(),
            "refuses": ScriptedChatModel(name: "refuses") { _ in
                throw LLMError.invalidRequest("the prompt has 9000 tokens but the context holds 8192")
            },
            "broken": ScriptedChatModel(name: "broken") { _ in throw LLMError.model("out of memory") },
        ], port: 0)
    }

    /// POSTs `body` and decodes the OpenAI error body.
    static func errorBody(_ server: RunningOpenAIServer, _ body: String) async throws
        -> (status: Int, error: OpenAIErrorBody.Detail) {
        let raw = try await post(server.baseURL.appendingPathComponent("chat/completions"), body)
        return (raw.status, try JSONDecoder().decode(OpenAIErrorBody.self, from: raw.body).error)
    }

    @Test("Bad JSON and missing or mistyped fields → 400 naming the problem")
    func badRequests() async throws {
        try await withServer(Self.server()) { server in
            let notJSON = try await Self.errorBody(server, "{not json")
            #expect(notJSON.status == 400)
            #expect(notJSON.error.message.contains("not valid JSON"))
            #expect(notJSON.error.type == "invalid_request_error")

            let noMessages = try await Self.errorBody(server, #"{"model":"scripted"}"#)
            #expect(noMessages.status == 400)
            #expect(noMessages.error.param == "messages")
            #expect(noMessages.error.message.contains("missing required field `messages`"))

            let wrongType = try await Self.errorBody(server, #"{"model":"scripted","messages":"hi"}"#)
            #expect(wrongType.status == 400)
            #expect(wrongType.error.param == "messages")

            let noRole = try await Self.errorBody(server, #"{"model":"scripted","messages":[{"content":5}]}"#)
            #expect(noRole.status == 400)
            #expect(noRole.error.param == "messages[0].content")

            let empty = try await Self.errorBody(server, #"{"model":"scripted","messages":[]}"#)
            #expect(empty.status == 400 && empty.error.param == "messages")

            let badMax = try await Self.errorBody(server,
                #"{"model":"scripted","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#)
            #expect(badMax.status == 400 && badMax.error.param == "max_tokens")

            // Several models served: `model` is required.
            let noModel = try await Self.errorBody(server, #"{"messages":[{"role":"user","content":"x"}]}"#)
            #expect(noModel.status == 400 && noModel.error.param == "model")
        }
    }

    @Test("Unknown model → 404 naming the served ones")
    func unknownModel() async throws {
        try await withServer(Self.server()) { server in
            let answer = try await Self.errorBody(server,
                #"{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}"#)
            #expect(answer.status == 404)
            #expect(answer.error.message.contains("gpt-9"))
            #expect(answer.error.message.contains("broken, refuses, scripted"))
            #expect(answer.error.code == "model_not_found")
        }
    }

    @Test("Model failures → 400 / 500 with their message; the client does not retry a 400")
    func modelErrors() async throws {
        try await withServer(Self.server()) { server in
            let refused = try await Self.errorBody(server,
                #"{"model":"refuses","messages":[{"role":"user","content":"x"}]}"#)
            #expect(refused.status == 400)
            #expect(refused.error.message.contains("context holds 8192"))
            let broken = try await Self.errorBody(server,
                #"{"model":"broken","messages":[{"role":"user","content":"x"}]}"#)
            #expect(broken.status == 500)
            #expect(broken.error.message.contains("out of memory"))

            let client = OpenAIClient(baseURL: server.baseURL, model: "refuses", options: RetryTests.fast)
            let error = await #expect(throws: LLMError.self) { try await client.complete(hello) }
            guard case .http(_, 400, let body) = error else {
                Issue.record("expected HTTP 400, got \(String(describing: error))")
                return
            }
            #expect(body.contains("context holds 8192"))
        }
    }

    @Test("A single served model answers requests without `model`")
    func singleModelDefault() async throws {
        try await withServer(OpenAIServer(model: RoundTripTests.scripted(), port: 0)) { server in
            let raw = try await post(server.baseURL.appendingPathComponent("chat/completions"),
                                     #"{"messages":[{"role":"user","content":"x"}]}"#)
            #expect(raw.status == 200)
            let answer = try JSONDecoder().decode(OpenAIChatResponse.self, from: raw.body)
            #expect(answer.chatResponse()?.text == "Hello ✓!")
        }
    }

    @Test("A port already in use is a clear error")
    func portInUse() async throws {
        try await withServer(Self.server()) { first in
            let second = OpenAIServer(model: RoundTripTests.scripted(), port: first.port).logging(to: quietLogger)
            let error = await #expect(throws: OpenAIServerError.self) { _ = try await second.start() }
            #expect(error == .portInUse(host: "127.0.0.1", port: first.port))
            #expect(String(describing: error ?? .noModels).contains("already in use"))
            // `run()` (what the CLI calls) reports it the same way.
            await #expect(throws: OpenAIServerError.portInUse(host: "127.0.0.1", port: first.port)) {
                try await second.run()
            }
            // The first server still answers.
            let health = try await get(try #require(URL(string: "http://127.0.0.1:\(first.port)/health")))
            #expect(health.status == 200)
        }
    }
}
