import AugurFormats
import Foundation
import Testing
@testable import AugurTokenizers

@Suite struct VocabularyLoadingTests {
    @Test func readsTheGGUFMetadata() throws {
        let smol = try Fixtures.vocabulary(.smollm2)
        #expect(smol.model == "gpt2")
        #expect(smol.pre == "smollm")
        #expect(smol.tokens.count == 49152 && smol.tokenTypes.count == 49152)
        #expect(smol.merges.count == 48900 && smol.merges.first == "Ġ t")
        #expect(smol.bosID == 1 && smol.eosID == 2 && smol.padID == 2 && smol.unknownID == 0)
        #expect(smol.addBOS == false)
        #expect(smol.chatTemplate?.contains("named SmolLM") == true)
        let qwen = try Fixtures.vocabulary(.qwen)
        #expect(qwen.pre == "qwen2")
        #expect(qwen.tokens.count == 151936)
        #expect(qwen.tokenType(151657) == .userDefined && qwen.tokenType(151644) == .control && qwen.tokenType(151665) == .unused)
        #expect(qwen.bosID == 151643 && qwen.eosID == 151645 && qwen.unknownID == nil)
        #expect(qwen.addBOS == false)
    }

    func writeGGUF(_ entries: [(String, GGUFValue)]) throws -> String {
        var w = GGUFWriter()
        for (k, v) in entries { w.set(k, v) }
        let path = NSTemporaryDirectory() + "augur-tok-\(UUID().uuidString).gguf"
        try w.write(to: path)
        return path
    }

    @Test func ggufErrorsNameTheKey() throws {
        let tiny = TinyVocab.make()
        var path = try writeGGUF([("tokenizer.ggml.tokens", .stringArray(tiny.tokens))])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: TokenizerError.missingField("tokenizer.ggml.model")) { try TokenizerVocabulary(gguf: GGUFFile(path: path)) }

        let p2 = try writeGGUF([("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.tokens", .stringArray(tiny.tokens)),
                                ("tokenizer.ggml.token_type", .int32Array([1, 1]))])
        defer { try? FileManager.default.removeItem(atPath: p2) }
        #expect(throws: TokenizerError.lengthMismatch(field: "tokenizer.ggml.token_type", expected: tiny.tokens.count, actual: 2)) {
            try TokenizerVocabulary(gguf: GGUFFile(path: p2))
        }

        // A complete tiny file loads and tokenizes.
        path = try writeGGUF([
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt2")),
            ("tokenizer.ggml.tokens", .stringArray(tiny.tokens)), ("tokenizer.ggml.token_type", .int32Array(tiny.tokenTypes)),
            ("tokenizer.ggml.merges", .stringArray(tiny.merges)), ("tokenizer.ggml.eos_token_id", .uint32(262)),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let v = try TokenizerVocabulary(gguf: GGUFFile(path: path))
        #expect(v.eosID == 262 && v.bosID == nil)
        let tok = try ByteLevelBPETokenizer(v)
        #expect(tok.encode("abc<s>", addSpecialTokens: false) == [TinyVocab.abc, TinyVocab.special])
    }

    @Test func readsHuggingFaceTokenizerJSON() throws {
        let tiny = TinyVocab.make()
        var vocab: [String: Int] = [:]
        // Ordinary tokens only (ids 260 and 261, "<s" and "<s>", stay unused), so "<s>" is only the added token.
        for (i, t) in tiny.tokens.enumerated() where tiny.tokenTypes[i] == 1 && i < 260 { vocab[t] = i }
        let json: [String: Any] = [
            "model": ["type": "BPE", "vocab": vocab, "merges": tiny.merges.prefix(4).map { $0.split(separator: " ").map(String.init) }],
            "added_tokens": [["id": 262, "content": "<s>", "special": true], ["id": 263, "content": "<s>x", "special": false]],
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true], ["type": "ByteLevel", "add_prefix_space": false, "use_regex": true]]],
        ]
        let dir = NSTemporaryDirectory() + "augur-tok-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
        try JSONSerialization.data(withJSONObject: ["eos_token": "<s>", "add_bos_token": false])
            .write(to: URL(fileURLWithPath: dir + "/tokenizer_config.json"))
        let v = try TokenizerVocabulary(huggingFaceJSON: dir + "/tokenizer.json")
        #expect(v.pre == "smollm")
        #expect(v.eosID == 262)
        #expect(v.tokenType(262) == .control && v.tokenType(263) == .userDefined && v.tokenType(260) == .unused)
        #expect(v.tokens.count == 264 && v.merges.count == 4)
        let tok = try ByteLevelBPETokenizer(v)
        #expect(tok.encode("abc<s>x", addSpecialTokens: false) == [TinyVocab.abc, TinyVocab.userDefined])
    }
}
