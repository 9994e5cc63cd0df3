import AugurLLM
import Foundation
import Hummingbird
import Logging

/// An OpenAI-compatible HTTP server (Hummingbird 2) in front of one or more ``ChatModel``s.
///
/// Routes:
/// - `POST /v1/chat/completions`: the OpenAI chat-completion API, non-streaming or with
///   `"stream": true` (server-sent events ending in `data: [DONE]`; the completion is computed
///   first and then sent piece by piece).
/// - `GET /v1/models`: the served model names.
/// - `GET /health`: `{"status": "ok"}`.
///
/// Errors are OpenAI error bodies: 400 for a body that is not JSON or misses/mistypes a field
/// (naming it), 404 for an unknown model (listing the served ones), and the model's own failure as
/// 400 (``LLMError/invalidRequest(_:)``), 502/504 (an upstream server's failure) or 500.
public struct OpenAIServer: Sendable {
    /// Served models by the name clients put in `model`.
    public let models: [String: any ChatModel]
    /// Interface to bind (`127.0.0.1` by default; `0.0.0.0` for all).
    public let host: String
    /// Port to bind; 0 picks a free one (see ``start()``).
    public let port: Int
    /// Largest accepted request body in bytes.
    public var maxBodyBytes: Int = 32 << 20
    /// `max_tokens` when a request sets none.
    public var defaultMaxTokens: Int = 256

    /// Where the server and Hummingbird log (start-up at `info`, failed requests at `debug`).
    /// ``RunningOpenAIServer/stop()`` cancels the server, which Hummingbird logs at `error`
    /// ("Waiting on child channel: CancellationError()"); raise the level to silence it.
    public var logger: Logger

    /// A server for `models` (name → model) on `host:port`.
    public init(models: [String: any ChatModel], host: String = "127.0.0.1", port: Int) {
        self.models = models
        self.host = host
        self.port = port
        self.logger = Logger(label: "augur.server")
    }

    /// A server for one model, served under its ``ChatModel/name``.
    public init(model: any ChatModel, host: String = "127.0.0.1", port: Int) {
        self.init(models: [model.name: model], host: host, port: port)
    }

    /// This server logging to `logger`.
    public func logging(to logger: Logger) -> OpenAIServer {
        var copy = self
        copy.logger = logger
        return copy
    }

    /// Serves until SIGINT/SIGTERM (graceful shutdown) or until the task is cancelled.
    ///
    /// - Throws: ``OpenAIServerError/portInUse(host:port:)`` when the port is taken, or another
    ///   ``OpenAIServerError`` when the server cannot start.
    public func run() async throws {
        try validate()
        let app = makeApplication(onRunning: { _ in })
        do {
            try await app.runService()
        } catch {
            throw startError(error)
        }
    }

    /// Starts serving in the background and returns once the socket is bound.
    ///
    /// With `port` 0 the system picks a free port; ``RunningOpenAIServer/port`` tells which.
    /// - Throws: ``OpenAIServerError/portInUse(host:port:)`` when the port is taken.
    public func start() async throws -> RunningOpenAIServer {
        try validate()
        let server = self
        return try await startInBackground(host: host, requestedPort: port, build: { makeApplication(onRunning: $0) },
                                           mapError: { server.startError($0) },
                                           stoppedBeforeStarting: OpenAIServerError.stoppedBeforeStarting(host: host, port: port))
    }

    private func validate() throws {
        guard !models.isEmpty else { throw OpenAIServerError.noModels }
        guard (0...65535).contains(port) else { throw OpenAIServerError.invalidPort(port) }
    }

    private func makeApplication(onRunning: @escaping @Sendable (Int?) async -> Void)
        -> some ApplicationProtocol {
        let router = Router()
        OpenAIRoutes(models: models, maxBodyBytes: maxBodyBytes, defaultMaxTokens: defaultMaxTokens,
                     logger: logger).add(to: router)
        return Application(router: router,
                           configuration: ApplicationConfiguration(address: .hostname(host, port: port),
                                                                   serverName: "augur", reuseAddress: true),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port) },
                           logger: logger)
    }

    /// A bind failure as ``OpenAIServerError``; other errors unchanged.
    private func startError(_ error: any Error) -> any Error {
        switch BindFailure(error) {
        case .portInUse: OpenAIServerError.portInUse(host: host, port: port)
        case .cannotBind(let detail): OpenAIServerError.cannotBind(host: host, port: port, detail: detail)
        case nil: error
        }
    }
}

/// A server started with ``OpenAIServer/start()``; ``RunningServer/baseURL`` is the base URL for
/// ``OpenAIClient``.
public typealias RunningOpenAIServer = RunningServer

/// A Hummingbird server (the OpenAI-compatible endpoint or the viewer) running until ``stop()``.
public final class RunningServer: Sendable {
    /// The interface it is bound to.
    public let host: String
    /// The port it is bound to.
    public let port: Int
    private let task: Task<Void, any Error>

    init(host: String, port: Int, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.task = task
    }

    /// `http://host:port/` (a wildcard host is reached through 127.0.0.1).
    public var url: URL {
        let h = host.contains(":") ? "[\(host)]" : (host == "0.0.0.0" ? "127.0.0.1" : host)
        return URL(string: "http://\(h):\(port)/") ?? URL(fileURLWithPath: "/")
    }

    /// `http://host:port/v1`, the base URL of the OpenAI-compatible routes.
    public var baseURL: URL { url.appendingPathComponent("v1") }

    /// Stops serving (in-flight requests are cancelled) and waits until the socket is closed.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Why the server could not start.
public enum OpenAIServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process is listening on the port.
    case portInUse(host: String, port: Int)
    /// Binding failed for another reason (bad host, permission, …).
    case cannotBind(host: String, port: Int, detail: String)
    /// The port is outside 0…65535.
    case invalidPort(Int)
    /// No model to serve.
    case noModels
    /// The server shut down before it was listening.
    case stoppedBeforeStarting(host: String, port: Int)

    public var description: String {
        switch self {
        case let .portInUse(host, port):
            return "cannot listen on \(host):\(port): the port is already in use (another server is running there; "
                + "stop it or choose another --port)"
        case let .cannotBind(host, port, detail): return "cannot listen on \(host):\(port): \(detail)"
        case .invalidPort(let p): return "invalid port \(p): must be in 0…65535"
        case .noModels: return "no model to serve"
        case let .stoppedBeforeStarting(host, port): return "the server on \(host):\(port) stopped before it was listening"
        }
    }
}
