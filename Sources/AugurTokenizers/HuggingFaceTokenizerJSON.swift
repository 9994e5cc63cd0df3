import Foundation

extension TokenizerVocabulary {
    /// Reads a Hugging Face `tokenizer.json` (byte-level BPE: GPT-2, SmolLM/StarCoder, Qwen2,
    /// Llama 3 pre-tokenizers; or SentencePiece-style BPE with byte fallback, as Gemma's) and, if present beside it, `tokenizer_config.json` (BOS/EOS,
    /// `add_bos_token`, `chat_template`).
    ///
    /// - Throws: ``TokenizerError`` naming the file and field at fault.
    public init(huggingFaceJSON path: String) throws {
        func fail(_ field: String, _ why: String) -> TokenizerError {
            .invalidFile(path: path, field: field, reason: why)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("", "cannot read the file") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("", "not a JSON object")
        }
        guard let model = root["model"] as? [String: Any] else { throw fail("model", "missing") }
        guard (model["type"] as? String) == "BPE" else {
            throw fail("model.type", "'\(model["type"] ?? "nil")' is not supported here (byte-level BPE only)")
        }
        guard let vocab = model["vocab"] as? [String: Int] else { throw fail("model.vocab", "missing or not an object of ids") }
        // Merges are "a b" strings (older files) or ["a", "b"] pairs (newer ones).
        var merges: [String] = []
        if let m = model["merges"] as? [String] {
            merges = m
        } else if let m = model["merges"] as? [[String]] {
            merges = m.map { $0.joined(separator: " ") }
        } else if model["merges"] != nil {
            throw fail("model.merges", "neither strings nor pairs")
        }
        let added = (root["added_tokens"] as? [[String: Any]]) ?? []
        let maxID = max(vocab.values.max() ?? -1, added.compactMap { $0["id"] as? Int }.max() ?? -1)
        guard maxID >= 0 else { throw fail("model.vocab", "empty") }
        var tokens = [String](repeating: "", count: maxID + 1)
        var types = [Int32](repeating: TokenType.unused.rawValue, count: maxID + 1)
        for (t, id) in vocab where id >= 0 {
            tokens[id] = t
            types[id] = TokenType.normal.rawValue
        }
        for a in added {
            guard let id = a["id"] as? Int, let content = a["content"] as? String, id >= 0 else {
                throw fail("added_tokens", "an entry without id/content")
            }
            tokens[id] = content
            types[id] = ((a["special"] as? Bool) ?? false) ? TokenType.control.rawValue : TokenType.userDefined.rawValue
        }
        // SentencePiece-style BPE (Gemma, Llama 2): spaces become ▁, unknown text falls back to
        // <0xXX> byte tokens. It runs as `SentencePieceTokenizer`, whose merge priority is the
        // merged token's score: a merge of rank r gives its result the score −r.
        let sentencePiece = (model["byte_fallback"] as? Bool) == true
        var scores: [Float]? = nil
        if sentencePiece {
            var sc = [Float](repeating: -1e9, count: tokens.count)
            for (rank, m) in merges.enumerated() {
                if let id = vocab[m.replacingOccurrences(of: " ", with: "")], sc[id] == -1e9 { sc[id] = -Float(rank) }
            }
            for (id, t) in tokens.enumerated() where types[id] == TokenType.normal.rawValue {
                if t.count == 6, t.hasPrefix("<0x"), t.hasSuffix(">") { types[id] = TokenType.byte.rawValue }
                else if t.count == 1 { sc[id] = 0 }
            }
            scores = sc
        }
        let pre = sentencePiece ? nil : try Self.preTokenizerName(root["pre_tokenizer"], path: path)

        // tokenizer_config.json, when present.
        let configPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("tokenizer_config.json")
        var config: [String: Any] = [:]
        if let d = FileManager.default.contents(atPath: configPath) {
            guard let c = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] else {
                throw TokenizerError.invalidFile(path: configPath, field: "", reason: "not a JSON object")
            }
            config = c
        }
        func tokenID(_ key: String) -> Int32? {
            let v = config[key]
            let text = (v as? String) ?? ((v as? [String: Any])?["content"] as? String)
            guard let text else { return nil }
            if let id = vocab[text] { return Int32(id) }
            return added.first { ($0["content"] as? String) == text }.flatMap { ($0["id"] as? Int).map(Int32.init) }
        }
        // BOS is added when the post-processor's single-sequence template starts with a special token.
        var addBOS = (config["add_bos_token"] as? Bool) ?? false
        if config["add_bos_token"] == nil, let post = root["post_processor"] as? [String: Any],
           let single = post["single"] as? [[String: Any]], single.first?["SpecialToken"] != nil {
            addBOS = true
        }
        self.init(model: sentencePiece ? "llama" : "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: merges,
                  scores: scores, bosID: tokenID("bos_token"), eosID: tokenID("eos_token"), padID: tokenID("pad_token"),
                  unknownID: (model["unk_token"] as? String).flatMap { vocab[$0] }.map { Int32($0) },
                  addBOS: addBOS, addEOS: false, chatTemplate: config["chat_template"] as? String)
        // A normalizer that prepends ▁ is SentencePiece's add_dummy_prefix.
        if sentencePiece, let norm = root["normalizer"] as? [String: Any] {
            let steps = (norm["normalizers"] as? [[String: Any]]) ?? [norm]
            addSpacePrefix = steps.contains { ($0["type"] as? String) == "Prepend" }
        }
        try validate()
    }

    /// Maps a `pre_tokenizer` section to the pre-tokenizer names ``PreTokenizer`` knows.
    static func preTokenizerName(_ section: Any?, path: String) throws(TokenizerError) -> String {
        guard let section = section as? [String: Any] else { return "gpt2" }
        let parts = (section["type"] as? String) == "Sequence" ? (section["pretokenizers"] as? [[String: Any]] ?? []) : [section]
        let types = parts.compactMap { $0["type"] as? String }
        let patterns = parts.compactMap { ($0["pattern"] as? [String: Any])?["Regex"] as? String }
        if types.contains("Digits") && parts.contains(where: { ($0["individual_digits"] as? Bool) == true }) {
            return "smollm"
        }
        if let p = patterns.first {
            if p.contains("\\p{N}{1,3}") { return "llama-bpe" }
            if p.contains("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+") { return "qwen2" }
            if p.contains("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+") { return "gpt2" }
            throw .invalidFile(path: path, field: "pre_tokenizer", reason: "unrecognised split pattern \(p.prefix(80))")
        }
        if types == ["ByteLevel"] { return "gpt2" }
        throw .invalidFile(path: path, field: "pre_tokenizer", reason: "unsupported pre-tokenizer \(types)")
    }
}
