import AugurFormats
import AugurTensor

/// A linear layer y = x · Wᵀ (+ b) whose weight W[out][in] stays in its GGUF block format.
///
/// Large batches dequantize W (or use the cached f32 copy) and call BLAS; with
/// `Precision.fast`, small batches use the quantized integer kernels.
final class Linear: @unchecked Sendable {
    let name: String
    let matrix: QuantizedMatrix
    let raw: UnsafeRawPointer
    let bias: [Float]?
    /// f32 copy of W, when the model keeps one.
    private(set) var dense: FloatBuffer?

    var outFeatures: Int { matrix.rows }
    var inFeatures: Int { matrix.cols }

    /// Rows at or below which `.fast` uses the quantized kernels.
    static let quantizedBatchLimit = 4

    init(file: GGUFFile, name: String, inFeatures: Int, outFeatures: Int, bias biasName: String? = nil) throws(ModelError) {
        guard let t = file.tensor(named: name) else { throw .missingTensor(file: file.path, tensor: name) }
        guard t.shape == [inFeatures, outFeatures] else {
            throw .tensorShape(file: file.path, tensor: name, expected: [inFeatures, outFeatures], got: t.shape)
        }
        guard isSupportedWeightType(t.type) else {
            throw .unsupportedTensorType(file: file.path, tensor: name, type: t.type.description)
        }
        let data = file.data(for: t)
        guard let base = data.baseAddress else { throw .corruptModelFile(file: file.path, detail: "tensor '\(name)' has no data") }
        self.name = name
        raw = base
        do {
            matrix = try QuantizedMatrix(type: t.type, rows: outFeatures, cols: inFeatures, data: base, owner: file)
        } catch {
            throw .corruptModelFile(file: file.path, detail: "tensor '\(name)': \(error)")
        }
        if let biasName, file.tensor(named: biasName) != nil {
            bias = try loadVector(file, biasName, count: outFeatures)
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
        let cols = inFeatures
        let m = matrix
        nonisolated(unsafe) let dst = dst
        parallelChunks(outFeatures, minChunk: 64) { s, e in
            m.dequantizeRows(s, e, into: dst + s * cols)
        }
    }

    /// y[rows][out] = x[rows][in] · Wᵀ + b.
    func forward(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, precision: Precision) {
        guard rows > 0 else { return }
        if precision == .fast && rows <= Self.quantizedBatchLimit && matrix.type != .f32 {
            matrix.multiply(x, tokens: rows, into: y)
        } else if matrix.type == .f32 {
            BLAS.matmulTransposedB(x, raw.assumingMemoryBound(to: Float.self), y, m: rows, n: outFeatures, k: inFeatures)
        } else if let dense {
            BLAS.matmulTransposedB(x, dense.pointer, y, m: rows, n: outFeatures, k: inFeatures)
        } else {
            let w = FloatBuffer(count: outFeatures * inFeatures)
            dequantizeAll(into: w.pointer)
            BLAS.matmulTransposedB(x, w.pointer, y, m: rows, n: outFeatures, k: inFeatures)
        }
        if let bias {
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows { Kernels.add(b.baseAddress!, into: y + r * outFeatures, count: outFeatures) }
            }
        }
    }
}

/// Reads a 1-D tensor of `count` elements as f32, whatever its stored type.
func loadVector(_ file: GGUFFile, _ name: String, count: Int) throws(ModelError) -> [Float] {
    guard let t = file.tensor(named: name) else { throw .missingTensor(file: file.path, tensor: name) }
    guard t.elementCount == count else {
        throw .tensorShape(file: file.path, tensor: name, expected: [count], got: t.shape)
    }
    guard isSupportedWeightType(t.type) || t.type == .f32 else {
        throw .unsupportedTensorType(file: file.path, tensor: name, type: t.type.description)
    }
    return dequantize(t.type, file.data(for: t), count: count)
}
