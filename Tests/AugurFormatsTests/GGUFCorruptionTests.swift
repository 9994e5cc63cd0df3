import AugurTensor
import Foundation
import Testing
@testable import AugurFormats

/// Corrupted GGUF files must throw the matching `GGUFError`, naming the file (and the key or
/// tensor), and never crash or allocate what the file cannot hold.
@Suite("GGUF corruption")
struct GGUFCorruptionTests {
    /// A small valid file: a few keys (one a string array), a Q8_0 tensor and an F32 tensor.
    static func validFile() throws -> [UInt8] {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("tokenizer.ggml.tokens", .stringArray(["<s>", "a", "bc"]))
        writer.set("llama.block_count", .uint32(2))
        try writer.addTensor(name: "blk.0.q8", type: .q8_0, shape: [32, 2], data: pseudoRandomBytes(68, seed: 3))
        writer.addTensor(name: "blk.1.norm", shape: [8], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        return try writer.encoded()
    }

    /// Offset of the tensor info fields that follow `name` (n_dims u32, dims u64…, type u32, offset u64).
    static func infoFields(of name: String, in bytes: [UInt8]) throws -> (dims: Int, type: Int, offset: Int) {
        let nameStart = try #require(firstIndex(of: Array(name.utf8), in: bytes))
        let nDimsAt = nameStart + name.utf8.count
        let nDims = Int(bytes[nDimsAt])
        let typeAt = nDimsAt + 4 + 8 * nDims
        return (nDimsAt + 4, typeAt, typeAt + 4)
    }

    @Test func validFileParses() throws {
        let file = try GGUFFile(path: try writeTemporary(try Self.validFile(), name: "valid.gguf"))
        #expect(file.tensors.count == 2)
        #expect(file.stringArray("tokenizer.ggml.tokens") == ["<s>", "a", "bc"])
    }

    @Test func badMagic() throws {
        var bytes = try Self.validFile()
        bytes[0] = UInt8(ascii: "X")
        let error = ggufError(try writeTemporary(bytes, name: "magic.gguf"))
        guard case .badMagic = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func emptyAndMissingFiles() throws {
        let empty = ggufError(try writeTemporary([], name: "empty.gguf"))
        guard case .truncated = empty else { Issue.record("got \(String(describing: empty))"); return }
        let missing = ggufError("/nonexistent/model.gguf")
        guard case .cannotOpen = missing else { Issue.record("got \(String(describing: missing))"); return }
    }

    @Test(arguments: [UInt32(1), 4, 0x0300_0000])
    func unsupportedVersion(version: UInt32) throws {
        var bytes = try Self.validFile()
        bytes.patch(version, at: 4)
        let error = ggufError(try writeTemporary(bytes, name: "version.gguf"))
        guard case .unsupportedVersion(_, version)? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    /// Truncating the file anywhere before the end of the last tensor's data must throw:
    /// `truncated` inside the header, `tensorOutOfBounds` (naming a tensor) once the header is whole.
    @Test func truncatedAtEveryOffset() throws {
        let bytes = try Self.validFile()
        let full = try GGUFFile(path: try writeTemporary(bytes, name: "full.gguf"))
        let last = try #require(full.tensors.last)
        let dataEnd = last.offset + last.byteCount
        var kinds: Set<String> = []
        for length in 0 ..< dataEnd {
            let path = try writeTemporary(Array(bytes[0 ..< length]), name: "cut\(length).gguf")
            switch ggufError(path) {
            case .truncated(_, let what, let offset)?:
                kinds.insert("truncated")
                #expect(length < full.dataOffset)
                #expect(offset <= length, "\(what)")
            case .tensorOutOfBounds(_, let tensor, _, _, let fileSize)?:
                kinds.insert("outOfBounds")
                #expect(fileSize == length)
                #expect(full.tensor(named: tensor) != nil)
            case let other:
                Issue.record("length \(length): unexpected \(String(describing: other))")
            }
        }
        #expect(kinds == ["truncated", "outOfBounds"])
        // Cutting only the final padding leaves every tensor intact.
        let trimmed = try GGUFFile(path: try writeTemporary(Array(bytes[0 ..< dataEnd]), name: "trim.gguf"))
        #expect(trimmed.tensors == full.tensors)
    }

    @Test func overflowingKeyLength() throws {
        var bytes = try Self.validFile()
        bytes.patch(UInt64.max, at: 24)  // length of the first key
        let error = ggufError(try writeTemporary(bytes, name: "keylen.gguf"))
        guard case .truncated(_, let what, let offset) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(what.contains("metadata entry #0"))
        #expect(offset == 24)
    }

    @Test func overflowingStringLengthInsideArray() throws {
        var bytes = try Self.validFile()
        let key = Array("tokenizer.ggml.tokens".utf8)
        let keyAt = try #require(firstIndex(of: key, in: bytes))
        // key, value type u32, item type u32, count u64, then the first string's u64 length.
        let firstLength = keyAt + key.count + 4 + 4 + 8
        for length in [UInt64.max, UInt64(1) << 40, UInt64(bytes.count)] {
            bytes.patch(length, at: firstLength)
            let path = try writeTemporary(bytes, name: "strlen.gguf")
            let error = ggufError(path)
            guard case .truncated(_, let what, _) = error else { Issue.record("got \(String(describing: error))"); continue }
            #expect(what.contains("tokenizer.ggml.tokens"))
            #expect(error?.description.contains("tokenizer.ggml.tokens") == true)
        }
    }

    @Test func overflowingCounts() throws {
        let key = Array("tokenizer.ggml.tokens".utf8)
        var bytes = try Self.validFile()
        let countAt = try #require(firstIndex(of: key, in: bytes)) + key.count + 8
        bytes.patch(UInt64(1) << 60, at: countAt)  // array count
        let arrayError = ggufError(try writeTemporary(bytes, name: "count.gguf"))
        guard case .truncated(_, let what, _)? = arrayError, what.contains("tokenizer.ggml.tokens") else {
            Issue.record("got \(String(describing: arrayError))"); return
        }
        for (field, value) in [(8, UInt64.max), (16, UInt64(1) << 50)] {  // tensor count, kv count
            var header = try Self.validFile()
            header.patch(value, at: field)
            let error = ggufError(try writeTemporary(header, name: "hdr.gguf"))
            guard case .truncated? = error else { Issue.record("got \(String(describing: error))"); continue }
        }
    }

    @Test func unknownValueType() throws {
        var bytes = try Self.validFile()
        let key = Array("llama.block_count".utf8)
        let typeAt = try #require(firstIndex(of: key, in: bytes)) + key.count
        bytes.patch(UInt32(77), at: typeAt)
        let error = ggufError(try writeTemporary(bytes, name: "vtype.gguf"))
        #expect(error?.description.contains("llama.block_count") == true)
        guard case .unknownValueType(_, "llama.block_count", 77)? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func tensorOffsetPastTheEnd() throws {
        var bytes = try Self.validFile()
        let fields = try Self.infoFields(of: "blk.1.norm", in: bytes)
        for offset in [UInt64(1) << 20, UInt64.max - 31, UInt64(bytes.count)] {
            bytes.patch(offset, at: fields.offset)
            let error = ggufError(try writeTemporary(bytes, name: "offset.gguf"))
            #expect(error?.description.contains("blk.1.norm") == true)
            guard case .tensorOutOfBounds(_, "blk.1.norm", _, 32, _)? = error else { Issue.record("got \(String(describing: error))"); continue }
        }
    }

    @Test func misalignedTensorOffset() throws {
        var bytes = try Self.validFile()
        let fields = try Self.infoFields(of: "blk.1.norm", in: bytes)
        bytes.patch(UInt64(4), at: fields.offset)
        let error = ggufError(try writeTemporary(bytes, name: "misaligned.gguf"))
        guard case .misalignedTensor(_, "blk.1.norm", 4, 32)? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func unsupportedTensorType() throws {
        var bytes = try Self.validFile()
        let fields = try Self.infoFields(of: "blk.0.q8", in: bytes)
        for raw: UInt32 in [4, 5, 99, UInt32.max] {  // 4 and 5 were removed from ggml (Q4_2, Q4_3)
            bytes.patch(raw, at: fields.type)
            let error = ggufError(try writeTemporary(bytes, name: "type.gguf"))
            #expect(error?.description.contains("blk.0.q8") == true)
            guard case .unsupportedType(_, "blk.0.q8", raw)? = error else { Issue.record("got \(String(describing: error))"); continue }
        }
    }

    @Test func shapeInconsistentWithType() throws {
        let fields = try Self.infoFields(of: "blk.0.q8", in: try Self.validFile())
        // Row length 33 is not a whole number of Q8_0 blocks.
        var notBlocks = try Self.validFile()
        notBlocks.patch(UInt64(33), at: fields.dims)
        let e1 = ggufError(try writeTemporary(notBlocks, name: "rows.gguf"))
        guard case .invalidShape(_, "blk.0.q8", [33, 2], _)? = e1 else { Issue.record("got \(String(describing: e1))"); return }
        // A shape whose byte count runs past the file.
        var tooBig = try Self.validFile()
        tooBig.patch(UInt64(32 * 1000), at: fields.dims)
        let e2 = ggufError(try writeTemporary(tooBig, name: "big.gguf"))
        guard case .tensorOutOfBounds(_, "blk.0.q8", _, 34 * 2000, _)? = e2 else { Issue.record("got \(String(describing: e2))"); return }
        // Dimensions whose product overflows.
        var overflow = try Self.validFile()
        overflow.patch(UInt64(1) << 40, at: fields.dims)
        overflow.patch(UInt64(1) << 40, at: fields.dims + 8)
        let e3 = ggufError(try writeTemporary(overflow, name: "overflow.gguf"))
        guard case .invalidShape(_, "blk.0.q8", _, _)? = e3 else { Issue.record("got \(String(describing: e3))"); return }
        // Too many dimensions.
        var dims = try Self.validFile()
        dims.patch(UInt32(9), at: fields.dims - 4)
        let e4 = ggufError(try writeTemporary(dims, name: "ndims.gguf"))
        guard case .invalidShape(_, "blk.0.q8", _, _)? = e4 else { Issue.record("got \(String(describing: e4))"); return }
    }

    @Test func duplicateNamesAndBadAlignment() throws {
        // Names and keys of equal length, so renaming one in place makes a duplicate.
        var writer = GGUFWriter()
        writer.addTensor(name: "aaaa", shape: [1], floats: [1])
        writer.addTensor(name: "bbbb", shape: [1], floats: [2])
        writer.set("key1", .int32(1))
        writer.set("key2", .int32(2))
        writer.set("general.alignmenX", .uint32(3))
        var bytes = try writer.encoded()
        let b = try #require(firstIndex(of: Array("bbbb".utf8), in: bytes))
        var dupTensor = bytes
        dupTensor.replaceSubrange(b ..< b + 4, with: Array("aaaa".utf8))
        let e1 = ggufError(try writeTemporary(dupTensor, name: "duptensor.gguf"))
        guard case .duplicateTensor(_, "aaaa")? = e1 else { Issue.record("got \(String(describing: e1))"); return }

        let k = try #require(firstIndex(of: Array("key2".utf8), in: bytes))
        var dupKey = bytes
        dupKey[k + 3] = UInt8(ascii: "1")
        let e2 = ggufError(try writeTemporary(dupKey, name: "dupkey.gguf"))
        guard case .duplicateKey(_, "key1")? = e2 else { Issue.record("got \(String(describing: e2))"); return }

        let a = try #require(firstIndex(of: Array("general.alignmenX".utf8), in: bytes))
        bytes[a + 16] = UInt8(ascii: "t")
        let e3 = ggufError(try writeTemporary(bytes, name: "align.gguf"))
        guard case .invalidAlignment? = e3 else { Issue.record("got \(String(describing: e3))"); return }
    }

    @Test func deeplyNestedArrays() throws {
        var value = GGUFValue.int8Array([1])
        for _ in 0 ..< 12 { value = .arrays([value]) }
        var writer = GGUFWriter()
        writer.set("deep", value)
        let error = ggufError(try writeTemporary(try writer.encoded(), name: "deep.gguf"))
        guard case .nestingTooDeep(_, "deep")? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    /// Random byte flips in the header must never crash; they either parse or throw `GGUFError`.
    @Test func randomCorruptionNeverCrashes() throws {
        let original = try Self.validFile()
        let headerEnd = try GGUFFile(path: try writeTemporary(original, name: "orig.gguf")).dataOffset
        let noise = pseudoRandomBytes(600, seed: 99)
        var rejected = 0
        for trial in 0 ..< 200 {
            var bytes = original
            for j in 0 ..< 3 {
                let position = (Int(noise[trial * 3 % 597 + j]) << 4 ^ trial * 7919) % headerEnd
                bytes[position] = noise[(trial + j * 211) % 600]
            }
            let path = try writeTemporary(bytes, name: "fuzz\(trial).gguf")
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try GGUFFile(path: path)
            } catch let error as GGUFError {
                rejected += 1
                #expect(error.description.contains(path))
            }
        }
        #expect(rejected > 20)
    }
}
