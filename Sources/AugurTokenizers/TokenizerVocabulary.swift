/// Everything a tokenizer needs, independent of the file it came from.
///
/// The fields mirror the GGUF `tokenizer.*` metadata keys (`tokenizer.ggml.model`,
/// `tokenizer.ggml.pre`, `tokenizer.ggml.tokens`, …) so that a vocabulary read from a GGUF
/// file, a `tokenizer.json` or a test fixture all look the same to the tokenizers.
public struct TokenizerVocabulary: Sendable {
    /// Token type codes of `tokenizer.ggml.token_type` (llama.cpp's `llama_token_type`).
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// `tokenizer.ggml.model`, e.g. `"gpt2"` for byte-level BPE.
    public var model: String
    /// `tokenizer.ggml.pre`, the pre-tokenizer name, e.g. `"smollm"` or `"qwen2"`.
    public var pre: String?
    /// `tokenizer.ggml.tokens`: the token strings, indexed by id.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`: one ``TokenType`` code per token (empty means all normal).
    public var tokenTypes: [Int32]
    /// `tokenizer.ggml.merges`: `"left right"` pairs; a merge's rank is its index.
    public var merges: [String]
    /// `tokenizer.ggml.scores`, used by SentencePiece-style models.
    public var scores: [Float]?
    /// `tokenizer.ggml.bos_token_id`.
    public var bosID: Int32?
    /// `tokenizer.ggml.eos_token_id`.
    public var eosID: Int32?
    /// `tokenizer.ggml.padding_token_id`.
    public var padID: Int32?
    /// `tokenizer.ggml.unknown_token_id`: stands for input the vocabulary cannot express.
    public var unknownID: Int32?
    /// `tokenizer.ggml.add_bos_token`: whether encoding with special tokens prepends BOS.
    public var addBOS: Bool
    /// `tokenizer.ggml.add_eos_token`: whether encoding with special tokens appends EOS.
    public var addEOS: Bool
    /// `tokenizer.chat_template`, a Jinja template.
    public var chatTemplate: String?
    /// `tokenizer.ggml.add_space_prefix`: SentencePiece models prepend `▁` to the text.
    public var addSpacePrefix: Bool = false

    /// Creates a vocabulary from its parts.
    public init(
        model: String, pre: String?, tokens: [String], tokenTypes: [Int32], merges: [String],
        scores: [Float]? = nil, bosID: Int32? = nil, eosID: Int32? = nil, padID: Int32? = nil,
        unknownID: Int32? = nil, addBOS: Bool = false, addEOS: Bool = false, chatTemplate: String? = nil
    ) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.scores = scores
        self.bosID = bosID
        self.eosID = eosID
        self.padID = padID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.chatTemplate = chatTemplate
    }

    /// The type of token `id` (``TokenType/normal`` when `tokenTypes` is empty or the code is unknown).
    public func tokenType(_ id: Int) -> TokenType {
        guard id >= 0, id < tokenTypes.count else { return .normal }
        return TokenType(rawValue: tokenTypes[id]) ?? .normal
    }

    /// Checks that the parallel arrays agree and that the special ids are in range.
    /// - Throws: ``TokenizerError`` naming the field at fault.
    public func validate() throws(TokenizerError) {
        if tokens.isEmpty { throw .missingField("tokenizer.ggml.tokens") }
        if !tokenTypes.isEmpty, tokenTypes.count != tokens.count {
            throw .lengthMismatch(field: "tokenizer.ggml.token_type", expected: tokens.count, actual: tokenTypes.count)
        }
        if let scores, !scores.isEmpty, scores.count != tokens.count {
            throw .lengthMismatch(field: "tokenizer.ggml.scores", expected: tokens.count, actual: scores.count)
        }
        for (field, id) in [("tokenizer.ggml.bos_token_id", bosID), ("tokenizer.ggml.eos_token_id", eosID),
                            ("tokenizer.ggml.padding_token_id", padID), ("tokenizer.ggml.unknown_token_id", unknownID)] {
            if let id, id < 0 || Int(id) >= tokens.count {
                throw .tokenIDOutOfRange(field: field, id: Int(id), vocabularySize: tokens.count)
            }
        }
    }
}
