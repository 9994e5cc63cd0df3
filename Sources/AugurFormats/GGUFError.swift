import AugurTensor

/// Why a GGUF file could not be read or written. Every message names the file and, where
/// relevant, the metadata key or tensor.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The file does not start with the bytes "GGUF".
    case badMagic(file: String, found: [UInt8])
    /// The format version is not 2 or 3 (version 1 and big-endian files are not supported).
    case unsupportedVersion(file: String, version: UInt32)
    /// The file ends (or a length field points) before `what`, which starts at `offset`.
    case truncated(file: String, what: String, offset: Int)
    /// A metadata value has a type id that GGUF does not define.
    case unknownValueType(file: String, key: String, rawType: UInt32)
    /// Arrays are nested deeper than the reader allows.
    case nestingTooDeep(file: String, key: String)
    /// Two metadata entries share a key.
    case duplicateKey(file: String, key: String)
    /// `general.alignment` is not a positive power of two stored as uint32.
    case invalidAlignment(file: String, value: String)
    /// Two tensors share a name.
    case duplicateTensor(file: String, tensor: String)
    /// A tensor's type id is not a known `GGMLType`.
    case unsupportedType(file: String, tensor: String, rawType: UInt32)
    /// A tensor's shape is unusable with its type (too many dimensions, overflow, or not whole blocks).
    case invalidShape(file: String, tensor: String, shape: [UInt64], reason: String)
    /// A tensor's data offset is not a multiple of the file's alignment.
    case misalignedTensor(file: String, tensor: String, offset: Int, alignment: Int)
    /// A tensor's data does not lie inside the file.
    case tensorOutOfBounds(file: String, tensor: String, offset: Int, byteCount: Int, fileSize: Int)
    /// The writer was given data that does not fit its declared type and shape.
    case dataSizeMismatch(tensor: String, type: GGMLType, shape: [Int], expected: Int?, got: Int)
    /// The writer was given a metadata value it cannot encode.
    case invalidValue(key: String, reason: String)
    /// The output file could not be written.
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            "\(file): cannot open GGUF file: \(reason)"
        case .badMagic(let file, let found):
            "\(file): not a GGUF file (magic bytes \(found.map { String($0, radix: 16) }), expected \"GGUF\")"
        case .unsupportedVersion(let file, let version):
            "\(file): unsupported GGUF version \(version) (supported: 2, 3, little-endian)"
        case .truncated(let file, let what, let offset):
            "\(file): truncated or corrupt: \(what) at byte offset \(offset) runs past the end of the file"
        case .unknownValueType(let file, let key, let rawType):
            "\(file): metadata key '\(key)' has unknown value type id \(rawType)"
        case .nestingTooDeep(let file, let key):
            "\(file): metadata key '\(key)' nests arrays too deeply"
        case .duplicateKey(let file, let key):
            "\(file): duplicate metadata key '\(key)'"
        case .invalidAlignment(let file, let value):
            "\(file): general.alignment must be a positive power of two (uint32), got \(value)"
        case .duplicateTensor(let file, let tensor):
            "\(file): duplicate tensor name '\(tensor)'"
        case .unsupportedType(let file, let tensor, let rawType):
            "\(file): tensor '\(tensor)' has unsupported ggml type id \(rawType)"
        case .invalidShape(let file, let tensor, let shape, let reason):
            "\(file): tensor '\(tensor)' has invalid shape \(shape): \(reason)"
        case .misalignedTensor(let file, let tensor, let offset, let alignment):
            "\(file): tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(let file, let tensor, let offset, let byteCount, let fileSize):
            "\(file): tensor '\(tensor)' data (\(byteCount) bytes at offset \(offset)) lies outside the file (\(fileSize) bytes)"
        case .dataSizeMismatch(let tensor, let type, let shape, let expected, let got):
            if let expected {
                "tensor '\(tensor)': \(type) shape \(shape) needs \(expected) bytes, got \(got)"
            } else {
                "tensor '\(tensor)': shape \(shape) is not a whole number of \(type) blocks (\(type.blockSize) elements each) along its first dimension"
            }
        case .invalidValue(let key, let reason):
            "metadata key '\(key)': \(reason)"
        case .cannotWrite(let file, let reason):
            "\(file): cannot write GGUF file: \(reason)"
        }
    }
}
