/// Turns token ids into text one id at a time, handing out only complete UTF-8 characters.
///
/// A token can end in the middle of a multi-byte character (emoji and CJK often span two or
/// three byte-level tokens); those bytes are held until the character is complete. Bytes that
/// can never become valid UTF-8 are emitted at once as U+FFFD. The concatenation of everything
/// ``append(_:)`` and ``finish()`` return equals ``Tokenizer/decode(_:)`` of all the ids.
public struct StreamingDecoder {
    private let tokenizer: any Tokenizer
    private var pending: [UInt8] = []

    /// A decoder for ids of `tokenizer`.
    public init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Adds one token and returns the text that became complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        pending.append(contentsOf: tokenizer.tokenBytes(id))
        var i = 0
        scan: while i < pending.count {
            switch UTF8Validation.sequence(pending, at: i) {
            case .valid(let n): i += n
            case .invalid: i += 1
            case .incomplete: break scan
            }
        }
        if i == 0 { return "" }
        let text = String(decoding: pending[..<i], as: UTF8.self)
        pending.removeFirst(i)
        return text
    }

    /// Returns whatever is still held back (incomplete bytes become U+FFFD) and resets the decoder.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes of an unfinished character are being held back.
    public var hasPendingBytes: Bool { !pending.isEmpty }
}
