/// Why a sparse coder could not be loaded, saved, built or trained. Messages name the file and field.
public enum SAEError: Error, Equatable, CustomStringConvertible {
    /// Nothing at `path` looks like a known SAE layout.
    case unknownLayout(path: String, reason: String)
    /// A config file is missing, unreadable or not a JSON object.
    case badConfig(file: String, reason: String)
    /// A config field is missing or has the wrong type or an unsupported value.
    case badField(file: String, field: String, reason: String)
    /// A weight tensor is missing or has the wrong shape.
    case badTensor(file: String, tensor: String, reason: String)
    /// Weights or arguments handed to a constructor do not fit together.
    case invalidShape(String)
    /// A file could not be written.
    case cannotWrite(path: String, reason: String)
    /// A training argument or checkpoint is unusable.
    case training(String)

    public var description: String {
        switch self {
        case .unknownLayout(let path, let reason): "\(path): not a sparsify, SAELens or Gemma Scope SAE (\(reason))"
        case .badConfig(let file, let reason): "\(file): bad config: \(reason)"
        case .badField(let file, let field, let reason): "\(file): field '\(field)': \(reason)"
        case .badTensor(let file, let tensor, let reason): "\(file): tensor '\(tensor)': \(reason)"
        case .invalidShape(let reason): "invalid sparse coder shape: \(reason)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .training(let reason): "training: \(reason)"
        }
    }
}
