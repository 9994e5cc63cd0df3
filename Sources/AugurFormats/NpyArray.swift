/// A NumPy array as Floats (from `.npy` data of dtype `<f4`, `<f8` or `<f2`), row-major.
public struct NpyArray: Sendable, Equatable {
    /// Dimensions, outermost first (C order).
    public let shape: [Int]
    /// Elements in C order (Fortran-ordered arrays are transposed on read).
    public let values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// Parses a whole `.npy` file's bytes; `file`/`member` only label errors.
    public static func parse(_ bytes: UnsafeRawBufferPointer, file: String, member: String) throws(NpyError) -> NpyArray {
        func bad(_ reason: String) -> NpyError { .badHeader(file: file, member: member, reason: reason) }
        guard bytes.count >= 10, bytes[0] == 0x93, bytes[1] == UInt8(ascii: "N"), bytes[2] == UInt8(ascii: "U"),
              bytes[3] == UInt8(ascii: "M"), bytes[4] == UInt8(ascii: "P"), bytes[5] == UInt8(ascii: "Y")
        else { throw bad("missing \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw bad("unknown format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw bad("header length \(headerLength) past end of data") }
        let header = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[headerStart ..< headerStart + headerLength]), as: UTF8.self)
        guard let descr = field(header, "descr").flatMap(quoted) else { throw bad("no 'descr' in \(header)") }
        let fortran = field(header, "fortran_order").map { $0.hasPrefix("True") } ?? false
        guard let shapeText = field(header, "shape"), shapeText.hasPrefix("("), let close = shapeText.firstIndex(of: ")") else {
            throw bad("no 'shape' in \(header)")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex) ..< close].split(separator: ",") {
            let t = part.trimmingCharacters(in: " ")
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw bad("bad shape \(shapeText[...close])") }
            shape.append(v)
        }
        let count = shape.reduce(1, *)
        let size: Int
        switch descr {
        case "<f4", "|f4", "=f4": size = 4
        case "<f8", "=f8": size = 8
        case "<f2", "=f2": size = 2
        default: throw .unsupportedDType(file: file, member: member, dtype: descr)
        }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart >= count * size else {
            throw bad("data holds \(bytes.count - dataStart) bytes, shape \(shape) of \(descr) needs \(count * size)")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let o = dataStart + i * size
            switch size {
            case 4: values[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
            case 8: values[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self))))
            default: values[i] = HalfFloat.float(fromF16: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            }
        }
        if fortran && shape.count > 1 { values = transposeFortran(values, shape: shape) }
        return NpyArray(shape: shape, values: values)
    }

    /// The text after `'key':` in a header dict.
    private static func field(_ header: String, _ key: String) -> String? {
        for q in ["'", "\""] {
            if let r = header.range(of: "\(q)\(key)\(q):") {
                return String(header[r.upperBound...]).trimmingCharacters(in: " ")
            }
        }
        return nil
    }

    private static func quoted(_ s: String) -> String? {
        guard let q = s.first, q == "'" || q == "\"" else { return nil }
        let rest = s.dropFirst()
        guard let end = rest.firstIndex(of: q) else { return nil }
        return String(rest[..<end])
    }

    /// Reorders Fortran-order (first index fastest) elements into C order.
    private static func transposeFortran(_ v: [Float], shape: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        var fStrides = [Int](repeating: 1, count: shape.count)
        for i in 1..<shape.count { fStrides[i] = fStrides[i - 1] * shape[i - 1] }
        var index = [Int](repeating: 0, count: shape.count)
        for c in 0..<v.count {
            var f = 0
            for d in 0..<shape.count { f += index[d] * fStrides[d] }
            out[c] = v[f]
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}
