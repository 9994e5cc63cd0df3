#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be opened, mapped or written; the readers and writers wrap it
/// into their own typed errors (`GGUFError`, `SafetensorsError`).
struct FileIOFailure: Error {
    let reason: String

    init(_ operation: String, errno code: Int32) {
        reason = "\(operation) failed: \(String(cString: strerror(code)))"
    }

    init(reason: String) {
        self.reason = reason
    }
}

/// A whole file mapped read-only into memory; the mapping lives as long as this object.
///
/// Shared by the GGUF and safetensors readers: parsing reads straight from the mapping, and
/// tensor data is handed out as buffers into it, so weights are never copied.
final class MappedFile: @unchecked Sendable {
    /// The path the file was opened with.
    let path: String
    /// The mapped bytes (an empty buffer for an empty file).
    let bytes: UnsafeRawBufferPointer

    /// Size of the file in bytes.
    var size: Int { bytes.count }

    init(path: String) throws(FileIOFailure) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileIOFailure("open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIOFailure("fstat", errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileIOFailure(reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw FileIOFailure("mmap", errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    /// The bytes `offset..<offset+count`, or an empty buffer when that range is not inside the file.
    func slice(offset: Int, count: Int) -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset,
              let base = bytes.baseAddress
        else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }
}

/// Writes `bytes` to `path`, replacing any existing file.
func writeWholeFile(_ bytes: [UInt8], to path: String) throws(FileIOFailure) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw FileIOFailure("open for writing", errno: errno) }
    var failure: FileIOFailure?
    bytes.withUnsafeBytes { buffer in
        var written = 0
        while written < buffer.count {
            let n = write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                failure = FileIOFailure("write", errno: errno)
                return
            }
            written += n
        }
    }
    if close(fd) != 0, failure == nil { failure = FileIOFailure("close", errno: errno) }
    if let failure { throw failure }
}
