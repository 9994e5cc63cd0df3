import AugurFormats
import AugurTensor
import Foundation

/// A Hugging Face model folder: `config.json`, `*.safetensors` (possibly sharded with
/// `model.safetensors.index.json`) and `tokenizer.json`.
struct HuggingFaceFolder: WeightSource {
    let path: String
    /// The parsed config.json.
    let config: [String: Any]
    let modelType: String
    /// Shards by file name, and which shard holds each tensor.
    let files: [String: SafetensorsFile]
    let location: [String: String]

    /// Architectures (config.json `model_type`) this loader maps.
    static let supported = ["llama", "qwen2", "gemma3", "gemma3_text", "bert"]

    init(path: String) throws(ModelError) {
        self.path = path
        let fm = FileManager.default
        let configPath = (path as NSString).appendingPathComponent("config.json")
        guard fm.fileExists(atPath: configPath) else { throw .missingFile(folder: path, file: "config.json") }
        guard let data = fm.contents(atPath: configPath),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .corruptModelFile(file: configPath, detail: "not a JSON object")
        }
        // Gemma 3 multimodal configs nest the language model's settings in text_config.
        var cfg = json
        if let text = json["text_config"] as? [String: Any] { cfg.merge(text) { _, new in new } }
        config = cfg
        guard let type = cfg["model_type"] as? String else {
            throw .corruptModelFile(file: configPath, detail: "missing field 'model_type'")
        }
        guard Self.supported.contains(type) else {
            throw .unsupportedArchitecture(file: configPath, architecture: type, supported: Self.supported)
        }
        modelType = type
        // Shards.
        let index = (path as NSString).appendingPathComponent("model.safetensors.index.json")
        var names: [String]
        var location: [String: String] = [:]
        let indexed = fm.fileExists(atPath: index)
        if let d = fm.contents(atPath: index) {
            guard let j = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any],
                  let map = j["weight_map"] as? [String: String] else {
                throw .corruptModelFile(file: index, detail: "missing 'weight_map'")
            }
            location = map
            names = Array(Set(map.values)).sorted()
        } else {
            names = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
            guard !names.isEmpty else { throw .missingFile(folder: path, file: "model.safetensors (or *.safetensors)") }
        }
        var files: [String: SafetensorsFile] = [:]
        for n in names {
            let p = (path as NSString).appendingPathComponent(n)
            guard fm.fileExists(atPath: p) else { throw .missingFile(folder: path, file: n) }
            let file: SafetensorsFile
            do { file = try SafetensorsFile(path: p) } catch {
                throw .corruptModelFile(file: p, detail: "\(error)")
            }
            files[n] = file
            // Without an index every tensor is found where it is.
            if !indexed { for t in file.names { location[t] = n } }
        }
        self.files = files
        self.location = location
    }

    /// The Hugging Face name of a GGUF tensor name.
    func sourceName(_ name: String) -> String { Self.nameMap(modelType: modelType)(name) }

    /// GGUF tensor name → Hugging Face tensor name for a `model_type`.
    static func nameMap(modelType: String) -> @Sendable (String) -> String {
        let gemma = modelType.hasPrefix("gemma")
        return { name in
        switch name {
        case "token_embd.weight": return "model.embed_tokens.weight"
        case "output_norm.weight": return "model.norm.weight"
        case "output.weight": return "lm_head.weight"
        default: break
        }
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "blk" else { return name }
        let layer = "model.layers.\(parts[1])."
        let table: [String: String] = [
            "attn_norm.weight": "input_layernorm.weight",
            "attn_q.weight": "self_attn.q_proj.weight", "attn_q.bias": "self_attn.q_proj.bias",
            "attn_k.weight": "self_attn.k_proj.weight", "attn_k.bias": "self_attn.k_proj.bias",
            "attn_v.weight": "self_attn.v_proj.weight", "attn_v.bias": "self_attn.v_proj.bias",
            "attn_output.weight": "self_attn.o_proj.weight",
            "attn_q_norm.weight": "self_attn.q_norm.weight", "attn_k_norm.weight": "self_attn.k_norm.weight",
            "ffn_norm.weight": gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight",
            "post_attention_norm.weight": "post_attention_layernorm.weight",
            "post_ffw_norm.weight": "post_feedforward_layernorm.weight",
            "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight",
            "ffn_down.weight": "mlp.down_proj.weight",
        ]
        return table[parts[2]].map { layer + $0 } ?? name
        }
    }

    func tensor(_ name: String) throws(ModelError) -> RawTensor? {
        try hfTensor(sourceName(name))
    }

    /// A tensor by its Hugging Face name; shapes are reported in GGUF order (innermost first).
    func hfTensor(_ hf: String) throws(ModelError) -> RawTensor? {
        guard let fileName = location[hf], let file = files[fileName], let info = file.tensors[hf] else { return nil }
        let type: GGMLType
        switch info.dtype {
        case .f32: type = .f32
        case .f16: type = .f16
        case .bf16: type = .bf16
        default:
            throw .unsupportedTensorType(file: file.path, tensor: hf, type: info.dtype.rawValue)
        }
        return RawTensor(type: type, shape: info.shape.reversed(), data: file.data(for: info), owner: file)
    }

    // MARK: config.json

    func int(_ key: String) -> Int? { (config[key] as? NSNumber)?.intValue }
    func float(_ key: String) -> Float? { (config[key] as? NSNumber)?.floatValue }
    func bool(_ key: String) -> Bool? { (config[key] as? NSNumber)?.boolValue }

    /// The decoder configuration from config.json.
    func transformerConfig() throws(ModelError) -> TransformerConfig {
        let file = (path as NSString).appendingPathComponent("config.json")
        func need(_ key: String) throws(ModelError) -> Int {
            guard let v = int(key), v > 0 else { throw .corruptModelFile(file: file, detail: "missing or invalid field '\(key)'") }
            return v
        }
        guard modelType != "bert" else {
            throw .unsupportedArchitecture(file: file, architecture: "bert (an encoder: load it as a sentence embedder)",
                                           supported: ["llama", "qwen2", "gemma3"])
        }
        let gemma = modelType.hasPrefix("gemma")
        let d = try need("hidden_size"), heads = try need("num_attention_heads")
        let headDim = int("head_dim") ?? d / heads
        let hasHead = try hfTensor("lm_head.weight") != nil
        var c = TransformerConfig(
            architecture: gemma ? "gemma3" : modelType,
            vocabSize: try need("vocab_size"), dModel: d, layers: try need("num_hidden_layers"), heads: heads,
            kvHeads: int("num_key_value_heads") ?? heads, headDim: headDim, dMLP: try need("intermediate_size"),
            contextLength: int("max_position_embeddings") ?? 4096,
            ropeTheta: float("rope_theta") ?? 10_000, rmsEps: float("rms_norm_eps") ?? 1e-6,
            ropeNeox: true, tiedEmbeddings: bool("tie_word_embeddings") ?? !hasHead)
        if gemma {
            c.embeddingScale = Float(d).squareRoot()
            c.mlpActivation = .geluTanh
            c.slidingWindow = int("sliding_window")
            c.slidingWindowPattern = int("sliding_window_pattern") ?? 6
            if let types = config["layer_types"] as? [String], let firstGlobal = types.firstIndex(of: "full_attention") {
                c.slidingWindowPattern = firstGlobal + 1
            }
            c.localRopeTheta = float("rope_local_base_freq") ?? 10_000
            c.qkNorm = true
            c.postNorms = true
            c.normWeightOffset = 1
            if let s = float("query_pre_attn_scalar") { c.attentionScale = 1 / s.squareRoot() }
        }
        return c
    }
}
