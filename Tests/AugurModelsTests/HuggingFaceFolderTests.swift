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

    /// Exports `gguf` as config.json + two safetensors shards with an index + tokenizer files,
    /// optionally keeping only the first `layers` blocks and `vocab` rows of the embedding/head.
    static func export(_ path: String, to dir: URL, layers: Int? = nil, vocab vocabLimit: Int? = nil, index: Bool = true) throws {
        let file = try GGUFFile(path: path)
        var c = try TransformerConfig(gguf: file)
        if let layers { c.layers = layers }
        if let vocabLimit { c.vocabSize = vocabLimit }
        let vocab = try TokenizerVocabulary(gguf: file)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let folder = HuggingFaceFolder.nameMap(modelType: c.architecture)
        var shards = [SafetensorsWriter(), SafetensorsWriter()]
        var weightMap: [String: String] = [:]
        for (i, t) in file.tensors.enumerated() {
            if let l = t.name.split(separator: ".").dropFirst().first.flatMap({ Int($0) }), t.name.hasPrefix("blk."), l >= c.layers {
                continue
            }
            var shape = Array(t.shape.reversed())
            var count = t.elementCount
            if t.name == "token_embd.weight" || t.name == "output.weight" {
                shape[0] = c.vocabSize
                count = shape[0] * shape[1]
            }
            var values = dequantize(t.type, file.data(for: t), count: count)
            if c.architecture == "gemma3", t.name.hasSuffix("norm.weight") {
                values = values.map { $0 - 1 }   // HF Gemma stores w for (1 + w); GGUF bakes the 1 in
            }
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
        if index {
            try JSONSerialization.data(withJSONObject: ["weight_map": weightMap])
                .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        }
        var config: [String: Any] = [
            "model_type": c.architecture, "hidden_size": c.dModel, "num_hidden_layers": c.layers,
            "num_attention_heads": c.heads, "num_key_value_heads": c.kvHeads, "intermediate_size": c.dMLP,
            "max_position_embeddings": c.contextLength, "rope_theta": c.ropeTheta, "rms_norm_eps": c.rmsEps,
            "vocab_size": c.vocabSize, "tie_word_embeddings": c.tiedEmbeddings, "head_dim": c.headDim,
        ]
        if c.architecture == "gemma3" {
            config["model_type"] = "gemma3_text"
            config["sliding_window"] = c.slidingWindow
            config["layer_types"] = (0..<c.layers).map { c.isLocal(layer: $0) ? "sliding_attention" : "full_attention" }
            config["rope_local_base_freq"] = c.localRopeTheta
            config["query_pre_attn_scalar"] = c.headDim
        }
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
        // Gemma: a SentencePiece-style BPE (byte fallback); the GGUF has no merges, so none are written.
        let tokenizer: [String: Any] = ["model": ["type": "BPE", "vocab": vocabMap, "merges": vocab.merges,
                                                  "byte_fallback": vocab.model == "llama"],
                                        "added_tokens": added, "pre_tokenizer": pre]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: dir.appendingPathComponent("tokenizer.json"))
        var tc: [String: Any] = ["add_bos_token": vocab.addBOS]
        if let t = vocab.chatTemplate { tc["chat_template"] = t }
        if let b = vocab.bosID { tc["bos_token"] = vocab.tokens[Int(b)] }
        if let e = vocab.eosID { tc["eos_token"] = vocab.tokens[Int(e)] }
        try JSONSerialization.data(withJSONObject: tc).write(to: dir.appendingPathComponent("tokenizer_config.json"))
    }

    /// Exports the first blocks of a GGUF model as a Hugging Face folder, loads it, and checks
    /// the residual stream after the last exported block and the logits there against the GGUF model.
    func roundTrip(_ name: String, layers: Int, vocab: Int?, ids: [Int32], index: Bool = true) throws -> any LanguageModel {
        let gguf = try TestModels.named(name)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-hf-\(name)-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.export(gguf.info.path, to: dir, layers: layers, vocab: vocab, index: index)
        let hf = try ModelLoader.load(dir.path, options: LoadOptions(denseWeights: false))
        #expect(hf.config.layers == layers && hf.config.ropeNeox && hf.config.tiedEmbeddings == gguf.config.tiedEmbeddings)
        let point = HookPoint(layer: layers - 1, site: .residPost)
        let a = Hooks(), b = Hooks()
        a.capture(point); b.capture(point)
        _ = try gguf.forward([ids], caches: nil, hooks: a,
                             options: ForwardOptions(logits: .none, stopAfterLayer: layers - 1, precision: .exact))
        let logits = try hf.forward([ids], caches: nil, hooks: b, options: ForwardOptions(logits: .last, precision: .exact))[0]
        #expect(relativeError(b.activations(at: point), a.activations(at: point)) < 1e-5)
        let last = Array(a.activations(at: point).suffix(gguf.config.dModel))
        let expected = Array(try gguf.projectToVocabulary(last, applyFinalNorm: true).prefix(hf.config.vocabSize))
        #expect(relativeError(logits, expected) < 1e-5)
        return hf
    }

    /// Llama (GGUF's permuted Q/K, tied head), cut to 4 blocks; also the tokenizer and chat template.
    @Test func smolLMFolderMatchesTheGGUFModel() throws {
        let gguf = try TestModels.smollm.get()
        let text = "The quick brown fox jumps over the lazy dog. 12345 <|im_start|>"
        let ids = gguf.tokenize(text)
        let hf = try roundTrip("smollm2-135m-instruct", layers: 4, vocab: nil, ids: ids)
        #expect(hf.tokenize(text) == ids)
        #expect(hf.chatTemplate != nil && hf.tokenizer.eosIDs == gguf.tokenizer.eosIDs)
    }

    /// Qwen2 (q/k/v biases, untied head), cut to 2 blocks and 4096 tokens; two shards without an index.
    @Test func qwenFolderMatchesTheGGUFModel() throws {
        _ = try roundTrip("qwen2.5-coder-0.5b-instruct", layers: 2, vocab: 4096,
                          ids: [785, 3974, 1009, 2518, 3281, 916, 279, 1207, 562, 13], index: false)
    }

    /// Gemma 3 ((1 + w) norms, QK-norm, sandwich norms, local and global layers), cut to 6 blocks
    /// (5 local, 1 global) and 4096 tokens.
    @Test func gemmaFolderMatchesTheGGUFModel() throws {
        let hf = try roundTrip("gemma-3-270m", layers: 6, vocab: 4096, ids: [2, 818, 3823, 717, 1133, 3341, 1024, 506, 2331, 563])
        #expect(hf.config.normWeightOffset == 1 && hf.config.isLocal(layer: 0) && !hf.config.isLocal(layer: 5))
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
        try Data(#"{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0, "b": 1, "c": 2, "d": 3}, "merges": []}}"#.utf8)
            .write(to: dir.appendingPathComponent("tokenizer.json"))
        #expect(message().contains("model.layers.0.input_layernorm.weight"))
        // A tensor whose shape disagrees with config.json is named with both shapes.
        w = SafetensorsWriter()
        try w.add("model.embed_tokens.weight", floats: [Float](repeating: 0, count: 4 * 6), shape: [4, 6])
        try w.add("model.layers.0.input_layernorm.weight", floats: [Float](repeating: 1, count: 6), shape: [6])
        try w.write(to: dir.appendingPathComponent("model.safetensors").path)
        let shape = message()
        #expect(shape.contains("model.layers.0.input_layernorm.weight") && shape.contains("[6]") && shape.contains("[8]"), "\(shape)")
    }
}
