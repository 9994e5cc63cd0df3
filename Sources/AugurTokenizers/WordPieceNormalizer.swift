import Foundation

/// BERT's text normalisation and pre-tokenisation, as Hugging Face `tokenizers` does them
/// (`BertNormalizer` followed by `BertPreTokenizer`).
///
/// Normalisation, in order: drop NUL, U+FFFD and control/format/private-use
/// characters and map every whitespace character to a space (`cleanText`); surround CJK
/// ideographs with spaces (`handleChineseChars`); decompose to NFD and drop non-spacing marks
/// (`stripAccents`); lowercase each character. Pre-tokenisation then splits on whitespace
/// (dropped) and isolates every punctuation character (Unicode P* categories plus the ASCII
/// symbols such as `$ + < = > ^ \` | ~`).
public struct WordPieceNormalizer: Sendable, Equatable {
    /// Remove control characters and turn whitespace into spaces.
    public var cleanText: Bool
    /// Put spaces around CJK ideographs so each becomes its own word.
    public var handleChineseChars: Bool
    /// Decompose (NFD) and remove combining marks.
    public var stripAccents: Bool
    /// Lowercase every character.
    public var lowercase: Bool

    /// A normaliser; `stripAccents` nil follows `lowercase`, as in Hugging Face's `BertNormalizer`.
    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
    }

    /// The normalised text.
    public func normalize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for c in text.unicodeScalars {
            if cleanText {
                if c.value == 0 || c.value == 0xFFFD || Self.isControl(c) { continue }
                if Self.isWhitespace(c) { scalars.append(" "); continue }
            }
            if handleChineseChars, Self.isChineseChar(c) {
                scalars.append(" ")
                scalars.append(c)
                scalars.append(" ")
                continue
            }
            scalars.append(c)
        }
        var out = String(scalars)
        if stripAccents {
            var stripped = String.UnicodeScalarView()
            for c in out.decomposedStringWithCanonicalMapping.unicodeScalars
            where c.properties.generalCategory != .nonspacingMark {
                stripped.append(c)
            }
            out = String(stripped)
        }
        if lowercase {
            var lowered = String.UnicodeScalarView()
            for c in out.unicodeScalars {
                if c.isASCII {
                    lowered.append(c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(c.value + 32) ?? c : c)
                } else {
                    lowered.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                }
            }
            out = String(lowered)
        }
        return out
    }

    /// Splits normalised text into words: whitespace separates and is dropped, each
    /// punctuation character becomes a word of its own.
    public static func preTokenize(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        for c in text.unicodeScalars {
            if c.properties.isWhitespace {
                flush()
            } else if isPunctuation(c) {
                flush()
                words.append(String(c))
            } else {
                current.append(c)
            }
        }
        flush()
        return words
    }

    /// Tab, newline, carriage return and every Unicode `White_Space` character.
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    /// Categories Cc, Cf, Cs and Co, except tab, newline and carriage return (which count as
    /// whitespace). Unassigned code points (Cn) are kept, as Hugging Face keeps them.
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse: return true
        default: return false
        }
    }

    /// ASCII punctuation and symbols (`!`…`/`, `:`…`@`, `[`…`` ` ``, `{`…`~`) or a Unicode P* character.
    public static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks (and their extensions and compatibility forms) BERT splits.
    public static func isChineseChar(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
