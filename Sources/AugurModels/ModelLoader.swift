import AugurFormats
import AugurTensor
import AugurTokenizers
import Foundation
import Logging

/// Options for loading a model.
public struct LoadOptions: Sendable {
    /// Keep f32 copies of the weights for faster batched forward passes: `nil` decides by size
    /// (models whose f32 weights fit in `denseBudgetBytes`).
    public var denseWeights: Bool?
    /// Size limit for the automatic choice.
    public var denseBudgetBytes: Int
    /// Pull catalog models that are not yet in `$AUGUR_HOME`.
    public var pullIfMissing: Bool

    public init(denseWeights: Bool? = nil, denseBudgetBytes: Int = 768 << 20, pullIfMissing: Bool = true) {
        self.denseWeights = denseWeights
        self.denseBudgetBytes = denseBudgetBytes
        self.pullIfMissing = pullIfMissing
    }
}

/// Loads language models by catalog name or path.
public enum ModelLoader {
    static let logger = Logger(label: "augur.models")

    /// Resolves `model` (a catalog name, or a path to a GGUF file) to a local file, pulling a
    /// catalog model on first use.
    public static func resolve(_ model: String, pullIfMissing: Bool = true) throws -> (name: String, path: String) {
        if let entry = ModelCatalog.entry(model) {
            let store = ModelStore()
            if store.isPulled(entry) { return (entry.name, store.path(of: entry).path) }
            guard pullIfMissing else {
                throw ModelError.corruptModelFile(file: store.path(of: entry).path, detail: "model '\(model)' has not been pulled")
            }
            logger.info("model \(model) is not in \(AugurHome.url.path) yet; pulling it")
            return (entry.name, try store.pull(entry).path)
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDir) {
            return ((model as NSString).lastPathComponent, model)
        }
        throw ModelError.unknownModel(name: model, catalog: ModelCatalog.names)
    }

    /// Loads a decoder language model.
    public static func load(_ model: String, options: LoadOptions = LoadOptions()) throws -> any LanguageModel {
        let (name, path) = try resolve(model, pullIfMissing: options.pullIfMissing)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            let folder = try HuggingFaceFolder(path: path)
            let tokenizerPath = (path as NSString).appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: tokenizerPath) else {
                throw ModelError.missingFile(folder: path, file: "tokenizer.json")
            }
            let vocab = try TokenizerVocabulary(huggingFaceJSON: tokenizerPath)
            return try buildDecoder(folder, config: try folder.transformerConfig(), vocabulary: vocab, name: name, options: options)
        }
        let file: GGUFFile
        do {
            file = try GGUFFile(path: path)
        } catch {
            throw ModelError.corruptModelFile(file: path, detail: "\(error)")
        }
        return try loadDecoder(file: file, name: name, options: options)
    }

    /// Loads only a model's tokenizer and chat template (no weights are read).
    public static func loadTokenizer(_ model: String, pullIfMissing: Bool = true) throws -> (tokenizer: any Tokenizer, chatTemplate: ChatTemplate?) {
        let (_, path) = try resolve(model, pullIfMissing: pullIfMissing)
        let vocab: TokenizerVocabulary
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            let tokenizerPath = (path as NSString).appendingPathComponent("tokenizer.json")
            guard FileManager.default.fileExists(atPath: tokenizerPath) else { throw ModelError.missingFile(folder: path, file: "tokenizer.json") }
            vocab = try TokenizerVocabulary(huggingFaceJSON: tokenizerPath)
        } else {
            let file: GGUFFile
            do { file = try GGUFFile(path: path) } catch { throw ModelError.corruptModelFile(file: path, detail: "\(error)") }
            vocab = try TokenizerVocabulary(gguf: file)
        }
        return (try makeTokenizer(vocab), vocab.chatTemplate.flatMap { try? ChatTemplate(template: $0) })
    }

    /// Builds a ``DecoderModel`` from an open GGUF file.
    public static func loadDecoder(file: GGUFFile, name: String, options: LoadOptions = LoadOptions()) throws -> DecoderModel {
        let config = try TransformerConfig(gguf: file)
        let vocab = try TokenizerVocabulary(gguf: file)
        return try buildDecoder(GGUFWeights(file: file), config: config, vocabulary: vocab, name: name, options: options)
    }

    /// Assembles a decoder from any weight source (tensor names as in GGUF).
    static func buildDecoder(_ w: some WeightSource, config c: TransformerConfig, vocabulary vocab: TokenizerVocabulary,
                             name: String, options: LoadOptions) throws -> DecoderModel {
        let tokenizer = try makeTokenizer(vocab)
        let template = vocab.chatTemplate.flatMap { try? ChatTemplate(template: $0) }
        let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
        var blocks: [DecoderBlock] = []
        for l in 0..<c.layers {
            let b = "blk.\(l)."
            blocks.append(DecoderBlock(
                attnNorm: try w.vector(b + "attn_norm.weight", count: c.dModel),
                wq: try Linear(w, b + "attn_q.weight", inFeatures: c.dModel, outFeatures: qDim, bias: b + "attn_q.bias"),
                wk: try Linear(w, b + "attn_k.weight", inFeatures: c.dModel, outFeatures: kvDim, bias: b + "attn_k.bias"),
                wv: try Linear(w, b + "attn_v.weight", inFeatures: c.dModel, outFeatures: kvDim, bias: b + "attn_v.bias"),
                wo: try Linear(w, b + "attn_output.weight", inFeatures: qDim, outFeatures: c.dModel),
                mlpNorm: try w.vector(b + "ffn_norm.weight", count: c.dModel),
                gate: try Linear(w, b + "ffn_gate.weight", inFeatures: c.dModel, outFeatures: c.dMLP),
                up: try Linear(w, b + "ffn_up.weight", inFeatures: c.dModel, outFeatures: c.dMLP),
                down: try Linear(w, b + "ffn_down.weight", inFeatures: c.dMLP, outFeatures: c.dModel),
                qNorm: c.qkNorm ? try w.vector(b + "attn_q_norm.weight", count: c.headDim) : nil,
                kNorm: c.qkNorm ? try w.vector(b + "attn_k_norm.weight", count: c.headDim) : nil,
                postAttnNorm: c.postNorms ? try w.vector(b + "post_attention_norm.weight", count: c.dModel) : nil,
                postMLPNorm: c.postNorms ? try w.vector(b + "post_ffw_norm.weight", count: c.dModel) : nil))
        }
        let embedding = try w.matrix("token_embd.weight", rows: c.vocabSize, cols: c.dModel)
        let head = try Linear(w, c.tiedEmbeddings ? "token_embd.weight" : "output.weight", inFeatures: c.dModel, outFeatures: c.vocabSize)
        let finalNorm = try w.vector("output_norm.weight", count: c.dModel)
        let model = DecoderModel(
            info: ModelInfo(name: name, path: w.path, config: c), tokenizer: tokenizer,
            chatTemplate: template, addsBOS: vocab.addBOS, blocks: blocks, embedding: embedding, head: head,
            finalNorm: finalNorm)
        let denseBytes = blocks.reduce(0) { s, b in
            s + [b.wq, b.wk, b.wv, b.wo, b.gate, b.up, b.down].reduce(0) { $0 + $1.inFeatures * $1.outFeatures * 4 }
        }
        if options.denseWeights ?? (denseBytes <= options.denseBudgetBytes) {
            for b in blocks { for l in [b.wq, b.wk, b.wv, b.wo, b.gate, b.up, b.down] { l.makeDense() } }
        }
        return model
    }
}
