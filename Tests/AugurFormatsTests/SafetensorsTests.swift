import Foundation
import Testing
@testable import AugurFormats

/// A safetensors file made by hand: `header` JSON (unpadded) followed by `data`.
func rawSafetensors(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    var out = Swift.withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { Array($0) }
    out += json
    out += data
    return out
}

let foxPath = (ProcessInfo.processInfo.environment["AUGUR_REFERENCE"] ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/reference").path) + "/smollm2-135m-instruct/forward-fox.safetensors"

@Suite("Safetensors")
struct SafetensorsTests {
    @Test func writerReaderRoundTrip() throws {
        var writer = SafetensorsWriter()
        let floats: [Float] = [0, 1, -2.5, 0.1, 65504, 1e-8, -.infinity, 3.0e38]
        try writer.add("a.f32", floats: floats, shape: [2, 4])
        try writer.add("b.f16", floats: floats, shape: [8], dtype: .f16)
        try writer.add("c.bf16", floats: floats, shape: [4, 2], dtype: .bf16)
        try writer.add("d.i32", int32s: [1, -2, Int32.max], shape: [3])
        try writer.add("e.i64", int64s: [5, -6], shape: [1, 2])
        try writer.add("f.big", int64s: [Int64(Int32.max) + 1], shape: [1])
        try writer.add("g.scalar", floats: [42], shape: [])
        try writer.add("h.empty", floats: [], shape: [0, 3])
        writer.metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t ctrl \u{1} ✓"]
        let bytes = writer.encoded()
        let headerLength = Int(bytes[0 ..< 8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        #expect(headerLength % 8 == 0)
        #expect(bytes[8] == UInt8(ascii: "{"))
        let path = temporaryPath("roundtrip.safetensors")
        try writer.write(to: path)

        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == writer.metadata)
        #expect(file.names == ["a.f32", "b.f16", "c.bf16", "d.i32", "e.i64", "f.big", "g.scalar", "h.empty"])
        #expect(try file.floats("a.f32") == floats)
        #expect(file.tensors["a.f32"]?.shape == [2, 4])
        #expect(file.tensors["a.f32"]?.offset == 8 + headerLength)
        #expect(file.tensors["b.f16"]?.dtype == .f16 && file.tensors["b.f16"]?.byteCount == 16)
        // F16: 0.1 → 0.0999755859375, 1e-8 → 0 (below half the smallest subnormal), 3e38 → inf.
        #expect(try file.floats("b.f16") == [0, 1, -2.5, 0.0999755859375, 65504, 0, -.infinity, .infinity])
        // BF16 keeps 8 mantissa bits.
        #expect(try file.floats("c.bf16") == [0, 1, -2.5, 0.10009765625, 65536, 1.0011717677116394e-08, -.infinity, 3.00405527047391e+38])
        #expect(try file.int32s("d.i32") == [1, -2, Int32.max])
        #expect(try file.int32s("e.i64") == [5, -6])
        #expect(try file.floats("g.scalar") == [42])
        #expect(file.tensors["g.scalar"]?.shape == [] && file.tensors["g.scalar"]?.elementCount == 1)
        #expect(try file.floats("h.empty") == [])
        #expect(throws: SafetensorsError.valueOutOfRange(file: path, tensor: "f.big", index: 0)) { try file.int32s("f.big") }
        #expect(throws: SafetensorsError.incompatibleDType(file: path, tensor: "d.i32", dtype: .i32, wanted: "Float")) {
            try file.floats("d.i32")
        }
        #expect(throws: SafetensorsError.incompatibleDType(file: path, tensor: "a.f32", dtype: .f32, wanted: "Int32")) {
            try file.int32s("a.f32")
        }
        #expect(throws: SafetensorsError.tensorNotFound(file: path, tensor: "nope")) { try file.floats("nope") }
    }

    @Test func writerRejectsBadInput() throws {
        var writer = SafetensorsWriter()
        #expect(throws: SafetensorsError.self) { try writer.add("x", floats: [1, 2, 3], shape: [2, 2]) }
        #expect(throws: SafetensorsError.self) { try writer.add("x", floats: [1], shape: [1], dtype: .i8) }
        #expect(throws: SafetensorsError.self) { try writer.add("x", int32s: [1], shape: [-1]) }
        #expect(throws: SafetensorsError.self) { try writer.add("__metadata__", int32s: [1], shape: [1]) }
        try writer.add("x", int32s: [1], shape: [1])
        #expect(throws: SafetensorsError.self) { try writer.add("x", int32s: [1], shape: [1]) }
        #expect(throws: SafetensorsError.self) { try writer.write(to: "/nonexistent-dir/x.safetensors") }
    }

    @Test func everyReadableDType() throws {
        // F64 [2], I8 [2], I16 [2], U8 [3], BOOL [2], U16 [1] packed back to back.
        var data = [UInt8]()
        for d in [1.5, -0.25] { data += Swift.withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } }
        data += [0xFF, 0x7F]  // I8: -1, 127
        data += [0x00, 0x80, 0x34, 0x12]  // I16: -32768, 0x1234
        data += [0, 200, 255]  // U8
        data += [1, 0]  // BOOL
        data += [0xFF, 0xFF]  // U16: 65535
        let header = """
        {"f64":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},
         "i8":{"dtype":"I8","shape":[2],"data_offsets":[16,18]},
         "i16":{"dtype":"I16","shape":[2],"data_offsets":[18,22]},
         "u8":{"dtype":"U8","shape":[3],"data_offsets":[22,25]},
         "flag":{"dtype":"BOOL","shape":[2],"data_offsets":[25,27]},
         "u16":{"dtype":"U16","shape":[1],"data_offsets":[27,29]}}
        """
        let file = try SafetensorsFile(path: try writeTemporary(rawSafetensors(header: header, data: data), name: "dtypes.safetensors"))
        #expect(file.metadata.isEmpty)
        #expect(try file.floats("f64") == [1.5, -0.25])
        #expect(try file.int32s("i8") == [-1, 127])
        #expect(try file.int32s("i16") == [-32768, 0x1234])
        #expect(try file.int32s("u8") == [0, 200, 255])
        #expect(try file.int32s("u16") == [65535])
        let flag = try #require(file.tensors["flag"])
        #expect(flag.dtype == .bool && Array(file.data(for: flag)) == [1, 0])
        #expect(file.names == ["f64", "i8", "i16", "u8", "flag", "u16"])
    }

    @Test
    func referenceForwardFile() throws {
        let file = try SafetensorsFile(path: foxPath)
        #expect(Set(file.tensors.keys) == ["logits_last", "resid_post.0", "resid_post.15", "resid_pre.0", "top20_logits", "input_ids", "top20_ids"])
        let ids = try #require(file.tensors["input_ids"])
        #expect(ids.dtype == .i32 && ids.shape == [10])
        #expect(try file.int32s("input_ids") == [504, 2365, 6354, 16438, 27003, 690, 260, 23790, 2767, 30])
        #expect(file.tensors["resid_pre.0"]?.shape == [10, 576])
        #expect(file.tensors["top20_ids"]?.dtype == .i32)
        let logits = try file.floats("logits_last")
        #expect(logits.count == 49152)
        #expect(logits[0] == 9.561424255371094 && logits[1] == 9.972966194152832 && logits[49151] == 4.886044979095459)
        #expect(Array(try file.int32s("top20_ids").prefix(3)) == [29, 28, 198])
        #expect(try file.floats("resid_pre.0")[576 ..< 578] == [-0.01407623291015625, 0.029560089111328125])
    }

    // MARK: Corruption

    @Test func badHeaderLength() throws {
        let short = safetensorsError(try writeTemporary([1, 2, 3], name: "short.safetensors"))
        guard case .badHeaderLength? = short else { Issue.record("got \(String(describing: short))"); return }
        for declared in [UInt64.max, 1 << 40, 100] {
            let bytes = rawSafetensors(header: "{}", data: [], declaredLength: declared)
            let error = safetensorsError(try writeTemporary(bytes, name: "len.safetensors"))
            guard case .badHeaderLength(_, declared, _)? = error else { Issue.record("got \(String(describing: error))"); continue }
        }
    }

    @Test(arguments: [
        "{\"a\":", "[1,2]", "not json", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
        "{\"__metadata__\":{\"k\":1}}",
    ])
    func badJSON(header: String) throws {
        let error = safetensorsError(try writeTemporary(rawSafetensors(header: header, data: [0, 0, 0, 0]), name: "json.safetensors"))
        guard case .badHeader? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func unknownDType() throws {
        let header = #"{"weights":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#
        let error = safetensorsError(try writeTemporary(rawSafetensors(header: header, data: [0, 0, 0, 0]), name: "dtype.safetensors"))
        #expect(error?.description.contains("weights") == true)
        guard case .unknownDType(_, "weights", "F8_E4M3")? = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func offsetsOutOfBounds() throws {
        for offsets in ["[0,8]", "[4,2]", "[-4,4]", "[9223372036854775807,9223372036854775807]"] {
            let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":\#(offsets)}}"#
            let error = safetensorsError(try writeTemporary(rawSafetensors(header: header, data: [0, 0, 0, 0]), name: "off.safetensors"))
            #expect(error?.description.contains("'w'") == true)
            guard case .offsetsOutOfBounds(_, "w", _, _, 4)? = error else { Issue.record("\(offsets): got \(String(describing: error))"); continue }
        }
    }

    @Test func sizeAndShapeMismatch() throws {
        let mismatch = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
        let e1 = safetensorsError(try writeTemporary(rawSafetensors(header: mismatch, data: [0, 0, 0, 0]), name: "size.safetensors"))
        guard case .sizeMismatch(_, "w", 8, 4)? = e1 else { Issue.record("got \(String(describing: e1))"); return }
        let negative = #"{"w":{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,4]}}"#
        let e2 = safetensorsError(try writeTemporary(rawSafetensors(header: negative, data: [0, 0, 0, 0]), name: "neg.safetensors"))
        guard case .invalidShape(_, "w", [-1, -4])? = e2 else { Issue.record("got \(String(describing: e2))"); return }
        let huge = #"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#
        let e3 = safetensorsError(try writeTemporary(rawSafetensors(header: huge, data: [0, 0, 0, 0]), name: "huge.safetensors"))
        guard case .invalidShape(_, "w", _)? = e3 else { Issue.record("got \(String(describing: e3))"); return }
    }

    @Test func truncatedWrittenFileIsRejected() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", floats: [1, 2, 3, 4], shape: [4])
        let bytes = writer.encoded()
        for length in 0 ..< bytes.count {
            let path = try writeTemporary(Array(bytes[0 ..< length]), name: "cut\(length).safetensors")
            #expect(safetensorsError(path) != nil, "length \(length)")
        }
    }
}
