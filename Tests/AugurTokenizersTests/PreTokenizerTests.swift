import Testing
@testable import AugurTokenizers

struct PreTokenizerCase: Sendable, CustomTestStringConvertible {
    var pre: PreTokenizer
    var text: String
    var pieces: [String]
    init(_ pre: PreTokenizer, _ text: String, _ pieces: [String]) {
        self.pre = pre
        self.text = text
        self.pieces = pieces
    }
    var testDescription: String { "\(pre) \(text.debugDescription)" }
}

/// Pieces expected from the patterns themselves, computed with Python's `regex` module
/// (`regex.findall` of the Hugging Face patterns; SmolLM: `\p{N}` split off first).
@Suite struct PreTokenizerTests {
    static let cases: [PreTokenizerCase] = [
        PreTokenizerCase(.gpt2, "Hello world's  end   ", ["Hello", " world", "'s", " ", " end", "   "]),
        PreTokenizerCase(.smollm, "Hello world's  end   ", ["Hello", " world", "'s", " ", " end", "   "]),
        PreTokenizerCase(.qwen2, "Hello world's  end   ", ["Hello", " world", "'s", " ", " end", "   "]),
        PreTokenizerCase(.gpt2, "It'S x'LL 're", ["It", "'", "S", " x", "'", "LL", " '", "re"]),
        PreTokenizerCase(.smollm, "It'S x'LL 're", ["It", "'", "S", " x", "'", "LL", " '", "re"]),
        PreTokenizerCase(.qwen2, "It'S x'LL 're", ["It", "'S", " x", "'LL", " '", "re"]),
        PreTokenizerCase(.gpt2, "  a\n\n  b\t\tc \u{3000}d", [" ", " a", "\n\n ", " b", "\t", "\t", "c", " ", "\u{3000}", "d"]),
        PreTokenizerCase(.smollm, "  a\n\n  b\t\tc \u{3000}d", [" ", " a", "\n\n ", " b", "\t", "\t", "c", " ", "\u{3000}", "d"]),
        PreTokenizerCase(.qwen2, "  a\n\n  b\t\tc \u{3000}d", [" ", " a", "\n\n", " ", " b", "\t", "\tc", " ", "\u{3000}d"]),
        PreTokenizerCase(.gpt2, "x = f(a, b);\n\treturn 12345 + 3.5", ["x", " =", " f", "(", "a", ",", " b", ");", "\n", "\t", "return", " 12345", " +", " 3", ".", "5"]),
        PreTokenizerCase(.smollm, "x = f(a, b);\n\treturn 12345 + 3.5", ["x", " =", " f", "(", "a", ",", " b", ");", "\n", "\t", "return", " ", "1", "2", "3", "4", "5", " +", " ", "3", ".", "5"]),
        PreTokenizerCase(.qwen2, "x = f(a, b);\n\treturn 12345 + 3.5", ["x", " =", " f", "(a", ",", " b", ");\n", "\treturn", " ", "1", "2", "3", "4", "5", " +", " ", "3", ".", "5"]),
        PreTokenizerCase(.gpt2, "na\u{EF}ve e\u{301} \u{65E5}\u{672C}\u{8A9E}!? \u{1F680}\u{1F525}  ", ["na\u{EF}ve", " e", "\u{301}", " \u{65E5}\u{672C}\u{8A9E}", "!?", " \u{1F680}\u{1F525}", "  "]),
        PreTokenizerCase(.smollm, "na\u{EF}ve e\u{301} \u{65E5}\u{672C}\u{8A9E}!? \u{1F680}\u{1F525}  ", ["na\u{EF}ve", " e", "\u{301}", " \u{65E5}\u{672C}\u{8A9E}", "!?", " \u{1F680}\u{1F525}", "  "]),
        PreTokenizerCase(.qwen2, "na\u{EF}ve e\u{301} \u{65E5}\u{672C}\u{8A9E}!? \u{1F680}\u{1F525}  ", ["na\u{EF}ve", " e", "\u{301}", " \u{65E5}\u{672C}\u{8A9E}", "!?", " \u{1F680}\u{1F525}", "  "]),
        PreTokenizerCase(.gpt2, "line\r\n\r\n  next", ["line", "\r\n\r\n ", " next"]),
        PreTokenizerCase(.smollm, "line\r\n\r\n  next", ["line", "\r\n\r\n ", " next"]),
        PreTokenizerCase(.qwen2, "line\r\n\r\n  next", ["line", "\r\n\r\n", " ", " next"]),
        PreTokenizerCase(.gpt2, "'hello ' quote", ["'", "hello", " '", " quote"]),
        PreTokenizerCase(.smollm, "'hello ' quote", ["'", "hello", " '", " quote"]),
        PreTokenizerCase(.qwen2, "'hello ' quote", ["'hello", " '", " quote"]),
        PreTokenizerCase(.gpt2, "abc123def \u{B2}\u{BD} \u{216B}", ["abc", "123", "def", " \u{B2}\u{BD}", " \u{216B}"]),
        PreTokenizerCase(.smollm, "abc123def \u{B2}\u{BD} \u{216B}", ["abc", "1", "2", "3", "def", " ", "\u{B2}", "\u{BD}", " ", "\u{216B}"]),
        PreTokenizerCase(.qwen2, "abc123def \u{B2}\u{BD} \u{216B}", ["abc", "1", "2", "3", "def", " ", "\u{B2}", "\u{BD}", " ", "\u{216B}"]),
    ]

    @Test(arguments: cases)
    func piecesMatchTheRegex(_ c: PreTokenizerCase) {
        let text = ScalarText(utf8: Array(c.text.utf8)[...])
        let bounds = c.pre.split(text)
        let pieces = (0..<(bounds.count - 1)).map { k in
            String(decoding: text.utf8[text.offsets[bounds[k]]..<text.offsets[bounds[k + 1]]], as: UTF8.self)
        }
        #expect(pieces == c.pieces)
    }

    @Test func namesFromGGUF() {
        #expect(PreTokenizer.named("smollm") == .smollm)
        #expect(PreTokenizer.named("qwen2") == .qwen2)
        #expect(PreTokenizer.named("gpt2") == .gpt2)
        #expect(PreTokenizer.named("llama-bpe") == .llama3)
        #expect(PreTokenizer.named("no-such-thing") == nil)
    }

    @Test func llama3GroupsDigitsInThrees() {
        let text = ScalarText(utf8: Array("x 1234567".utf8)[...])
        let b = PreTokenizer.llama3.split(text)
        #expect(b == [0, 1, 2, 5, 8, 9])
    }
}
