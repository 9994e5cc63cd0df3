import Foundation
import Testing
@testable import AugurTensor

/// Deterministic pseudo-random floats in [-1, 1).
func randomFloats(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<n).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: s >> 11) % 2_000_000) / 1_000_000 - 1
    }
}

@Suite struct KernelTests {
    @Test(arguments: [1, 7, 8, 31, 32, 33, 64, 576, 1000])
    func dotMatchesReference(n: Int) {
        let a = randomFloats(n, seed: 1), b = randomFloats(n, seed: 2)
        let fast = Kernels.dot(a, b, count: n)
        let ref = ReferenceKernels.dot(a, b, count: n)
        #expect(abs(fast - ref) <= 1e-5 * Float(n).squareRoot() + 1e-6)
    }

    @Test(arguments: [0 as Float, 1])
    func rmsNormMatchesReference(offset: Float) {
        let n = 576, rows = 3
        let x = randomFloats(n * rows, seed: 3), w = randomFloats(n, seed: 4)
        var fast = [Float](repeating: 0, count: n * rows), ref = fast
        Kernels.rmsNorm(x, weight: w, into: &fast, rows: rows, count: n, eps: 1e-5, weightOffset: offset)
        for r in 0..<rows {
            x.withUnsafeBufferPointer { xp in
                ref.withUnsafeMutableBufferPointer { rp in
                    ReferenceKernels.rmsNorm(xp.baseAddress! + r * n, weight: w, into: rp.baseAddress! + r * n,
                                             count: n, eps: 1e-5, weightOffset: offset)
                }
            }
        }
        for i in 0..<(n * rows) { #expect(abs(fast[i] - ref[i]) <= 1e-5 * max(1, abs(ref[i]))) }
    }

    @Test func axpyAndAdd() {
        let x = randomFloats(37, seed: 5)
        var y = randomFloats(37, seed: 6)
        let y0 = y
        Kernels.axpy(0.5, x, &y, count: 37)
        for i in 0..<37 { #expect(abs(y[i] - (y0[i] + 0.5 * x[i])) < 1e-6) }
    }

    @Test func softmaxIsADistributionAndStable() {
        var x: [Float] = [1000, 1001, 999, -50]
        Kernels.softmax(&x, count: 4)
        #expect(abs(x.reduce(0, +) - 1) < 1e-6)
        #expect(x[1] > x[0] && x[0] > x[2] && x[3] < 1e-20)
    }

    @Test func swigluAndGelu() {
        var g: [Float] = [-2, 0, 1.5]
        let u: [Float] = [3, 4, -1]
        Kernels.swiglu(&g, u, count: 3)
        let silu: (Float) -> Float = { $0 / (1 + exp(-$0)) }
        #expect(abs(g[0] - silu(-2) * 3) < 1e-6 && g[1] == 0 && abs(g[2] - silu(1.5) * -1) < 1e-6)
        #expect(abs(Kernels.geluTanh(1) - 0.841192) < 1e-5)
        #expect(abs(Kernels.geluErf(1) - 0.841345) < 1e-5)
    }

    /// The vectorised activations against their Double-precision references, over a wide range.
    @Test func vectorActivationsMatchReference() {
        let n = 1003
        let x = randomFloats(n, seed: 11).map { $0 * 12 }, up = randomFloats(n, seed: 12)
        var s = x, gg = x, te = x, ge = x
        Kernels.swiglu(&s, up, count: n)
        Kernels.geglu(&gg, up, count: n)
        Kernels.geluTanh(&te, count: n)
        Kernels.geluErf(&ge, count: n)
        for i in 0..<n {
            #expect(abs(s[i] - ReferenceKernels.swiglu(x[i], up[i])) <= 1e-5 * max(1, abs(s[i])))
            #expect(abs(gg[i] - ReferenceKernels.geluTanh(x[i]) * up[i]) <= 1e-5 * max(1, abs(gg[i])))
            #expect(abs(te[i] - ReferenceKernels.geluTanh(x[i])) <= 1e-5 * max(1, abs(te[i])))
            #expect(abs(ge[i] - ReferenceKernels.geluErf(x[i])) <= 1e-5 * max(1, abs(ge[i])))
        }
        var a = randomFloats(77, seed: 13).map { $0 * 30 }, b = a
        Kernels.softmax(&a, count: 77)
        ReferenceKernels.softmax(&b, count: 77)
        for i in 0..<77 { #expect(abs(a[i] - b[i]) <= 1e-6) }
    }

    /// Normal-mode RoPE on a vector whose pairs were interleaved equals NeoX-mode RoPE on the
    /// original: the identity behind GGUF's permuted llama Q/K weights.
    @Test func ropeModesAgreeUnderPermutation() {
        let hd = 64
        let v = randomFloats(hd, seed: 7)
        var interleaved = [Float](repeating: 0, count: hd)
        for i in 0..<(hd / 2) { interleaved[2 * i] = v[i]; interleaved[2 * i + 1] = v[i + hd / 2] }
        var neox = v
        RoPE(headDim: hd, theta: 10000, mode: .neox).apply(&neox, heads: 1, position: 37)
        RoPE(headDim: hd, theta: 10000, mode: .normal).apply(&interleaved, heads: 1, position: 37)
        for i in 0..<(hd / 2) {
            #expect(abs(interleaved[2 * i] - neox[i]) < 1e-5)
            #expect(abs(interleaved[2 * i + 1] - neox[i + hd / 2]) < 1e-5)
        }
        // Position 0 is the identity; rotation preserves the norm.
        var p0 = v
        RoPE(headDim: hd, theta: 10000, mode: .neox).apply(&p0, heads: 1, position: 0)
        #expect(p0 == v)
        #expect(abs(Kernels.dot(neox, neox, count: hd) - Kernels.dot(v, v, count: hd)) < 1e-4)
    }

    @Test func sgemmMatchesNaiveProduct() {
        let m = 5, n = 7, k = 9
        let a = randomFloats(m * k, seed: 8), b = randomFloats(n * k, seed: 9)
        var c = [Float](repeating: 0, count: m * n)
        BLAS.matmulTransposedB(a, b, &c, m: m, n: n, k: k)
        for i in 0..<m {
            for j in 0..<n {
                let ref = ReferenceKernels.dot(Array(a[(i * k)...]), Array(b[(j * k)...]), count: k)
                #expect(abs(c[i * n + j] - ref) < 1e-5)
            }
        }
    }

    @Test(arguments: [0, 1, 2, 3, 17, 1000])
    func parallelChunksCoverRangeOnce(count: Int) {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
        hits.initialize(repeating: 0, count: max(count, 1))
        defer { hits.deallocate() }
        nonisolated(unsafe) let h = hits
        parallelChunks(count) { s, e in for i in s..<e { h[i] += 1 } }
        for i in 0..<count { #expect(hits[i] == 1) }
    }
}
