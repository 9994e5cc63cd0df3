import Dispatch
import Foundation

/// The number of worker threads Augur's own kernels use (the machine's active cores).
public let augurThreadCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `body(chunkStart, chunkEnd)` over `0..<count` split into contiguous chunks, one per
/// worker (at most `augurThreadCount`), and returns when all chunks are done.
///
/// `minChunk` keeps tiny ranges on the calling thread, where dispatch would cost more than the work.
@inlinable
public func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (Int, Int) -> Void) {
    guard count > 0 else { return }
    let workers = min(augurThreadCount, max(1, count / max(1, minChunk)))
    if workers == 1 {
        body(0, count)
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = count * w / workers
            let end = count * (w + 1) / workers
            if start < end { body(start, end) }
        }
    }
}
