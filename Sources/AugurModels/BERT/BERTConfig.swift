import Foundation

/// The shape and options of a BERT encoder, read from a Hugging Face `config.json`
/// (plus `sentence_bert_config.json` and `1_Pooling/config.json` when present).
public struct BERTConfig: Sendable, Equatable {
    /// How token vectors become one sentence vector.
    public enum Pooling: String, Sendable {
        /// Average over the sentence's tokens (special tokens included, padding excluded).
        case mean
        /// The `[CLS]` token's vector.
        case cls
    }

    /// The feed-forward activation (`hidden_act`).
    public enum Activation: String, Sendable {
        /// GELU with the exact erf form (`gelu`).
        case gelu
        /// GELU with the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`).
        case geluTanh = "gelu_new"
        /// max(0, x).
        case relu
    }

    /// `model_type` values this encoder runs.
    public static let supportedModelTypes = ["bert"]

    /// Rows of the word-embedding table (`vocab_size`).
    public var vocabSize: Int
    /// Width of the hidden states and of each embedding (`hidden_size`).
    public var hiddenSize: Int
    /// Encoder layers (`num_hidden_layers`).
    public var layers: Int
    /// Attention heads per layer (`num_attention_heads`).
    public var heads: Int
    /// Width of the feed-forward layer (`intermediate_size`).
    public var intermediateSize: Int
    /// Rows of the position-embedding table: the longest input (`max_position_embeddings`).
    public var maxPositions: Int
    /// Rows of the token-type table (`type_vocab_size`); single sentences use type 0.
    public var typeVocabSize: Int
    /// Epsilon of every LayerNorm (`layer_norm_eps`).
    public var layerNormEps: Float
    /// Feed-forward activation (`hidden_act`).
    public var activation: Activation
    /// Tokens per sentence after truncation, `[CLS]` and `[SEP]` included
    /// (sentence-transformers' `max_seq_length`, else `max_position_embeddings`).
    public var maxSequenceLength: Int
    public var pooling: Pooling
    /// Whether sentence vectors are scaled to unit length.
    public var normalize: Bool

    /// Width of one attention head.
    public var headDim: Int { hiddenSize / heads }

    /// Reads `config.json` in `folder`, and the sentence-transformers files beside it when present.
    public init(folder: String) throws {
        let path = (folder as NSString).appendingPathComponent("config.json")
        let json = try Self.object(path, required: true)
        func int(_ key: String) throws -> Int {
            guard let v = json[key] as? Int else { throw ModelError.missingMetadata(file: path, key: key) }
            guard v > 0 else { throw ModelError.corruptModelFile(file: path, detail: "'\(key)' is \(v), must be positive") }
            return v
        }
        let type = json["model_type"] as? String ?? "missing"
        guard Self.supportedModelTypes.contains(type) else {
            throw ModelError.unsupportedArchitecture(file: path, architecture: type, supported: Self.supportedModelTypes)
        }
        if let pet = json["position_embedding_type"] as? String, pet != "absolute" {
            throw ModelError.corruptModelFile(file: path, detail: "position_embedding_type '\(pet)' is not supported (only 'absolute')")
        }
        vocabSize = try int("vocab_size")
        hiddenSize = try int("hidden_size")
        layers = try int("num_hidden_layers")
        heads = try int("num_attention_heads")
        intermediateSize = try int("intermediate_size")
        maxPositions = try int("max_position_embeddings")
        typeVocabSize = try int("type_vocab_size")
        layerNormEps = Float((json["layer_norm_eps"] as? Double) ?? 1e-12)
        guard hiddenSize % heads == 0 else {
            throw ModelError.corruptModelFile(file: path, detail: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(heads)")
        }
        let act = json["hidden_act"] as? String ?? "gelu"
        switch act {
        case "gelu": activation = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": activation = .geluTanh
        case "relu": activation = .relu
        default:
            throw ModelError.corruptModelFile(file: path, detail: "hidden_act '\(act)' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)")
        }

        let stPath = (folder as NSString).appendingPathComponent("sentence_bert_config.json")
        let st = try Self.object(stPath, required: false)
        maxSequenceLength = min(maxPositions, (st["max_seq_length"] as? Int).flatMap { $0 > 2 ? $0 : nil } ?? maxPositions)

        let poolPath = (folder as NSString).appendingPathComponent("1_Pooling/config.json")
        let pool = try Self.object(poolPath, required: false)
        if pool["pooling_mode_cls_token"] as? Bool == true {
            pooling = .cls
        } else if pool.isEmpty || pool["pooling_mode_mean_tokens"] as? Bool == true {
            pooling = .mean
        } else {
            throw ModelError.corruptModelFile(file: poolPath, detail: "only mean and CLS pooling are supported")
        }
        // sentence-transformers models list a Normalize module in modules.json; all-MiniLM-L6-v2
        // does, and a bare BERT folder is normalised too so cosine similarity is a dot product.
        normalize = true
    }

    /// The JSON object in `path`; empty when the file is absent and not `required`.
    static func object(_ path: String, required: Bool) throws -> [String: Any] {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw ModelError.missingFile(folder: (path as NSString).deletingLastPathComponent,
                                             file: (path as NSString).lastPathComponent)
            }
            return [:]
        }
        guard let data = FileManager.default.contents(atPath: path),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ModelError.corruptModelFile(file: path, detail: "not a JSON object")
        }
        return object
    }
}
