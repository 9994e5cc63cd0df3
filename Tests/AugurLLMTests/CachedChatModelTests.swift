import AugurModels
import Foundation
import Testing
@testable import AugurLLM

@Suite("CachedChatModel", .serialized)
struct CachedChatModelTests {
    let local: LocalChatModel
    init() throws { local = LocalChatModel(model: try TestModels.smollm.get()) }

    static let question = [ChatMessage(role: "user", content: "What is the capital of France?")]

    @Test func repeatedRequestsAreServedFromDisk() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let counting = CountingChatModel(local)
        let cache = CachedChatModel(wrapping: counting, directory: dir)
        #expect(cache.name == "smollm2-135m-instruct")
        let request = ChatRequest(messages: Self.question, maxTokens: 6, logprobs: true, topLogprobs: 2)
        let first = try await cache.complete(request)
        #expect((cache.hits, cache.misses, counting.calls) == (0, 1, 1))
        let url = try cache.fileURL(for: request)
        #expect(FileManager.default.fileExists(atPath: url.path))
        #expect(url.deletingLastPathComponent().lastPathComponent == String(url.lastPathComponent.prefix(2)))

        let again = try await cache.complete(request)
        #expect(again == first)
        #expect((cache.hits, cache.misses, counting.calls) == (1, 1, 1))
        // A fresh cache object over the same directory hits too.
        let reopened = CachedChatModel(wrapping: counting, directory: dir)
        #expect(try await reopened.complete(request) == first)
        #expect(counting.calls == 1)

        var warmer = request
        warmer.temperature = 0.7
        warmer.seed = 3
        _ = try await cache.complete(warmer)
        var other = request
        other.messages = [ChatMessage(role: "user", content: "What is the capital of Italy?")]
        _ = try await cache.complete(other)
        #expect((cache.hits, cache.misses, counting.calls) == (1, 3, 3))
        #expect(try cache.key(for: warmer) != cache.key(for: request))
    }

    @Test func corruptFilesAreMissesAndErrorsAreNotStored() async throws {
        let dir = try temporaryDirectory("corrupt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let counting = CountingChatModel(local)
        let cache = CachedChatModel(wrapping: counting, directory: dir)
        let request = ChatRequest(messages: Self.question, maxTokens: 3)
        let url = try cache.fileURL(for: request)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: url)
        let answer = try await cache.complete(request)
        #expect((cache.hits, cache.misses, counting.calls) == (0, 1, 1))
        #expect(try await cache.complete(request) == answer)
        #expect((cache.hits, cache.misses, counting.calls) == (1, 1, 1))

        let tooLong = ChatRequest(messages: Self.question, maxTokens: 1 << 30)
        await #expect(throws: LLMError.self) { try await cache.complete(tooLong) }
        await #expect(throws: LLMError.self) { try await cache.complete(tooLong) }
        #expect(counting.calls == 3)
        #expect(!FileManager.default.fileExists(atPath: try cache.fileURL(for: tooLong).path))
        // Only the one good response and no temporary files are left.
        let files = try FileManager.default.subpathsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") || $0.hasSuffix(".tmp") }
        #expect(files.count == 1)
    }
}
