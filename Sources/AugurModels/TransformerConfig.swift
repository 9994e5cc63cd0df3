import AugurFormats
import AugurTensor

/// The shape and hyper-parameters of a decoder-only transformer, mapped from checkpoint metadata.
public struct TransformerConfig: Codable, Sendable, Equatable {
    /// GGUF architecture name: `llama`, `qwen2`, `gemma3`.
    public var architecture: String
    public var vocabSize: Int
    public var dModel: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var dMLP: Int
    public var contextLength: Int
    public var ropeTheta: Float
    public var rmsEps: Float
    /// Whether RoPE pairs adjacent dimensions (GGUF llama) or the two halves (qwen2, gemma).
    public var ropeNeox: Bool
    /// Whether the LM head reuses the token embedding.
    public var tiedEmbeddings: Bool

    /// Architectures the decoder supports.
    public static let supportedArchitectures = ["llama", "qwen2"]

    /// Reads the configuration of `file`, checking every key it needs.
    public init(gguf file: GGUFFile) throws(ModelError) {
        let path = file.path
        guard let arch = file.string("general.architecture") else {
            throw .missingMetadata(file: path, key: "general.architecture")
        }
        guard Self.supportedArchitectures.contains(arch) else {
            throw .unsupportedArchitecture(file: path, architecture: arch, supported: Self.supportedArchitectures)
        }
        func int(_ key: String) throws(ModelError) -> Int {
            guard let v = file.int("\(arch).\(key)"), v > 0 else { throw .missingMetadata(file: path, key: "\(arch).\(key)") }
            return v
        }
        architecture = arch
        dModel = try int("embedding_length")
        layers = try int("block_count")
        heads = try int("attention.head_count")
        kvHeads = file.int("\(arch).attention.head_count_kv") ?? heads
        dMLP = try int("feed_forward_length")
        contextLength = try int("context_length")
        headDim = file.int("\(arch).attention.key_length") ?? dModel / heads
        ropeTheta = Float(file.float("\(arch).rope.freq_base") ?? 10_000)
        rmsEps = Float(file.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-6)
        ropeNeox = arch != "llama"
        tiedEmbeddings = file.tensor(named: "output.weight") == nil
        if let v = file.int("\(arch).vocab_size") {
            vocabSize = v
        } else if let embd = file.tensor(named: "token_embd.weight"), embd.shape.count == 2 {
            vocabSize = embd.shape[1]
        } else {
            throw .missingTensor(file: path, tensor: "token_embd.weight")
        }
        guard heads % kvHeads == 0 else {
            throw .corruptModelFile(file: path, detail: "head_count \(heads) is not a multiple of head_count_kv \(kvHeads)")
        }
    }
}
