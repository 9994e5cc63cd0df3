/// A text ⇄ token-id mapping.
public protocol Tokenizer: Sendable {
    /// Token ids of `text`. Special-token strings in the text (e.g. `<|im_start|>`) become their
    /// ids; `addSpecialTokens` adds BOS/EOS as the vocabulary asks (`add_bos_token`, `add_eos_token`).
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int32]
    /// The text of `ids`; bytes that do not form valid UTF-8 become U+FFFD.
    func decode(_ ids: [Int32]) -> String
    /// The raw bytes token `id` stands for (empty for an id outside the vocabulary).
    func tokenBytes(_ id: Int32) -> [UInt8]
    /// A readable display form of one token: its decoded text, with bytes that are not valid
    /// UTF-8 on their own shown as `<0xXX>`.
    func tokenString(_ id: Int32) -> String
    /// Number of token ids.
    var vocabularySize: Int { get }
    /// Beginning-of-sequence id, if any.
    var bosID: Int32? { get }
    /// The vocabulary's end-of-sequence id, if any.
    var eosID: Int32? { get }
    /// Every id that ends generation: ``eosID`` plus end-of-turn tokens such as `<|im_end|>` and `<|endoftext|>`.
    var eosIDs: Set<Int32> { get }
}

extension Tokenizer {
    /// Token ids of `text` with the vocabulary's default special tokens added.
    public func encode(_ text: String) -> [Int32] { encode(text, addSpecialTokens: true) }
}
