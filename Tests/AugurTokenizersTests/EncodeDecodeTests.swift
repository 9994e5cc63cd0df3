import Foundation
import Testing
@testable import AugurTokenizers

@Suite struct EncodeDecodeTests {
    static let trickyTexts: [String] = [
        "emoji 🚀🔥 family 👩‍👩‍👧‍👦 flag 🇫🇷 skin 👍🏽",
        "日本語のテキストと中文和한국어",
        "combining: e\u{301} a\u{308}\u{323} Z\u{335}\u{31B}a\u{337}l\u{35C}g\u{352}o",
        "\n", " ", "  ", "\n\n\n", " \n \n", "\t \t", "\r\n", "x\u{3000}y\u{A0}z",
        "trailing newline\n", "  leading", "mixed\u{200B}zero\u{FEFF}width",
        "math ∑ x² ≤ ½ Ⅻ ٣",
        "Grüße, naïve café — “quotes” ‘single’ … ©®™",
        "code: for (int i = 0; i < n; ++i) { a[i] += b[i] * 2; }\n",
        "supplementary planes \u{10FFFF} \u{E0001} \u{1F9EC}",
        "<|im_start <|im_end|x <|endoftext| partial specials",
        "",
    ]

    @Test(arguments: TestModel.allCases)
    func roundTripsTrickyText(_ m: TestModel) throws {
        let tok = try Fixtures.tokenizer(m)
        for text in Self.trickyTexts {
            let ids = tok.encode(text, addSpecialTokens: false)
            let back = tok.decode(ids)
            if m == .qwen {
                // Qwen2 normalizes to NFC first, as its Hugging Face tokenizer does.
                #expect(back == text, "\(text.debugDescription)")  // Swift compares canonically
                #expect(Array(back.unicodeScalars) == Array(text.precomposedNFC.unicodeScalars))
            } else {
                #expect(Array(back.unicodeScalars) == Array(text.unicodeScalars), "\(text.debugDescription)")
            }
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tok.vocabularySize })
        }
    }

    @Test(arguments: TestModel.allCases)
    func specialTokensInTextAreSingleIDs(_ m: TestModel) throws {
        let tok = try Fixtures.tokenizer(m)
        let start = try #require(tok.eosIDs.first { tok.tokenString($0) == "<|im_end|>" })
        let ids = tok.encode("a<|im_end|><|im_end|>b<|endoftext|>", addSpecialTokens: false)
        let endoftext = try #require(tok.eosIDs.first { tok.tokenString($0) == "<|endoftext|>" })
        #expect(ids.filter { $0 == start }.count == 2)
        #expect(ids.last == endoftext)
        #expect(tok.decode(ids) == "a<|im_end|><|im_end|>b<|endoftext|>")
        #expect(tok.decode(ids, skipSpecialTokens: true) == "ab")
        // An incomplete special string is ordinary text.
        let partial = tok.encode("<|im_end|", addSpecialTokens: false)
        #expect(!partial.contains(start))
        #expect(tok.decode(partial) == "<|im_end|")
    }

    @Test func eosIDsIncludeEndOfTurnTokens() throws {
        let smol = try Fixtures.tokenizer(.smollm2)
        #expect(smol.eosID == 2)
        #expect(smol.eosIDs == [0, 2])
        let qwen = try Fixtures.tokenizer(.qwen)
        #expect(qwen.eosID == 151645)
        #expect(qwen.eosIDs == [151643, 151645])
        #expect(qwen.vocabularySize == 151936)
        #expect(smol.vocabularySize == 49152)
    }

    @Test func addSpecialTokensFollowsTheVocabulary() throws {
        var v = try Fixtures.vocabulary(.smollm2)
        #expect(try Fixtures.tokenizer(.smollm2).encode("hi", addSpecialTokens: true) == [6004])
        v.addBOS = true
        v.addEOS = true
        let tok = try ByteLevelBPETokenizer(v)
        #expect(tok.encode("hi", addSpecialTokens: true) == [1, 6004, 2])
        #expect(tok.encode("hi", addSpecialTokens: false) == [6004])
    }

    @Test func tokenStringIsReadable() throws {
        let tok = try Fixtures.tokenizer(.smollm2)
        #expect(tok.tokenString(28120) == "hello")
        #expect(tok.tokenString(905) == " world")
        #expect(tok.tokenString(198) == "\n")
        #expect(tok.tokenString(1) == "<|im_start|>")
        // 🚀 is F0 9F 9A 80: its first token holds only the first two bytes.
        let rocket = tok.encode("🚀", addSpecialTokens: false)
        #expect(rocket.count > 1)
        #expect(tok.tokenString(rocket[0]) == "<0xF0><0x9F>")
        #expect(tok.tokenString(-1) == "")
        #expect(tok.tokenString(Int32(tok.vocabularySize)) == "")
        #expect(tok.tokenBytes(rocket[0]) == [0xF0, 0x9F])
    }

    @Test func decodeReplacesOnlyInvalidBytes() throws {
        let tok = try Fixtures.tokenizer(.smollm2)
        let rocket = tok.encode("🚀", addSpecialTokens: false)
        // Dropping the last token leaves an unfinished character: one U+FFFD, the rest intact.
        let ids = tok.encode("ok ", addSpecialTokens: false) + rocket.dropLast()
        #expect(tok.decode(ids) == "ok \u{FFFD}")
        #expect(tok.decode(rocket) == "🚀")
    }

    @Test(arguments: TestModel.allCases)
    func repeatedEncodingIsStable(_ m: TestModel) throws {
        // The second pass is served from the piece cache.
        let tok = try Fixtures.tokenizer(m)
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 50) + "🚀🚀"
        let a = tok.encode(text, addSpecialTokens: false)
        let b = tok.encode(text, addSpecialTokens: false)
        #expect(a == b)
        #expect(tok.decode(a) == text)
    }

    @Test(arguments: TestModel.allCases)
    func longPiecesMergeCorrectly(_ m: TestModel) throws {
        // Long runs exercise the heap-based merge loop.
        let tok = try Fixtures.tokenizer(m)
        for text in [String(repeating: " ", count: 1000), String(repeating: "a", count: 777), String(repeating: "=-", count: 300)] {
            let ids = tok.encode(text, addSpecialTokens: false)
            #expect(tok.decode(ids) == text)
            #expect(ids.count <= text.utf8.count / 2)
        }
    }
}

extension String {
    var precomposedNFC: String {
        precomposedStringWithCanonicalMapping
    }
}
