import AugurTensor

/// Where one tensor's data lives in a GGUF file, and how it is laid out.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. "blk.0.attn_q.weight".
    public let name: String
    /// The element type (plain or quantized block format).
    public let type: GGMLType
    /// Dimensions in GGUF order: `shape[0]` is the innermost (row length).
    public let shape: [Int]
    /// Absolute byte offset of the data from the start of the file.
    public let offset: Int
    /// Size of the data in bytes (`type.byteCount(elements: elementCount)`).
    public let byteCount: Int

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A GGUF model file (versions 2 and 3), memory-mapped read-only.
///
/// All metadata and tensor descriptions are parsed and validated at `init`: every length is
/// bounds-checked, every tensor's data must lie inside the file, be aligned, and have a
/// whole number of blocks. Tensor data is not copied; `data(for:)` returns a buffer into the
/// mapping, valid for as long as this object is alive.
public final class GGUFFile: @unchecked Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The GGUF format version (2 or 3).
    public let version: UInt32
    /// Every metadata entry.
    public let metadata: [String: GGUFValue]
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Tensor descriptions in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of tensor data: `general.alignment`, or 32 when absent.
    public let alignment: Int
    /// Absolute offset of the tensor-data section.
    public let dataOffset: Int

    private let mapping: MappedFile
    private let tensorIndex: [String: Int]

    /// Maps and parses the GGUF file at `path`; throws `GGUFError` if it is not a valid GGUF file.
    public init(path: String) throws {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw GGUFError.cannotOpen(file: path, reason: error.reason)
        }
        self.path = path
        self.mapping = mapping
        var cursor = GGUFCursor(bytes: mapping.bytes, file: path)

        // Header.
        try cursor.require(4, "magic")
        let magic = Array(mapping.bytes[0 ..< 4])
        guard magic == Array("GGUF".utf8) else { throw GGUFError.badMagic(file: path, found: magic) }
        try cursor.skip(4, "magic")
        version = try cursor.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(file: path, version: version) }
        let tensorCount = try cursor.readCount(minimumElementSize: 24, "tensor count")
        let kvCount = try cursor.readCount(minimumElementSize: 13, "metadata count")

        // Metadata.
        var metadata = [String: GGUFValue](minimumCapacity: kvCount)
        var keys = [String]()
        keys.reserveCapacity(kvCount)
        for i in 0 ..< kvCount {
            let key = try cursor.readString("key of metadata entry #\(i)")
            let rawType = try cursor.read(UInt32.self, "value type of metadata key '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(file: path, key: key, rawType: rawType)
            }
            let value = try cursor.readValue(type: type, key: key)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw GGUFError.duplicateKey(file: path, key: key)
            }
            keys.append(key)
        }
        self.metadata = metadata
        metadataKeys = keys

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard case .uint32(let a) = value, a > 0, a & (a - 1) == 0 else {
                throw GGUFError.invalidAlignment(file: path, value: "\(value)")
            }
            alignment = Int(a)
        }
        self.alignment = alignment

        // Tensor descriptions (offsets relative to the data section, which follows them).
        var raw = [(name: String, type: GGMLType, shape: [Int], relativeOffset: UInt64, byteCount: Int)]()
        raw.reserveCapacity(tensorCount)
        var index = [String: Int](minimumCapacity: tensorCount)
        for i in 0 ..< tensorCount {
            let name = try cursor.readString("name of tensor info #\(i)")
            let what = "tensor info of '\(name)'"
            let dimCount = try cursor.read(UInt32.self, what)
            guard dimCount <= 4 else {
                throw GGUFError.invalidShape(file: path, tensor: name, shape: [], reason: "\(dimCount) dimensions (at most 4)")
            }
            let dims = try cursor.readIntegers(UInt64.self, count: Int(dimCount), what)
            let rawType = try cursor.read(UInt32.self, what)
            let relativeOffset = try cursor.read(UInt64.self, what)
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.unsupportedType(file: path, tensor: name, rawType: rawType)
            }
            let (shape, byteCount) = try Self.validateShape(dims, type: type, tensor: name, file: path)
            guard index.updateValue(i, forKey: name) == nil else {
                throw GGUFError.duplicateTensor(file: path, tensor: name)
            }
            raw.append((name, type, shape, relativeOffset, byteCount))
        }

        let headerEnd = cursor.offset
        let dataOffset = (headerEnd + alignment - 1) / alignment * alignment
        self.dataOffset = dataOffset
        let fileSize = mapping.size
        tensors = try raw.map { t throws(GGUFError) in
            guard t.relativeOffset % UInt64(alignment) == 0 else {
                throw GGUFError.misalignedTensor(file: path, tensor: t.name, offset: Int(clamping: t.relativeOffset), alignment: alignment)
            }
            let available = fileSize - min(dataOffset, fileSize)
            guard t.relativeOffset <= UInt64(available), t.byteCount <= available - Int(t.relativeOffset),
                  dataOffset <= fileSize
            else {
                let offset = UInt64(dataOffset).addingReportingOverflow(t.relativeOffset)
                throw GGUFError.tensorOutOfBounds(
                    file: path, tensor: t.name, offset: offset.overflow ? Int.max : Int(clamping: offset.partialValue),
                    byteCount: t.byteCount, fileSize: fileSize)
            }
            return GGUFTensorInfo(name: t.name, type: t.type, shape: t.shape,
                                  offset: dataOffset + Int(t.relativeOffset), byteCount: t.byteCount)
        }
        tensorIndex = index
    }

    /// Checks that `dims` describe a tensor of `type` (fits in `Int`, whole blocks per row,
    /// no overflow) and returns the shape and byte count.
    private static func validateShape(_ dims: [UInt64], type: GGMLType, tensor: String, file: String) throws(GGUFError) -> ([Int], Int) {
        var elements = 1
        for d in dims {
            guard d <= UInt64(Int.max) else {
                throw GGUFError.invalidShape(file: file, tensor: tensor, shape: dims, reason: "dimension \(d) is too large")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Int.max / 8 else {
                throw GGUFError.invalidShape(file: file, tensor: tensor, shape: dims, reason: "element count overflows")
            }
            elements = product
        }
        if let rowLength = dims.first, rowLength % UInt64(type.blockSize) != 0 {
            throw GGUFError.invalidShape(
                file: file, tensor: tensor, shape: dims,
                reason: "row length \(rowLength) is not a multiple of the \(type) block size \(type.blockSize)")
        }
        guard let byteCount = type.byteCount(elements: elements) else {
            throw GGUFError.invalidShape(
                file: file, tensor: tensor, shape: dims,
                reason: "\(elements) elements are not a whole number of \(type) blocks")
        }
        return (dims.map { Int($0) }, byteCount)
    }

    /// The tensor named `name`, or nil.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw bytes of `tensor` inside the mapping (valid while this `GGUFFile` is alive).
    ///
    /// `tensor` must come from this file; for a description that does not fit this file the
    /// result is an empty buffer.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        mapping.slice(offset: tensor.offset, count: tensor.byteCount)
    }

    // MARK: Typed metadata accessors

    /// The string value of `key`, or nil when missing or not a string.
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }

    /// The value of `key` as an `Int` when it is an integer of any width that fits.
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }

    /// The value of `key` as a `Double` when it is a float32/float64 or an integer.
    public func float(_ key: String) -> Double? { metadata[key]?.doubleValue }

    /// The bool value of `key`, or nil when missing or not a bool.
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }

    /// The string-array value of `key`, or nil.
    public func stringArray(_ key: String) -> [String]? { metadata[key]?.stringArrayValue }

    /// The value of `key` as `[Int]` when it is an array of any integer type.
    public func intArray(_ key: String) -> [Int]? { metadata[key]?.intArrayValue }

    /// The value of `key` as `[Float]` when it is an array of floats or integers.
    public func floatArray(_ key: String) -> [Float]? { metadata[key]?.floatArrayValue }
}
