import CBLAS

/// Matrix products through OpenBLAS. All matrices are row-major f32.
///
/// OpenBLAS runs single-threaded; large products are split across Augur's own workers
/// (``parallelChunks(_:minChunk:_:)``), so one thread pool owns the cores and BLAS threads
/// never spin against ours (DESIGN.md §5).
public enum BLAS {
    /// Products below this many multiply-adds run on the calling thread.
    public static let parallelThreshold = 1 << 21

    /// Makes OpenBLAS single-threaded, once.
    static let configured: Void = openblas_set_num_threads(1)

    /// C[m][n] = alpha * sum_k A[m][k] * B[n][k] + beta * C[m][n]  (A · Bᵀ, the shape of `x · Wᵀ`).
    ///
    /// `lda`, `ldb`, `ldc` are row strides in elements (default: tightly packed). `parallel: false`
    /// keeps the call on this thread (for callers that already parallelise).
    public static func matmulTransposedB(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0, parallel: Bool = true
    ) {
        guard m > 0, n > 0 else { return }
        let (lda, ldb, ldc) = (lda ?? k, ldb ?? k, ldc ?? n)
        split(m: m, n: n, k: k, parallel: parallel) { m0, m1, n0, n1 in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m1 - m0), Int32(n1 - n0), Int32(k),
                        alpha, a + m0 * lda, Int32(lda), b + n0 * ldb, Int32(ldb), beta, c + m0 * ldc + n0, Int32(ldc))
        }
    }

    /// C[m][n] = alpha * sum_k A[m][k] * B[k][n] + beta * C[m][n]  (A · B).
    public static func matmul(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0, parallel: Bool = true
    ) {
        guard m > 0, n > 0 else { return }
        let (lda, ldb, ldc) = (lda ?? k, ldb ?? n, ldc ?? n)
        split(m: m, n: n, k: k, parallel: parallel) { m0, m1, n0, n1 in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m1 - m0), Int32(n1 - n0), Int32(k),
                        alpha, a + m0 * lda, Int32(lda), b + n0, Int32(ldb), beta, c + m0 * ldc + n0, Int32(ldc))
        }
    }

    /// C[m][n] = alpha * sum_k A[k][m] * B[k][n] + beta * C  (Aᵀ · B), used by SAE gradients.
    public static func matmulTransposedA(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0, parallel: Bool = true
    ) {
        guard m > 0, n > 0 else { return }
        let (lda, ldb, ldc) = (lda ?? m, ldb ?? n, ldc ?? n)
        split(m: m, n: n, k: k, parallel: parallel) { m0, m1, n0, n1 in
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m1 - m0), Int32(n1 - n0), Int32(k),
                        alpha, a + m0, Int32(lda), b + n0, Int32(ldb), beta, c + m0 * ldc + n0, Int32(ldc))
        }
    }

    /// Runs `body(m0, m1, n0, n1)` over blocks of the output: the whole of it for small products,
    /// otherwise one block per worker, split along the larger of m and n.
    private static func split(m: Int, n: Int, k: Int, parallel: Bool, _ body: (Int, Int, Int, Int) -> Void) {
        _ = configured
        guard parallel, augurThreadCount > 1, m * n * k >= parallelThreshold else {
            body(0, m, 0, n)
            return
        }
        if n >= m {
            parallelChunks(n, minChunk: 16) { s, e in body(0, m, s, e) }
        } else {
            parallelChunks(m, minChunk: 4) { s, e in body(s, e, 0, n) }
        }
    }
}
