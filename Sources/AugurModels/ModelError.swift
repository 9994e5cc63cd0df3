/// Errors from loading and running models. Each message says what was wrong and where.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownModel(name: String, catalog: [String])
    case missingMetadata(file: String, key: String)
    case missingTensor(file: String, tensor: String)
    case tensorShape(file: String, tensor: String, expected: [Int], got: [Int])
    case unsupportedArchitecture(file: String, architecture: String, supported: [String])
    case unsupportedTensorType(file: String, tensor: String, type: String)
    case unknownHook(name: String, layers: Int)
    case contextOverflow(tokens: Int, contextLength: Int)
    case cacheOverflow(needed: Int, capacity: Int)
    case tokenOutOfRange(token: Int32, vocabularySize: Int)
    case interventionShape(expected: Int, got: Int)
    case invalidArgument(String)
    case download(model: String, detail: String)
    case checksum(file: String, expected: String, got: String)
    case corruptModelFile(file: String, detail: String)
    case missingFile(folder: String, file: String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let catalog):
            "unknown model '\(name)': not a catalog name and not an existing file or folder. Catalog: \(catalog.joined(separator: ", "))"
        case .missingMetadata(let file, let key):
            "\(file): missing metadata key '\(key)'"
        case .missingTensor(let file, let tensor):
            "\(file): missing tensor '\(tensor)'"
        case .tensorShape(let file, let tensor, let expected, let got):
            "\(file): tensor '\(tensor)' has shape \(got), expected \(expected)"
        case .unsupportedArchitecture(let file, let arch, let supported):
            "\(file): architecture '\(arch)' is not supported (supported: \(supported.joined(separator: ", ")))"
        case .unsupportedTensorType(let file, let tensor, let type):
            "\(file): tensor '\(tensor)' has type \(type), which the engine cannot compute with"
        case .unknownHook(let name, let layers):
            "unknown hook '\(name)'. Valid hooks are blocks.L.{\(HookSite.allCases.map(\.rawValue).joined(separator: ","))} with L in 0..<\(layers), e.g. blocks.\(layers / 2).hook_resid_post"
        case .contextOverflow(let tokens, let ctx):
            "the input has \(tokens) tokens but the model's context is \(ctx) tokens"
        case .cacheOverflow(let needed, let capacity):
            "the KV cache holds \(capacity) positions but \(needed) are needed"
        case .tokenOutOfRange(let token, let vocab):
            "token id \(token) is outside the vocabulary (0..<\(vocab))"
        case .interventionShape(let expected, let got):
            "intervention does not fit the hook: width is \(expected), got \(got)"
        case .invalidArgument(let s):
            s
        case .download(let model, let detail):
            "could not fetch model '\(model)': \(detail)"
        case .checksum(let file, let expected, let got):
            "\(file): sha256 is \(got), expected \(expected); the file is corrupt or incomplete — run `augur models pull` again"
        case .missingFile(let folder, let file):
            "\(folder): missing \(file) (a Hugging Face model folder needs config.json, *.safetensors and tokenizer.json)"
        case .corruptModelFile(let file, let detail):
            "\(file): \(detail). The file may be corrupt or incomplete; run `augur models pull NAME` to fetch it again"
        }
    }
}
