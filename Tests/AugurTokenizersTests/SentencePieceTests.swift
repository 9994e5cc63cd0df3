import AugurFormats
import Foundation
import Testing
@testable import AugurTokenizers

/// Gemma 3's SentencePiece BPE against the Hugging Face reference.
@Suite struct SentencePieceTests {
    static let tokenizer = Result { () throws -> SentencePieceTokenizer in
        let path = "\(TestModel.augurHome)/models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf"
        return try SentencePieceTokenizer(TokenizerVocabulary(gguf: GGUFFile(path: path)))
    }

    @Test func everyReferenceCase() throws {
        let tok = try Self.tokenizer.get()
        struct File: Decodable { var cases: [TokenizerCase] }
        let data = try Data(contentsOf: URL(fileURLWithPath: TestModel.referenceRoot + "/gemma-3-270m/tokenizer-cases.json"))
        for c in try JSONDecoder().decode(File.self, from: data).cases {
            #expect(tok.encode(c.text, addSpecialTokens: false) == c.ids, "\(c.text.debugDescription)")
            #expect(tok.decode(c.ids) == c.text)
        }
    }

    @Test func bosAndEndOfTurn() throws {
        let tok = try Self.tokenizer.get()
        #expect(tok.encode("hello world", addSpecialTokens: true) == [2, 23391, 1902])
        #expect(tok.eosIDs.contains(1) && tok.eosIDs.contains(106))
        #expect(tok.encode("<start_of_turn>user\nhi<end_of_turn>", addSpecialTokens: false).first == 105)
        #expect(tok.decode([2, 23391, 1902], skipSpecialTokens: true) == "hello world")
    }

    @Test func byteFallbackRoundTrips() throws {
        let tok = try Self.tokenizer.get()
        for text in ["𓀀𓁐 hieroglyphs", "控制\u{0001}字符", "e\u{0301}\u{0301}", "tab\tend  \n"] {
            #expect(tok.decode(tok.encode(text, addSpecialTokens: false)) == text)
        }
    }

    @Test func refusesAVocabularyWithoutScores() throws {
        let v = TokenizerVocabulary(model: "llama", pre: nil, tokens: ["a", "b"], tokenTypes: [1, 1], merges: [])
        #expect(throws: TokenizerError.missingField("tokenizer.ggml.scores")) { try SentencePieceTokenizer(v) }
    }
}
