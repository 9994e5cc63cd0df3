import Testing
@testable import AugurTokenizers

/// A small hand-made byte-level vocabulary: the 256 byte symbols, a few merges, special tokens.
enum TinyVocab {
    static func make(pre: String? = "gpt2", extraMerges: [String] = []) -> TokenizerVocabulary {
        var tokens = ByteLevel.byteToScalar.map { String($0) }
        var types = [Int32](repeating: 1, count: 256)
        let merged = ["ab", "abc", "Ġa", "Ġab", "<s", "<s>"]
        tokens += merged
        types += [Int32](repeating: 1, count: merged.count)
        tokens += ["<s>", "<s>x", "<pad>"]
        types += [3, 4, 5]
        return TokenizerVocabulary(
            model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types,
            merges: ["a b", "ab c", "Ġ a", "Ġa b", "< s", "<s >"] + extraMerges,
            bosID: 262, eosID: 262)
    }
    static let ab: Int32 = 256, abc: Int32 = 257, spaceA: Int32 = 258, spaceAB: Int32 = 259
    static let special: Int32 = 262, userDefined: Int32 = 263, unused: Int32 = 264
}

@Suite struct VocabularyTests {
    @Test func mergesByRank() throws {
        let tok = try ByteLevelBPETokenizer(TinyVocab.make())
        #expect(tok.encode("abc", addSpecialTokens: false) == [TinyVocab.abc])
        // " abc": "a b" (rank 0) wins over "Ġ a" (rank 2), then "ab c" (rank 1); "Ġ" is left alone.
        #expect(tok.encode("ab abc", addSpecialTokens: false) == [TinyVocab.ab, 32, TinyVocab.abc])
        // " a": only "Ġ a" applies.
        #expect(tok.encode(" a", addSpecialTokens: false) == [TinyVocab.spaceA])
        #expect(tok.encode("aaa", addSpecialTokens: false) == [97, 97, 97])
        #expect(tok.decode(tok.encode("ab abc", addSpecialTokens: false)) == "ab abc")
    }

    @Test func specialTokensLongestMatchFirst() throws {
        let tok = try ByteLevelBPETokenizer(TinyVocab.make())
        #expect(tok.encode("<s>x", addSpecialTokens: false) == [TinyVocab.userDefined])
        #expect(tok.encode("<s>y", addSpecialTokens: false) == [TinyVocab.special, 121])
        // "<pad>" is an unused token: plain text, never matched.
        #expect(!tok.encode("<pad>", addSpecialTokens: false).contains(TinyVocab.unused))
        #expect(tok.decode([TinyVocab.special, TinyVocab.userDefined]) == "<s><s>x")
        #expect(tok.decode([TinyVocab.special, 97], skipSpecialTokens: true) == "a")
        #expect(tok.controlIDs == [TinyVocab.special])
    }

    @Test func errorsNameTheField() throws {
        var v = TinyVocab.make(pre: "mystery")
        do {
            _ = try ByteLevelBPETokenizer(v)
            Issue.record("unknown pre-tokenizer accepted")
        } catch let e as TokenizerError {
            #expect(e.description.contains("tokenizer.ggml.pre 'mystery'"))
            #expect(e.description.contains("smollm") && e.description.contains("qwen2"))
        }
        v = TinyVocab.make()
        v.model = "llama"
        #expect(throws: TokenizerError.unsupportedModel("llama", supported: ["gpt2"])) { try ByteLevelBPETokenizer(v) }
        v = TinyVocab.make()
        v.tokenTypes.removeLast()
        #expect(throws: TokenizerError.lengthMismatch(field: "tokenizer.ggml.token_type", expected: 265, actual: 264)) {
            try ByteLevelBPETokenizer(v)
        }
        v = TinyVocab.make()
        v.eosID = 9999
        #expect(throws: TokenizerError.tokenIDOutOfRange(field: "tokenizer.ggml.eos_token_id", id: 9999, vocabularySize: 265)) {
            try ByteLevelBPETokenizer(v)
        }
        v = TinyVocab.make(extraMerges: ["x y"])
        #expect(throws: TokenizerError.invalidMerge(index: 6, merge: "x y", reason: "'xy' is not a token")) {
            try ByteLevelBPETokenizer(v)
        }
        v = TinyVocab.make(extraMerges: ["xy"])
        #expect(throws: TokenizerError.invalidMerge(index: 6, merge: "xy", reason: "expected two tokens separated by a space")) {
            try ByteLevelBPETokenizer(v)
        }
        v = TinyVocab.make()
        v.merges = []
        #expect(throws: TokenizerError.missingField("tokenizer.ggml.merges")) { try ByteLevelBPETokenizer(v) }
    }

    @Test func byteLevelAlphabet() {
        #expect(ByteLevel.byteToScalar[0x20] == "Ġ")
        #expect(ByteLevel.byteToScalar[0x0A] == "Ċ")
        #expect(ByteLevel.byteToScalar[0x41] == "A")
        #expect(Set(ByteLevel.byteToScalar).count == 256)
        for b in 0..<256 { #expect(ByteLevel.byte(for: ByteLevel.byteToScalar[b]) == UInt8(b)) }
        #expect(ByteLevel.decode("ĠhelloĊ") == Array(" hello\n".utf8))
    }
}
