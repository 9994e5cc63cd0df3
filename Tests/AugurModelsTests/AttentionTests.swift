import AugurTensor
import Testing
@testable import AugurModels

/// The BLAS-tiled prefill attention against the per-query loops.
@Suite struct AttentionTests {
    func random(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    @Test(arguments: [nil, 37] as [Int?])
    func blockedEqualsDirect(window: Int?) {
        let rows = 300, start = 5, heads = 4, kvHeads = 2, hd = 16
        let q = random(rows * heads * hd, seed: 1)
        let k = random((start + rows) * kvHeads * hd, seed: 2), v = random((start + rows) * kvHeads * hd, seed: 3)
        var a = [Float](repeating: 0, count: rows * heads * hd), b = a
        Attention.blocked(q: q, rows: rows, start: start, keys: k, values: v, out: &a, heads: heads, kvHeads: kvHeads,
                          headDim: hd, scale: 0.25, window: window)
        Attention.direct(q: q, rows: rows, start: start, keys: k, values: v, out: &b, heads: heads, kvHeads: kvHeads,
                         headDim: hd, scale: 0.25, window: window)
        for i in a.indices { #expect(abs(a[i] - b[i]) < 1e-5) }
    }
}
