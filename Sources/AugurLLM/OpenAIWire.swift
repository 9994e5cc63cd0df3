import Foundation

// The OpenAI `/v1/chat/completions` wire format (the subset Augur sends and serves), with the real
// snake_case keys. Decoding is lenient in the ways real servers (OpenAI, vLLM, llama.cpp server,
// Ollama) differ: unknown keys are ignored, `content` may be null or a list of text parts,
// `logprobs`/`usage`/`id`/`created` may be absent, `stop` may be a string or a list, an error
// `code` may be a string or a number.

/// One message of an OpenAI chat request or response.
public struct OpenAIMessage: Sendable, Codable, Equatable {
    /// `system`, `user`, `assistant`, `tool`, …
    public var role: String
    /// The text; `nil` when the server sent `null` (e.g. a tool call without text).
    public var content: String?

    /// A message from `role` saying `content`.
    public init(role: String, content: String?) {
        self.role = role
        self.content = content
    }

    private enum CodingKeys: String, CodingKey { case role, content }
    private struct Part: Decodable { var type: String?; var text: String? }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decodeIfPresent(String.self, forKey: .role) ?? "assistant"
        if let text = try? c.decodeIfPresent(String.self, forKey: .content) {
            content = text
        } else if let parts = try? c.decodeIfPresent([Part].self, forKey: .content) {
            // Content parts: keep the text ones, in order.
            content = parts.compactMap { ($0.type == nil || $0.type == "text") ? $0.text : nil }.joined()
        } else if try c.decodeNil(forKey: .content) || !c.contains(.content) {
            content = nil
        } else {
            throw DecodingError.typeMismatch(String.self, DecodingError.Context(
                codingPath: c.codingPath + [CodingKeys.content],
                debugDescription: "`content` must be a string, null or a list of {type, text} parts"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(content, forKey: .content)  // explicit null, as OpenAI does
    }
}

/// `stream_options` of a streaming request.
public struct OpenAIStreamOptions: Sendable, Codable, Equatable {
    /// Send a final chunk with token usage.
    public var includeUsage: Bool?

    public init(includeUsage: Bool? = nil) { self.includeUsage = includeUsage }
    private enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// The body of `POST /v1/chat/completions`.
public struct OpenAIChatRequest: Sendable, Codable, Equatable {
    /// The model to use (required by OpenAI; optional here because many local servers ignore it).
    public var model: String?
    /// The conversation.
    public var messages: [OpenAIMessage]
    /// Most tokens to generate (`max_tokens`, or the newer `max_completion_tokens` when decoding).
    public var maxTokens: Int?
    /// Sampling temperature.
    public var temperature: Float?
    /// Nucleus sampling mass.
    public var topP: Float?
    /// Sampling seed.
    public var seed: Int64?
    /// Stop strings (a single string on the wire is read as a one-element list).
    public var stop: [String]?
    /// Return per-token logprobs.
    public var logprobs: Bool?
    /// With `logprobs`, this many alternatives per position (0–20).
    public var topLogprobs: Int?
    /// Answer as server-sent events.
    public var stream: Bool?
    /// Streaming options.
    public var streamOptions: OpenAIStreamOptions?

    /// A request with the given fields; `nil` fields are left out of the JSON.
    public init(model: String?, messages: [OpenAIMessage], maxTokens: Int? = nil, temperature: Float? = nil,
                topP: Float? = nil, seed: Int64? = nil, stop: [String]? = nil, logprobs: Bool? = nil,
                topLogprobs: Int? = nil, stream: Bool? = nil, streamOptions: OpenAIStreamOptions? = nil) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
        self.stream = stream
        self.streamOptions = streamOptions
    }

    /// The wire form of `request` for `model`: `logprobs`/`top_logprobs` only when asked, no
    /// `stop` when empty, `seed` as its Int64 bit pattern.
    public init(_ request: ChatRequest, model: String, stream: Bool = false) {
        self.init(model: model,
                  messages: request.messages.map { OpenAIMessage(role: $0.role, content: $0.content) },
                  maxTokens: request.maxTokens, temperature: request.temperature, topP: request.topP,
                  seed: request.seed.map { Int64(bitPattern: $0) },
                  stop: request.stop.isEmpty ? nil : request.stop,
                  logprobs: request.logprobs ? true : nil,
                  topLogprobs: request.logprobs && request.topLogprobs > 0 ? request.topLogprobs : nil,
                  stream: stream ? true : nil)
    }

    /// The request as a ``ChatRequest``, validated.
    ///
    /// - Parameter defaultMaxTokens: used when neither `max_tokens` nor `max_completion_tokens` is set.
    /// - Throws: ``OpenAIFieldError`` naming the offending field.
    public func chatRequest(defaultMaxTokens: Int = 256) throws(OpenAIFieldError) -> ChatRequest {
        guard !messages.isEmpty else { throw OpenAIFieldError(field: "messages", message: "`messages` is empty") }
        let maxTokens = self.maxTokens ?? defaultMaxTokens
        guard maxTokens > 0 else {
            throw OpenAIFieldError(field: "max_tokens", message: "`max_tokens` must be positive, got \(maxTokens)")
        }
        let temperature = self.temperature ?? 1
        guard temperature >= 0, temperature.isFinite else {
            throw OpenAIFieldError(field: "temperature", message: "`temperature` must be ≥ 0, got \(temperature)")
        }
        if let topP, !(topP > 0 && topP <= 1) {
            throw OpenAIFieldError(field: "top_p", message: "`top_p` must be in (0, 1], got \(topP)")
        }
        let top = topLogprobs ?? 0
        guard (0...20).contains(top) else {
            throw OpenAIFieldError(field: "top_logprobs", message: "`top_logprobs` must be in 0…20, got \(top)")
        }
        return ChatRequest(messages: messages.map { ChatMessage(role: $0.role, content: $0.content ?? "") },
                           maxTokens: maxTokens, temperature: temperature, topP: topP,
                           seed: seed.map { UInt64(bitPattern: $0) }, stop: stop ?? [],
                           logprobs: logprobs ?? false || top > 0, topLogprobs: top)
    }

    private enum CodingKeys: String, CodingKey {
        case model, messages, temperature, seed, stop, logprobs, stream
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", topP = "top_p"
        case topLogprobs = "top_logprobs", streamOptions = "stream_options"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        messages = try c.decode([OpenAIMessage].self, forKey: .messages)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
            ?? c.decodeIfPresent(Int.self, forKey: .maxTokens)
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature)
        topP = try c.decodeIfPresent(Float.self, forKey: .topP)
        seed = try c.decodeIfPresent(Int64.self, forKey: .seed)
        if let one = try? c.decodeIfPresent(String.self, forKey: .stop) {
            stop = [one]
        } else {
            stop = try c.decodeIfPresent([String].self, forKey: .stop)
        }
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .logprobs)
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try c.decodeIfPresent(OpenAIStreamOptions.self, forKey: .streamOptions)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(model, forKey: .model)
        try c.encode(messages, forKey: .messages)
        try c.encodeIfPresent(maxTokens, forKey: .maxTokens)
        try c.encodeIfPresent(temperature, forKey: .temperature)
        try c.encodeIfPresent(topP, forKey: .topP)
        try c.encodeIfPresent(seed, forKey: .seed)
        try c.encodeIfPresent(stop, forKey: .stop)
        try c.encodeIfPresent(logprobs, forKey: .logprobs)
        try c.encodeIfPresent(topLogprobs, forKey: .topLogprobs)
        try c.encodeIfPresent(stream, forKey: .stream)
        try c.encodeIfPresent(streamOptions, forKey: .streamOptions)
    }
}

/// A request field that is missing or has an invalid value.
public struct OpenAIFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON field (`messages`, `max_tokens`, …).
    public var field: String
    /// What is wrong with it.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }

    /// What a JSON decoding failure says, with the field it is about (`messages`, `messages[0].role`, …).
    public init(decoding error: any Error) {
        guard let error = error as? DecodingError else {
            self.init(field: "", message: "invalid request body: \(error)")
            return
        }
        func path(_ keys: [any CodingKey]) -> String {
            keys.enumerated().map { i, key in
                key.intValue.map { "[\($0)]" } ?? (i == 0 ? key.stringValue : ".\(key.stringValue)")
            }.joined()
        }
        switch error {
        case .keyNotFound(let key, let c):
            let field = path(c.codingPath + [key])
            self.init(field: field, message: "missing required field `\(field)`")
        case .typeMismatch(let type, let c):
            let field = path(c.codingPath)
            self.init(field: field, message: "field `\(field)` has the wrong type (expected \(type)): \(c.debugDescription)")
        case .valueNotFound(let type, let c):
            let field = path(c.codingPath)
            self.init(field: field, message: "field `\(field)` is null but must be \(type)")
        case .dataCorrupted(let c):
            let field = path(c.codingPath)
            let detail = (c.underlyingError.map { "\($0)" } ?? c.debugDescription)
            self.init(field: field, message: field.isEmpty ? "the body is not valid JSON: \(detail)"
                                                             : "field `\(field)` is invalid: \(detail)")
        @unknown default:
            self.init(field: "", message: "invalid request body: \(error)")
        }
    }
}

/// One alternative token in `top_logprobs`.
public struct OpenAITopLogprob: Sendable, Codable, Equatable {
    public var token: String
    public var logprob: Float
    /// The token's UTF-8 bytes (absent from some servers).
    public var bytes: [Int]?

    public init(token: String, logprob: Float, bytes: [Int]? = nil) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
    }
}

/// One generated token in `logprobs.content`.
public struct OpenAITokenLogprob: Sendable, Codable, Equatable {
    public var token: String
    public var logprob: Float
    /// The token's UTF-8 bytes (absent from some servers).
    public var bytes: [Int]?
    /// The most likely tokens at this position.
    public var topLogprobs: [OpenAITopLogprob]

    public init(token: String, logprob: Float, bytes: [Int]? = nil, topLogprobs: [OpenAITopLogprob]) {
        self.token = token
        self.logprob = logprob
        self.bytes = bytes
        self.topLogprobs = topLogprobs
    }

    private enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        token = try c.decode(String.self, forKey: .token)
        logprob = try c.decode(Float.self, forKey: .logprob)
        bytes = try c.decodeIfPresent([Int].self, forKey: .bytes)
        topLogprobs = try c.decodeIfPresent([OpenAITopLogprob].self, forKey: .topLogprobs) ?? []
    }
}

/// A choice's `logprobs` object.
public struct OpenAIChoiceLogprobs: Sendable, Codable, Equatable {
    /// Per generated token; `nil` when the server sent none.
    public var content: [OpenAITokenLogprob]?

    public init(content: [OpenAITokenLogprob]?) { self.content = content }
}

/// Token counts.
public struct OpenAIUsage: Sendable, Codable, Equatable {
    /// `prompt_tokens_details`.
    public struct PromptDetails: Sendable, Codable, Equatable {
        public var cachedTokens: Int?
        public init(cachedTokens: Int?) { self.cachedTokens = cachedTokens }
        private enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }

    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var promptTokensDetails: PromptDetails?

    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int, promptTokensDetails: PromptDetails?) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.promptTokensDetails = promptTokensDetails
    }

    /// The wire form of `usage`.
    public init(_ usage: ChatUsage) {
        self.init(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens,
                  totalTokens: usage.promptTokens + usage.completionTokens,
                  promptTokensDetails: PromptDetails(cachedTokens: usage.cachedPromptTokens))
    }

    /// As a ``ChatUsage``.
    public var chatUsage: ChatUsage {
        ChatUsage(promptTokens: promptTokens, cachedPromptTokens: promptTokensDetails?.cachedTokens ?? 0,
                  completionTokens: completionTokens)
    }

    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try c.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try c.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        totalTokens = try c.decodeIfPresent(Int.self, forKey: .totalTokens) ?? promptTokens + completionTokens
        promptTokensDetails = try? c.decodeIfPresent(PromptDetails.self, forKey: .promptTokensDetails)
    }
}

/// One choice of a chat completion.
public struct OpenAIChoice: Sendable, Codable, Equatable {
    public var index: Int
    public var message: OpenAIMessage
    /// `stop`, `length`, …; `null` from some servers.
    public var finishReason: String?
    public var logprobs: OpenAIChoiceLogprobs?

    public init(index: Int, message: OpenAIMessage, finishReason: String?, logprobs: OpenAIChoiceLogprobs?) {
        self.index = index
        self.message = message
        self.finishReason = finishReason
        self.logprobs = logprobs
    }

    private enum CodingKeys: String, CodingKey { case index, message, logprobs, finishReason = "finish_reason" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decodeIfPresent(Int.self, forKey: .index) ?? 0
        message = try c.decode(OpenAIMessage.self, forKey: .message)
        finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        logprobs = try c.decodeIfPresent(OpenAIChoiceLogprobs.self, forKey: .logprobs)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(message, forKey: .message)
        try c.encode(finishReason, forKey: .finishReason)
        try c.encode(logprobs, forKey: .logprobs)
    }
}

/// The body of a non-streaming chat completion (`object: "chat.completion"`).
public struct OpenAIChatResponse: Sendable, Codable, Equatable {
    public var id: String
    public var object: String
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [OpenAIChoice]
    public var usage: OpenAIUsage?

    public init(id: String, object: String = "chat.completion", created: Int, model: String, choices: [OpenAIChoice],
                usage: OpenAIUsage?) {
        self.id = id
        self.object = object
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    /// The wire form of `response`; logprobs (with UTF-8 `bytes`) only when `includeLogprobs`.
    public init(_ response: ChatResponse, id: String, created: Int, includeLogprobs: Bool) {
        let logprobs = includeLogprobs ? response.logprobs.map { entries in
            OpenAIChoiceLogprobs(content: entries.map { e in
                OpenAITokenLogprob(token: e.token, logprob: e.logprob, bytes: e.token.utf8.map { Int($0) },
                                   topLogprobs: e.top.map {
                                       OpenAITopLogprob(token: $0.token, logprob: $0.logprob,
                                                        bytes: $0.token.utf8.map { Int($0) })
                                   })
            })
        } : nil
        self.init(id: id, created: created, model: response.model,
                  choices: [OpenAIChoice(index: 0, message: OpenAIMessage(role: "assistant", content: response.text),
                                         finishReason: response.finishReason, logprobs: logprobs)],
                  usage: OpenAIUsage(response.usage))
    }

    /// The first choice as a ``ChatResponse`` (`null` content reads as "", a missing finish reason
    /// as "stop", missing usage as zeros, missing logprobs as `nil`).
    ///
    /// - Returns: `nil` when there is no choice.
    public func chatResponse() -> ChatResponse? {
        guard let choice = choices.first else { return nil }
        let logprobs = choice.logprobs?.content.map { entries in
            entries.map { e in
                TokenLogprob(token: e.token, logprob: e.logprob,
                             top: e.topLogprobs.map { TokenAlternative(token: $0.token, logprob: $0.logprob) })
            }
        }
        return ChatResponse(text: choice.message.content ?? "", finishReason: choice.finishReason ?? "stop",
                            logprobs: logprobs, usage: usage?.chatUsage ?? ChatUsage(promptTokens: 0, completionTokens: 0),
                            model: model)
    }

    private enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        object = try c.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion"
        created = (try? c.decodeIfPresent(Int.self, forKey: .created)) ?? 0
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
        choices = try c.decode([OpenAIChoice].self, forKey: .choices)
        usage = try? c.decodeIfPresent(OpenAIUsage.self, forKey: .usage)
    }
}

/// The body of an error response: `{"error": {"message", "type", "param", "code"}}`.
public struct OpenAIErrorBody: Sendable, Codable, Equatable {
    /// The error object.
    public struct Detail: Sendable, Codable, Equatable {
        public var message: String
        /// `invalid_request_error`, `not_found_error`, `server_error`, …
        public var type: String
        /// The request field at fault, if any.
        public var param: String?
        /// A machine-readable code (numbers on the wire are read as their decimal text).
        public var code: String?

        public init(message: String, type: String, param: String? = nil, code: String? = nil) {
            self.message = message
            self.type = type
            self.param = param
            self.code = code
        }

        private enum CodingKeys: String, CodingKey { case message, type, param, code }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
            type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
            param = try? c.decodeIfPresent(String.self, forKey: .param)
            if let s = try? c.decodeIfPresent(String.self, forKey: .code) {
                code = s
            } else {
                code = (try? c.decodeIfPresent(Int.self, forKey: .code)).map { String($0) }
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(message, forKey: .message)
            try c.encode(type, forKey: .type)
            try c.encode(param, forKey: .param)
            try c.encode(code, forKey: .code)
        }
    }

    public var error: Detail

    public init(message: String, type: String, param: String? = nil, code: String? = nil) {
        error = Detail(message: message, type: type, param: param, code: code)
    }
}

/// One server-sent event of a streaming completion (`object: "chat.completion.chunk"`).
public struct OpenAIChatChunk: Sendable, Codable, Equatable {
    /// The incremental part of a message.
    public struct Delta: Sendable, Codable, Equatable {
        public var role: String?
        public var content: String?
        public init(role: String? = nil, content: String? = nil) {
            self.role = role
            self.content = content
        }
    }

    /// One choice of a chunk.
    public struct Choice: Sendable, Codable, Equatable {
        public var index: Int
        public var delta: Delta
        public var finishReason: String?
        public var logprobs: OpenAIChoiceLogprobs?

        public init(index: Int = 0, delta: Delta, finishReason: String? = nil, logprobs: OpenAIChoiceLogprobs? = nil) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
            self.logprobs = logprobs
        }

        private enum CodingKeys: String, CodingKey { case index, delta, logprobs, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(delta, forKey: .delta)
            try c.encode(finishReason, forKey: .finishReason)
            try c.encodeIfPresent(logprobs, forKey: .logprobs)
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: OpenAIUsage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: OpenAIUsage? = nil) {
        self.id = id
        self.object = "chat.completion.chunk"
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// `GET /v1/models`: `{"object": "list", "data": [{"id", "object": "model", "created", "owned_by"}]}`.
public struct OpenAIModelList: Sendable, Codable, Equatable {
    /// One served model.
    public struct Model: Sendable, Codable, Equatable {
        public var id: String
        public var object: String
        public var created: Int
        public var ownedBy: String

        public init(id: String, created: Int = 0, ownedBy: String = "augur") {
            self.id = id
            self.object = "model"
            self.created = created
            self.ownedBy = ownedBy
        }

        private enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }

    public var object: String
    public var data: [Model]

    public init(data: [Model]) {
        self.object = "list"
        self.data = data
    }
}
