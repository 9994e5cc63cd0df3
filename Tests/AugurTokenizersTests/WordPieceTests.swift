import Foundation
import Testing
@testable import AugurTokenizers

/// The all-MiniLM-L6-v2 tokenizer pulled into `$AUGUR_HOME` (scripts/test.sh pulls it).
enum MiniLMTokenizer {
    static var folder: String {
        let home = ProcessInfo.processInfo.environment["AUGUR_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache/augur")
        return home + "/models/all-minilm-l6-v2"
    }

    static let fromJSON = Result { try WordPieceTokenizer(huggingFaceJSON: folder + "/tokenizer.json") }
    static let fromVocab = Result {
        try WordPieceTokenizer(vocabFile: folder + "/vocab.txt", configFile: folder + "/tokenizer_config.json")
    }
}

@Suite struct WordPieceTests {
    /// Text, ids with [CLS]/[SEP], and the decoded text, as Hugging Face `tokenizers` 0.23 gives them
    /// for all-MiniLM-L6-v2's tokenizer.json.
    static let cases: [(String, [Int32], String)] = [
        ("Café naïve résumé", [101, 7668, 15743, 13746, 102], "cafe naive resume"),
        ("Hello, world! It's 3.14$ (maybe) ~ok~ a+b=c^2 `x` |y| <tag>", [101, 7592, 1010, 2088, 999, 2009, 1005, 1055, 1017, 1012, 2403, 1002, 1006, 2672, 1007, 1066, 7929, 1066, 1037, 1009, 1038, 1027, 1039, 1034, 1016, 1036, 1060, 1036, 1064, 1061, 1064, 1026, 6415, 1028, 102], "hello, world! it ' s 3. 14 $ ( maybe ) ~ ok ~ a + b = c ^ 2 ` x ` | y | < tag >"),
        ("supercalifragilisticexpialidocious", [101, 3565, 9289, 10128, 29181, 24411, 4588, 10288, 19312, 21273, 10085, 6313, 102], "supercalifragilisticexpialidocious"),
        ("unaffable", [101, 14477, 20961, 3468, 102], "unaffable"),
        ("我爱北京天安门 and 東京", [101, 1855, 100, 1781, 1755, 1811, 1820, 100, 1998, 1879, 1755, 102], "我 北 京 天 安 and 東 京"),
        ("ＡＢＣ full-width", [101, 100, 2440, 1011, 9381, 102], "full - width"),
        ("Ünïcödé ÅNGSTRÖM", [101, 27260, 17076, 15687, 102], "unicode angstrom"),
        ("tab\there\nnew\r\nline\u{a0}nbsp\u{2003}em", [101, 21628, 2182, 2047, 2240, 1050, 5910, 2361, 7861, 102], "tab here new line nbsp em"),
        ("ctrl\u{0}\u{7}x\u{fffd}y\u{200b}z", [101, 14931, 12190, 18037, 2480, 102], "ctrlxyz"),
        ("[CLS] inside [SEP] text [MASK]", [101, 101, 2503, 102, 3793, 103, 102], "inside text"),
        ("[cls] lower", [101, 1031, 18856, 2015, 1033, 2896, 102], "[ cls ] lower"),
        ("emoji 😀 🤖!", [101, 7861, 29147, 2072, 100, 100, 999, 102], "emoji!"),
        ("¿Qué? ¡Sí! «quotes» “curly” — dash… ellipsis", [101, 1094, 10861, 1029, 1067, 9033, 999, 1077, 16614, 1090, 1523, 17546, 1524, 1517, 11454, 1529, 3449, 15000, 6190, 102], "¿ que? ¡ si! « quotes » “ curly ” — dash … ellipsis"),
        ("Σίσυφος ΟΔΥΣΣΕΥΣ", [101, 1173, 18199, 29733, 29735, 29736, 15297, 1169, 29722, 29735, 29733, 29733, 29723, 29735, 29733, 102], "σισυφος οδυσσευσ"),
        ("İstanbul ß ﬁ", [101, 9960, 1096, 1984, 102], "istanbul ß ﬁ"),
        ("", [101, 102], ""),
        ("   ", [101, 102], ""),
        ("don't won't I'm", [101, 2123, 1005, 1056, 2180, 1005, 1056, 1045, 1005, 1049, 102], "don ' t won ' t i ' m"),
        ("ᄀ 한국어 テスト ひらがな", [101, 1455, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 1713, 30233, 30240, 1673, 30211, 30177, 30193, 102], "ᄀ 한국어 テスト ひらかな"),
        ("1,000,000.50 @user #tag", [101, 1015, 1010, 2199, 1010, 2199, 1012, 2753, 1030, 5310, 1001, 6415, 102], "1, 000, 000. 50 @ user # tag"),
        // Unassigned code points are kept (so the word becomes [UNK]), unlike control and format characters.
        ("x\u{378} a\u{5cd}", [101, 100, 100, 102], ""),
        ("Success\u{5eb} reform", [101, 100, 5290, 102], "reform"),
    ]

    @Test func matchesHuggingFaceFromTokenizerJSON() throws {
        let tok = try MiniLMTokenizer.fromJSON.get()
        #expect(tok.vocabularySize == 30522)
        #expect(tok.clsID == 101 && tok.sepID == 102 && tok.unknownID == 100 && tok.padID == 0)
        for (text, ids, decoded) in Self.cases {
            #expect(tok.encode(text, addSpecialTokens: true, maxLength: nil) == ids, "\(text.debugDescription)")
            #expect(tok.decode(ids) == decoded, "\(text.debugDescription)")
        }
    }

    @Test func vocabTxtAndConfigGiveTheSameIds() throws {
        let json = try MiniLMTokenizer.fromJSON.get(), txt = try MiniLMTokenizer.fromVocab.get()
        #expect(json.vocabulary == txt.vocabulary)
        #expect(json.normalizer == txt.normalizer)
        for (text, ids, _) in Self.cases {
            #expect(txt.encode(text, addSpecialTokens: true, maxLength: nil) == ids, "\(text.debugDescription)")
        }
    }

    @Test func longWordsBecomeUnknownPastTheLimit() throws {
        let tok = try MiniLMTokenizer.fromJSON.get()
        // 100 characters are split into pieces; 101 are one [UNK] without trying.
        let hundred = tok.encode(String(repeating: "a", count: 100), addSpecialTokens: false, maxLength: nil)
        #expect(hundred.count == 50 && !hundred.contains(tok.unknownID))
        #expect(hundred.map(tok.tokenString).joined().replacingOccurrences(of: "##", with: "") == String(repeating: "a", count: 100))
        #expect(tok.encode(String(repeating: "x", count: 101), addSpecialTokens: true, maxLength: nil) == [101, 100, 102])
    }

    @Test func truncationKeepsClsAndSep() throws {
        let tok = try MiniLMTokenizer.fromJSON.get()
        let text = Array(repeating: "the", count: 300).joined(separator: " ")
        let ids = tok.encode(text, addSpecialTokens: true, maxLength: 256)
        #expect(ids.count == 256)
        #expect(ids.first == tok.clsID && ids.last == tok.sepID)
        #expect(ids.dropFirst().dropLast().allSatisfy { $0 == 1996 })
        #expect(tok.encode(text, addSpecialTokens: false, maxLength: 10).count == 10)
        #expect(tok.encode("a b", addSpecialTokens: true, maxLength: 256) == [101, 1037, 1038, 102])
    }

    @Test func greedyLongestMatchOnASmallVocabulary() throws {
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "una", "##ffa", "##ble", "##a", "a", "!"]
        let tok = try WordPieceTokenizer(vocabulary: vocab, maxInputCharsPerWord: 9)
        // Longest first piece wins ("una" over "un"), then the longest continuation.
        #expect(tok.tokenize("unaffable") == ["una", "##ffa", "##ble"])
        #expect(tok.tokenize("Una!") == ["una", "!"])
        // A word with a piece that cannot be matched becomes one [UNK], whatever matched before it.
        #expect(tok.tokenize("unaz a") == ["[UNK]", "a"])
        // Words longer than maxInputCharsPerWord are [UNK].
        #expect(tok.tokenize("aaaaaaaaaa aaaa") == ["[UNK]", "a", "##a", "##a", "##a"])
        #expect(tok.tokenBytes(tok.id(of: "##ffa") ?? -1) == Array("ffa".utf8))
        #expect(tok.tokenString(99) == "<id 99>" && tok.tokenBytes(-1).isEmpty)
        #expect(tok.bosID == 2 && tok.eosID == 3 && tok.eosIDs == [3])
    }

    @Test func normalizerAndPreTokenizer() {
        let n = WordPieceNormalizer()
        #expect(n.stripAccents)
        #expect(n.normalize("Café\u{0301}\tX") == "cafe x")
        #expect(WordPieceNormalizer(lowercase: false).normalize("Café") == "Café")
        #expect(WordPieceNormalizer(stripAccents: true, lowercase: false).normalize("Café") == "Cafe")
        #expect(n.normalize("中文") == " 中  文 ")
        #expect(WordPieceNormalizer.preTokenize("a,b  c$d") == ["a", ",", "b", "c", "$", "d"])
        #expect(WordPieceNormalizer.isPunctuation("~") && WordPieceNormalizer.isPunctuation("¿") && !WordPieceNormalizer.isPunctuation("a"))
    }

    @Test func missingTokensAndFilesAreReported() {
        #expect(throws: WordPieceError.missingToken(file: "vocabulary", token: "[CLS]")) {
            try WordPieceTokenizer(vocabulary: ["[UNK]", "[SEP]", "a"])
        }
        #expect(throws: WordPieceError.self) { try WordPieceTokenizer(huggingFaceJSON: "/nonexistent/tokenizer.json") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wp-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bpe = dir.appendingPathComponent("tokenizer.json").path
        _ = FileManager.default.createFile(atPath: bpe, contents: Data(#"{"model": {"type": "BPE", "vocab": {"a": 0}}}"#.utf8))
        #expect(throws: WordPieceError.invalidFile(file: bpe, reason: "model.type is 'BPE', expected 'WordPiece'")) {
            try WordPieceTokenizer(huggingFaceJSON: bpe)
        }
    }
}
