import Dispatch
import AugurTensor

/// Causal (optionally sliding-window) grouped-query attention over a KV cache.
enum Attention {
    /// Rows at or above which scores are computed with BLAS, head by head.
    static let blasRowThreshold = 8

    /// For each of `rows` queries at positions start..<start+rows:
    /// out[t, h] = Σ_j softmax_j(scale · q[t, h] · k[j, g(h)]) v[j, g(h)] over allowed j.
    ///
    /// - q, out: [rows, heads × headDim]; keys, values: [≥ start+rows, kvHeads × headDim].
    /// - window: if set, position p sees keys in (p − window, p].
    static func run(q: UnsafePointer<Float>, rows: Int, start: Int,
                    keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                    out: UnsafeMutablePointer<Float>, heads: Int, kvHeads: Int, headDim: Int,
                    scale: Float, window: Int?) {
        if rows >= blasRowThreshold {
            blocked(q: q, rows: rows, start: start, keys: keys, values: values, out: out, heads: heads,
                    kvHeads: kvHeads, headDim: headDim, scale: scale, window: window)
        } else {
            direct(q: q, rows: rows, start: start, keys: keys, values: values, out: out, heads: heads,
                   kvHeads: kvHeads, headDim: headDim, scale: scale, window: window)
        }
    }

    /// The keys position `p` may attend to.
    @inline(__always)
    static func range(_ p: Int, window: Int?) -> Range<Int> {
        let lo = window.map { max(0, p - $0 + 1) } ?? 0
        return lo..<(p + 1)
    }

    /// Per-query loops, parallel over heads (decode and short prompts).
    static func direct(q: UnsafePointer<Float>, rows: Int, start: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                       out: UnsafeMutablePointer<Float>, heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int?) {
        let qDim = heads * headDim, kvDim = kvHeads * headDim, group = heads / kvHeads
        let total = start + rows
        nonisolated(unsafe) let (q, keys, values, out) = (q, keys, values, out)
        parallelChunks(heads * rows, minChunk: 2) { s, e in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: total) { scores in
                let sp = scores.baseAddress!
                for item in s..<e {
                    let h = item % heads, t = item / heads
                    let g = h / group, p = start + t
                    let qh = q + t * qDim + h * headDim
                    let keyRange = range(p, window: window)
                    for j in keyRange {
                        sp[j] = scale * Kernels.dot(qh, keys + j * kvDim + g * headDim, count: headDim)
                    }
                    Kernels.softmax(sp + keyRange.lowerBound, count: keyRange.count)
                    let oh = out + t * qDim + h * headDim
                    oh.update(repeating: 0, count: headDim)
                    for j in keyRange {
                        Kernels.axpy(sp[j], values + j * kvDim + g * headDim, oh, count: headDim)
                    }
                }
            }
        }
    }

    /// Query rows per tile in ``blocked``: bounds the score buffer to tile × positions per worker.
    static let queryTile = 256

    /// Score matrices through BLAS, heads in parallel, queries in tiles (prefill).
    static func blocked(q: UnsafePointer<Float>, rows: Int, start: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int?) {
        let qDim = heads * headDim, kvDim = kvHeads * headDim, group = heads / kvHeads
        let tile = min(rows, queryTile)
        let workers = min(heads, augurThreadCount)
        let scores = FloatBuffer(count: workers * tile * (start + rows))
        nonisolated(unsafe) let (q, keys, values, out, base) = (q, keys, values, out, scores.pointer)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for t0 in stride(from: 0, to: rows, by: tile) {
                let n = min(tile, rows - t0)
                // Keys visible to the tile's last query; the first visible key of its first query.
                let total = start + t0 + n
                let first = window.map { max(0, start + t0 - $0 + 1) } ?? 0
                let span = total - first
                let sp = base + w * tile * (start + rows)
                for h in stride(from: w, to: heads, by: workers) {
                    let g = h / group
                    let qh = q + t0 * qDim + h * headDim
                    // scores[t][j] = scale · q[t,h] · k[first + j, g]
                    BLAS.matmulTransposedB(qh, keys + first * kvDim + g * headDim, sp, m: n, n: span, k: headDim,
                                           lda: qDim, ldb: kvDim, ldc: span, alpha: scale, parallel: false)
                    for t in 0..<n {
                        let row = sp + t * span
                        let r = range(start + t0 + t, window: window)
                        let lo = r.lowerBound - first, hi = r.upperBound - first
                        Kernels.softmax(row + lo, count: hi - lo)
                        if lo > 0 { row.update(repeating: 0, count: lo) }
                        if hi < span { (row + hi).update(repeating: 0, count: span - hi) }
                    }
                    // out[t,h] = scores[t] · V[first..., g]
                    BLAS.matmul(sp, values + first * kvDim + g * headDim, out + t0 * qDim + h * headDim, m: n, n: headDim,
                                k: span, lda: span, ldb: kvDim, ldc: qDim, parallel: false)
                }
            }
        }
    }
}
