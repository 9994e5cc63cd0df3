/// A bounds-checked little-endian reader over a mapped GGUF file.
///
/// Every read checks the remaining length first and throws `GGUFError.truncated` naming what
/// was being read, so a corrupt length or count can neither crash nor allocate more than the file holds.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(file: file, what: what(), offset: offset)
        }
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
        try require(count, what())
        offset += count
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    /// Reads a u64 length or count and checks that `count * minimumElementSize` bytes remain.
    mutating func readCount(minimumElementSize: Int, _ what: @autoclosure () -> String) throws(GGUFError) -> Int {
        let start = offset
        let raw = try read(UInt64.self, what())
        let limit = UInt64(remaining / max(1, minimumElementSize))
        guard raw <= limit else {
            throw .truncated(file: file, what: "\(what()) (declares \(raw) elements)", offset: start)
        }
        return Int(raw)
    }

    /// Reads a GGUF string: a u64 byte length followed by UTF-8 bytes (invalid UTF-8 is repaired).
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw .truncated(file: file, what: "\(what()) (length \(length))", offset: start)
        }
        let count = Int(length)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count]), as: UTF8.self)
        offset += count
        return text
    }

    /// Reads `count` fixed-width integers in one copy (byte-swapping only on big-endian hosts).
    mutating func readIntegers<T: FixedWidthInteger>(_: T.Type, count: Int, _ what: @autoclosure () -> String) throws(GGUFError) -> [T] {
        let size = MemoryLayout<T>.size
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw .truncated(file: file, what: what(), offset: offset) }
        try require(total, what())
        let source = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + total])
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            initialized = count
        }
        offset += total
        if T(littleEndian: 1) == 1 { return values }
        return values.map { T(littleEndian: $0) }
    }

    /// Reads `count` f32 values.
    mutating func readFloats(count: Int, _ what: @autoclosure () -> String) throws(GGUFError) -> [Float] {
        try readIntegers(UInt32.self, count: count, what()).map(Float.init(bitPattern:))
    }

    /// Reads `count` f64 values.
    mutating func readDoubles(count: Int, _ what: @autoclosure () -> String) throws(GGUFError) -> [Double] {
        try readIntegers(UInt64.self, count: count, what()).map(Double.init(bitPattern:))
    }

    /// Reads one metadata value of type `type` belonging to `key`; arrays may nest up to `depth` levels.
    mutating func readValue(type: GGUFValueType, key: String, depth: Int = 0) throws(GGUFError) -> GGUFValue {
        let what = "value of metadata key '\(key)'"
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what))
        case .int8: return .int8(try read(Int8.self, what))
        case .uint16: return .uint16(try read(UInt16.self, what))
        case .int16: return .int16(try read(Int16.self, what))
        case .uint32: return .uint32(try read(UInt32.self, what))
        case .int32: return .int32(try read(Int32.self, what))
        case .uint64: return .uint64(try read(UInt64.self, what))
        case .int64: return .int64(try read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, what)))
        case .bool: return .bool(try read(UInt8.self, what) != 0)
        case .string: return .string(try readString(what))
        case .array: return try readArray(key: key, depth: depth)
        }
    }

    /// Reads an array value (item type u32, count u64, items).
    mutating func readArray(key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        guard depth < 8 else { throw .nestingTooDeep(file: file, key: key) }
        let what = "array value of metadata key '\(key)'"
        let rawType = try read(UInt32.self, what)
        guard let itemType = GGUFValueType(rawValue: rawType) else {
            throw .unknownValueType(file: file, key: key, rawType: rawType)
        }
        let count = try readCount(minimumElementSize: itemType.minimumEncodedSize, what)
        switch itemType {
        case .uint8: return .uint8Array(try readIntegers(UInt8.self, count: count, what))
        case .int8: return .int8Array(try readIntegers(Int8.self, count: count, what))
        case .uint16: return .uint16Array(try readIntegers(UInt16.self, count: count, what))
        case .int16: return .int16Array(try readIntegers(Int16.self, count: count, what))
        case .uint32: return .uint32Array(try readIntegers(UInt32.self, count: count, what))
        case .int32: return .int32Array(try readIntegers(Int32.self, count: count, what))
        case .uint64: return .uint64Array(try readIntegers(UInt64.self, count: count, what))
        case .int64: return .int64Array(try readIntegers(Int64.self, count: count, what))
        case .float32: return .float32Array(try readFloats(count: count, what))
        case .float64: return .float64Array(try readDoubles(count: count, what))
        case .bool: return .boolArray(try readIntegers(UInt8.self, count: count, what).map { $0 != 0 })
        case .string:
            var strings = [String]()
            strings.reserveCapacity(count)
            for i in 0 ..< count {
                strings.append(try readString("string #\(i) of metadata key '\(key)'"))
            }
            return .stringArray(strings)
        case .array:
            var arrays = [GGUFValue]()
            arrays.reserveCapacity(count)
            for _ in 0 ..< count {
                arrays.append(try readArray(key: key, depth: depth + 1))
            }
            return .arrays(arrays)
        }
    }
}
