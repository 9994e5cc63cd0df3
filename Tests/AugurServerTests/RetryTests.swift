@testable import AugurLLM
import AugurModels
import Foundation
import Hummingbird
import Synchronization
import Testing

/// The client against misbehaving servers (tiny backoff delays so the suite stays fast).
@Suite("OpenAIClient retries, timeouts and concurrency")
struct RetryTests {
    static let fast = OpenAIClient.Options(timeout: 10, maxRetries: 4, baseDelay: 0.01, maxDelay: 0.05)

    /// A router whose chat endpoint answers request number n (1-based) with `answer(n)`.
    static func router(_ counter: RequestCounter, _ answer: @escaping @Sendable (Int) async -> Response)
        -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/chat/completions") { _, _ in
            let n = counter.begin()
            let response = await answer(n)
            counter.end()
            return response
        }
        return router
    }

    @Test("429 with Retry-After: 1, then success: two attempts, at least 1 s")
    func retryAfter() async throws {
        let counter = RequestCounter()
        let router = Self.router(counter) { n in
            var headers = HTTPFields()
            headers[.retryAfter] = "1"
            return n == 1 ? plainResponse(.tooManyRequests, #"{"error":{"message":"slow down","type":"rate_limit"}}"#,
                                          headers: headers)
                          : completionResponse("ok")
        }
        try await withTestServer(router) { server in
            let start = ContinuousClock.now
            let answer = try await OpenAIClient(baseURL: server.baseURL, model: "m", options: Self.fast).complete(hello)
            let elapsed = (ContinuousClock.now - start).seconds
            #expect(answer.text == "ok")
            #expect(counter.total == 2)
            #expect(elapsed >= 1.0)
            #expect(elapsed < 5)
        }
    }

    @Test("Two 503s, then success: three attempts")
    func serviceUnavailable() async throws {
        let counter = RequestCounter()
        let retries = Mutex<[Int]>([])
        var options = Self.fast
        options.onRetry = { retry, error, _ in
            if case .http(_, let status, _) = error { retries.withLock { $0.append(status) } }
            _ = retry
        }
        let router = Self.router(counter) { n in n <= 2 ? plainResponse(.serviceUnavailable, "busy") : completionResponse("fine") }
        try await withTestServer(router) { server in
            let answer = try await OpenAIClient(baseURL: server.baseURL, model: "m", options: options).complete(hello)
            #expect(answer.text == "fine")
            #expect(counter.total == 3)
            #expect(retries.withLock { $0 } == [503, 503])
        }
    }

    @Test("400 is not retried and names URL, status and message")
    func badRequestNotRetried() async throws {
        let counter = RequestCounter()
        let router = Self.router(counter) { _ in
            plainResponse(.badRequest, #"{"error":{"message":"max_tokens is too large","type":"invalid_request_error","param":"max_tokens","code":400}}"#)
        }
        try await withTestServer(router) { server in
            let client = OpenAIClient(baseURL: server.baseURL, model: "m", options: Self.fast)
            let error = await #expect(throws: LLMError.self) { try await client.complete(hello) }
            guard case .http(let url, let status, let body) = error else {
                Issue.record("expected .http, got \(String(describing: error))")
                return
            }
            #expect(status == 400)
            #expect(url == "http://127.0.0.1:\(server.port)/v1/chat/completions")
            #expect(body == "max_tokens is too large")
            #expect(counter.total == 1)
        }
    }

    @Test("A garbage 200 body is invalidResponse with a snippet, not retried")
    func garbageBody() async throws {
        let counter = RequestCounter()
        let router = Self.router(counter) { _ in plainResponse(.ok, "<html>proxy login</html>") }
        try await withTestServer(router) { server in
            let client = OpenAIClient(baseURL: server.baseURL, model: "m", options: Self.fast)
            let error = await #expect(throws: LLMError.self) { try await client.complete(hello) }
            guard case .invalidResponse(_, let detail) = error else {
                Issue.record("expected .invalidResponse, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("<html>proxy login</html>"))
            #expect(counter.total == 1)
        }
        // Valid JSON that is not a completion (no `choices`) names the missing field.
        let counter2 = RequestCounter()
        try await withTestServer(Self.router(counter2) { _ in plainResponse(.ok, #"{"id":"x"}"#) }) { server in
            let client = OpenAIClient(baseURL: server.baseURL, model: "m", options: Self.fast)
            let error = await #expect(throws: LLMError.self) { try await client.complete(hello) }
            #expect(String(describing: error).contains("choices"))
            #expect(counter2.total == 1)
        }
    }

    @Test("Connection refused: transport error after the configured retries")
    func connectionRefused() async throws {
        // A port that was just free: start and stop a server on an ephemeral port.
        let closed = try await TestHTTPServer.start(Router())
        await closed.stop()
        let retries = Mutex(0)
        var options = Self.fast
        options.maxRetries = 3
        options.onRetry = { _, _, _ in retries.withLock { $0 += 1 } }
        let client = OpenAIClient(baseURL: closed.baseURL, model: "m", options: options)
        let error = await #expect(throws: LLMError.self) { try await client.complete(hello) }
        guard case .transport(let url, let detail) = error else {
            Issue.record("expected .transport, got \(String(describing: error))")
            return
        }
        #expect(url.contains(":\(closed.port)/v1/chat/completions"))
        #expect(retries.withLock { $0 } == 3)
        #expect(detail.hasSuffix("gave up after 4 attempts"))
    }

    @Test("A server that never answers: timeout, retried, then LLMError.timeout")
    func neverAnswers() async throws {
        let counter = RequestCounter()
        let router = Self.router(counter) { _ in
            try? await Task.sleep(for: .seconds(30))
            return completionResponse("late")
        }
        try await withTestServer(router) { server in
            var options = Self.fast
            options.timeout = 1
            options.maxRetries = 1
            let client = OpenAIClient(baseURL: server.baseURL, model: "m", options: options)
            let start = ContinuousClock.now
            let error = await #expect(throws: LLMError.self) { try await client.complete(hello) }
            let elapsed = (ContinuousClock.now - start).seconds
            #expect(error == .timeout(url: "http://127.0.0.1:\(server.port)/v1/chat/completions", seconds: 1))
            #expect(counter.total == 2)
            #expect(elapsed >= 1.9 && elapsed < 8)
        }
    }

    @Test("8 concurrent calls with maxConcurrentRequests 2: the server never sees more than 2")
    func concurrencyCap() async throws {
        let counter = RequestCounter()
        let router = Self.router(counter) { n in
            try? await Task.sleep(for: .milliseconds(150))
            return completionResponse("answer \(n)")
        }
        try await withTestServer(router) { server in
            var options = Self.fast
            options.maxConcurrentRequests = 2
            let client = OpenAIClient(baseURL: server.baseURL, model: "m", options: options)
            let texts = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await client.complete(hello).text } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(texts).count == 8)
            #expect(counter.total == 8)
            #expect(counter.maxInFlight == 2)
        }
    }

    @Test("API key as a Bearer token; none when the environment variable is unset")
    func apiKey() async throws {
        let seen = Mutex<[String]>([])
        let router = Router()
        router.post("/v1/chat/completions") { request, _ in
            seen.withLock { $0.append(request.headers[.authorization] ?? "none") }
            return completionResponse("ok")
        }
        try await withTestServer(router) { server in
            _ = try await OpenAIClient(baseURL: server.baseURL, model: "m", apiKey: "sk-test").complete(hello)
            _ = try await OpenAIClient.fromEnvironment(baseURL: server.baseURL, model: "m",
                                                       apiKeyEnvironment: "AUGUR_TEST_UNSET_KEY_VARIABLE").complete(hello)
            #expect(seen.withLock { $0 } == ["Bearer sk-test", "none"])
        }
    }

    @Test("Retry-After parsing: seconds and HTTP dates")
    func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(OpenAIClient.parseRetryAfter("3", now: now) == 3)
        #expect(OpenAIClient.parseRetryAfter(" 0.5 ", now: now) == 0.5)
        #expect(OpenAIClient.parseRetryAfter("Tue, 14 Nov 2023 22:13:27 GMT", now: now) == 7)
        #expect(OpenAIClient.parseRetryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now: now) == 0)
        #expect(OpenAIClient.parseRetryAfter("soon", now: now) == nil)
        #expect(OpenAIClient.parseRetryAfter("99999", now: now) == 600)
    }

    @Test("Base URL with or without /v1")
    func endpoints() throws {
        func endpoint(_ s: String) throws -> String {
            OpenAIClient(baseURL: try #require(URL(string: s)), model: "m").endpoint.absoluteString
        }
        #expect(try endpoint("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(try endpoint("http://127.0.0.1:8080/v1/") == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(try endpoint("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(try endpoint("https://api.openai.com/v1") == "https://api.openai.com/v1/chat/completions")
        #expect(try endpoint("http://h/v1/chat/completions") == "http://h/v1/chat/completions")
    }
}
