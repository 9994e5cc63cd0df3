import Testing
@testable import AugurTensor

@Suite struct LayerNormTests {
    @Test(arguments: [1, 7, 8, 33, 384, 1000])
    func layerNormMatchesReference(n: Int) {
        let rows = 3
        // An offset mean, so a one-pass variance would lose precision.
        let x = randomFloats(n * rows, seed: 5).map { $0 * 3 + 20 }
        let w = randomFloats(n, seed: 6), b = randomFloats(n, seed: 7)
        var fast = [Float](repeating: 0, count: n * rows)
        Kernels.layerNorm(x, weight: w, bias: b, into: &fast, rows: rows, count: n, eps: 1e-12)
        for r in 0..<rows {
            var ref = [Float](repeating: 0, count: n)
            x.withUnsafeBufferPointer { xp in
                ReferenceKernels.layerNorm(xp.baseAddress! + r * n, weight: w, bias: b, into: &ref, count: n, eps: 1e-12)
            }
            for i in 0..<n {
                #expect(abs(fast[r * n + i] - ref[i]) <= 2e-5 * (1 + abs(ref[i])), "row \(r) element \(i)")
            }
        }
    }

    @Test func layerNormInPlace() {
        let n = 384
        var x = randomFloats(n, seed: 8)
        let w = [Float](repeating: 1, count: n), b = [Float](repeating: 0, count: n)
        x.withUnsafeMutableBufferPointer { p in
            Kernels.layerNorm(p.baseAddress!, weight: w, bias: b, into: p.baseAddress!, count: n, eps: 1e-12)
        }
        let mean = x.reduce(0, +) / Float(n)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)
        #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-4)
    }
}
