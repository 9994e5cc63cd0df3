import AugurFormats
import AugurTensor
import Foundation

/// A tensor's storage: its element type and bytes, kept alive by `owner`.
struct RawTensor: @unchecked Sendable {
    let type: GGMLType
    let shape: [Int]
    let data: UnsafeRawBufferPointer
    let owner: AnyObject
}

/// Where a model's tensors come from. Names are GGUF's (`blk.3.attn_q.weight`); sources in
/// other layouts translate them.
protocol WeightSource {
    /// The file or folder, for error messages.
    var path: String { get }
    /// The name the source itself uses for a GGUF tensor name (for messages).
    func sourceName(_ name: String) -> String
    /// The tensor called `name`, if the source has it.
    func tensor(_ name: String) throws(ModelError) -> RawTensor?
}

extension WeightSource {
    func has(_ name: String) throws(ModelError) -> Bool { try tensor(name) != nil }

    func require(_ name: String) throws(ModelError) -> RawTensor {
        guard let t = try tensor(name) else { throw .missingTensor(file: path, tensor: sourceName(name)) }
        return t
    }

    /// A weight matrix W[rows][cols] (GGUF shape [cols, rows]).
    func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> QuantizedMatrix {
        let t = try require(name)
        guard t.shape == [cols, rows] else {
            throw .tensorShape(file: path, tensor: sourceName(name), expected: [cols, rows], got: t.shape)
        }
        guard isSupportedWeightType(t.type), let base = t.data.baseAddress else {
            throw .unsupportedTensorType(file: path, tensor: sourceName(name), type: t.type.description)
        }
        do {
            return try QuantizedMatrix(type: t.type, rows: rows, cols: cols, data: base, owner: t.owner)
        } catch {
            throw .corruptModelFile(file: path, detail: "tensor '\(sourceName(name))': \(error)")
        }
    }

    /// A 1-D tensor of `count` elements as f32.
    func vector(_ name: String, count: Int) throws(ModelError) -> [Float] {
        let t = try require(name)
        guard t.shape.reduce(1, *) == count else {
            throw .tensorShape(file: path, tensor: sourceName(name), expected: [count], got: t.shape)
        }
        guard isSupportedWeightType(t.type) else {
            throw .unsupportedTensorType(file: path, tensor: sourceName(name), type: t.type.description)
        }
        return dequantize(t.type, t.data, count: count)
    }
}

/// Tensors of a GGUF file.
struct GGUFWeights: WeightSource {
    let file: GGUFFile
    var path: String { file.path }
    func sourceName(_ name: String) -> String { name }
    func tensor(_ name: String) throws(ModelError) -> RawTensor? {
        guard let t = file.tensor(named: name) else { return nil }
        return RawTensor(type: t.type, shape: t.shape, data: file.data(for: t), owner: file)
    }
}
