/// A NumPy `.npz` archive (a zip of `.npy` files, as written by `numpy.savez`), memory-mapped.
///
/// Reads "stored" (uncompressed) members, including zip64 sizes and offsets; compressed members
/// (`savez_compressed`) are reported with an error naming the member.
public final class NpzFile: @unchecked Sendable {
    /// The path the archive was opened with.
    public let path: String
    /// Array names (member names without `.npy`), in archive order.
    public let names: [String]
    private let members: [String: Member]
    private let file: MappedFile

    private struct Member {
        let method: Int
        let localHeaderOffset: Int
        let compressedSize: Int
    }

    public init(path: String) throws(NpyError) {
        self.path = path
        do { file = try MappedFile(path: path) } catch { throw .cannotOpen(file: path, reason: error.reason) }
        let b = file.bytes
        func u16(_ o: Int) -> Int { Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt16.self))) }
        func u32(_ o: Int) -> Int { Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self))) }
        func u64(_ o: Int) -> Int { Int(truncatingIfNeeded: UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self))) }
        // End of central directory: last 22+ bytes, signature 0x06054b50.
        guard b.count >= 22 else { throw .badArchive(file: path, reason: "file of \(b.count) bytes is too small") }
        var eocd = -1
        var o = b.count - 22
        while o >= max(0, b.count - 22 - 65_535) {
            if u32(o) == 0x0605_4B50 { eocd = o; break }
            o -= 1
        }
        guard eocd >= 0 else { throw .badArchive(file: path, reason: "no end-of-central-directory record") }
        var entries = u16(eocd + 10)
        var cdOffset = u32(eocd + 16)
        // Zip64 end-of-central-directory locator just before the EOCD.
        if eocd >= 20, u32(eocd - 20) == 0x0706_4B50 {
            let z = u64(eocd - 20 + 8)
            guard z >= 0, z + 56 <= b.count, u32(z) == 0x0606_4B50 else { throw .badArchive(file: path, reason: "bad zip64 end record") }
            entries = u64(z + 32)
            cdOffset = u64(z + 48)
        }
        var names: [String] = []
        var members: [String: Member] = [:]
        var p = cdOffset
        for _ in 0..<entries {
            guard p >= 0, p + 46 <= b.count, u32(p) == 0x0201_4B50 else {
                throw .badArchive(file: path, reason: "bad central directory entry at \(p)")
            }
            let method = u16(p + 10)
            var compressed = u32(p + 20)
            var uncompressed = u32(p + 24)
            let nameLength = u16(p + 28), extraLength = u16(p + 30), commentLength = u16(p + 32)
            var localOffset = u32(p + 42)
            guard p + 46 + nameLength + extraLength <= b.count else { throw .badArchive(file: path, reason: "truncated central directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
            // Zip64 extended information: the 0xFFFFFFFF fields, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(e), size = u16(e + 2)
                if id == 0x0001 {
                    var q = e + 4
                    if uncompressed == 0xFFFF_FFFF, q + 8 <= e + 4 + size { uncompressed = u64(q); q += 8 }
                    if compressed == 0xFFFF_FFFF, q + 8 <= e + 4 + size { compressed = u64(q); q += 8 }
                    if localOffset == 0xFFFF_FFFF, q + 8 <= e + 4 + size { localOffset = u64(q); q += 8 }
                }
                e += 4 + size
            }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            names.append(key)
            members[key] = Member(method: method, localHeaderOffset: localOffset, compressedSize: compressed)
            p += 46 + nameLength + extraLength + commentLength
        }
        self.names = names
        self.members = members
    }

    /// The array named `name` (with or without `.npy`).
    public func array(_ name: String) throws(NpyError) -> NpyArray {
        let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
        guard let m = members[key] else { throw .memberNotFound(file: path, member: key) }
        guard m.method == 0 else { throw .compressedMember(file: path, member: key + ".npy", method: m.method) }
        let b = file.bytes
        let o = m.localHeaderOffset
        guard o >= 0, o + 30 <= b.count,
              UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) == 0x0403_4B50
        else { throw .badArchive(file: path, reason: "bad local header of '\(key)'") }
        let nameLength = Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: o + 26, as: UInt16.self)))
        let extraLength = Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: o + 28, as: UInt16.self)))
        let start = o + 30 + nameLength + extraLength
        let data = file.slice(offset: start, count: m.compressedSize)
        guard data.count == m.compressedSize else { throw .badArchive(file: path, reason: "member '\(key)' runs past the end of the file") }
        return try NpyArray.parse(data, file: path, member: key + ".npy")
    }
}
