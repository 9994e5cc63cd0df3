import AugurFormats
import Foundation
import Testing
@testable import AugurModels

/// all-MiniLM-L6-v2, loaded once (pulled by scripts/test.sh beforehand).
enum MiniLM {
    static let embedder = Result { try SentenceEmbedder.load("all-minilm-l6-v2", pullIfMissing: false) }

    /// `../shared/reference/all-minilm-l6-v2` (or `$AUGUR_REFERENCE/all-minilm-l6-v2`).
    static var referenceFolder: URL {
        let root = ProcessInfo.processInfo.environment["AUGUR_REFERENCE"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/reference")
        return root.appendingPathComponent("all-minilm-l6-v2")
    }
}

@Suite struct EmbedderTests {
    @Test func matchesSentenceTransformers() throws {
        let embedder = try MiniLM.embedder.get()
        let data = try Data(contentsOf: MiniLM.referenceFolder.appendingPathComponent("embeddings.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let sentences = try #require(json["sentences"] as? [String])
        let ids = try #require(json["token_ids"] as? [[Int]])
        let reference = try SafetensorsFile(path: MiniLM.referenceFolder.appendingPathComponent("embeddings.safetensors").path)
        let expected = try reference.floats("embeddings")
        let dim = embedder.dimension
        #expect(dim == 384)
        #expect(try reference.info("embeddings").shape == [sentences.count, dim])

        for (s, sentence) in sentences.enumerated() {
            #expect(embedder.tokenize(sentence) == ids[s].map { Int32($0) }, "\(sentence)")
        }
        let vectors = try embedder.embed(sentences)
        for (s, v) in vectors.enumerated() {
            let want = Array(expected[s * dim ..< (s + 1) * dim])
            let cosine = SentenceEmbedder.cosineSimilarity(v, want)
            #expect(cosine >= 0.999, "sentence \(s): cosine \(cosine)")
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
        // The paraphrase pair is closer than the unrelated pair.
        #expect(SentenceEmbedder.cosineSimilarity(vectors[0], vectors[2]) > SentenceEmbedder.cosineSimilarity(vectors[0], vectors[1]) + 0.3)
    }

    @Test func batchedEqualsOneByOne() throws {
        let embedder = try MiniLM.embedder.get()
        // 300 words: truncated to 256 tokens when embedded (kept short of that here only to keep
        // the debug-build test quick; truncation itself is in the tokenizer tests).
        let huge = Array(repeating: "the quick brown fox jumps over the lazy dog", count: 40).joined(separator: " ")
        #expect(embedder.tokenize(huge).count == 256)
        let long = Array(repeating: "the quick brown fox jumps over the lazy dog", count: 6).joined(separator: " ")
        let sentences = [
            "Hi.", long, "A cat sits on the mat.", "Stock markets fell sharply on Monday after weeks of gains.",
            "Café naïve résumé", "x", "Photosynthesis converts light into chemical energy in plants and algae.",
            "The feline rested on the rug.", "我爱北京", "What time is it?",
        ]
        // A small token budget forces several packed batches of different lengths.
        let batched = try embedder.embed(sentences, batchTokens: 40)
        let together = try embedder.embed(sentences)
        #expect(batched.count == sentences.count)
        for (i, sentence) in sentences.enumerated() {
            let single = try embedder.embed(sentence)
            #expect(SentenceEmbedder.cosineSimilarity(batched[i], single) >= 0.99999, "\(sentence)")
            #expect(SentenceEmbedder.cosineSimilarity(together[i], single) >= 0.99999, "\(sentence)")
        }
        #expect(try embedder.embed([String]()).isEmpty)
    }

    @Test func rejectsBadTokenSequences() throws {
        let embedder = try MiniLM.embedder.get()
        #expect(throws: ModelError.tokenOutOfRange(token: 40000, vocabularySize: 30522)) {
            try embedder.embed(tokenIDs: [[101, 40000, 102]])
        }
        #expect(throws: ModelError.contextOverflow(tokens: 600, contextLength: 512)) {
            try embedder.embed(tokenIDs: [Array(repeating: 1996, count: 600)])
        }
    }

    @Test func tinyModelFolderLoadsAndReportsErrors() throws {
        let dir = try TinyBERT.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tiny = try SentenceEmbedder(folder: dir)
        let v = try tiny.embed(["a b c", "c"])
        #expect(v.count == 2 && v[0].count == TinyBERT.hidden)
        #expect(v.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 })

        // Missing files are named.
        try FileManager.default.removeItem(atPath: dir + "/vocab.txt")
        #expect(throws: ModelError.missingFile(folder: dir, file: "tokenizer.json")) { try SentenceEmbedder(folder: dir) }
        try FileManager.default.moveItem(atPath: dir + "/model.safetensors", toPath: dir + "/weights.bin")
        #expect(throws: ModelError.missingFile(folder: dir, file: "model.safetensors")) { try SentenceEmbedder(folder: dir) }
        try FileManager.default.removeItem(atPath: dir + "/config.json")
        #expect(throws: ModelError.missingFile(folder: dir, file: "config.json")) { try SentenceEmbedder(folder: dir) }
        #expect(throws: ModelError.self) { try SentenceEmbedder(folder: dir + "/nonexistent") }
        #expect(throws: ModelError.unknownModel(name: "no-such-model", catalog: ModelCatalog.names)) {
            try SentenceEmbedder.load("no-such-model")
        }
    }

    @Test func unsupportedModelTypeListsSupportedOnes() throws {
        let dir = try TinyBERT.folder(modelType: "gpt2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: ModelError.unsupportedArchitecture(file: dir + "/config.json", architecture: "gpt2", supported: ["bert"])) {
            try SentenceEmbedder(folder: dir)
        }
    }

    @Test func tensorShapeDisagreeingWithConfigIsNamed() throws {
        let dir = try TinyBERT.folder(intermediateInConfig: TinyBERT.intermediate + 4)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: ModelError.tensorShape(file: dir + "/model.safetensors", tensor: "encoder.layer.0.intermediate.dense.weight",
                                               expected: [TinyBERT.intermediate + 4, TinyBERT.hidden],
                                               got: [TinyBERT.intermediate, TinyBERT.hidden])) {
            try SentenceEmbedder(folder: dir)
        }
    }
}

/// A randomly initialised two-layer BERT written to a temporary folder.
enum TinyBERT {
    static let hidden = 16, intermediate = 32, layers = 2, heads = 4, positions = 12
    static let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"]

    static func folder(modelType: String = "bert", intermediateInConfig: Int = intermediate) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = """
            {"model_type": "\(modelType)", "vocab_size": \(vocab.count), "hidden_size": \(hidden), "num_hidden_layers": \(layers),
             "num_attention_heads": \(heads), "intermediate_size": \(intermediateInConfig), "max_position_embeddings": \(positions),
             "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"}
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        try Data((vocab.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/vocab.txt"))
        var seed: UInt64 = 7
        func random(_ shape: [Int]) -> [Float] {
            (0..<shape.reduce(1, *)).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: seed >> 11) % 1000) / 2000
            }
        }
        var w = SafetensorsWriter()
        func add(_ name: String, _ shape: [Int]) throws { try w.add(name, floats: random(shape), shape: shape) }
        try add("embeddings.word_embeddings.weight", [vocab.count, hidden])
        try add("embeddings.position_embeddings.weight", [positions, hidden])
        try add("embeddings.token_type_embeddings.weight", [2, hidden])
        try add("embeddings.LayerNorm.weight", [hidden])
        try add("embeddings.LayerNorm.bias", [hidden])
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for m in ["query", "key", "value"] {
                try add(p + "attention.self.\(m).weight", [hidden, hidden])
                try add(p + "attention.self.\(m).bias", [hidden])
            }
            try add(p + "attention.output.dense.weight", [hidden, hidden])
            try add(p + "attention.output.dense.bias", [hidden])
            try add(p + "attention.output.LayerNorm.weight", [hidden])
            try add(p + "attention.output.LayerNorm.bias", [hidden])
            try add(p + "intermediate.dense.weight", [intermediate, hidden])
            try add(p + "intermediate.dense.bias", [intermediate])
            try add(p + "output.dense.weight", [hidden, intermediate])
            try add(p + "output.dense.bias", [hidden])
            try add(p + "output.LayerNorm.weight", [hidden])
            try add(p + "output.LayerNorm.bias", [hidden])
        }
        try w.write(to: dir + "/model.safetensors")
        return dir
    }
}
