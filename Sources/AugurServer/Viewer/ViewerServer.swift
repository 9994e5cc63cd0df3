import AugurPipeline
import Foundation
import Hummingbird
import Logging

/// The results viewer of a run (Hummingbird 2), bound to 127.0.0.1 unless told otherwise.
///
/// Routes:
/// - `GET /`: the feature list (`q` search in descriptions, `kind`, `sort` = `stored` | `density` |
///   `max` | `score:SCORER` | `score:SCORER:METHOD`, `order` = `desc` | `asc`, `page`).
/// - `GET /features/ID`: a feature's page (the id percent-encoded, `/` as `%2F`).
/// - `GET /summary`: plots and the method × scorer table.
/// - `POST /steer`: JSON or form `{feature, prompt, strength, max_tokens}` → JSON ``SteeringResult``.
/// - `GET /health`.
public struct ViewerServer: Sendable {
    /// The run's store.
    public let store: RunStore
    public let host: String
    /// Port to bind; 0 picks a free one (see ``start()``).
    public let port: Int
    /// Features per list page.
    public var pageSize = 100
    public var logger: Logger

    public init(store: RunStore, host: String = "127.0.0.1", port: Int) {
        self.store = store
        self.host = host
        self.port = port
        logger = Logger(label: "augur.viewer")
    }

    /// The store of the run folder `run`, which must already hold one (the viewer never creates a store).
    public static func openStore(run: URL) throws -> RunStore {
        let file = run.appendingPathComponent(RunStore.fileName).path
        guard FileManager.default.fileExists(atPath: file) else { throw ViewerError.noStore(path: run.path) }
        let store = try RunStore(directory: run)
        try store.ensureViewerIndexes()
        return store
    }

    /// This server logging to `logger`.
    public func logging(to logger: Logger) -> ViewerServer {
        var copy = self
        copy.logger = logger
        return copy
    }

    /// Serves until SIGINT/SIGTERM or until the task is cancelled.
    public func run() async throws {
        guard (0...65535).contains(port) else { throw ViewerError.invalidPort(port) }
        let app = makeApplication(onRunning: { _ in })
        do { try await app.runService() } catch { throw startError(error) }
    }

    /// Starts serving in the background and returns once the socket is bound.
    public func start() async throws -> RunningViewer {
        guard (0...65535).contains(port) else { throw ViewerError.invalidPort(port) }
        let server = self
        return try await startInBackground(host: host, requestedPort: port, build: { makeApplication(onRunning: $0) },
                                           mapError: { server.startError($0) },
                                           stoppedBeforeStarting: ViewerError.stoppedBeforeStarting(host: host, port: port))
    }

    private func makeApplication(onRunning: @escaping @Sendable (Int?) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        var routes = ViewerRoutes(store: store, steering: SteeringService(store: store, logger: logger), logger: logger)
        routes.pageSize = pageSize
        routes.add(to: router)
        // Render the summary once in the background, so its first request is served from the cache.
        Task(priority: .background) { [routes] in _ = try? routes.summaryPage() }
        return Application(router: router,
                           configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "augur-viewer",
                                                                   reuseAddress: true),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port) },
                           logger: logger)
    }

    private func startError(_ error: any Error) -> any Error {
        switch BindFailure(error) {
        case .portInUse: ViewerError.portInUse(host: host, port: port)
        case .cannotBind(let detail): ViewerError.cannotBind(host: host, port: port, detail: detail)
        case nil: error
        }
    }
}

/// A viewer started with ``ViewerServer/start()``; ``RunningServer/url`` is its address.
public typealias RunningViewer = RunningServer
