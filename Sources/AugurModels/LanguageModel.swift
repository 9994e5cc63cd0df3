import AugurTensor
import AugurTokenizers

/// How exactly matrix products are computed.
public enum Precision: Sendable {
    /// Every product in f32 over dequantized weights (matches an fp32 reference to rounding).
    case exact
    /// Small batches (decode) quantize activations to 8 bits and use integer dot products with
    /// the quantized weights, as llama.cpp does; large batches are computed as in `.exact`.
    case fast
}

/// Which logits a forward pass returns.
public enum LogitsSelection: Sendable {
    /// None (activations only; the LM head is skipped).
    case none
    /// The last position of each sequence.
    case last
    /// Every position.
    case all
}

/// Options of one forward pass.
public struct ForwardOptions: Sendable {
    /// Which logits to compute.
    public var logits: LogitsSelection
    /// Stop after this block (its `hook_resid_post` is the last hook run; no logits).
    public var stopAfterLayer: Int?
    /// Arithmetic mode.
    public var precision: Precision

    public init(logits: LogitsSelection = .last, stopAfterLayer: Int? = nil, precision: Precision = .fast) {
        self.logits = logits
        self.stopAfterLayer = stopAfterLayer
        self.precision = precision
    }
}

/// Facts about a loaded model.
public struct ModelInfo: Sendable, Codable {
    /// Catalog name or file name.
    public var name: String
    /// Where the weights came from.
    public var path: String
    public var config: TransformerConfig
}

/// A causal language model that runs in-process and exposes hook points.
public protocol LanguageModel: AnyObject, Sendable {
    /// What was loaded.
    var info: ModelInfo { get }
    /// The model's tokenizer.
    var tokenizer: any Tokenizer { get }
    /// The chat template, for instruct models that have one.
    var chatTemplate: ChatTemplate? { get }
    /// Whether the model's own convention adds BOS at the start of a text.
    var addsBOS: Bool { get }

    /// Makes an empty KV cache for one sequence of up to `capacity` positions.
    func makeCache(capacity: Int) -> KVCache

    /// Runs `sequences` (each continuing its own cache, if given) through the model in one batch.
    ///
    /// - Returns: logits per sequence as selected in `options` (`.last`: vocab floats; `.all`:
    ///   tokens × vocab floats; `.none` or `stopAfterLayer`: empty arrays).
    func forward(_ sequences: [[Int32]], caches: [KVCache]?, hooks: Hooks?, options: ForwardOptions) throws -> [[Float]]

    /// W_U · finalNorm(direction) (or without the norm): what a residual-stream direction promotes.
    func projectToVocabulary(_ direction: [Float], applyFinalNorm: Bool) throws -> [Float]

    /// The output direction (d_model) that MLP neuron `neuron` of block `layer` writes.
    func neuronOutputDirection(layer: Int, neuron: Int) throws -> [Float]
}

extension LanguageModel {
    /// The model's configuration.
    public var config: TransformerConfig { info.config }

    /// Tokenizes `text` with the model's own BOS convention.
    public func tokenize(_ text: String) -> [Int32] {
        var ids = tokenizer.encode(text, addSpecialTokens: false)
        if addsBOS, let bos = tokenizer.bosID { ids.insert(bos, at: 0) }
        return ids
    }
}
