import AugurTensor
import Foundation

/// The post-LayerNorm BERT encoder over a packed batch of sequences.
///
/// The sequences of a batch are laid end to end as rows of one [tokens, hidden] matrix, so every
/// linear layer is a single BLAS product over all of them with no padding rows; attention is the
/// only step that mixes rows, and it runs per sequence over that sequence's own keys — the
/// same result a padded batch gets from its attention mask.
struct BERTEncoder: Sendable {
    let config: BERTConfig
    let weights: BERTWeights

    /// Hidden states after the last layer, [sum of lengths, hidden], for `sequences` (token ids,
    /// each at most `config.maxPositions` long and within the vocabulary).
    func hiddenStates(_ sequences: [[Int32]]) -> FloatBuffer {
        let c = config, w = weights
        let h = c.hiddenSize, ff = c.intermediateSize
        var offsets = [0]
        for s in sequences { offsets.append(offsets[offsets.count - 1] + s.count) }
        let n = offsets[offsets.count - 1]
        let x = FloatBuffer(count: n * h)
        let qkv = FloatBuffer(count: n * 3 * h)
        let context = FloatBuffer(count: n * h)
        let projected = FloatBuffer(count: n * h)
        let inner = FloatBuffer(count: n * ff)

        // Embeddings: word + position + token type 0, then LayerNorm.
        for (s, ids) in sequences.enumerated() {
            for (t, id) in ids.enumerated() {
                let row = x.pointer + (offsets[s] + t) * h
                row.update(from: w.wordEmbeddings.pointer + Int(id) * h, count: h)
                Kernels.add(w.positionEmbeddings.pointer + t * h, into: row, count: h)
                Kernels.add(w.tokenType0.pointer, into: row, count: h)
            }
        }
        layerNorm(x.pointer, rows: n, weight: w.embedNormWeight, bias: w.embedNormBias)

        for layer in w.layers {
            linear(x.pointer, rows: n, inFeatures: h, weight: layer.qkv, bias: layer.qkvBias, outFeatures: 3 * h, into: qkv.pointer)
            attention(qkv: qkv.pointer, offsets: offsets, into: context.pointer)
            linear(context.pointer, rows: n, inFeatures: h, weight: layer.attnOut, bias: layer.attnOutBias, outFeatures: h, into: projected.pointer)
            addAndNorm(x.pointer, projected.pointer, rows: n, weight: layer.attnNormWeight, bias: layer.attnNormBias)
            linear(x.pointer, rows: n, inFeatures: h, weight: layer.up, bias: layer.upBias, outFeatures: ff, into: inner.pointer)
            activate(inner.pointer, count: n * ff)
            linear(inner.pointer, rows: n, inFeatures: ff, weight: layer.down, bias: layer.downBias, outFeatures: h, into: projected.pointer)
            addAndNorm(x.pointer, projected.pointer, rows: n, weight: layer.outNormWeight, bias: layer.outNormBias)
        }
        return x
    }

    /// out[rows, outFeatures] = x · weightᵀ + bias (bias copied into every row, then one GEMM with beta 1).
    private func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: FloatBuffer, bias: FloatBuffer,
                        outFeatures: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows { (out + r * outFeatures).update(from: bias.pointer, count: outFeatures) }
        BLAS.matmulTransposedB(x, weight.pointer, out, m: rows, n: outFeatures, k: inFeatures, beta: 1)
    }

    private func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, weight: FloatBuffer, bias: FloatBuffer) {
        let h = config.hiddenSize, eps = config.layerNormEps
        nonisolated(unsafe) let x = x
        parallelChunks(rows, minChunk: 64) { start, end in
            Kernels.layerNorm(x + start * h, weight: weight.pointer, bias: bias.pointer, into: x + start * h,
                              rows: end - start, count: h, eps: eps)
        }
    }

    /// x = LayerNorm(x + y), row by row.
    private func addAndNorm(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
                            weight: FloatBuffer, bias: FloatBuffer) {
        let h = config.hiddenSize, eps = config.layerNormEps
        nonisolated(unsafe) let x = x
        nonisolated(unsafe) let y = y
        parallelChunks(rows, minChunk: 64) { start, end in
            Kernels.add(y + start * h, into: x + start * h, count: (end - start) * h)
            Kernels.layerNorm(x + start * h, weight: weight.pointer, bias: bias.pointer, into: x + start * h,
                              rows: end - start, count: h, eps: eps)
        }
    }

    private func activate(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let activation = config.activation
        nonisolated(unsafe) let x = x
        parallelChunks(count, minChunk: 1 << 14) { start, end in
            switch activation {
            case .gelu: Kernels.geluErf(x + start, count: end - start)
            case .geluTanh: Kernels.geluTanh(x + start, count: end - start)
            case .relu: Kernels.relu(x + start, count: end - start)
            }
        }
    }

    /// Scaled dot-product attention of each sequence over its own tokens, every head; `qkv` rows
    /// are [q | k | v], the output rows are the heads' contexts side by side.
    private func attention(qkv: UnsafePointer<Float>, offsets: [Int], into out: UnsafeMutablePointer<Float>) {
        let h = config.hiddenSize, heads = config.heads, d = config.headDim
        let stride = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let sequences = offsets.count - 1
        let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
        nonisolated(unsafe) let qkv = qkv
        nonisolated(unsafe) let out = out
        parallelChunks(sequences * heads, minChunk: 4) { start, end in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(longest, 1))
            defer { scores.deallocate() }
            for item in start..<end {
                let s = item / heads, head = item % heads
                let base = offsets[s], length = offsets[s + 1] - base
                let q0 = qkv + base * stride + head * d
                let k0 = q0 + h, v0 = q0 + 2 * h
                for i in 0..<length {
                    let q = q0 + i * stride
                    for j in 0..<length { scores[j] = Kernels.dot(q, k0 + j * stride, count: d) * scale }
                    Kernels.softmax(scores, count: length)
                    let o = out + (base + i) * h + head * d
                    o.update(repeating: 0, count: d)
                    for j in 0..<length { Kernels.axpy(scores[j], v0 + j * stride, o, count: d) }
                }
            }
        }
    }
}
