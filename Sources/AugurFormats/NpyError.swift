/// Why a NumPy `.npy` array or `.npz` archive could not be read. Messages name the file and member.
public enum NpyError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(file: String, reason: String)
    /// The `.npy` header is malformed.
    case badHeader(file: String, member: String, reason: String)
    /// The array's dtype is not one this reader converts to Float.
    case unsupportedDType(file: String, member: String, dtype: String)
    /// The zip structure is malformed or truncated.
    case badArchive(file: String, reason: String)
    /// A member is compressed with a method this reader does not implement (only "stored").
    case compressedMember(file: String, member: String, method: Int)
    /// No member has this name.
    case memberNotFound(file: String, member: String)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason): "\(file): cannot open: \(reason)"
        case .badHeader(let file, let member, let reason): "\(file): \(member): bad .npy header: \(reason)"
        case .unsupportedDType(let file, let member, let dtype): "\(file): \(member): unsupported dtype '\(dtype)' (want <f4, <f8 or <f2)"
        case .badArchive(let file, let reason): "\(file): bad .npz (zip) archive: \(reason)"
        case .compressedMember(let file, let member, let method):
            "\(file): member '\(member)' is compressed (zip method \(method)); only stored members are supported — save with numpy.savez, not savez_compressed"
        case .memberNotFound(let file, let member): "\(file): no array named '\(member)'"
        }
    }
}
