import Foundation

/// What went wrong reading a corpus or building a latent cache.
public enum ActivationsError: Error, CustomStringConvertible, Equatable {
    case unknownCorpus(name: String, known: [String])
    case unreadable(file: String, detail: String)
    case badJSONL(file: String, line: Int, detail: String)
    case badCorpusFile(file: String, detail: String)
    case emptyCorpus(source: String)
    case badArgument(String)
    case widthMismatch(hook: String, width: Int, coderWidth: Int)
    case cacheMismatch(path: String, detail: String)
    case corruptCache(path: String, detail: String)

    public var description: String {
        switch self {
        case let .unknownCorpus(name, known):
            return "unknown corpus '\(name)' (not a file or folder; built-in corpora: \(known.joined(separator: ", ")))"
        case let .unreadable(file, detail): return "cannot read \(file): \(detail)"
        case let .badJSONL(file, line, detail): return "\(file):\(line): \(detail)"
        case let .badCorpusFile(file, detail): return "\(file): \(detail)"
        case let .emptyCorpus(source): return "corpus \(source) has no documents"
        case let .badArgument(s): return s
        case let .widthMismatch(hook, width, coderWidth):
            return "hook \(hook) has width \(width) but the coder reads \(coderWidth)-wide activations"
        case let .cacheMismatch(path, detail):
            return "\(path) holds a cache made with different arguments (\(detail)); use --force to start over"
        case let .corruptCache(path, detail): return "corrupt cache \(path): \(detail)"
        }
    }
}
