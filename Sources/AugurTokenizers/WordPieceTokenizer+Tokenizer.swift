extension WordPieceTokenizer: Tokenizer {
    /// Token ids of `text`, `[CLS] … [SEP]` when `addSpecialTokens`, not truncated.
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        encode(text, addSpecialTokens: addSpecialTokens, maxLength: nil)
    }
}
