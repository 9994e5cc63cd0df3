import Foundation

/// Vectorised element-wise functions: activations run over tokens × d_mlp values per layer,
/// where a scalar `expf`/`erff` per value costs as much as the matrix products around them.
/// Each has a scalar twin in ``ReferenceKernels`` that the tests compare against.
extension Kernels {
    /// e^x for 8 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by Cephes' degree-6 polynomial
    /// (relative error ~2e-7), 2^n built in the exponent bits. Inputs are clamped to [-87, 88].
    @inlinable
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let lo = SIMD8<Float>(repeating: -87), hi = SIMD8<Float>(repeating: 88)
        var x = x.replacing(with: lo, where: x .< lo)
        x.replace(with: hi, where: x .> hi)
        // Adding 1.5·2^23 rounds x·log2(e) to an integer n held in the low mantissa bits.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = x * 1.442695040888963 + magic
        let n = t - magic
        var r = x
        r.addProduct(n, SIMD8(repeating: -0.693359375))
        r.addProduct(n, SIMD8(repeating: 2.12194440e-4))
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * (r * r) + r + 1
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return er * unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// erf(x) for 8 lanes by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7).
    @inlinable
    public static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (a * 0.3275911 + 1)
        var p = SIMD8<Float>(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let y = 1 - p * t * Self.exp(-(a * a))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// x[i] = GELU(x[i]) = x/2 · (1 + erf(x/√2)), in place.
    public static func geluErf(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let g = 0.5 * v * (1 + erf(v * 0.7071067811865476))
            raw.storeBytes(of: g, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { x[i] = Kernels.geluErf(x[i]); i += 1 }
    }

    /// tanh(x) for 8 lanes as 1 − 2 / (e^{2x} + 1).
    @inlinable
    public static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
        1 - 2 / (Self.exp(2 * x) + 1)
    }

    /// x[i] = GELU with the tanh approximation, in place (`gelu_new`, `gelu_pytorch_tanh`).
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let raw = UnsafeMutableRawPointer(x)
        var i = 0
        while i + 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let g = 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            raw.storeBytes(of: g, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { x[i] = Kernels.geluTanh(x[i]); i += 1 }
    }

    /// gate[i] = silu(gate[i]) · up[i]  (SwiGLU), in place in `gate`.
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        var i = 0
        while i + 8 <= n {
            let v = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let w = u.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            g.storeBytes(of: v / (1 + exp(-v)) * w, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i]; i += 1 }
    }

    /// gate[i] = geluTanh(gate[i]) · up[i]  (GeGLU), in place in `gate`.
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
        geluTanh(gate, count: n)
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        var i = 0
        while i + 8 <= n {
            let v = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            g.storeBytes(of: v * u.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { gate[i] *= up[i]; i += 1 }
    }

    /// x[i] = max(0, x[i]), in place.
    public static func relu(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n where x[i] < 0 { x[i] = 0 }
    }

    /// Numerically stable softmax of `n` values in place, with the vectorised exponential.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        guard n > 0 else { return }
        var m = -Float.infinity
        for i in 0..<n where x[i] > m { m = x[i] }
        let raw = UnsafeMutableRawPointer(x)
        let vm = SIMD8<Float>(repeating: m)
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let e = Self.exp(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - vm)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: SIMD8<Float>.self)
            acc += e
            i += 8
        }
        var s = acc.sum()
        while i < n { let e = expf(x[i] - m); x[i] = e; s += e; i += 1 }
        Kernels.scale(x, by: 1 / s, count: n)
    }
}
