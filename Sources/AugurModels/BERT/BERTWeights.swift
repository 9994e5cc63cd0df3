import AugurFormats
import AugurTensor
import Foundation

/// One encoder layer's parameters, f32, Hugging Face layout (linear weights are [out, in]).
struct BERTLayerWeights: Sendable {
    /// Query, key and value weights stacked: [3·hidden, hidden], so one matrix product makes all three.
    let qkv: FloatBuffer
    /// [3·hidden].
    let qkvBias: FloatBuffer
    let attnOut: FloatBuffer, attnOutBias: FloatBuffer
    let attnNormWeight: FloatBuffer, attnNormBias: FloatBuffer
    let up: FloatBuffer, upBias: FloatBuffer
    let down: FloatBuffer, downBias: FloatBuffer
    let outNormWeight: FloatBuffer, outNormBias: FloatBuffer
}

/// All parameters of a BERT encoder.
struct BERTWeights: Sendable {
    let wordEmbeddings: FloatBuffer
    let positionEmbeddings: FloatBuffer
    /// Token-type 0's embedding row (single-sentence inputs use type 0 only).
    let tokenType0: FloatBuffer
    let embedNormWeight: FloatBuffer, embedNormBias: FloatBuffer
    let layers: [BERTLayerWeights]

    /// Reads every tensor from `file`, checking each shape against `config`. Tensor names are
    /// Hugging Face's (`encoder.layer.N.attention.self.query.weight`), with or without the
    /// `bert.` prefix that task-head checkpoints add.
    init(file: SafetensorsFile, config c: BERTConfig) throws {
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil
            && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func load(_ name: String, _ shape: [Int]) throws -> [Float] {
            let full = prefix + name
            guard let info = file.tensors[full] else { throw ModelError.missingTensor(file: file.path, tensor: full) }
            guard info.shape == shape else {
                throw ModelError.tensorShape(file: file.path, tensor: full, expected: shape, got: info.shape)
            }
            switch info.dtype {
            case .f32:
                // Straight copy out of the mapping (the file is little-endian, as is every host Augur runs on).
                let raw = file.data(for: info)
                guard raw.count == info.elementCount * 4, let src = raw.baseAddress else {
                    throw ModelError.corruptModelFile(file: file.path, detail: "tensor '\(full)' data lies outside the file")
                }
                var values = [Float](repeating: 0, count: info.elementCount)
                values.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: src, count: raw.count)) }
                return values
            case .f16, .bf16, .f64:
                return try file.floats(full)
            default:
                throw ModelError.unsupportedTensorType(file: file.path, tensor: full, type: info.dtype.rawValue)
            }
        }
        func buffer(_ name: String, _ shape: [Int]) throws -> FloatBuffer { FloatBuffer(try load(name, shape)) }
        let h = c.hiddenSize, ff = c.intermediateSize
        wordEmbeddings = try buffer("embeddings.word_embeddings.weight", [c.vocabSize, h])
        positionEmbeddings = try buffer("embeddings.position_embeddings.weight", [c.maxPositions, h])
        tokenType0 = FloatBuffer(Array(try load("embeddings.token_type_embeddings.weight", [c.typeVocabSize, h]).prefix(h)))
        embedNormWeight = try buffer("embeddings.LayerNorm.weight", [h])
        embedNormBias = try buffer("embeddings.LayerNorm.bias", [h])
        layers = try (0..<c.layers).map { l in
            let p = "encoder.layer.\(l)."
            let qkv = try ["query", "key", "value"].flatMap { try load(p + "attention.self.\($0).weight", [h, h]) }
            let qkvBias = try ["query", "key", "value"].flatMap { try load(p + "attention.self.\($0).bias", [h]) }
            return BERTLayerWeights(
                qkv: FloatBuffer(qkv), qkvBias: FloatBuffer(qkvBias),
                attnOut: try buffer(p + "attention.output.dense.weight", [h, h]),
                attnOutBias: try buffer(p + "attention.output.dense.bias", [h]),
                attnNormWeight: try buffer(p + "attention.output.LayerNorm.weight", [h]),
                attnNormBias: try buffer(p + "attention.output.LayerNorm.bias", [h]),
                up: try buffer(p + "intermediate.dense.weight", [ff, h]),
                upBias: try buffer(p + "intermediate.dense.bias", [ff]),
                down: try buffer(p + "output.dense.weight", [h, ff]),
                downBias: try buffer(p + "output.dense.bias", [h]),
                outNormWeight: try buffer(p + "output.LayerNorm.weight", [h]),
                outNormBias: try buffer(p + "output.LayerNorm.bias", [h]))
        }
    }
}
