import Foundation

/// A value of one configuration key.
public enum RunConfigValue: Equatable, Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case strings([String])

    /// The TOML type name, as error messages say it.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .int: "integer"
        case .double: "floating-point number"
        case .bool: "boolean"
        case .strings: "array of strings"
        }
    }

    /// The TOML text of the value.
    var toml: String {
        switch self {
        case .string(let s): Self.quote(s)
        case .int(let i): Self.groupDigits(i)
        case .double(let d): d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case .bool(let b): b ? "true" : "false"
        case .strings(let a): "[" + a.map(Self.quote).joined(separator: ", ") + "]"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static func groupDigits(_ i: Int) -> String {
        guard abs(i) >= 10_000 else { return "\(i)" }
        let digits = String(abs(i))
        var groups: [String] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(String(digits[start ..< end]), at: 0)
            end = start
        }
        return (i < 0 ? "-" : "") + groups.joined(separator: "_")
    }
}

/// One key of the configuration file: where it lives, what it means, how to read and set it.
struct RunConfigField {
    let table: String
    let key: String
    let comment: String
    let get: (RunConfig) -> RunConfigValue
    let set: (inout RunConfig, RunConfigValue) -> Void

    /// `table.key`.
    var path: String { table + "." + key }

    static func string(_ t: String, _ k: String, _ kp: WritableKeyPath<RunConfig, String>, _ c: String) -> Self {
        Self(table: t, key: k, comment: c, get: { .string($0[keyPath: kp]) }, set: { if case .string(let v) = $1 { $0[keyPath: kp] = v } })
    }

    static func int(_ t: String, _ k: String, _ kp: WritableKeyPath<RunConfig, Int>, _ c: String) -> Self {
        Self(table: t, key: k, comment: c, get: { .int($0[keyPath: kp]) }, set: { if case .int(let v) = $1 { $0[keyPath: kp] = v } })
    }

    static func double(_ t: String, _ k: String, _ kp: WritableKeyPath<RunConfig, Double>, _ c: String) -> Self {
        Self(table: t, key: k, comment: c, get: { .double($0[keyPath: kp]) }, set: { if case .double(let v) = $1 { $0[keyPath: kp] = v } })
    }

    static func bool(_ t: String, _ k: String, _ kp: WritableKeyPath<RunConfig, Bool>, _ c: String) -> Self {
        Self(table: t, key: k, comment: c, get: { .bool($0[keyPath: kp]) }, set: { if case .bool(let v) = $1 { $0[keyPath: kp] = v } })
    }

    static func strings(_ t: String, _ k: String, _ kp: WritableKeyPath<RunConfig, [String]>, _ c: String) -> Self {
        Self(table: t, key: k, comment: c, get: { .strings($0[keyPath: kp]) }, set: { if case .strings(let v) = $1 { $0[keyPath: kp] = v } })
    }

    static func backend(_ t: String, _ kp: WritableKeyPath<RunConfig, RunConfig.Backend>, role: String) -> [Self] {
        [
            .string(t, "model", kp.appending(path: \RunConfig.Backend.model), "in-process \(role) model (catalog name, GGUF or HF folder); used when url is empty"),
            .string(t, "url", kp.appending(path: \RunConfig.Backend.url), "OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1) instead of the in-process model; empty: in-process"),
            .string(t, "remote_model", kp.appending(path: \RunConfig.Backend.remoteModel), "model name sent to url (needed with url)"),
            .string(t, "api_key_env", kp.appending(path: \RunConfig.Backend.apiKeyEnv), "environment variable holding the server's API key"),
            .bool(t, "response_cache", kp.appending(path: \RunConfig.Backend.responseCache), "keep replies in $AUGUR_HOME/llm-cache and reuse them on a rerun"),
            .int(t, "concurrency", kp.appending(path: \RunConfig.Backend.concurrency), "requests in flight at once"),
        ]
    }

    /// Tables in file order, each with a one-line comment.
    static let tables: [(name: String, comment: String)] = [
        ("model", "The subject model and the hook whose features are studied."),
        ("corpus", "The text the SAE is trained on and the caches are built from."),
        ("sae", "The sparse autoencoder: trained on the corpus (TopK), or loaded."),
        ("cache", "The latent caches (SAE latents and neurons) over the corpus."),
        ("latents", "Which SAE latents are explained and scored."),
        ("neurons", "The MLP neurons of the same layer (blocks.L.mlp.hook_post), explained the same way for comparison."),
        ("examples", "How examples are cut and drawn from the caches."),
        ("explain", "Explanation methods and the explainer LLM."),
        ("score", "Scorers and the scorer LLM."),
    ]

    /// Every key of the configuration file, in file order.
    static var all: [RunConfigField] {
        var f: [RunConfigField] = [
            .string("model", "name", \.model.name, "catalog name (see `augur models`), GGUF file or Hugging Face model folder"),
            .string("model", "hook", \.model.hook, "hook point of the SAE: blocks.L.hook_resid_post (mid-layer of SmolLM2-135M's 30), hook_resid_pre, hook_mlp_out, mlp.hook_post…"),
            .string("corpus", "source", \.corpus.source, "built-in corpus name (wiki-vital), or a .txt/.jsonl file or folder"),
            .int("corpus", "context_length", \.corpus.contextLength, "tokens per context"),
            .int("corpus", "seed", \.corpus.seed, "seed of document shuffling, SAE initialisation and latent/example sampling"),
            .string("sae", "load", \.sae.load, "an SAE folder or file (sparsify, SAELens or Gemma Scope layout) to use instead of training; empty: train"),
            .int("sae", "train_tokens", \.sae.trainTokens, "training tokens (~450 tokens/s on 2 cores for SmolLM2-135M: 64k take ~4 min with the held-out evaluation)"),
            .int("sae", "expansion", \.sae.expansion, "latents = hook width × expansion"),
            .int("sae", "k", \.sae.k, "active latents per token (TopK)"),
            .double("sae", "learning_rate", \.sae.learningRate, "Adam learning rate; 0: sparsify's 2e-4 / sqrt(latents / 16384)"),
            .int("sae", "batch_rows", \.sae.batchRows, "activation rows per optimisation step"),
            .int("sae", "skip_positions", \.sae.skipPositions, "leading positions of each context left out (position 0 is the attention sink)"),
            .int("sae", "checkpoint_every", \.sae.checkpointEvery, "checkpoint every N training tokens (a killed run resumes from the last one)"),
            .double("sae", "held_out", \.sae.heldOut, "fraction of documents held out for evaluating the SAE"),
            .int("sae", "eval_tokens", \.sae.evalTokens, "held-out tokens for the SAE's metrics (FVU, loss recovered)"),
            .int("cache", "tokens", \.cache.tokens, "tokens cached, for the SAE and again for the neurons (~530 tokens/s each)"),
            .int("cache", "batch", \.cache.batch, "contexts per forward pass and per committed batch"),
            .string("latents", "select", \.latents.select, "random:N, top-density:N, 0-99, 5,17,200-210 or all (dead latents are left out of sampled selections)"),
            .bool("neurons", "enabled", \.neurons.enabled, "explain neurons of the same layer too"),
            .string("neurons", "select", \.neurons.select, "which neurons (same forms as latents.select)"),
            .int("neurons", "topk", \.neurons.topk, "keep only the K largest neurons per token in the cache; 0: all"),
            .int("examples", "window_length", \.examples.windowLength, "tokens per example window"),
            .int("examples", "train_count", \.examples.trainCount, "activating examples shown to the explainer"),
            .int("examples", "test_count", \.examples.testCount, "held-out activating examples the scorers see"),
            .int("examples", "non_activating_count", \.examples.nonActivatingCount, "non-activating examples the scorers see"),
            .int("examples", "quantiles", \.examples.quantiles, "activation quantiles the examples are drawn over"),
            .int("examples", "min_examples", \.examples.minExamples, "features with fewer activating windows get no input-side description"),
            .strings("explain", "methods", \.explain.methods, "maxact, maxact-openai, contrastive, vocabproj, tokenchange, ensemble, ensemble-concat"),
        ]
        f += backend("explain", \.explain.backend, role: "explainer")
        f.append(.strings("score", "scorers", \.score.scorers, "detection, fuzzing, intruder, simulation, embedding"))
        f += backend("score", \.score.backend, role: "scorer")
        f.append(.string("score", "embedder", \.score.embedder, "sentence embedder of the embedding scorer"))
        f.append(.bool("score", "per_example", \.score.perExample,
                       "detection/fuzzing: one example per prompt, answer read from logprobs (false: batches of 5)"))
        return f
    }
}
