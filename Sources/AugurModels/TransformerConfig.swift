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
    /// Factor applied to token embeddings (Gemma: sqrt(d_model)).
    public var embeddingScale: Float?
    /// The gated MLP's activation.
    public var mlpActivation: MLPActivation
    /// Sliding-window size of the local attention layers (Gemma 3).
    public var slidingWindow: Int?
    /// Every `slidingWindowPattern`-th layer is global, the others local (Gemma 3: 6).
    public var slidingWindowPattern: Int?
    /// RoPE base of the local layers.
    public var localRopeTheta: Float?
    /// RMSNorm of each query and key head before RoPE (Gemma 3).
    public var qkNorm: Bool
    /// Norms after the attention and MLP outputs too (Gemma's sandwich norms).
    public var postNorms: Bool
    /// Added to every norm weight: 1 for Hugging Face Gemma checkpoints (the GGUF converter bakes it in).
    public var normWeightOffset: Float
    /// Attention logit scale (default 1/sqrt(head_dim)).
    public var attentionScale: Float?

    /// The activation of the gated MLP.
    public enum MLPActivation: String, Codable, Sendable {
        case silu
        case geluTanh = "gelu_tanh"
    }

    /// Whether block `layer` uses sliding-window attention.
    public func isLocal(layer: Int) -> Bool {
        guard slidingWindow != nil, let p = slidingWindowPattern, p > 0 else { return false }
        return layer % p != p - 1
    }

    /// Architectures the decoder supports.
    public static let supportedArchitectures = ["llama", "qwen2", "gemma3"]

    /// A plain pre-norm decoder configuration; the Gemma-specific fields start off.
    public init(architecture: String, vocabSize: Int, dModel: Int, layers: Int, heads: Int, kvHeads: Int, headDim: Int,
                dMLP: Int, contextLength: Int, ropeTheta: Float, rmsEps: Float, ropeNeox: Bool, tiedEmbeddings: Bool) {
        self.architecture = architecture
        self.vocabSize = vocabSize
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.dMLP = dMLP
        self.contextLength = contextLength
        self.ropeTheta = ropeTheta
        self.rmsEps = rmsEps
        self.ropeNeox = ropeNeox
        self.tiedEmbeddings = tiedEmbeddings
        mlpActivation = .silu
        qkNorm = false
        postNorms = false
        normWeightOffset = 0
    }

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
        let dModel = try int("embedding_length"), heads = try int("attention.head_count")
        let vocabSize: Int
        if let v = file.int("\(arch).vocab_size") {
            vocabSize = v
        } else if let embd = file.tensor(named: "token_embd.weight"), embd.shape.count == 2 {
            vocabSize = embd.shape[1]
        } else {
            throw .missingTensor(file: path, tensor: "token_embd.weight")
        }
        self.init(
            architecture: arch, vocabSize: vocabSize, dModel: dModel, layers: try int("block_count"), heads: heads,
            kvHeads: file.int("\(arch).attention.head_count_kv") ?? heads,
            headDim: file.int("\(arch).attention.key_length") ?? dModel / heads,
            dMLP: try int("feed_forward_length"), contextLength: try int("context_length"),
            ropeTheta: Float(file.float("\(arch).rope.freq_base") ?? 10_000),
            rmsEps: Float(file.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-6),
            ropeNeox: arch != "llama", tiedEmbeddings: file.tensor(named: "output.weight") == nil)
        if arch == "gemma3" {
            embeddingScale = Float(dModel).squareRoot()
            mlpActivation = .geluTanh
            slidingWindow = file.int("\(arch).attention.sliding_window")
            slidingWindowPattern = 6
            localRopeTheta = 10_000
        }
        qkNorm = file.tensor(named: "blk.0.attn_q_norm.weight") != nil
        postNorms = file.tensor(named: "blk.0.post_attention_norm.weight") != nil
        guard heads % kvHeads == 0 else {
            throw .corruptModelFile(file: path, detail: "head_count \(heads) is not a multiple of head_count_kv \(kvHeads)")
        }
    }
}
