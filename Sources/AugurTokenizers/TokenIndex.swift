/// Token text → id lookup keyed by the UTF-8 bytes of the token string.
///
/// Swift's `String` hashing normalizes non-ASCII text, which makes a `[String: Int32]` of a
/// 150k-token byte-level vocabulary slow to build; this index hashes raw bytes (FNV-1a, 64-bit)
/// and confirms every hit against the stored token, so a hash collision can never give a wrong id.
struct TokenIndex: Sendable {
    private var table: [UInt64: Int32] = [:]
    /// Tokens whose hash collided with a different token's (practically never used).
    private var overflow: [[UInt8]: Int32] = [:]
    private let tokens: [String]

    /// Indexes `tokens`; when a string occurs twice, its first id wins.
    init(_ tokens: [String]) {
        self.tokens = tokens
        table.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() {
            var t = t
            t.withUTF8 { bytes in
                let h = Self.hash(bytes, seed: Self.seed)
                if let existing = table[h] {
                    if !Self.equal(tokens[Int(existing)], bytes, UnsafeBufferPointer(start: nil, count: 0)),
                       overflow[Array(bytes)] == nil {
                        overflow[Array(bytes)] = Int32(i)
                    }
                } else {
                    table[h] = Int32(i)
                }
            }
        }
    }

    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Whether `token`'s UTF-8 is `a` followed by `b`.
    private static func equal(_ token: String, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var token = token
        return token.withUTF8 { t in
            guard t.count == a.count + b.count else { return false }
            for k in 0..<a.count where t[k] != a[k] { return false }
            for k in 0..<b.count where t[a.count + k] != b[k] { return false }
            return true
        }
    }

    /// The id of the token whose UTF-8 is `a` followed by `b`.
    func id(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)) -> Int32? {
        let h = Self.hash(b, seed: Self.hash(a, seed: Self.seed))
        if let e = table[h], Self.equal(tokens[Int(e)], a, b) { return e }
        if overflow.isEmpty { return nil }
        return overflow[Array(a) + Array(b)]
    }

    /// The id of token `text`.
    func id(_ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { id($0) }
    }
}
