import AugurTensor

/// A linear layer y = x · Wᵀ (+ b) whose weight W[out][in] stays in its GGUF block format.
///
/// Large batches dequantize W (or use the cached f32 copy) and call BLAS; with
/// `Precision.fast`, small batches use the quantized integer kernels.
final class Linear: @unchecked Sendable {
    let name: String
    let matrix: QuantizedMatrix
    let bias: [Float]?
    /// f32 copy of W, when the model keeps one.
    private(set) var dense: FloatBuffer?

    var outFeatures: Int { matrix.rows }
    var inFeatures: Int { matrix.cols }

    /// Rows at or below which `.fast` uses the quantized kernels.
    static let quantizedBatchLimit = 4

    init(_ source: some WeightSource, _ name: String, inFeatures: Int, outFeatures: Int, bias biasName: String? = nil) throws(ModelError) {
        self.name = name
        matrix = try source.matrix(name, rows: outFeatures, cols: inFeatures)
        if let biasName, try source.has(biasName) {
            bias = try source.vector(biasName, count: outFeatures)
        } else {
            bias = nil
        }
    }

    /// Keeps an f32 copy of the weight (faster prefill, 4 bytes per weight).
    func makeDense() {
        guard dense == nil, matrix.type != .f32 else { return }
        let d = FloatBuffer(count: outFeatures * inFeatures)
        dequantizeAll(into: d.pointer)
        dense = d
    }

    private func dequantizeAll(into dst: UnsafeMutablePointer<Float>) {
        matrix.dequantizeRows(0, outFeatures, into: dst)
    }

    /// Whether `forward` would use the quantized kernels for `rows` rows.
    func usesQuantizedKernels(rows: Int, precision: Precision) -> Bool {
        precision == .fast && rows <= Self.quantizedBatchLimit && matrix.type != .f32
    }

    /// `forward` of several layers that read the same input (q/k/v, gate/up): on the quantized
    /// path in one parallel pass (one dispatch, one activation quantization); otherwise one by one.
    static func forward(_ layers: [Linear], _ x: UnsafePointer<Float>, rows: Int, into ys: [UnsafeMutablePointer<Float>],
                        precision: Precision) {
        guard layers.allSatisfy({ $0.usesQuantizedKernels(rows: rows, precision: precision) }) else {
            for (l, y) in zip(layers, ys) { l.forward(x, rows: rows, into: y, precision: precision) }
            return
        }
        QuantizedMatrix.multiply(layers.map(\.matrix), x, tokens: rows, into: ys)
        for (l, y) in zip(layers, ys) { l.addBias(y, rows: rows) }
    }

    private func addBias(_ y: UnsafeMutablePointer<Float>, rows: Int) {
        guard let bias else { return }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { Kernels.add(b.baseAddress!, into: y + r * outFeatures, count: outFeatures) }
        }
    }

    /// y[rows][out] = x[rows][in] · Wᵀ + b.
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, precision: Precision) {
        guard rows > 0 else { return }
        if usesQuantizedKernels(rows: rows, precision: precision) {
            matrix.multiply(x, tokens: rows, into: y)
        } else if matrix.type == .f32 {
            BLAS.matmulTransposedB(x, matrix.data.assumingMemoryBound(to: Float.self), y, m: rows, n: outFeatures, k: inFeatures)
        } else if let dense {
            BLAS.matmulTransposedB(x, dense.pointer, y, m: rows, n: outFeatures, k: inFeatures)
        } else {
            let w = FloatBuffer(count: outFeatures * inFeatures)
            dequantizeAll(into: w.pointer)
            BLAS.matmulTransposedB(x, w.pointer, y, m: rows, n: outFeatures, k: inFeatures)
        }
        addBias(y, rows: rows)
    }
}

