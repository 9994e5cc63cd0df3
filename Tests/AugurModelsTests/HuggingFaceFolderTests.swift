import AugurFormats
import AugurTensor
import AugurTokenizers
import Foundation
import Testing
@testable import AugurModels

/// Writes a Hugging Face folder from a GGUF model with Augur's own writers, loads it back and
/// compares logits.
@Suite(.serialized) struct HuggingFaceFolderTests {
    /// GGUF's llama Q/K rows are permuted per head ((i, half) → 2i + half); undo that for HF.
    static func unpermute(_ w: [Float], rows: Int, cols: Int, heads: Int) -> [Float] {
        let hd = rows / heads
        var out = w
        for h in 0..<heads {
            for i in 0..<(hd / 2) {
                for half in 0..<2 {
                    let src = h * hd + 2 * i + half, dst = h * hd + half * (hd / 2) + i
                    for c in 0..<cols { out[dst * cols + c] = w[src * cols + c] }
                }
            }
        }
        return out
    }

    /// Exports `gguf` as config.json + two safetensors shards with an index + tokenizer files.
    static func export(_ path: String, to dir: URL) throws {
        let file = try GGUFFile(path: path)
        let c = try TransformerConfig(gguf: file)
        let vocab = try TokenizerVocabulary(gguf: file)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let folder = HuggingFaceFolder.nameMap(modelType: c.architecture)
        var shards = [SafetensorsWriter(), SafetensorsWriter()]
        var weightMap: [String: String] = [:]
        for (i, t) in file.tensors.enumerated() {
            var values = dequantize(t.type, file.data(for: t), count: t.elementCount)
            let shape = Array(t.shape.reversed())
            if c.architecture == "llama", t.name.hasSuffix("attn_q.weight") || t.name.hasSuffix("attn_k.weight") {
                values = unpermute(values, rows: shape[0], cols: shape[1], heads: t.name.hasSuffix("attn_q.weight") ? c.heads : c.kvHeads)
            }
            let hf = folder(t.name)
            let shard = i % 2
            try shards[shard].add(hf, floats: values, shape: shape)
            weightMap[hf] = "model-0000\(shard + 1)-of-00002.safetensors"
        }
        for (i, s) in shards.enumerated() {
            try s.write(to: dir.appendingPathComponent("model-0000\(i + 1)-of-00002.safetensors").path)
        }
        try JSONSerialization.data(withJSONObject: ["weight_map": weightMap])
            .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let config: [String: Any] = [
            "model_type": c.architecture, "hidden_size": c.dModel, "num_hidden_layers": c.layers,
            "num_attention_heads": c.heads, "num_key_value_heads": c.kvHeads, "intermediate_size": c.dMLP,
            "max_position_embeddings": c.contextLength, "rope_theta": c.ropeTheta, "rms_norm_eps": c.rmsEps,
            "vocab_size": c.vocabSize, "tie_word_embeddings": c.tiedEmbeddings, "head_dim": c.headDim,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        // tokenizer.json: byte-level BPE with the pre-tokenizer the GGUF names.
        var vocabMap: [String: Int] = [:]
        var added: [[String: Any]] = []
        for (id, t) in vocab.tokens.enumerated() {
            if vocab.tokenType(id) == .control || vocab.tokenType(id) == .userDefined {
                added.append(["id": id, "content": t, "special": vocab.tokenType(id) == .control])
            }
            vocabMap[t] = id
        }
        let pre: [String: Any] = vocab.pre == "smollm"
            ? ["type": "Sequence", "pretokenizers": [["type": "Digits", "individual_digits": true],
                                                     ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true]]]
            : ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"],
                 "behavior": "Isolated"],
                ["type": "ByteLevel", "add_prefix_space": false, "use_regex": false]]]
        let tokenizer: [String: Any] = ["model": ["type": "BPE", "vocab": vocabMap, "merges": vocab.merges],
                                        "added_tokens": added, "pre_tokenizer": pre]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: dir.appendingPathComponent("tokenizer.json"))
        var tc: [String: Any] = ["add_bos_token": vocab.addBOS]
        if let t = vocab.chatTemplate { tc["chat_template"] = t }
        if let b = vocab.bosID { tc["bos_token"] = vocab.tokens[Int(b)] }
        if let e = vocab.eosID { tc["eos_token"] = vocab.tokens[Int(e)] }
        try JSONSerialization.data(withJSONObject: tc).write(to: dir.appendingPathComponent("tokenizer_config.json"))
    }

    @Test(arguments: ["smollm2-135m-instruct", "qwen2.5-coder-0.5b-instruct"])
    func folderFromGGUFGivesTheSameLogits(model name: String) throws {
        let gguf = try TestModels.named(name)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-hf-\(name)-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.export(gguf.info.path, to: dir)
        let hf = try ModelLoader.load(dir.path, options: LoadOptions(denseWeights: false))
        #expect(hf.config.vocabSize == gguf.config.vocabSize && hf.config.ropeNeox)
        let text = "The quick brown fox jumps over the lazy dog. 12345 <|im_start|>"
        let ids = gguf.tokenize(text)
        #expect(hf.tokenize(text) == ids)
        let options = ForwardOptions(logits: .all, precision: .exact)
        let a = try gguf.forward([ids], caches: nil, hooks: nil, options: options)[0]
        let b = try hf.forward([ids], caches: nil, hooks: nil, options: options)[0]
        let maxDiff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff < 1e-3, "logits differ by up to \(maxDiff)")
        #expect(hf.chatTemplate != nil)
    }

    @Test func badFoldersNameWhatIsWrong() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-hf-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func message() -> String {
            do { _ = try ModelLoader.load(dir.path); return "" } catch { return "\(error)" }
        }
        #expect(message().contains("config.json"))
        try Data(#"{"model_type": "mamba"}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        #expect(message().contains("mamba") && message().contains("llama"))
        try Data(#"{"model_type": "llama", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "vocab_size": 4}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        #expect(message().contains("safetensors"))
        var w = SafetensorsWriter()
        try w.add("model.embed_tokens.weight", floats: [Float](repeating: 0, count: 4 * 6), shape: [4, 6])
        try w.write(to: dir.appendingPathComponent("model.safetensors").path)
        #expect(message().contains("tokenizer.json"))
    }
}
