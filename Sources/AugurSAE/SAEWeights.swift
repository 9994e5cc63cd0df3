import AugurTensor

/// The affine maps shared by every SAE: encoder `W_enc` [n, d] (row per latent, sparsify layout),
/// `b_enc` [n], decoder `W_dec` [n, d], `b_dec` [d].
///
/// Pre-activations are `W_enc (x − b_dec) + b_enc` when `subtractDecoderBias` (sparsify, SAELens
/// default), else `W_enc x + b_enc` (Gemma Scope).
public struct SAEWeights: Sendable {
    public var dIn: Int
    public var numLatents: Int
    /// Encoder rows, numLatents × dIn.
    public var wEnc: [Float]
    public var bEnc: [Float]
    /// Decoder rows, numLatents × dIn.
    public var wDec: [Float]
    public var bDec: [Float]
    public var subtractDecoderBias: Bool

    /// Checks that every array has the size `dIn` and `numLatents` imply.
    public init(dIn: Int, numLatents: Int, wEnc: [Float], bEnc: [Float], wDec: [Float], bDec: [Float],
                subtractDecoderBias: Bool = true) throws(SAEError) {
        guard dIn > 0, numLatents > 0 else { throw .invalidShape("d_in \(dIn), num_latents \(numLatents)") }
        guard wEnc.count == numLatents * dIn else { throw .invalidShape("W_enc has \(wEnc.count) floats, want \(numLatents)×\(dIn)") }
        guard wDec.count == numLatents * dIn else { throw .invalidShape("W_dec has \(wDec.count) floats, want \(numLatents)×\(dIn)") }
        guard bEnc.count == numLatents else { throw .invalidShape("b_enc has \(bEnc.count) floats, want \(numLatents)") }
        guard bDec.count == dIn else { throw .invalidShape("b_dec has \(bDec.count) floats, want \(dIn)") }
        self.dIn = dIn
        self.numLatents = numLatents
        self.wEnc = wEnc
        self.bEnc = bEnc
        self.wDec = wDec
        self.bDec = bDec
        self.subtractDecoderBias = subtractDecoderBias
    }

    /// Rows processed per block by the batched encoders (bounds the pre-activation scratch).
    static let blockRows = 512

    /// Pre-activations of `rows` rows into `out` (rows × numLatents), through BLAS.
    public func preactivations(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let n = numLatents, d = dIn
        for r in 0..<rows { (out + r * n).update(from: bEnc, count: n) }
        wEnc.withUnsafeBufferPointer { w in
            if subtractDecoderBias {
                var xc = [Float](repeating: 0, count: rows * d)
                for r in 0..<rows { for j in 0..<d { xc[r * d + j] = x[r * d + j] - bDec[j] } }
                xc.withUnsafeBufferPointer {
                    BLAS.matmulTransposedB($0.baseAddress!, w.baseAddress!, out, m: rows, n: n, k: d, beta: 1)
                }
            } else {
                BLAS.matmulTransposedB(x, w.baseAddress!, out, m: rows, n: n, k: d, beta: 1)
            }
        }
    }

    /// x = latents · W_dec + b_dec for dense latents (rows × numLatents).
    public func decode(_ latents: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        for r in 0..<rows { (x + r * dIn).update(from: bDec, count: dIn) }
        wDec.withUnsafeBufferPointer {
            BLAS.matmul(latents, $0.baseAddress!, x, m: rows, n: dIn, k: numLatents, beta: 1)
        }
    }

    /// Decoder row `latent`.
    public func decoderRow(_ latent: Int) -> [Float] {
        Array(wDec[latent * dIn ..< (latent + 1) * dIn])
    }

    /// Runs `select(preRow, sparseOut)` on every row's pre-activations, blockwise, rows in parallel.
    func encodeSparse(_ x: UnsafePointer<Float>, rows: Int,
                      select: @escaping (UnsafePointer<Float>, inout [(latent: Int32, value: Float)]) -> Void)
        -> [[(latent: Int32, value: Float)]] {
        var result = [[(latent: Int32, value: Float)]](repeating: [], count: rows)
        let n = numLatents
        var pre = [Float](repeating: 0, count: min(rows, Self.blockRows) * n)
        var start = 0
        while start < rows {
            let count = min(Self.blockRows, rows - start)
            pre.withUnsafeMutableBufferPointer { p in
                preactivations(x + start * dIn, rows: count, into: p.baseAddress!)
            }
            pre.withUnsafeBufferPointer { p in
                result.withUnsafeMutableBufferPointer { res in
                    let pBase = p.baseAddress!, rBase = res.baseAddress!
                    parallelChunks(count, minChunk: 16) { s, e in
                        for r in s..<e { select(pBase + r * n, &rBase[start + r]) }
                    }
                }
            }
            start += count
        }
        return result
    }
}

/// Writes the `k` largest entries of `values` (only those above `floor`) into `out`, descending.
@inline(__always)
func topK(_ values: UnsafePointer<Float>, count: Int, k: Int, above floor: Float,
          into out: inout [(latent: Int32, value: Float)]) {
    out.removeAll(keepingCapacity: true)
    guard k > 0 else { return }
    out.reserveCapacity(k)
    for i in 0..<count {
        let v = values[i]
        if out.count < k {
            guard v > floor else { continue }
        } else {
            guard v > out[k - 1].value else { continue }
        }
        var pos = out.count
        while pos > 0 && out[pos - 1].value < v { pos -= 1 }
        if out.count == k { out.removeLast() }
        out.insert((Int32(i), v), at: pos)
    }
}

/// The entries of `values` above the threshold(s), descending.
@inline(__always)
func aboveThreshold(_ values: UnsafePointer<Float>, count: Int, threshold: (Int) -> Float,
                    into out: inout [(latent: Int32, value: Float)]) {
    out.removeAll(keepingCapacity: true)
    for i in 0..<count where values[i] > threshold(i) && values[i] > 0 { out.append((Int32(i), values[i])) }
    out.sort { $0.value > $1.value }
}

/// Dense form of sparse rows.
func scatter(_ sparse: [[(latent: Int32, value: Float)]], width: Int, into out: UnsafeMutablePointer<Float>) {
    out.update(repeating: 0, count: sparse.count * width)
    for (r, row) in sparse.enumerated() { for e in row { out[r * width + Int(e.latent)] = e.value } }
}
