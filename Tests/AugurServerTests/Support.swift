import AugurLLM
import AugurModels
import AugurServer
import Foundation
import Hummingbird
import Logging
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Models shared by the tests (loaded once; the test fails, not skips, when missing).
enum TestModels {
    static let smollm: Result<any LanguageModel, Error> = Result {
        try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))
    }
}

/// A ChatModel that answers from a script and records what it was asked.
final class ScriptedChatModel: ChatModel {
    let name: String
    let reply: @Sendable (ChatRequest) throws -> ChatResponse
    private let seen = Mutex<[ChatRequest]>([])

    init(name: String, reply: @escaping @Sendable (ChatRequest) throws -> ChatResponse) {
        self.name = name
        self.reply = reply
    }

    var supportsLogprobs: Bool { true }
    var requests: [ChatRequest] { seen.withLock { $0 } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        seen.withLock { $0.append(request) }
        return try reply(request)
    }
}

/// A Hummingbird router served on a free port, for misbehaving test servers.
struct TestHTTPServer {
    let port: Int
    private let task: Task<Void, any Error>

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/v1")! }

    static func start(_ router: Router<BasicRequestContext>) async throws -> TestHTTPServer {
        let (ports, reporter) = AsyncThrowingStream<Int, any Error>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in reporter.yield(channel.localAddress?.port ?? 0) },
                              logger: quietLogger)
        let task = Task<Void, any Error> {
            do { try await app.run(); reporter.finish() } catch { reporter.finish(throwing: error); throw error }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = try await iterator.next() else { throw TestFailure("test server did not start") }
        return TestHTTPServer(port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Test servers log only critical messages (stopping by cancellation logs an error).
let quietLogger: Logger = {
    var logger = Logger(label: "augur.server.tests")
    logger.logLevel = .critical
    return logger
}()

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Counts requests and the most in flight at once.
final class RequestCounter: Sendable {
    private let state = Mutex<(total: Int, inFlight: Int, maxInFlight: Int)>((0, 0, 0))

    /// Marks a request as started; returns its 1-based number.
    func begin() -> Int {
        state.withLock { s in
            s.total += 1
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
            return s.total
        }
    }

    func end() { state.withLock { $0.inFlight -= 1 } }
    var total: Int { state.withLock { $0.total } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
}

/// A response with `text` as a valid chat completion body.
func completionResponse(_ text: String, model: String = "scripted") -> Response {
    let answer = ChatResponse(text: text, finishReason: "stop", logprobs: nil,
                              usage: ChatUsage(promptTokens: 3, completionTokens: 2), model: model)
    let data = (try? JSONEncoder().encode(OpenAIChatResponse(answer, id: "x", created: 0, includeLogprobs: false)))
        ?? Data()
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

/// A plain response with `status`, `body` and optional extra headers.
func plainResponse(_ status: HTTPResponse.Status, _ body: String, headers: HTTPFields = HTTPFields()) -> Response {
    Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
}

/// POSTs `body` to `url`; returns status and body.
func post(_ url: URL, _ body: String) async throws -> (status: Int, body: Data) {
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.httpBody = Data(body.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? -1, data)
}

/// GETs `url`; returns status and body.
func get(_ url: URL) async throws -> (status: Int, body: Data) {
    let (data, response) = try await URLSession.shared.data(from: url)
    return ((response as? HTTPURLResponse)?.statusCode ?? -1, data)
}

let hello = ChatRequest(messages: [ChatMessage(role: "user", content: "Say hello.")], maxTokens: 8)

/// Runs `body` against `server` started on a free port, stopping it afterwards.
func withServer<T>(_ server: OpenAIServer, _ body: (RunningOpenAIServer) async throws -> T) async throws -> T {
    let running = try await server.logging(to: quietLogger).start()
    do {
        let result = try await body(running)
        await running.stop()
        return result
    } catch {
        await running.stop()
        throw error
    }
}

/// Runs `body` against a test server for `router`, stopping it afterwards.
func withTestServer<T>(_ router: Router<BasicRequestContext>, _ body: (TestHTTPServer) async throws -> T)
    async throws -> T {
    let server = try await TestHTTPServer.start(router)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
