/// Outcome of reading one UTF-8 sequence.
enum UTF8Sequence: Equatable {
    /// A complete, valid sequence of this many bytes.
    case valid(Int)
    /// The bytes so far are a valid prefix that the end of the buffer cut short.
    case incomplete
    /// The byte at this position cannot start a valid sequence here (one byte to replace).
    case invalid
}

enum UTF8Validation {
    /// Reads the sequence starting at `i` (Unicode Table 3-7, well-formed byte sequences).
    static func sequence<C: RandomAccessCollection>(_ b: C, at i: C.Index) -> UTF8Sequence
    where C.Element == UInt8, C.Index == Int {
        let lead = b[i]
        if lead < 0x80 { return .valid(1) }
        let length: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; hi = 0x8F
        default: return .invalid
        }
        for k in 1..<length {
            let p = i + k
            if p >= b.endIndex { return .incomplete }
            let byte = b[p]
            let ok = k == 1 ? (byte >= lo && byte <= hi) : (byte >= 0x80 && byte <= 0xBF)
            if !ok { return .invalid }
        }
        return .valid(length)
    }

    /// A display string for arbitrary bytes: valid UTF-8 as text, every other byte as `<0xXX>`.
    static func displayString(_ bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        var runStart = 0
        while i < bytes.count {
            switch sequence(bytes, at: i) {
            case .valid(let n):
                i += n
            case .incomplete, .invalid:
                out += String(decoding: bytes[runStart..<i], as: UTF8.self)
                out += "<0x" + (bytes[i] < 16 ? "0" : "") + String(bytes[i], radix: 16, uppercase: true) + ">"
                i += 1
                runStart = i
            }
        }
        out += String(decoding: bytes[runStart..<i], as: UTF8.self)
        return out
    }
}
