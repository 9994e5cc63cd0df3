import Foundation

/// Fast vector kernels (SIMD, FMA). Each has a twin in ``ReferenceKernels`` where the fast
/// version reorders arithmetic; the tests compare the two.
public enum Kernels {
    /// sum_i a[i] * b[i] with 4 × 8-lane FMA accumulators.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= n {
            acc0.addProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                            rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            acc1.addProduct(ra.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self),
                            rb.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self))
            acc2.addProduct(ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD8<Float>.self),
                            rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD8<Float>.self))
            acc3.addProduct(ra.loadUnaligned(fromByteOffset: (i + 24) * 4, as: SIMD8<Float>.self),
                            rb.loadUnaligned(fromByteOffset: (i + 24) * 4, as: SIMD8<Float>.self))
            i += 32
        }
        while i + 8 <= n {
            acc0.addProduct(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self),
                            rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var s = ((acc0 + acc1) + (acc2 + acc3)).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// y[i] += alpha * x[i].
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        let va = SIMD8<Float>(repeating: alpha)
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        while i + 8 <= n {
            var v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            v.addProduct(va, rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }

    /// y[i] += x[i].
    @inlinable
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        axpy(1, x, y, count: n)
    }

    /// y[i] *= alpha.
    @inlinable
    public static func scale(_ y: UnsafeMutablePointer<Float>, by alpha: Float, count n: Int) {
        for i in 0..<n { y[i] *= alpha }
    }

    /// out = x / sqrt(mean(x²) + eps) * (weight + weightOffset) for `rows` rows of `n`.
    /// `weightOffset` is 1 for Gemma's (1 + w) convention. `out` may alias `x`.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                               rows: Int = 1, count n: Int, eps: Float, weightOffset: Float = 0) {
        for r in 0..<rows {
            let xr = x + r * n, orow = out + r * n
            let ss = dot(xr, xr, count: n)
            let scale = 1 / (ss / Float(n) + eps).squareRoot()
            if weightOffset == 0 {
                for i in 0..<n { orow[i] = xr[i] * scale * weight[i] }
            } else {
                for i in 0..<n { orow[i] = xr[i] * scale * (weight[i] + weightOffset) }
            }
        }
    }

    /// GELU with the tanh approximation.
    @inlinable
    public static func geluTanh(_ x: Float) -> Float {
        0.5 * x * (1 + tanhf(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }

    /// GELU with the exact erf form.
    @inlinable
    public static func geluErf(_ x: Float) -> Float {
        0.5 * x * (1 + erff(x * 0.7071067811865476))
    }
}
