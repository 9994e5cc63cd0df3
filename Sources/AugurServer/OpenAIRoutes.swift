import AugurLLM
import Foundation
import Hummingbird
import Logging

/// The HTTP handlers of ``OpenAIServer``.
struct OpenAIRoutes: Sendable {
    let models: [String: any ChatModel]
    let maxBodyBytes: Int
    let defaultMaxTokens: Int
    let logger: Logger

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/chat/completions") { request, _ in
            await self.chatCompletions(request)
        }
        router.get("/v1/models") { _, _ in
            let list = OpenAIModelList(data: self.models.keys.sorted().map { OpenAIModelList.Model(id: $0) })
            return Self.json(list, status: .ok)
        }
        router.get("/health") { _, _ in
            Self.jsonText("{\"status\":\"ok\"}", status: .ok)
        }
    }

    /// An error answer: status plus OpenAI error body.
    struct Failure: Error {
        var status: HTTPResponse.Status
        var body: OpenAIErrorBody
    }

    func chatCompletions(_ request: Request) async -> Response {
        do {
            let (wire, model, chat) = try await parse(request)
            let answer: ChatResponse
            do {
                answer = try await model.complete(chat)
            } catch {
                throw Self.failure(modelError: error)
            }
            let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let created = Int(Date().timeIntervalSince1970)
            if wire.stream == true {
                return stream(answer, id: id, created: created, includeLogprobs: chat.logprobs,
                              includeUsage: wire.streamOptions?.includeUsage == true)
            }
            return Self.json(OpenAIChatResponse(answer, id: id, created: created, includeLogprobs: chat.logprobs),
                             status: .ok)
        } catch let failure as Failure {
            logger.debug("chat completion failed", metadata: ["status": "\(failure.status.code)",
                                                              "error": "\(failure.body.error.message)"])
            return Self.json(failure.body, status: failure.status)
        } catch {
            return Self.json(OpenAIErrorBody(message: "\(error)", type: "server_error"), status: .internalServerError)
        }
    }

    /// The request's body decoded and validated, with the model it names.
    private func parse(_ request: Request) async throws -> (OpenAIChatRequest, any ChatModel, ChatRequest) {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw Failure(status: .contentTooLarge, body: OpenAIErrorBody(
                message: "the request body is larger than \(maxBodyBytes) bytes or could not be read: \(error)",
                type: "invalid_request_error"))
        }
        let data = Data(buffer.readableBytesView)
        let wire: OpenAIChatRequest
        do {
            wire = try JSONDecoder().decode(OpenAIChatRequest.self, from: data)
        } catch {
            let field = OpenAIFieldError(decoding: error)
            throw Failure(status: .badRequest, body: OpenAIErrorBody(
                message: field.message, type: "invalid_request_error",
                param: field.field.isEmpty ? nil : field.field, code: "invalid_json"))
        }
        let model: any ChatModel
        if let name = wire.model {
            guard let found = models[name] else {
                throw Failure(status: .notFound, body: OpenAIErrorBody(
                    message: "the model `\(name)` does not exist; this server serves: "
                        + models.keys.sorted().joined(separator: ", "),
                    type: "invalid_request_error", param: "model", code: "model_not_found"))
            }
            model = found
        } else if models.count == 1, let only = models.values.first {
            model = only
        } else {
            throw Failure(status: .badRequest, body: OpenAIErrorBody(
                message: "missing required field `model`; this server serves: "
                    + models.keys.sorted().joined(separator: ", "),
                type: "invalid_request_error", param: "model", code: "missing_field"))
        }
        let chat: ChatRequest
        do {
            chat = try wire.chatRequest(defaultMaxTokens: defaultMaxTokens)
        } catch {
            throw Failure(status: .badRequest, body: OpenAIErrorBody(
                message: error.message, type: "invalid_request_error", param: error.field, code: "invalid_value"))
        }
        return (wire, model, chat)
    }

    /// The OpenAI status and body for a ``ChatModel`` failure.
    static func failure(modelError error: any Error) -> Failure {
        guard let llm = error as? LLMError else {
            return Failure(status: .internalServerError,
                           body: OpenAIErrorBody(message: "\(error)", type: "server_error"))
        }
        let status: HTTPResponse.Status
        let type: String
        switch llm {
        case .invalidRequest: (status, type) = (.badRequest, "invalid_request_error")
        case .timeout: (status, type) = (.gatewayTimeout, "upstream_timeout")
        case .transport, .http, .invalidResponse: (status, type) = (.badGateway, "upstream_error")
        case .model: (status, type) = (.internalServerError, "server_error")
        }
        return Failure(status: status, body: OpenAIErrorBody(message: llm.description, type: type))
    }

    /// Server-sent events for a finished completion: a role chunk, one chunk per token (when the
    /// logprobs' tokens spell the text) or per word, a finish chunk, optionally usage, `[DONE]`.
    private func stream(_ answer: ChatResponse, id: String, created: Int, includeLogprobs: Bool,
                        includeUsage: Bool) -> Response {
        var chunks: [OpenAIChatChunk] = []
        func chunk(_ delta: OpenAIChatChunk.Delta, finish: String? = nil, logprobs: OpenAIChoiceLogprobs? = nil) {
            chunks.append(OpenAIChatChunk(id: id, created: created, model: answer.model,
                                          choices: [.init(delta: delta, finishReason: finish, logprobs: logprobs)]))
        }
        chunk(.init(role: "assistant", content: ""))
        let wireLogprobs = OpenAIChatResponse(answer, id: id, created: created, includeLogprobs: includeLogprobs)
            .choices.first?.logprobs?.content
        if let entries = wireLogprobs, entries.map(\.token).joined() == answer.text {
            for entry in entries {
                chunk(.init(content: entry.token), logprobs: OpenAIChoiceLogprobs(content: [entry]))
            }
        } else {
            for piece in Self.pieces(answer.text) { chunk(.init(content: piece)) }
        }
        chunk(.init(), finish: answer.finishReason)
        if includeUsage {
            chunks.append(OpenAIChatChunk(id: id, created: created, model: answer.model, choices: [],
                                          usage: OpenAIUsage(answer.usage)))
        }
        let encoder = JSONEncoder()
        var events: [ByteBuffer] = chunks.compactMap { c in
            (try? encoder.encode(c)).map { ByteBuffer(string: "data: " + String(decoding: $0, as: UTF8.self) + "\n\n") }
        }
        events.append(ByteBuffer(string: "data: [DONE]\n\n"))
        let body = events
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for event in body { try await writer.write(event) }
            try await writer.finish(nil)
        })
    }

    /// `text` split after each run of whitespace ("Hello, world" → "Hello, ", "world").
    static func pieces(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var inSpace = false
        for ch in text {
            if inSpace && !ch.isWhitespace {
                out.append(current)
                current = ""
            }
            inSpace = ch.isWhitespace
            current.append(ch)
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        do {
            return jsonText(String(decoding: try JSONEncoder().encode(value), as: UTF8.self), status: status)
        } catch {
            return jsonText("{\"error\":{\"message\":\"cannot encode the response\",\"type\":\"server_error\"}}",
                            status: .internalServerError)
        }
    }

    static func jsonText(_ text: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
