extension Kernels {
    /// out = (x - mean) / sqrt(var + eps) * weight + bias for `rows` rows of `n` (BERT's
    /// LayerNorm), with 8-lane SIMD sums in two passes (mean, then centred variance).
    /// `out` may alias `x`. Compared with ``ReferenceKernels/layerNorm(_:weight:bias:into:count:eps:)`` in the tests.
    public static func layerNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 into out: UnsafeMutablePointer<Float>, rows: Int = 1, count n: Int, eps: Float) {
        guard n > 0 else { return }
        let rw = UnsafeRawPointer(weight), rb = UnsafeRawPointer(bias)
        for r in 0..<rows {
            let xr = x + r * n, orow = out + r * n
            let rx = UnsafeRawPointer(xr), ro = UnsafeMutableRawPointer(orow)
            var acc = SIMD8<Float>()
            var i = 0
            while i + 8 <= n {
                acc += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            var sum = acc.sum()
            while i < n { sum += xr[i]; i += 1 }
            let mean = sum / Float(n)
            let vm = SIMD8<Float>(repeating: mean)
            var vacc = SIMD8<Float>()
            i = 0
            while i + 8 <= n {
                let d = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - vm
                vacc.addProduct(d, d)
                i += 8
            }
            var ss = vacc.sum()
            while i < n { let d = xr[i] - mean; ss += d * d; i += 1 }
            let inv = 1 / (ss / Float(n) + eps).squareRoot()
            let vi = SIMD8<Float>(repeating: inv)
            i = 0
            while i + 8 <= n {
                let d = (rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - vm) * vi
                var y = rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                y.addProduct(d, rw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
                ro.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
                i += 8
            }
            while i < n { orow[i] = (xr[i] - mean) * inv * weight[i] + bias[i]; i += 1 }
        }
    }
}
