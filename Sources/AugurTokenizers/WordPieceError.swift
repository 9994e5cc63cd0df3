/// Why a WordPiece tokenizer could not be built. Messages name the file and the field.
public enum WordPieceError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case cannotRead(file: String, reason: String)
    /// The file is not of the expected form (bad JSON, wrong model type, …).
    case invalidFile(file: String, reason: String)
    /// A token the tokenizer needs (`[UNK]`, `[CLS]`, `[SEP]`) is not in the vocabulary.
    case missingToken(file: String, token: String)

    public var description: String {
        switch self {
        case .cannotRead(let file, let reason):
            "\(file): cannot read WordPiece tokenizer: \(reason)"
        case .invalidFile(let file, let reason):
            "\(file): not a usable WordPiece tokenizer: \(reason)"
        case .missingToken(let file, let token):
            "\(file): the vocabulary has no token '\(token)'"
        }
    }
}
