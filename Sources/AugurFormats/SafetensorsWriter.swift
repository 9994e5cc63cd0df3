/// Builds a safetensors file: tensors are stored contiguously in the order they were added,
/// and the JSON header is padded with spaces to a multiple of 8 bytes, as the Python
/// `safetensors` package writes and expects.
///
/// ```swift
/// var writer = SafetensorsWriter()
/// try writer.add("input_ids", int32s: [1, 2, 3], shape: [3])
/// try writer.add("logits", floats: logits, shape: [3, vocab])
/// writer.metadata["format"] = "pt"
/// try writer.write(to: "/tmp/out.safetensors")
/// ```
public struct SafetensorsWriter: Sendable {
    /// String metadata written as `__metadata__` (omitted when empty).
    public var metadata: [String: String] = [:]

    private var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], data: [UInt8])] = []
    private var names: Set<String> = []

    /// An empty file.
    public init() {}

    /// Adds a floating-point tensor stored as `dtype` (F32, F16 or BF16; F16/BF16 round to nearest even).
    public mutating func add(_ name: String, floats: [Float], shape: [Int], dtype: SafetensorsDType = .f32) throws {
        let bytes: [UInt8]
        switch dtype {
        case .f32: bytes = Self.littleEndianBytes(floats.map(\.bitPattern))
        case .f16: bytes = Self.littleEndianBytes(floats.map(HalfFloat.f16Bits(from:)))
        case .bf16: bytes = Self.littleEndianBytes(floats.map(HalfFloat.bf16Bits(from:)))
        default:
            throw SafetensorsError.invalidTensor(tensor: name, reason: "floats can be stored as F32, F16 or BF16, not \(dtype)")
        }
        try append(name, dtype: dtype, shape: shape, count: floats.count, bytes: bytes)
    }

    /// Adds an I32 tensor.
    public mutating func add(_ name: String, int32s: [Int32], shape: [Int]) throws {
        try append(name, dtype: .i32, shape: shape, count: int32s.count, bytes: Self.littleEndianBytes(int32s))
    }

    /// Adds an I64 tensor.
    public mutating func add(_ name: String, int64s: [Int64], shape: [Int]) throws {
        try append(name, dtype: .i64, shape: shape, count: int64s.count, bytes: Self.littleEndianBytes(int64s))
    }

    private mutating func append(_ name: String, dtype: SafetensorsDType, shape: [Int], count: Int, bytes: [UInt8]) throws(SafetensorsError) {
        guard name != "__metadata__" else {
            throw .invalidTensor(tensor: name, reason: "the name __metadata__ is reserved")
        }
        var elements = 1
        for d in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw .invalidTensor(tensor: name, reason: "invalid shape \(shape)") }
            elements = product
        }
        guard elements == count else {
            throw .invalidTensor(tensor: name, reason: "shape \(shape) holds \(elements) elements, got \(count)")
        }
        guard names.insert(name).inserted else { throw .invalidTensor(tensor: name, reason: "added twice") }
        entries.append((name, dtype, shape, bytes))
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        let size = MemoryLayout<T>.size
        var bytes = [UInt8](repeating: 0, count: values.count * size)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: v.littleEndian, toByteOffset: i * size, as: T.self)
            }
        }
        return bytes
    }

    /// The complete file contents.
    public func encoded() -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.sorted { $0.key < $1.key }
                .map { "\(Self.jsonString($0.key)):\(Self.jsonString($0.value))" }
                .joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for e in entries {
            if !first { json += "," }
            first = false
            let shape = e.shape.map(String.init).joined(separator: ",")
            json += "\(Self.jsonString(e.name)):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + e.data.count)]}"
            offset += e.data.count
        }
        json += "}"
        var header = Array(json.utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))

        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for e in entries { out.append(contentsOf: e.data) }
        return out
    }

    /// Writes the file to `path`, replacing any existing file.
    public func write(to path: String) throws {
        do {
            try writeWholeFile(encoded(), to: path)
        } catch {
            throw SafetensorsError.cannotWrite(file: path, reason: error.reason)
        }
    }

    /// `s` as a JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
