import AugurFormats

extension TokenizerVocabulary {
    /// Reads the `tokenizer.*` metadata of a GGUF file.
    /// - Throws: ``TokenizerError`` naming the missing or malformed key.
    public init(gguf file: GGUFFile) throws {
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
            bosID: file.int("tokenizer.ggml.bos_token_id").map { Int32(truncatingIfNeeded: $0) },
            eosID: file.int("tokenizer.ggml.eos_token_id").map { Int32(truncatingIfNeeded: $0) },
            padID: file.int("tokenizer.ggml.padding_token_id").map { Int32(truncatingIfNeeded: $0) },
            addBOS: file.bool("tokenizer.ggml.add_bos_token") ?? (model == "llama"),
            addEOS: file.bool("tokenizer.ggml.add_eos_token") ?? false,
            chatTemplate: file.string("tokenizer.chat_template"))
        try validate()
    }
}
