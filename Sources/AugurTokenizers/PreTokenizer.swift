/// The regex-based splitting that byte-level BPE applies before merging, written as a
/// hand-made scanner over Unicode scalars.
///
/// Each case reproduces the Hugging Face / llama.cpp pattern of the same name exactly
/// (`\p{L}` = general category L*, `\p{N}` = N*, `\s` = the Unicode `White_Space` property).
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM / StarCoder: every `\p{N}` is split off on its own first, then the GPT-2 pattern
    /// runs on the text between the digits.
    case smollm
    /// Qwen2: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case qwen2
    /// Llama 3: the Qwen2 pattern with `\p{N}{1,3}` in place of `\p{N}`.
    case llama3 = "llama-bpe"

    /// Names of `tokenizer.ggml.pre` that select each case.
    public static func named(_ name: String?) -> PreTokenizer? {
        switch name {
        case "gpt2", "gpt-2", nil, "default": return .gpt2
        case "smollm", "starcoder", "refact", "codeshell": return .smollm
        case "qwen2", "stablelm2": return .qwen2
        case "llama-bpe", "llama3": return .llama3
        default: return nil
        }
    }

    /// The names ``named(_:)`` accepts, for error messages.
    public static let supportedNames = ["gpt2", "smollm", "starcoder", "refact", "codeshell", "qwen2", "stablelm2", "llama-bpe"]

    /// Splits `text` into pieces, returned as consecutive piece boundaries in scalar indices:
    /// the pieces are `bounds[i]..<bounds[i+1]`.
    func split(_ text: ScalarText) -> [Int] {
        var bounds: [Int] = [0]
        bounds.reserveCapacity(text.count / 3 + 2)
        switch self {
        case .gpt2:
            Self.scanGPT2(text, 0, text.count, &bounds)
        case .smollm:
            var start = 0
            for i in 0..<text.count where text.cls[i] == CharClass.number {
                if start < i { Self.scanGPT2(text, start, i, &bounds) }
                bounds.append(i + 1)
                start = i + 1
            }
            if start < text.count { Self.scanGPT2(text, start, text.count, &bounds) }
        case .qwen2:
            Self.scanQwen2(text, 0, text.count, maxDigits: 1, &bounds)
        case .llama3:
            Self.scanQwen2(text, 0, text.count, maxDigits: 3, &bounds)
        }
        return bounds
    }

    // MARK: - Scanners

    /// Length of a contraction (`'s 't 're 've 'm 'll 'd`) starting at `i`, or 0.
    @inline(__always)
    private static func contraction(_ t: ScalarText, _ i: Int, _ end: Int, caseInsensitive: Bool) -> Int {
        guard t.scalars[i] == 0x27, i + 1 < end else { return 0 }
        func lower(_ v: UInt32) -> UInt32 {
            caseInsensitive && v >= 0x41 && v <= 0x5A ? v + 0x20 : v
        }
        let a = lower(t.scalars[i + 1])
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72, 0x76:  // r v → 're 've
            return i + 2 < end && lower(t.scalars[i + 2]) == 0x65 ? 3 : 0
        case 0x6C:  // l → 'll
            return i + 2 < end && lower(t.scalars[i + 2]) == 0x6C ? 3 : 0
        default: return 0
        }
    }

    /// End of the run of class `c` starting at `i`.
    @inline(__always)
    private static func run(_ t: ScalarText, from i: Int, _ end: Int, _ c: UInt8) -> Int {
        var j = i
        while j < end && t.cls[j] == c { j += 1 }
        return j
    }

    /// Whitespace pieces: `\s+(?!\S)|\s+` given the run `i..<j` of whitespace.
    @inline(__always)
    private static func whitespaceEnd(_ i: Int, _ j: Int, _ end: Int) -> Int {
        if j == end { return j }
        return j - i >= 2 ? j - 1 : j
    }

    static func scanGPT2(_ t: ScalarText, _ start: Int, _ end: Int, _ bounds: inout [Int]) {
        var i = start
        while i < end {
            let c = t.cls[i]
            var next: Int
            let k = contraction(t, i, end, caseInsensitive: false)
            if k > 0 {
                next = i + k
            } else {
                // ` ?X+` for the three classes: a leading space joins the run after it.
                var s = i
                var cls = c
                if t.scalars[i] == 0x20, i + 1 < end, t.cls[i + 1] != CharClass.space {
                    s = i + 1
                    cls = t.cls[i + 1]
                }
                if cls != CharClass.space {
                    next = run(t, from: s, end, cls)
                } else {
                    next = whitespaceEnd(i, run(t, from: i, end, CharClass.space), end)
                }
            }
            bounds.append(next)
            i = next
        }
    }

    static func scanQwen2(_ t: ScalarText, _ start: Int, _ end: Int, maxDigits: Int, _ bounds: inout [Int]) {
        var i = start
        while i < end {
            let c = t.cls[i]
            let v = t.scalars[i]
            var next: Int
            let k = contraction(t, i, end, caseInsensitive: true)
            if k > 0 {
                next = i + k
            } else if c == CharClass.letter {
                next = run(t, from: i, end, CharClass.letter)
            } else if c != CharClass.number, v != 0x0A, v != 0x0D, i + 1 < end, t.cls[i + 1] == CharClass.letter {
                // [^\r\n\p{L}\p{N}]?\p{L}+
                next = run(t, from: i + 1, end, CharClass.letter)
            } else if c == CharClass.number {
                next = i + 1
                while next < end, next - i < maxDigits, t.cls[next] == CharClass.number { next += 1 }
            } else if c == CharClass.other || (v == 0x20 && i + 1 < end && t.cls[i + 1] == CharClass.other) {
                // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
                next = run(t, from: c == CharClass.other ? i : i + 1, end, CharClass.other)
                while next < end, t.scalars[next] == 0x0A || t.scalars[next] == 0x0D { next += 1 }
            } else {
                // Whitespace: `\s*[\r\n]+`, then `\s+(?!\S)`, then `\s+`.
                let j = run(t, from: i, end, CharClass.space)
                var lastNewline = -1
                var p = j - 1
                while p >= i {
                    if t.scalars[p] == 0x0A || t.scalars[p] == 0x0D { lastNewline = p; break }
                    p -= 1
                }
                next = lastNewline >= 0 ? lastNewline + 1 : whitespaceEnd(i, j, end)
            }
            bounds.append(next)
            i = next
        }
    }
}

/// Character classes the pre-tokenizer patterns distinguish.
enum CharClass {
    static let letter: UInt8 = 0
    static let number: UInt8 = 1
    static let space: UInt8 = 2
    static let other: UInt8 = 3

    /// Classes of the ASCII characters.
    static let ascii: [UInt8] = (0..<128).map { v in
        classify(Unicode.Scalar(UInt8(v)))
    }

    static func classify(_ s: Unicode.Scalar) -> UInt8 {
        let p = s.properties
        if p.isWhitespace { return space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return other
        }
    }
}

/// Text as Unicode scalars with their pre-tokenizer classes and UTF-8 offsets.
struct ScalarText {
    var scalars: [UInt32] = []
    var cls: [UInt8] = []
    /// UTF-8 offset of each scalar, plus the total length at the end.
    var offsets: [Int] = []
    var utf8: [UInt8] = []

    var count: Int { scalars.count }

    /// Decodes well-formed UTF-8 (as taken from a `String`).
    init(utf8 bytes: ArraySlice<UInt8>) {
        utf8 = Array(bytes)
        let n = utf8.count
        scalars.reserveCapacity(n)
        cls.reserveCapacity(n)
        offsets.reserveCapacity(n + 1)
        var i = 0
        utf8.withUnsafeBufferPointer { b in
            while i < n {
                let lead = b[i]
                offsets.append(i)
                if lead < 0x80 {
                    scalars.append(UInt32(lead))
                    cls.append(CharClass.ascii[Int(lead)])
                    i += 1
                    continue
                }
                var v: UInt32
                var len: Int
                if lead < 0xE0 { v = UInt32(lead & 0x1F); len = 2 }
                else if lead < 0xF0 { v = UInt32(lead & 0x0F); len = 3 }
                else { v = UInt32(lead & 0x07); len = 4 }
                var k = 1
                while k < len && i + k < n { v = v << 6 | UInt32(b[i + k] & 0x3F); k += 1 }
                scalars.append(v)
                cls.append(Unicode.Scalar(v).map(CharClass.classify) ?? CharClass.other)
                i += len
            }
        }
        offsets.append(n)
    }
}
