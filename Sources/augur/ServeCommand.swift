import ArgumentParser
import AugurPipeline
import AugurServer
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Browse a run's results: feature list, feature pages with steering, summary plots (http://127.0.0.1:8000/).")
    @Argument(help: "Run folder (holding augur.sqlite).") var runFolder: String
    @Option(help: "Address to bind (127.0.0.1 keeps it local; 0.0.0.0 serves every interface).") var host = "127.0.0.1"
    @Option(help: "Port.") var port = 8000
    @Option(name: .customLong("page-size"), help: "Features per list page.") var pageSize = 100

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be in 1...65535, got \(port)") }
        guard (1...1000).contains(pageSize) else { throw ValidationError("--page-size must be in 1...1000, got \(pageSize)") }
    }

    func run() async throws {
        let store: RunStore
        do { store = try ViewerServer.openStore(run: URL(fileURLWithPath: runFolder)) } catch let e as ViewerError {
            printError("error: \(e)")
            throw ExitCode.failure
        }
        var server = ViewerServer(store: store, host: host, port: port)
        server.pageSize = pageSize
        let viewer: RunningViewer
        do { viewer = try await server.start() } catch let e as ViewerError {
            printError("error: \(e)")
            throw ExitCode.failure
        }
        FileHandle.standardOutput.write(Data("viewing \(runFolder) at \(viewer.url.absoluteString) (Ctrl-C stops)\n".utf8))
        await waitForInterrupt()
        await viewer.stop()
    }
}

/// Suspends until SIGINT or SIGTERM.
func waitForInterrupt() async {
    let (stream, continuation) = AsyncStream<Void>.makeStream()
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        s.setEventHandler { continuation.yield() }
        s.resume()
        sources.append(s)
    }
    var it = stream.makeAsyncIterator()
    _ = await it.next()
    sources.forEach { $0.cancel() }
}
