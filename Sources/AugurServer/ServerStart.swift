import Foundation
import Hummingbird

/// What a failure to start a server says about the port, from NIO's error text ("bind(descriptor:…):
/// Address already in use (errno: 98)"), the only dependency-free way to recognise bind failures.
enum BindFailure {
    case portInUse
    case cannotBind(detail: String)

    init?(_ error: any Error) {
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("errno: \(EADDRINUSE))") {
            self = .portInUse
        } else if text.contains("bind(") {
            self = .cannotBind(detail: text)
        } else {
            return nil
        }
    }
}

/// Runs the application `build` makes in the background and returns once its socket is bound.
/// `build` receives the callback to install as `onServerRunning`; `mapError` turns a start failure
/// into the server's own error; `stoppedBeforeStarting` is thrown when it stops without binding.
func startInBackground<App: ApplicationProtocol>(
    host: String, requestedPort: Int,
    build: (@escaping @Sendable (Int?) async -> Void) -> App,
    mapError: @escaping @Sendable (any Error) -> any Error,
    stoppedBeforeStarting: @autoclosure () -> any Error
) async throws -> RunningServer {
    let (bound, reporter) = AsyncThrowingStream<Int, any Error>.makeStream()
    let app = build { port in reporter.yield(port ?? requestedPort) }
    let task = Task<Void, any Error> {
        do {
            try await app.run()
            reporter.finish()
        } catch {
            reporter.finish(throwing: mapError(error))
            throw error
        }
    }
    var iterator = bound.makeAsyncIterator()
    let port: Int?
    do { port = try await iterator.next() } catch {
        task.cancel()
        throw error
    }
    guard let port else {
        task.cancel()
        throw stoppedBeforeStarting()
    }
    return RunningServer(host: host, port: port, task: task)
}
