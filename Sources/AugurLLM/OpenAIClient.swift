import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A ``ChatModel`` answered by an OpenAI-compatible server (OpenAI, vLLM, llama.cpp server,
/// Ollama, `augur serve-llm`) over `POST {base}/chat/completions`.
///
/// Retries 429, 500, 502, 503 and 504 answers, transport errors and timeouts with exponential
/// backoff and full jitter (honouring `Retry-After`, in seconds or as an HTTP date); never retries
/// other statuses or a 2xx body that is not a chat completion. At most
/// ``Options/maxConcurrentRequests`` HTTP requests are in flight at once per client.
public final class OpenAIClient: ChatModel {
    /// Timeouts, retries and concurrency.
    public struct Options: Sendable {
        /// Seconds to wait for one HTTP answer.
        public var timeout: Double
        /// Retries after the first attempt (so at most `maxRetries + 1` requests).
        public var maxRetries: Int
        /// Backoff before retry `n` (0-based) is uniform in [0, min(maxDelay, baseDelay·2ⁿ)] seconds.
        public var baseDelay: Double
        /// Cap of the backoff (not of a server's `Retry-After`, which is honoured up to 10 minutes).
        public var maxDelay: Double
        /// Most requests in flight at once.
        public var maxConcurrentRequests: Int
        /// Called before each retry with the retry number (1-based), the failure and the delay in seconds.
        public var onRetry: (@Sendable (_ retry: Int, _ error: LLMError, _ delay: Double) -> Void)?

        public init(timeout: Double = 120, maxRetries: Int = 6, baseDelay: Double = 0.5, maxDelay: Double = 30,
                    maxConcurrentRequests: Int = 4,
                    onRetry: (@Sendable (_ retry: Int, _ error: LLMError, _ delay: Double) -> Void)? = nil) {
            self.timeout = timeout
            self.maxRetries = maxRetries
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.maxConcurrentRequests = maxConcurrentRequests
            self.onRetry = onRetry
        }
    }

    /// The model name sent in every request.
    public let name: String
    /// OpenAI-compatible servers return logprobs when asked (those that cannot just leave them out,
    /// and the response's `logprobs` is `nil`).
    public var supportsLogprobs: Bool { true }
    /// Where requests are POSTed: `…/v1/chat/completions`.
    public let endpoint: URL
    /// The settings in use.
    public let options: Options

    private let apiKey: String?
    private let session: URLSession
    private let limiter: AsyncSemaphore
    private let logger = Logger(label: "augur.llm.openai")

    /// A client for `model` at `baseURL`.
    ///
    /// - Parameters:
    ///   - baseURL: The server's API root, e.g. `http://127.0.0.1:8080/v1` or
    ///     `https://api.openai.com/v1`. Without a trailing `/v1` (e.g. `http://127.0.0.1:8080`),
    ///     `/v1` is appended; a URL already ending in `/chat/completions` is used as it is.
    ///   - model: The `model` field of every request.
    ///   - apiKey: Sent as `Authorization: Bearer …` when given (local servers need none).
    ///   - options: Timeouts, retries and concurrency.
    public init(baseURL: URL, model: String, apiKey: String? = nil, options: Options = Options()) {
        self.name = model
        self.endpoint = Self.endpoint(for: baseURL)
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.options = options
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = options.timeout
        configuration.timeoutIntervalForResource = options.timeout
        // The semaphore below is the limit; never let URLSession queue below it.
        configuration.httpMaximumConnectionsPerHost = max(6, options.maxConcurrentRequests)
        self.session = URLSession(configuration: configuration)
        self.limiter = AsyncSemaphore(permits: max(1, options.maxConcurrentRequests))
    }

    /// A client whose API key is read from the environment variable `apiKeyEnvironment`
    /// (no key when it is unset or empty, which is fine for local servers).
    public static func fromEnvironment(baseURL: URL, model: String, apiKeyEnvironment: String = "OPENAI_API_KEY",
                                       options: Options = Options()) -> OpenAIClient {
        OpenAIClient(baseURL: baseURL, model: model,
                     apiKey: ProcessInfo.processInfo.environment[apiKeyEnvironment], options: options)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// `…/v1/chat/completions` for a base URL given with or without `/v1`.
    static func endpoint(for baseURL: URL) -> URL {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        if text.hasSuffix("/chat/completions") { return URL(string: text) ?? baseURL }
        if !text.hasSuffix("/v1") { text += "/v1" }
        return URL(string: text + "/chat/completions") ?? baseURL.appendingPathComponent("chat/completions")
    }

    /// Sends `request`, retrying transient failures; throws ``LLMError`` naming the URL (and status).
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        guard !request.messages.isEmpty else { throw LLMError.invalidRequest("the conversation is empty") }
        let body: Data
        do {
            body = try JSONEncoder().encode(OpenAIChatRequest(request, model: name))
        } catch {
            throw LLMError.invalidRequest("cannot encode the request as JSON: \(error)")
        }
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let outcome = try await limiter.withPermit { await self.send(body) }
            switch outcome {
            case .success(let response):
                return response
            case .failure(let error, let retryable, let retryAfter):
                try Task.checkCancellation()
                guard retryable, attempt < options.maxRetries else {
                    if attempt > 0, case .transport(let url, let detail) = error {
                        throw LLMError.transport(url: url, detail: "\(detail); gave up after \(attempt + 1) attempts")
                    }
                    throw error
                }
                let delay = retryAfter ?? backoff(attempt: attempt)
                logger.debug("retrying chat completion", metadata: [
                    "url": "\(endpoint)", "attempt": "\(attempt + 1)", "error": "\(error)", "delay": "\(delay)"])
                attempt += 1
                options.onRetry?(attempt, error, delay)
                if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
            }
        }
    }

    /// Full-jitter exponential backoff before retry `attempt` (0-based).
    func backoff(attempt: Int) -> Double {
        let cap = min(options.maxDelay, options.baseDelay * pow(2, Double(min(attempt, 30))))
        return cap > 0 ? Double.random(in: 0...cap) : 0
    }

    private enum Outcome: Sendable {
        case success(ChatResponse)
        case failure(LLMError, retryable: Bool, retryAfter: Double?)
    }

    private static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// One HTTP attempt, classified.
    private func send(_ body: Data) async -> Outcome {
        let url = endpoint.absoluteString
        var http = URLRequest(url: endpoint, timeoutInterval: options.timeout)
        http.httpMethod = "POST"
        http.httpBody = body
        http.setValue("application/json", forHTTPHeaderField: "Content-Type")
        http.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey { http.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: http)
        } catch let error as URLError {
            switch error.code {
            case .timedOut:
                return .failure(.timeout(url: url, seconds: options.timeout), retryable: true, retryAfter: nil)
            case .cancelled:
                return .failure(.transport(url: url, detail: "cancelled"), retryable: false, retryAfter: nil)
            case .badURL, .unsupportedURL:
                return .failure(.transport(url: url, detail: error.localizedDescription), retryable: false,
                                retryAfter: nil)
            default:
                return .failure(.transport(url: url, detail: "\(error.localizedDescription) (URLError \(error.code.rawValue))"),
                                retryable: true, retryAfter: nil)
            }
        } catch {
            return .failure(.transport(url: url, detail: "\(error)"), retryable: !(error is CancellationError),
                            retryAfter: nil)
        }
        guard let status = (response as? HTTPURLResponse)?.statusCode else {
            return .failure(.invalidResponse(url: url, detail: "not an HTTP response"), retryable: false, retryAfter: nil)
        }
        guard (200..<300).contains(status) else {
            let retryAfter = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After")
                .flatMap { Self.parseRetryAfter($0) }
            return .failure(.http(url: url, status: status, body: Self.errorText(data)),
                            retryable: Self.retryableStatuses.contains(status), retryAfter: retryAfter)
        }
        do {
            let decoded = try JSONDecoder().decode(OpenAIChatResponse.self, from: data)
            guard let chat = decoded.chatResponse() else {
                return .failure(.invalidResponse(url: url, detail: "no choices in \(Self.snippet(data))"),
                                retryable: false, retryAfter: nil)
            }
            return .success(chat)
        } catch {
            return .failure(.invalidResponse(url: url, detail: "\(OpenAIFieldError(decoding: error).message) in \(Self.snippet(data))"),
                            retryable: false, retryAfter: nil)
        }
    }

    /// The `error.message` of an OpenAI error body, or a snippet of whatever came back.
    static func errorText(_ data: Data) -> String {
        if let body = try? JSONDecoder().decode(OpenAIErrorBody.self, from: data), !body.error.message.isEmpty {
            return body.error.message
        }
        return snippet(data)
    }

    /// The first 200 characters of `data`, quoted.
    static func snippet(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self)
        return "\"\(text)\(data.count > 200 ? "…" : "")\" (\(data.count) bytes)"
    }

    /// Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date; at most 600.
    static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite { return min(max(0, seconds), 600) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return min(max(0, date.timeIntervalSince(now)), 600) }
        }
        return nil
    }
}

/// A counting semaphore for async code; waiting is cancellable.
final class AsyncSemaphore: Sendable {
    private let state: State

    init(permits: Int) { state = State(permits: permits) }

    /// Runs `body` holding one permit.
    func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await state.acquire()
        do {
            let result = try await body()
            await state.release()
            return result
        } catch {
            await state.release()
            throw error
        }
    }

    private actor State {
        private var available: Int
        private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        private var nextID: UInt64 = 0

        init(permits: Int) { available = permits }

        func acquire() async throws {
            try Task.checkCancellation()
            if available > 0 {
                available -= 1
                return
            }
            let id = nextID
            nextID += 1
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        waiters.append((id, continuation))
                    }
                }
            } onCancel: {
                Task { await self.cancel(id) }
            }
        }

        func release() {
            if waiters.isEmpty {
                available += 1
            } else {
                waiters.removeFirst().continuation.resume()
            }
        }

        private func cancel(_ id: UInt64) {
            guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
            waiters.remove(at: i).continuation.resume(throwing: CancellationError())
        }
    }
}
