import Crypto
import Foundation
import Logging

/// A ``ChatModel`` in front of another one that keeps every successful response on disk and
/// answers a repeated request from there without calling the wrapped model.
///
/// The key is the SHA-256 of a canonical JSON (sorted keys) of the wrapped model's name and the
/// whole request (messages, sampling settings, stop strings, logprob options), so any change to
/// the request is a miss. Responses are stored as `directory/ab/<hex>.json` (`ab` the first two hex
/// digits), written to a temporary file and renamed into place, so a reader never sees half a file.
/// Errors are not cached. An unreadable or corrupt file counts as a miss and is overwritten.
public final class CachedChatModel: ChatModel {
    /// The wrapped model's name (a cached answer is that model's answer).
    public var name: String { wrapped.name }
    /// Whether the wrapped model returns logprobs.
    public var supportsLogprobs: Bool { wrapped.supportsLogprobs }
    /// The model asked on a miss.
    public let wrapped: any ChatModel
    /// Where responses are stored.
    public let directory: URL

    private let counters = Counters()
    private static let logger = Logger(label: "augur.llm.cache")

    /// A cache of `wrapping`'s responses under `directory` (created when first written).
    public init(wrapping: any ChatModel, directory: URL) {
        wrapped = wrapping
        self.directory = directory
    }

    /// Requests answered from disk so far.
    public var hits: Int { counters.read().hits }
    /// Requests passed to the wrapped model so far.
    public var misses: Int { counters.read().misses }

    /// What one cache file holds: the key's inputs (checked on read) and the response.
    struct Record: Codable {
        var model: String
        var request: ChatRequest
        var response: ChatResponse
    }

    /// The canonical JSON the key is the hash of.
    struct KeyInput: Codable {
        var model: String
        var request: ChatRequest
    }

    /// The lowercase hex SHA-256 key of `request` for this model.
    public func key(for request: ChatRequest) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(KeyInput(model: wrapped.name, request: request))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// The file a request's response is stored in.
    public func fileURL(for request: ChatRequest) throws -> URL {
        let key = try key(for: request)
        return directory.appendingPathComponent(String(key.prefix(2)), isDirectory: true)
            .appendingPathComponent(key + ".json")
    }

    /// The stored response, or the wrapped model's (then stored).
    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let url = try fileURL(for: request)
        if let cached = read(url, request: request) {
            counters.update { $0.hits += 1 }
            return cached
        }
        counters.update { $0.misses += 1 }
        let response = try await wrapped.complete(request)
        do {
            try write(Record(model: wrapped.name, request: request, response: response), to: url)
        } catch {
            Self.logger.warning("cannot store a response in the chat cache \(url.path): \(error)")
        }
        return response
    }

    /// The response stored at `url` for `request`, if the file exists, decodes and matches.
    private func read(_ url: URL, request: ChatRequest) -> ChatResponse? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let record = try? JSONDecoder().decode(Record.self, from: data),
              record.model == wrapped.name, record.request == request else {
            Self.logger.warning("ignoring the corrupt or mismatched chat cache file \(url.path)")
            return nil
        }
        return record.response
    }

    /// Writes `record` to a temporary file beside `url` and renames it into place.
    private func write(_ record: Record, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let data = try encoder.encode(record)
        let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try data.write(to: temp)
        guard rename(temp.path, url.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temp)
            throw CocoaError(.fileWriteUnknown, userInfo: [
                NSLocalizedDescriptionKey: "rename \(temp.path) → \(url.path) failed: \(String(cString: strerror(code)))",
            ])
        }
    }
}

/// Hit and miss counts behind a lock.
private final class Counters: @unchecked Sendable {
    struct Values { var hits = 0, misses = 0 }
    private let lock = NSLock()
    private var values = Values()

    func read() -> Values {
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    func update(_ body: (inout Values) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(&values)
    }
}
