import Foundation
import Testing
@testable import AugurTokenizers
import AugurFormats

/// The models whose reference files are in `../shared/reference` (beside the repository).
enum TestModel: String, CaseIterable, Sendable {
    case smollm2 = "smollm2-135m-instruct"
    case qwen = "qwen2.5-coder-0.5b-instruct"

    var fileName: String {
        switch self {
        case .smollm2: return "SmolLM2-135M-Instruct.Q4_1.gguf"
        case .qwen: return "qwen2.5-coder-0.5b-instruct-awq-q4_k_m.gguf"
        }
    }

    var dumpName: String { self == .smollm2 ? "smollm2" : "qwen" }

    static var augurHome: String {
        ProcessInfo.processInfo.environment["AUGUR_HOME"] ?? (NSHomeDirectory() + "/.cache/augur")
    }

    var modelPath: String { "\(Self.augurHome)/models/\(rawValue)/\(fileName)" }

    static var referenceRoot: String {
        ProcessInfo.processInfo.environment["AUGUR_REFERENCE"] ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/reference").path
    }

    var referenceDir: String { "\(Self.referenceRoot)/\(rawValue)" }
}

struct TokenizerCase: Decodable, Sendable {
    var text: String
    var ids: [Int32]
}

struct ChatReference: Decodable, Sendable {
    var messages: [ChatMessage]
    var rendered: String
    var ids: [Int32]
}

enum Fixtures {
    static func cases(_ m: TestModel) throws -> [TokenizerCase] {
        struct File: Decodable { var cases: [TokenizerCase] }
        let data = try Data(contentsOf: URL(fileURLWithPath: m.referenceDir + "/tokenizer-cases.json"))
        return try JSONDecoder().decode(File.self, from: data).cases
    }

    static func chat(_ m: TestModel) throws -> ChatReference {
        let data = try Data(contentsOf: URL(fileURLWithPath: m.referenceDir + "/chat-template.json"))
        return try JSONDecoder().decode(ChatReference.self, from: data)
    }

    /// Vocabulary of a model, loaded once per process.
    static func vocabulary(_ m: TestModel) throws -> TokenizerVocabulary {
        try cache.vocabulary(m)
    }

    static func tokenizer(_ m: TestModel) throws -> ByteLevelBPETokenizer {
        try cache.tokenizer(m)
    }

    private static let cache = Cache()

    final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var vocabs: [TestModel: TokenizerVocabulary] = [:]
        private var tokenizers: [TestModel: ByteLevelBPETokenizer] = [:]

        func vocabulary(_ m: TestModel) throws -> TokenizerVocabulary {
            lock.lock()
            defer { lock.unlock() }
            if let v = vocabs[m] { return v }
            let v = try loadVocabulary(m)
            vocabs[m] = v
            return v
        }

        func tokenizer(_ m: TestModel) throws -> ByteLevelBPETokenizer {
            let v = try vocabulary(m)
            lock.lock()
            defer { lock.unlock() }
            if let t = tokenizers[m] { return t }
            let t = try ByteLevelBPETokenizer(v)
            tokenizers[m] = t
            return t
        }
    }

    /// The vocabulary read from the real model file through `GGUFFile`.
    static func loadVocabulary(_ m: TestModel) throws -> TokenizerVocabulary {
        try TokenizerVocabulary(gguf: try GGUFFile(path: m.modelPath))
    }
}
