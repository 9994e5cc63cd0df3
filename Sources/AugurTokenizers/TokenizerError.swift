/// Why a tokenizer could not be built from a vocabulary.
public enum TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A required metadata field is absent or empty.
    case missingField(String)
    /// `tokenizer.ggml.model` names a tokenizer this type does not implement.
    case unsupportedModel(String, supported: [String])
    /// `tokenizer.ggml.pre` names a pre-tokenizer that is not implemented.
    case unsupportedPreTokenizer(String?, supported: [String])
    /// An array field does not have one entry per token.
    case lengthMismatch(field: String, expected: Int, actual: Int)
    /// A special token id lies outside the vocabulary.
    case tokenIDOutOfRange(field: String, id: Int, vocabularySize: Int)
    /// A merge rule is malformed or refers to tokens missing from the vocabulary.
    case invalidMerge(index: Int, merge: String, reason: String)
    /// The byte-level alphabet lacks the token for a byte.
    case missingByteToken(byte: UInt8, symbol: String)
    /// The metadata source could not be read.
    case unreadable(source: String, reason: String)
    /// A tokenizer file (e.g. `tokenizer.json`) has a missing or malformed field.
    case invalidFile(path: String, field: String, reason: String)

    /// What went wrong, naming the metadata field at fault.
    public var description: String {
        switch self {
        case .missingField(let f):
            return "tokenizer metadata field '\(f)' is missing or empty"
        case .unsupportedModel(let m, let s):
            return "tokenizer.ggml.model '\(m)' is not supported here (supported: \(s.joined(separator: ", ")))"
        case .unsupportedPreTokenizer(let p, let s):
            return "tokenizer.ggml.pre '\(p ?? "<absent>")' is not a supported pre-tokenizer (supported: \(s.joined(separator: ", ")))"
        case .lengthMismatch(let f, let e, let a):
            return "tokenizer metadata field '\(f)' has \(a) entries, expected \(e) (one per token)"
        case .tokenIDOutOfRange(let f, let id, let n):
            return "tokenizer metadata field '\(f)' = \(id) is outside the vocabulary of \(n) tokens"
        case .invalidMerge(let i, let m, let r):
            return "tokenizer.ggml.merges[\(i)] = '\(m)' is invalid: \(r)"
        case .missingByteToken(let b, let s):
            return "tokenizer.ggml.tokens lacks the byte-level token '\(s)' for byte 0x\(String(b, radix: 16, uppercase: true))"
        case .unreadable(let src, let r):
            return "cannot read tokenizer metadata from \(src): \(r)"
        case .invalidFile(let path, let field, let r):
            return field.isEmpty ? "\(path): \(r)" : "\(path): field '\(field)': \(r)"
        }
    }
}
