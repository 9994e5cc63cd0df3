import Foundation
import Testing
@testable import AugurFormats

/// A fresh path in a per-process temporary directory.
func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("augur-formats-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(UUID().uuidString)-\(name)").path
}

/// Writes raw bytes to a fresh temporary file and returns its path.
func writeTemporary(_ bytes: [UInt8], name: String) throws -> String {
    let path = temporaryPath(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Deterministic pseudo-random bytes (xorshift), so test data is reproducible.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    return (0 ..< count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state >> 24)
    }
}

/// Opens `path` as GGUF expecting a `GGUFError` whose message names the file; returns it.
/// The (throwaway) file is deleted afterwards.
func ggufError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> GGUFError? {
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try GGUFFile(path: path)
        Issue.record("expected GGUFError for \(path), but it parsed", sourceLocation: sourceLocation)
    } catch let error as GGUFError {
        #expect(error.description.contains(path), "message must name the file: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected GGUFError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Opens `path` as safetensors expecting a `SafetensorsError` whose message names the file; returns it.
/// The (throwaway) file is deleted afterwards.
func safetensorsError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> SafetensorsError? {
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try SafetensorsFile(path: path)
        Issue.record("expected SafetensorsError for \(path), but it parsed", sourceLocation: sourceLocation)
    } catch let error as SafetensorsError {
        #expect(error.description.contains(path), "message must name the file: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected SafetensorsError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Offset of the first occurrence of `needle` in `haystack`.
func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard needle.count <= haystack.count else { return nil }
    for i in 0 ... haystack.count - needle.count where haystack[i ..< i + needle.count].elementsEqual(needle) {
        return i
    }
    return nil
}

extension Array where Element == UInt8 {
    /// Overwrites bytes at `offset` with the little-endian encoding of `value`.
    mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        let bytes = Swift.withUnsafeBytes(of: value.littleEndian) { Array($0) }
        replaceSubrange(offset ..< offset + bytes.count, with: bytes)
    }
}
