import AugurTensor

/// Builds a GGUF (version 3) file in memory and writes it: metadata in insertion order,
/// tensor descriptions, then each tensor's data padded to the alignment.
///
/// The alignment is `general.alignment` when that key is set (as `.uint32`), else 32.
///
/// ```swift
/// var writer = GGUFWriter()
/// writer.set("general.architecture", .string("llama"))
/// writer.addTensor(name: "output_norm.weight", shape: [4], floats: [1, 1, 1, 1])
/// try writer.write(to: "/tmp/tiny.gguf")
/// ```
public struct GGUFWriter: Sendable {
    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var tensors: [(name: String, type: GGMLType, shape: [Int], data: [UInt8])] = []
    private var tensorNames: Set<String> = []
    /// A problem found by a non-throwing `addTensor`, reported by `write(to:)`.
    private var deferredError: GGUFError?

    /// An empty file: no metadata, no tensors.
    public init() {}

    /// Sets metadata `key` to `value`, replacing an earlier value but keeping its position.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
    }

    /// Adds a tensor of `type` with GGUF-order `shape` (`shape[0]` innermost) and its raw bytes.
    ///
    /// Throws `GGUFError.dataSizeMismatch` when `data.count` is not what the type and shape need,
    /// and `GGUFError.duplicateTensor` when the name is already used.
    public mutating func addTensor(name: String, type: GGMLType, shape: [Int], data: [UInt8]) throws {
        let elements = shape.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).partialValue }
        let rowOK = (shape.first ?? type.blockSize) % type.blockSize == 0
        let expected = rowOK && shape.allSatisfy({ $0 >= 0 }) ? type.byteCount(elements: elements) : nil
        guard shape.count <= 4 else {
            throw GGUFError.invalidShape(file: "(GGUFWriter)", tensor: name, shape: shape.map { UInt64(max($0, 0)) },
                                         reason: "\(shape.count) dimensions (at most 4)")
        }
        guard let expected, expected == data.count else {
            throw GGUFError.dataSizeMismatch(tensor: name, type: type, shape: shape, expected: expected, got: data.count)
        }
        guard tensorNames.insert(name).inserted else {
            throw GGUFError.duplicateTensor(file: "(GGUFWriter)", tensor: name)
        }
        tensors.append((name, type, shape, data))
    }

    /// Adds an F32 tensor from `floats`; a size mismatch or duplicate name is reported by `write(to:)`.
    public mutating func addTensor(name: String, shape: [Int], floats: [Float]) {
        var bytes = [UInt8](repeating: 0, count: floats.count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for (i, f) in floats.enumerated() {
                raw.storeBytes(of: f.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        do {
            try addTensor(name: name, type: .f32, shape: shape, data: bytes)
        } catch let error as GGUFError {
            if deferredError == nil { deferredError = error }
        } catch {
            if deferredError == nil { deferredError = .invalidValue(key: name, reason: "\(error)") }
        }
    }

    /// The complete file contents (built in memory: meant for small and test models).
    public func encoded() throws -> [UInt8] {
        if let deferredError { throw deferredError }
        var alignment = 32
        if let value = values["general.alignment"] {
            guard case .uint32(let a) = value, a > 0, a & (a - 1) == 0 else {
                throw GGUFError.invalidValue(key: "general.alignment", reason: "must be a positive power of two stored as .uint32")
            }
            alignment = Int(a)
        }
        var out = GGUFByteSink()
        out.bytes.append(contentsOf: Array("GGUF".utf8))
        out.append(UInt32(3))
        out.append(UInt64(tensors.count))
        out.append(UInt64(keys.count))
        for key in keys {
            guard let value = values[key] else { continue }
            out.append(string: key)
            out.append(value.type.rawValue)
            try out.append(value: value, key: key)
        }
        var relative = 0
        var offsets = [Int]()
        for t in tensors {
            out.append(string: t.name)
            out.append(UInt32(t.shape.count))
            for d in t.shape { out.append(UInt64(d)) }
            out.append(t.type.rawValue)
            out.append(UInt64(relative))
            offsets.append(relative)
            relative += (t.data.count + alignment - 1) / alignment * alignment
        }
        out.pad(to: alignment)
        for t in tensors {
            out.bytes.append(contentsOf: t.data)
            out.pad(to: alignment)
        }
        return out.bytes
    }

    /// Writes the file to `path`, replacing any existing file.
    public func write(to path: String) throws {
        let bytes = try encoded()
        do {
            try writeWholeFile(bytes, to: path)
        } catch {
            throw GGUFError.cannotWrite(file: path, reason: error.reason)
        }
    }
}

/// Little-endian serialisation of GGUF primitives.
struct GGUFByteSink {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(string: String) {
        let utf8 = Array(string.utf8)
        append(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func pad(to alignment: Int) {
        let extra = (alignment - bytes.count % alignment) % alignment
        bytes.append(contentsOf: repeatElement(0, count: extra))
    }

    /// Appends `value` without its type tag (arrays include their item type and count).
    mutating func append(value: GGUFValue, key: String) throws(GGUFError) {
        switch value {
        case .uint8(let v): append(v)
        case .int8(let v): append(v)
        case .uint16(let v): append(v)
        case .int16(let v): append(v)
        case .uint32(let v): append(v)
        case .int32(let v): append(v)
        case .uint64(let v): append(v)
        case .int64(let v): append(v)
        case .float32(let v): append(v.bitPattern)
        case .float64(let v): append(v.bitPattern)
        case .bool(let v): append(UInt8(v ? 1 : 0))
        case .string(let v): append(string: v)
        case .uint8Array(let a): arrayHeader(.uint8, a.count); a.forEach { append($0) }
        case .int8Array(let a): arrayHeader(.int8, a.count); a.forEach { append($0) }
        case .uint16Array(let a): arrayHeader(.uint16, a.count); a.forEach { append($0) }
        case .int16Array(let a): arrayHeader(.int16, a.count); a.forEach { append($0) }
        case .uint32Array(let a): arrayHeader(.uint32, a.count); a.forEach { append($0) }
        case .int32Array(let a): arrayHeader(.int32, a.count); a.forEach { append($0) }
        case .uint64Array(let a): arrayHeader(.uint64, a.count); a.forEach { append($0) }
        case .int64Array(let a): arrayHeader(.int64, a.count); a.forEach { append($0) }
        case .float32Array(let a): arrayHeader(.float32, a.count); a.forEach { append($0.bitPattern) }
        case .float64Array(let a): arrayHeader(.float64, a.count); a.forEach { append($0.bitPattern) }
        case .boolArray(let a): arrayHeader(.bool, a.count); a.forEach { append(UInt8($0 ? 1 : 0)) }
        case .stringArray(let a): arrayHeader(.string, a.count); a.forEach { append(string: $0) }
        case .arrays(let a):
            arrayHeader(.array, a.count)
            for element in a {
                guard element.elementType != nil else {
                    throw .invalidValue(key: key, reason: "an element of .arrays is the scalar \(element), not an array")
                }
                try append(value: element, key: key)
            }
        }
    }

    private mutating func arrayHeader(_ type: GGUFValueType, _ count: Int) {
        append(type.rawValue)
        append(UInt64(count))
    }
}
