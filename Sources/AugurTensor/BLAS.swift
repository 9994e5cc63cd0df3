import CBLAS

/// Matrix products through OpenBLAS. All matrices are row-major f32.
public enum BLAS {
    /// C[m][n] = alpha * sum_k A[m][k] * B[n][k] + beta * C[m][n]  (A · Bᵀ, the shape of `x · Wᵀ`).
    ///
    /// `lda`, `ldb`, `ldc` are row strides in elements (default: tightly packed).
    @inlinable
    public static func matmulTransposedB(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda ?? k), b, Int32(ldb ?? k), beta, c, Int32(ldc ?? n))
    }

    /// C[m][n] = alpha * sum_k A[m][k] * B[k][n] + beta * C[m][n]  (A · B).
    @inlinable
    public static func matmul(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda ?? k), b, Int32(ldb ?? n), beta, c, Int32(ldc ?? n))
    }

    /// C[m][n] = alpha * sum_k A[k][m] * B[k][n] + beta * C  (Aᵀ · B), used by SAE gradients.
    @inlinable
    public static func matmulTransposedA(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    alpha, a, Int32(lda ?? m), b, Int32(ldb ?? n), beta, c, Int32(ldc ?? n))
    }

    /// Sets the number of threads OpenBLAS uses for its own calls.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}
