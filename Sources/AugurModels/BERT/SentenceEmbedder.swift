import AugurFormats
import AugurTensor
import AugurTokenizers
import Foundation

/// A sentence embedder: a BERT encoder (all-MiniLM-L6-v2 and other Hugging Face `bert` folders)
/// with mean pooling and L2 normalisation, as sentence-transformers computes it.
///
/// ```swift
/// let embedder = try SentenceEmbedder.load("all-minilm-l6-v2")
/// let vectors = try embedder.embed(["A cat sits on the mat.", "The feline rested on the rug."])
/// let similarity = SentenceEmbedder.cosineSimilarity(vectors[0], vectors[1])
/// ```
///
/// `embed` is safe to call from several threads at once; each call allocates its own scratch.
public final class SentenceEmbedder: Sendable {
    /// Catalog name or folder name.
    public let name: String
    /// The Hugging Face folder the model was loaded from.
    public let folder: String
    /// The encoder's shape and the pooling options.
    public let config: BERTConfig
    /// The model's WordPiece tokenizer.
    public let tokenizer: WordPieceTokenizer
    private let encoder: BERTEncoder

    /// Length of each embedding (the hidden size, 384 for all-MiniLM-L6-v2).
    public var dimension: Int { config.hiddenSize }

    /// Loads a Hugging Face BERT folder: `config.json`, `model.safetensors`, and `tokenizer.json`
    /// (or `vocab.txt` with an optional `tokenizer_config.json`); `sentence_bert_config.json`
    /// and `1_Pooling/config.json` are read when present.
    ///
    /// Throws `ModelError.missingFile` naming a missing file, `unsupportedArchitecture` for a
    /// `model_type` other than those in ``BERTConfig/supportedModelTypes``, `missingTensor` or
    /// `tensorShape` for weights that disagree with config.json.
    public init(folder: String, name: String? = nil) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError.invalidArgument("\(folder): not a folder (a sentence embedder needs a Hugging Face model folder)")
        }
        func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let config = try BERTConfig(folder: folder)
        let weightsPath = file("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw ModelError.missingFile(folder: folder, file: "model.safetensors")
        }
        let tokenizer: WordPieceTokenizer
        if FileManager.default.fileExists(atPath: file("tokenizer.json")) {
            tokenizer = try WordPieceTokenizer(huggingFaceJSON: file("tokenizer.json"))
        } else if FileManager.default.fileExists(atPath: file("vocab.txt")) {
            let cfg = file("tokenizer_config.json")
            tokenizer = try WordPieceTokenizer(vocabFile: file("vocab.txt"),
                                               configFile: FileManager.default.fileExists(atPath: cfg) ? cfg : nil)
        } else {
            throw ModelError.missingFile(folder: folder, file: "tokenizer.json")
        }
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw ModelError.corruptModelFile(
                file: file("tokenizer.json"),
                detail: "the tokenizer has \(tokenizer.vocabularySize) tokens but config.json's vocab_size is \(config.vocabSize)")
        }
        let weights = try BERTWeights(file: try SafetensorsFile(path: weightsPath), config: config)
        self.name = name ?? (folder as NSString).lastPathComponent
        self.folder = folder
        self.config = config
        self.tokenizer = tokenizer
        self.encoder = BERTEncoder(config: config, weights: weights)
    }

    /// Loads `model`: a catalog name such as `all-minilm-l6-v2` (pulled into `$AUGUR_HOME` on
    /// first use unless `pullIfMissing` is false) or the path of a Hugging Face model folder.
    public static func load(_ model: String, pullIfMissing: Bool = true) throws -> SentenceEmbedder {
        if let entry = ModelCatalog.entry(model) {
            let store = ModelStore()
            let file: URL
            if store.isPulled(entry) {
                file = store.path(of: entry)
            } else {
                guard pullIfMissing else {
                    throw ModelError.missingFile(folder: store.path(of: entry).deletingLastPathComponent().path, file: entry.fileName)
                }
                file = try store.ensure(entry)
            }
            return try SentenceEmbedder(folder: file.deletingLastPathComponent().path, name: entry.name)
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDir) else {
            throw ModelError.unknownModel(name: model, catalog: ModelCatalog.names)
        }
        return try SentenceEmbedder(folder: model)
    }

    /// The token ids the model sees for `sentence`: `[CLS] … [SEP]`, truncated to
    /// `config.maxSequenceLength` (256 for all-MiniLM-L6-v2).
    public func tokenize(_ sentence: String) -> [Int32] {
        tokenizer.encode(sentence, addSpecialTokens: true, maxLength: config.maxSequenceLength)
    }

    /// One unit-length embedding per sentence, in order.
    ///
    /// Sentences are sorted by length and packed into batches of about `batchTokens` tokens;
    /// each batch runs the encoder once, every linear layer as one matrix product.
    public func embed(_ sentences: [String], batchTokens: Int = 4096) throws -> [[Float]] {
        try embed(tokenIDs: sentences.map(tokenize), batchTokens: batchTokens)
    }

    /// The embedding of one sentence.
    public func embed(_ sentence: String) throws -> [Float] {
        try embed([sentence])[0]
    }

    /// Embeddings of already tokenised sequences (each with its own `[CLS]`/`[SEP]`, at most
    /// `config.maxPositions` ids, every id inside the vocabulary).
    public func embed(tokenIDs sequences: [[Int32]], batchTokens: Int = 4096) throws -> [[Float]] {
        for ids in sequences {
            guard !ids.isEmpty else { throw ModelError.invalidArgument("cannot embed an empty token sequence") }
            guard ids.count <= config.maxPositions else {
                throw ModelError.contextOverflow(tokens: ids.count, contextLength: config.maxPositions)
            }
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                throw ModelError.tokenOutOfRange(token: bad, vocabularySize: config.vocabSize)
            }
        }
        let order = sequences.indices.sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        var results = [[Float]](repeating: [], count: sequences.count)
        var start = 0
        while start < order.count {
            var end = start, tokens = 0
            while end < order.count, end == start || tokens + sequences[order[end]].count <= batchTokens {
                tokens += sequences[order[end]].count
                end += 1
            }
            let batch = order[start..<end].map { sequences[$0] }
            let pooled = pool(encoder.hiddenStates(batch), lengths: batch.map(\.count))
            for (k, index) in order[start..<end].enumerated() { results[index] = pooled[k] }
            start = end
        }
        return results
    }

    /// Mean (or CLS) pooling of each packed sequence, then L2 normalisation.
    private func pool(_ states: FloatBuffer, lengths: [Int]) -> [[Float]] {
        let h = config.hiddenSize
        var out: [[Float]] = []
        out.reserveCapacity(lengths.count)
        var row = 0
        for length in lengths {
            var v = [Float](repeating: 0, count: h)
            v.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                switch config.pooling {
                case .cls:
                    base.update(from: states.pointer + row * h, count: h)
                case .mean:
                    for t in 0..<length { Kernels.add(states.pointer + (row + t) * h, into: base, count: h) }
                    Kernels.scale(base, by: 1 / Float(length), count: h)
                }
                if config.normalize {
                    let norm = Kernels.dot(base, base, count: h).squareRoot()
                    if norm > 0 { Kernels.scale(base, by: 1 / norm, count: h) }
                }
            }
            out.append(v)
            row += length
        }
        return out
    }

    /// Cosine of the angle between `a` and `b` (0 when either is zero or their lengths differ).
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        guard na > 0, nb > 0 else { return 0 }
        return Float(dot / (na.squareRoot() * nb.squareRoot()))
    }
}
