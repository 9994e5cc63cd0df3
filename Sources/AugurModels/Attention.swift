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

    /// Score matrices through BLAS, heads in parallel (prefill).
    static func blocked(q: UnsafePointer<Float>, rows: Int, start: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int?) {
        let qDim = heads * headDim, kvDim = kvHeads * headDim, group = heads / kvHeads
        let total = start + rows
        let workers = min(heads, augurThreadCount)
        let scores = FloatBuffer(count: workers * rows * total)
        nonisolated(unsafe) let (q, keys, values, out, base) = (q, keys, values, out, scores.pointer)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let sp = base + w * rows * total
            for h in stride(from: w, to: heads, by: workers) {
                let g = h / group
                // scores[t][j] = scale · q[t,h] · k[j,g]
                BLAS.matmulTransposedB(q + h * headDim, keys + g * headDim, sp, m: rows, n: total, k: headDim,
                                       lda: qDim, ldb: kvDim, ldc: total, alpha: scale, parallel: false)
                for t in 0..<rows {
                    let row = sp + t * total
                    let r = range(start + t, window: window)
                    Kernels.softmax(row + r.lowerBound, count: r.count)
                    if r.lowerBound > 0 { row.update(repeating: 0, count: r.lowerBound) }
                    if r.upperBound < total { (row + r.upperBound).update(repeating: 0, count: total - r.upperBound) }
                }
                // out[t,h] = scores[t] · V[:, g]
                BLAS.matmul(sp, values + g * headDim, out + h * headDim, m: rows, n: headDim, k: total,
                            lda: total, ldb: kvDim, ldc: qDim, parallel: false)
            }
        }
    }
}
