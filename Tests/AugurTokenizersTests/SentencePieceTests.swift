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

    /// A Hugging Face `tokenizer.json` (BPE with byte fallback, merges ranked by the merged
    /// piece's score, as HF's SentencePiece converter writes them) built from the GGUF vocabulary
    /// tokenizes every reference case the same way.
    @Test func huggingFaceJSONWithByteFallback() throws {
        let path = "\(TestModel.augurHome)/models/gemma-3-270m/gemma-3-270m-q4_k_m.gguf"
        let vocab = try TokenizerVocabulary(gguf: GGUFFile(path: path))
        let scores = try #require(vocab.scores)
        var ids: [String: Int] = [:]
        for (i, t) in vocab.tokens.enumerated() where vocab.tokenType(i) == .normal { ids[t] = i }
        var merges: [(score: Float, id: Int, merge: String)] = []
        for (t, id) in ids where t.count > 1 {
            let chars = Array(t)
            for k in 1..<chars.count {
                let l = String(chars[..<k]), r = String(chars[k...])
                if ids[l] != nil, ids[r] != nil { merges.append((scores[id], id, l + " " + r)) }
            }
        }
        merges.sort { ($0.score, -$0.id) > ($1.score, -$1.id) }
        let added: [[String: Any]] = vocab.tokens.indices.compactMap { i in
            let type = vocab.tokenType(i)
            guard type == .control || type == .userDefined else { return nil }
            return ["id": i, "content": vocab.tokens[i], "special": type == .control]
        }
        var vocabMap: [String: Int] = [:]
        for (i, t) in vocab.tokens.enumerated() where vocab.tokenType(i) == .normal || vocab.tokenType(i) == .byte { vocabMap[t] = i }
        let json: [String: Any] = [
            "model": ["type": "BPE", "byte_fallback": true, "vocab": vocabMap, "merges": merges.map(\.merge)],
            "added_tokens": added,
            "normalizer": ["type": "Replace", "pattern": ["String": " "], "content": "▁"],
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-spm-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let tok = try makeTokenizer(TokenizerVocabulary(huggingFaceJSON: file.path))
        #expect(tok is SentencePieceTokenizer)
        struct File: Decodable { var cases: [TokenizerCase] }
        let data = try Data(contentsOf: URL(fileURLWithPath: TestModel.referenceRoot + "/gemma-3-270m/tokenizer-cases.json"))
        for c in try JSONDecoder().decode(File.self, from: data).cases {
            #expect(tok.encode(c.text, addSpecialTokens: false) == c.ids, "\(c.text.debugDescription)")
        }
    }
}
