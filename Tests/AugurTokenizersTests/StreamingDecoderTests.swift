import Testing
@testable import AugurTokenizers

@Suite struct StreamingDecoderTests {
    @Test(arguments: TestModel.allCases)
    func heldBackUntilCharactersAreComplete(_ m: TestModel) throws {
        let tok = try Fixtures.tokenizer(m)
        let text = "Hi 🚀🔥 日本語のテキスト, emoji 👩‍💻 and é done."
        let ids = tok.encode(text, addSpecialTokens: false)
        var decoder = StreamingDecoder(tokenizer: tok)
        var pieces: [String] = []
        for id in ids {
            let piece = decoder.append(id)
            #expect(!piece.contains("\u{FFFD}"), "a partial character leaked at id \(id)")
            pieces.append(piece)
        }
        pieces.append(decoder.finish())
        #expect(pieces.joined() == text)
        #expect(pieces.joined() == tok.decode(ids))
    }

    @Test func splitMultiByteCharacterIsHeld() throws {
        let tok = try Fixtures.tokenizer(.smollm2)
        let rocket = tok.encode("🚀", addSpecialTokens: false)
        try #require(rocket.count >= 2)
        var decoder = StreamingDecoder(tokenizer: tok)
        #expect(decoder.append(rocket[0]) == "")
        #expect(decoder.hasPendingBytes)
        var out = ""
        for id in rocket.dropFirst() { out += decoder.append(id) }
        #expect(out == "🚀")
        #expect(!decoder.hasPendingBytes)
        #expect(decoder.finish() == "")
    }

    @Test func unfinishedCharacterAtTheEndBecomesReplacement() throws {
        let tok = try Fixtures.tokenizer(.smollm2)
        let rocket = tok.encode("🚀", addSpecialTokens: false)
        var decoder = StreamingDecoder(tokenizer: tok)
        #expect(decoder.append(28120) == "hello")
        #expect(decoder.append(rocket[0]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
        #expect(decoder.finish() == "")
    }

    @Test func specialTokensStreamAsText() throws {
        let tok = try Fixtures.tokenizer(.qwen)
        var decoder = StreamingDecoder(tokenizer: tok)
        #expect(decoder.append(151645) == "<|im_end|>")
    }

    @Test func validation() {
        #expect(UTF8Validation.sequence([0xE2, 0x82], at: 0) == .incomplete)
        #expect(UTF8Validation.sequence([0xE2, 0x82, 0xAC], at: 0) == .valid(3))
        #expect(UTF8Validation.sequence([0xE0, 0x80], at: 0) == .invalid)  // overlong
        #expect(UTF8Validation.sequence([0xED, 0xA0, 0x80], at: 0) == .invalid)  // surrogate
        #expect(UTF8Validation.sequence([0xF4, 0x90], at: 0) == .invalid)  // beyond U+10FFFF
        #expect(UTF8Validation.sequence([0xFF], at: 0) == .invalid)
        #expect(UTF8Validation.sequence([0x80], at: 0) == .invalid)
        #expect(UTF8Validation.displayString([0x61, 0xFF, 0xE2, 0x82, 0xAC, 0xE2]) == "a<0xFF>€<0xE2>")
    }
}
