import AugurFormats

extension TokenizerVocabulary {
    /// Reads the `tokenizer.*` metadata of a GGUF file.
    /// - Throws: ``TokenizerError`` naming the missing or malformed key (and the file).
    public init(gguf file: GGUFFile) throws {
        func id(_ key: String) throws(TokenizerError) -> Int32? {
            guard let v = file.int(key) else {
                if file.metadata[key] != nil { throw .unreadable(source: file.path, reason: "'\(key)' is not an integer") }
                return nil
            }
            guard let i = Int32(exactly: v) else { throw .unreadable(source: file.path, reason: "'\(key)' = \(v) is out of range") }
            return i
        }
        guard let model = file.string("tokenizer.ggml.model") else { throw TokenizerError.missingField("tokenizer.ggml.model") }
        guard let tokens = file.stringArray("tokenizer.ggml.tokens"), !tokens.isEmpty else {
            throw TokenizerError.missingField("tokenizer.ggml.tokens")
        }
        let types = file.intArray("tokenizer.ggml.token_type")?.map { Int32(truncatingIfNeeded: $0) } ?? []
        self.init(
            model: model,
            pre: file.string("tokenizer.ggml.pre"),
            tokens: tokens,
            tokenTypes: types,
            merges: file.stringArray("tokenizer.ggml.merges") ?? [],
            scores: file.floatArray("tokenizer.ggml.scores"),
            bosID: try id("tokenizer.ggml.bos_token_id"),
            eosID: try id("tokenizer.ggml.eos_token_id"),
            padID: try id("tokenizer.ggml.padding_token_id"),
            unknownID: try id("tokenizer.ggml.unknown_token_id"),
            addBOS: file.bool("tokenizer.ggml.add_bos_token") ?? (model == "llama"),
            addEOS: file.bool("tokenizer.ggml.add_eos_token") ?? false,
            chatTemplate: file.string("tokenizer.chat_template"))
        addSpacePrefix = file.bool("tokenizer.ggml.add_space_prefix") ?? (model == "llama")
        try validate()
    }
}
