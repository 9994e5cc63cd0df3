import AugurTokenizers
import Foundation

@_exported import struct AugurTokenizers.ChatMessage

/// One chat-completion request, as an OpenAI-compatible `/v1/chat/completions` body carries it.
public struct ChatRequest: Sendable, Codable, Equatable {
    /// The conversation so far.
    public var messages: [ChatMessage]
    /// Most tokens to generate.
    public var maxTokens: Int
    /// Sampling temperature; 0 is greedy.
    public var temperature: Float
    /// Nucleus sampling mass, when set.
    public var topP: Float?
    /// Sampling seed (in-process models are deterministic for a seed).
    public var seed: UInt64?
    /// Strings at which generation stops (not included in the reply).
    public var stop: [String]
    /// Return the log-probability of every generated token.
    public var logprobs: Bool
    /// With `logprobs`, this many most likely alternatives per position (0–20).
    public var topLogprobs: Int

    /// A request for `messages`; greedy, at most `maxTokens` tokens, no logprobs unless asked.
    public init(messages: [ChatMessage], maxTokens: Int = 256, temperature: Float = 0, topP: Float? = nil,
                seed: UInt64? = nil, stop: [String] = [], logprobs: Bool = false, topLogprobs: Int = 0) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.logprobs = logprobs
        self.topLogprobs = topLogprobs
    }
}

/// A token and its log-probability.
public struct TokenAlternative: Sendable, Codable, Equatable {
    /// The token's text.
    public var token: String
    /// Natural-log probability.
    public var logprob: Float

    public init(token: String, logprob: Float) {
        self.token = token
        self.logprob = logprob
    }
}

/// One generated token with its log-probability and the most likely alternatives at its position.
public struct TokenLogprob: Sendable, Codable, Equatable {
    /// The generated token's text.
    public var token: String
    /// Its natural-log probability.
    public var logprob: Float
    /// The most likely tokens at this position, most likely first (may include `token`).
    public var top: [TokenAlternative]

    public init(token: String, logprob: Float, top: [TokenAlternative]) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// Token counts of one completion.
public struct ChatUsage: Sendable, Codable, Equatable {
    /// Prompt tokens sent.
    public var promptTokens: Int
    /// Prompt tokens whose computation was reused from an earlier request (prefix cache).
    public var cachedPromptTokens: Int
    /// Generated tokens.
    public var completionTokens: Int

    public init(promptTokens: Int, cachedPromptTokens: Int = 0, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
    }
}

/// The answer to a ``ChatRequest``.
public struct ChatResponse: Sendable, Codable, Equatable {
    /// The assistant's reply.
    public var text: String
    /// `stop` (end of sequence or a stop string), `length` (max tokens) or what the server said.
    public var finishReason: String
    /// Per generated token, when the request asked for logprobs and the backend supports them.
    public var logprobs: [TokenLogprob]?
    /// Token counts.
    public var usage: ChatUsage
    /// The model that answered.
    public var model: String

    public init(text: String, finishReason: String, logprobs: [TokenLogprob]?, usage: ChatUsage, model: String) {
        self.text = text
        self.finishReason = finishReason
        self.logprobs = logprobs
        self.usage = usage
        self.model = model
    }
}

/// Anything that answers chat-completion requests: an in-process model, an OpenAI-compatible
/// server, or a cache in front of either.
///
/// Implementations are safe to call from many tasks at once; they queue or limit concurrency
/// themselves.
public protocol ChatModel: Sendable {
    /// The model's name, as recorded with every description and score.
    var name: String { get }
    /// Whether ``complete(_:)`` can return per-token logprobs with alternatives.
    var supportsLogprobs: Bool { get }
    /// Answers `request`, or throws an ``LLMError`` saying why it could not.
    func complete(_ request: ChatRequest) async throws -> ChatResponse
}

/// Why a chat completion failed.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request itself is invalid (empty conversation, prompt longer than the context, …).
    case invalidRequest(String)
    /// The server could not be reached or the connection broke.
    case transport(url: String, detail: String)
    /// The server answered with an HTTP error status.
    case http(url: String, status: Int, body: String)
    /// No answer within the timeout.
    case timeout(url: String, seconds: Double)
    /// The server's answer is not a chat completion.
    case invalidResponse(url: String, detail: String)
    /// The in-process model failed.
    case model(String)

    public var description: String {
        switch self {
        case .invalidRequest(let s): return "invalid chat request: \(s)"
        case let .transport(url, d): return "cannot reach \(url): \(d)"
        case let .http(url, status, body):
            return "\(url) answered HTTP \(status)\(body.isEmpty ? "" : ": \(body.prefix(300))")"
        case let .timeout(url, s): return "\(url) did not answer within \(s) s"
        case let .invalidResponse(url, d): return "\(url) returned something that is not a chat completion: \(d)"
        case .model(let s): return "in-process model failed: \(s)"
        }
    }
}
