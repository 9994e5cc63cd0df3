/// Element types of safetensors tensors, spelled as in the header's `dtype` field.
public enum SafetensorsDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64, .u64: 8
        case .f32, .i32, .u32: 4
        case .f16, .bf16, .i16, .u16: 2
        case .i8, .u8, .bool: 1
        }
    }

    public var description: String { rawValue }
}

/// Why a safetensors file could not be read or written. Messages name the file and, where
/// relevant, the tensor.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The 8-byte header length is missing or larger than the rest of the file.
    case badHeaderLength(file: String, length: UInt64, fileSize: Int)
    /// The header is not a JSON object of the expected form.
    case badHeader(file: String, reason: String)
    /// A tensor's `dtype` is not one this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's shape has a negative or overflowing dimension.
    case invalidShape(file: String, tensor: String, shape: [Int])
    /// A tensor's `data_offsets` are reversed or lie past the end of the file.
    case offsetsOutOfBounds(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range does not match its dtype and shape.
    case sizeMismatch(file: String, tensor: String, expected: Int, actual: Int)
    /// No tensor has this name.
    case tensorNotFound(file: String, tensor: String)
    /// The tensor's dtype cannot be converted to what was asked for.
    case incompatibleDType(file: String, tensor: String, dtype: SafetensorsDType, wanted: String)
    /// An integer value does not fit the requested type.
    case valueOutOfRange(file: String, tensor: String, index: Int)
    /// The writer was given a tensor whose data does not fit its shape, an unsupported dtype, or a repeated name.
    case invalidTensor(tensor: String, reason: String)
    /// The output file could not be written.
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            "\(file): cannot open safetensors file: \(reason)"
        case .badHeaderLength(let file, let length, let fileSize):
            "\(file): safetensors header length \(length) does not fit in the file (\(fileSize) bytes)"
        case .badHeader(let file, let reason):
            "\(file): invalid safetensors header: \(reason)"
        case .unknownDType(let file, let tensor, let dtype):
            "\(file): tensor '\(tensor)' has unknown dtype '\(dtype)'"
        case .invalidShape(let file, let tensor, let shape):
            "\(file): tensor '\(tensor)' has invalid shape \(shape)"
        case .offsetsOutOfBounds(let file, let tensor, let begin, let end, let dataSize):
            "\(file): tensor '\(tensor)' data_offsets [\(begin), \(end)] lie outside the data section (\(dataSize) bytes)"
        case .sizeMismatch(let file, let tensor, let expected, let actual):
            "\(file): tensor '\(tensor)' needs \(expected) bytes for its dtype and shape but data_offsets span \(actual)"
        case .tensorNotFound(let file, let tensor):
            "\(file): no tensor named '\(tensor)'"
        case .incompatibleDType(let file, let tensor, let dtype, let wanted):
            "\(file): tensor '\(tensor)' is \(dtype), which cannot be read as \(wanted)"
        case .valueOutOfRange(let file, let tensor, let index):
            "\(file): tensor '\(tensor)' element \(index) does not fit the requested integer type"
        case .invalidTensor(let tensor, let reason):
            "tensor '\(tensor)': \(reason)"
        case .cannotWrite(let file, let reason):
            "\(file): cannot write safetensors file: \(reason)"
        }
    }
}
