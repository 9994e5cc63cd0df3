#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where one tensor's data lives in a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The tensor's name.
    public let name: String
    /// Element type.
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first (row-major, as in PyTorch).
    public let shape: [Int]
    /// Absolute byte offset of the data from the start of the file.
    public let offset: Int
    /// Size of the data in bytes.
    public let byteCount: Int

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors file, memory-mapped read-only.
///
/// The layout is an 8-byte little-endian header length N, N bytes of JSON mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the byte after
/// the header) plus an optional `"__metadata__"` object of strings, then the data. Everything is
/// validated at `init`; `data(for:)` returns a buffer into the mapping.
public final class SafetensorsFile: @unchecked Sendable {
    /// The path the file was opened with.
    public let path: String
    /// Every tensor, by name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// Tensor names in the order their data appears in the file.
    public let names: [String]
    /// The `__metadata__` strings (empty when absent).
    public let metadata: [String: String]

    private let mapping: MappedFile

    /// Maps and parses the safetensors file at `path`; throws `SafetensorsError`.
    public init(path: String) throws {
        let mapping: MappedFile
        do {
            mapping = try MappedFile(path: path)
        } catch {
            throw SafetensorsError.cannotOpen(file: path, reason: error.reason)
        }
        self.path = path
        self.mapping = mapping
        let size = mapping.size
        guard size >= 8 else { throw SafetensorsError.badHeaderLength(file: path, length: 0, fileSize: size) }
        let headerLength = UInt64(littleEndian: mapping.bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(size - 8) else {
            throw SafetensorsError.badHeaderLength(file: path, length: headerLength, fileSize: size)
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = size - dataStart
        let header: SafetensorsHeader
        do {
            header = try JSONDecoder().decode(SafetensorsHeader.self, from: Data(mapping.bytes[8 ..< dataStart]))
        } catch let error as DecodingError {
            throw SafetensorsError.badHeader(file: path, reason: Self.describe(error))
        } catch {
            throw SafetensorsError.badHeader(file: path, reason: "\(error)")
        }

        var tensors = [String: SafetensorsTensorInfo](minimumCapacity: header.entries.count)
        for (name, entry) in header.entries {
            guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
                throw SafetensorsError.unknownDType(file: path, tensor: name, dtype: entry.dtype)
            }
            var elements = 1
            for d in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard d >= 0, !overflow, product <= Int.max / 8 else {
                    throw SafetensorsError.invalidShape(file: path, tensor: name, shape: entry.shape)
                }
                elements = product
            }
            guard entry.dataOffsets.count == 2 else {
                throw SafetensorsError.badHeader(file: path, reason: "tensor '\(name)': data_offsets must have 2 entries, has \(entry.dataOffsets.count)")
            }
            let begin = entry.dataOffsets[0], end = entry.dataOffsets[1]
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw SafetensorsError.offsetsOutOfBounds(file: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
            }
            guard end - begin == elements * dtype.size else {
                throw SafetensorsError.sizeMismatch(file: path, tensor: name, expected: elements * dtype.size, actual: end - begin)
            }
            tensors[name] = SafetensorsTensorInfo(
                name: name, dtype: dtype, shape: entry.shape, offset: dataStart + begin, byteCount: end - begin)
        }
        self.tensors = tensors
        names = tensors.values.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }.map(\.name)
        metadata = header.metadata
    }

    private static func describe(_ error: DecodingError) -> String {
        let (path, message): ([any CodingKey], String) = switch error {
        case .dataCorrupted(let c): (c.codingPath, c.debugDescription)
        case .keyNotFound(let key, let c): (c.codingPath + [key], "missing field: \(c.debugDescription)")
        case .typeMismatch(_, let c): (c.codingPath, c.debugDescription)
        case .valueNotFound(_, let c): (c.codingPath, c.debugDescription)
        @unknown default: ([], "\(error)")
        }
        let location = path.map(\.stringValue).joined(separator: ".")
        return location.isEmpty ? message : "at '\(location)': \(message)"
    }

    /// The raw bytes of `tensor` inside the mapping (valid while this object is alive); empty
    /// when `tensor` does not describe a range of this file.
    public func data(for tensor: SafetensorsTensorInfo) -> UnsafeRawBufferPointer {
        mapping.slice(offset: tensor.offset, count: tensor.byteCount)
    }

    /// The tensor named `name`, or a `tensorNotFound` error.
    public func info(_ name: String) throws(SafetensorsError) -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw .tensorNotFound(file: path, tensor: name) }
        return info
    }

    /// The elements of an F32, F16, BF16 or F64 tensor as `Float`s, in row-major order.
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        let raw = data(for: info)
        let n = info.elementCount
        switch info.dtype {
        case .f32:
            return (0 ..< n).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        case .f16:
            return (0 ..< n).map { HalfFloat.float(fromF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
        case .bf16:
            return (0 ..< n).map { HalfFloat.float(fromBF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
        case .f64:
            return (0 ..< n).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
        default:
            throw SafetensorsError.incompatibleDType(file: path, tensor: name, dtype: info.dtype, wanted: "Float")
        }
    }

    /// The elements of an integer tensor (I32, I64, I16, I8, U8, U16; U32 and U64 when they fit)
    /// as `Int32`s; throws `valueOutOfRange` for a value that does not fit.
    public func int32s(_ name: String) throws -> [Int32] {
        let info = try info(name)
        let raw = data(for: info)
        let n = info.elementCount
        func load<T: FixedWidthInteger>(_: T.Type) throws(SafetensorsError) -> [Int32] {
            var out = [Int32]()
            out.reserveCapacity(n)
            for i in 0 ..< n {
                let v = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                guard let x = Int32(exactly: v) else { throw .valueOutOfRange(file: path, tensor: name, index: i) }
                out.append(x)
            }
            return out
        }
        switch info.dtype {
        case .i32: return try load(Int32.self)
        case .i64: return try load(Int64.self)
        case .i16: return try load(Int16.self)
        case .i8: return try load(Int8.self)
        case .u8: return try load(UInt8.self)
        case .u16: return try load(UInt16.self)
        case .u32: return try load(UInt32.self)
        case .u64: return try load(UInt64.self)
        default:
            throw SafetensorsError.incompatibleDType(file: path, tensor: name, dtype: info.dtype, wanted: "Int32")
        }
    }
}

/// The decoded JSON header: tensor entries in header order, and `__metadata__`.
struct SafetensorsHeader: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var entries: [(String, Entry)] = []
    var metadata: [String: String] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries.append((key.stringValue, try container.decode(Entry.self, forKey: key)))
            }
        }
    }
}
