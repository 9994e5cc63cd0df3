/// GPT-2's reversible byte ⇄ printable-character mapping (`bytes_to_unicode`).
///
/// Byte-level BPE vocabularies store every token as a string of these characters: printable
/// Latin-1 bytes map to themselves and the other 68 bytes to U+0100…U+0143 (space → `Ġ`,
/// newline → `Ċ`).
enum ByteLevel {
    /// The character standing for each byte.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var extra: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(extra) ?? " "
                extra += 1
            }
        }
        return table
    }()

    /// The byte a character stands for, or `nil` when the character is outside the alphabet.
    @inline(__always)
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 0x100 {
            let printable = (0x21...0x7E).contains(v) || (0xA1...0xAC).contains(v) || (0xAE...0xFF).contains(v)
            return printable ? UInt8(v) : nil
        }
        return v < 0x144 ? scalarToByteHigh[Int(v - 0x100)] : nil
    }

    /// Bytes for the characters U+0100…U+0143.
    private static let scalarToByteHigh: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x44)
        for b in 0..<256 where byteToScalar[b].value >= 0x100 {
            table[Int(byteToScalar[b].value - 0x100)] = UInt8(b)
        }
        return table
    }()

    /// The byte-level string for raw bytes.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// Raw bytes of a byte-level string; characters outside the alphabet contribute their own UTF-8.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let b = byte(for: scalar) {
                out.append(b)
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }
}
