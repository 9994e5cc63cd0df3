/// Finds special tokens (control and user-defined tokens such as `<|im_start|>`) in raw text,
/// longest match first, so that tokenizers never split them.
struct SpecialTokenMatcher: Sendable {
    /// Candidates bucketed by their first byte, longest first.
    private let buckets: [[(bytes: [UInt8], id: Int32)]]

    /// A matcher for these (text, id) special tokens; empty texts are ignored.
    init(_ tokens: [(text: String, id: Int32)]) {
        var buckets = [[(bytes: [UInt8], id: Int32)]](repeating: [], count: 256)
        for (text, id) in tokens {
            guard let first = text.utf8.first else { continue }
            buckets[Int(first)].append((Array(text.utf8), id))
        }
        for k in 0..<256 { buckets[k].sort { $0.bytes.count > $1.bytes.count } }
        self.buckets = buckets
    }

    /// Splits `bytes` into ordinary text (handed to `ordinary`, possibly empty) and special
    /// tokens (handed to `special`), in order.
    func split(_ bytes: [UInt8], ordinary: (ArraySlice<UInt8>) -> Void, special: (Int32) -> Void) {
        var start = 0, p = 0
        while p < bytes.count {
            if let (length, id) = match(bytes, at: p) {
                ordinary(bytes[start..<p])
                special(id)
                p += length
                start = p
            } else {
                p += 1
            }
        }
        ordinary(bytes[start..<bytes.count])
    }

    @inline(__always)
    private func match(_ bytes: [UInt8], at p: Int) -> (Int, Int32)? {
        for c in buckets[Int(bytes[p])] where c.bytes.count <= bytes.count - p {
            var k = 1
            while k < c.bytes.count && bytes[p + k] == c.bytes[k] { k += 1 }
            if k == c.bytes.count { return (k, c.id) }
        }
        return nil
    }
}
