import AugurTensor
import Testing
@testable import AugurFormats

@Suite("GGUF writer → reader round trips")
struct GGUFRoundTripTests {
    /// One value of every metadata type, including empty, nested and non-ASCII arrays.
    static let allValues: [(String, GGUFValue)] = [
        ("t.uint8", .uint8(200)),
        ("t.int8", .int8(-100)),
        ("t.uint16", .uint16(60000)),
        ("t.int16", .int16(-30000)),
        ("t.uint32", .uint32(4_000_000_000)),
        ("t.int32", .int32(-2_000_000_000)),
        ("t.uint64", .uint64(UInt64.max)),
        ("t.int64", .int64(Int64.min)),
        ("t.float32", .float32(-1.5e-5)),
        ("t.float64", .float64(3.141592653589793)),
        ("t.bool", .bool(true)),
        ("t.string", .string("héllo ✓ 世界 🙂")),
        ("t.empty_string", .string("")),
        ("t.uint8Array", .uint8Array([0, 1, 255])),
        ("t.int8Array", .int8Array([-128, 0, 127])),
        ("t.uint16Array", .uint16Array([0, 65535])),
        ("t.int16Array", .int16Array([-32768, 32767])),
        ("t.uint32Array", .uint32Array([1, 2, UInt32.max])),
        ("t.int32Array", .int32Array([-5, 0, 5, Int32.max])),
        ("t.uint64Array", .uint64Array([7, UInt64.max])),
        ("t.int64Array", .int64Array([Int64.min, -1, 9])),
        ("t.float32Array", .float32Array([0, -0.25, .infinity, 1e30])),
        ("t.float64Array", .float64Array([1e-300, -2.5])),
        ("t.boolArray", .boolArray([true, false, true])),
        ("t.stringArray", .stringArray(["a", "", "Ġthe", "日本", "<|im_end|>"])),
        ("t.emptyArray", .int32Array([])),
        ("t.emptyStrings", .stringArray([])),
        ("t.nested", .arrays([.int32Array([1, 2]), .stringArray(["x"]), .arrays([.boolArray([false])])])),
    ]

    @Test func everyMetadataTypeRoundTrips() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.allValues { writer.set(key, value) }
        writer.set("t.uint8", .uint8(201))  // replacing keeps the position
        let path = temporaryPath("meta.gguf")
        try writer.write(to: path)

        let file = try GGUFFile(path: path)
        #expect(file.version == 3)
        #expect(file.tensors.isEmpty)
        #expect(file.alignment == 32)
        #expect(file.metadataKeys == Self.allValues.map(\.0))
        for (key, value) in Self.allValues where key != "t.uint8" {
            #expect(file.metadata[key] == value, "key \(key)")
        }
        #expect(file.metadata["t.uint8"] == .uint8(201))
        #expect(file.metadata["t.float32"]?.type == .float32)
        #expect(file.metadata["t.nested"]?.elementType == .array)
        #expect(file.metadata["t.stringArray"]?.count == 5)
    }

    @Test func typedAccessors() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.allValues { writer.set(key, value) }
        let path = temporaryPath("accessors.gguf")
        try writer.write(to: path)
        let file = try GGUFFile(path: path)

        #expect(file.int("t.uint8") == 200)
        #expect(file.int("t.int8") == -100)
        #expect(file.int("t.uint32") == 4_000_000_000)
        #expect(file.int("t.int64") == Int(Int64.min))
        #expect(file.int("t.uint64") == nil)  // does not fit Int
        #expect(file.int("t.float32") == nil)
        #expect(file.int("t.string") == nil)
        #expect(file.int("missing") == nil)
        #expect(file.float("t.float32") == Double(Float(-1.5e-5)))
        #expect(file.float("t.float64") == 3.141592653589793)
        #expect(file.float("t.int16") == -30000)
        #expect(file.float("t.string") == nil)
        #expect(file.bool("t.bool") == true)
        #expect(file.bool("t.uint8") == nil)
        #expect(file.string("t.string") == "héllo ✓ 世界 🙂")
        #expect(file.string("t.int32") == nil)
        #expect(file.stringArray("t.stringArray") == ["a", "", "Ġthe", "日本", "<|im_end|>"])
        #expect(file.stringArray("t.int32Array") == nil)
        #expect(file.intArray("t.int32Array") == [-5, 0, 5, Int(Int32.max)])
        #expect(file.intArray("t.uint8Array") == [0, 1, 255])
        #expect(file.intArray("t.uint64Array") == nil)
        #expect(file.intArray("t.float32Array") == nil)
        #expect(file.intArray("t.emptyArray") == [])
        #expect(file.floatArray("t.float32Array") == [0, -0.25, .infinity, 1e30])
        #expect(file.floatArray("t.float64Array") == [Float(1e-300), -2.5])
        #expect(file.floatArray("t.int16Array") == [-32768, 32767])
        #expect(file.floatArray("t.stringArray") == nil)
    }

    @Test(arguments: [32, 64, 256])
    func tensorsOfSeveralTypesRoundTrip(alignment: Int) throws {
        // (name, type, GGUF-order shape)
        let specs: [(String, GGMLType, [Int])] = [
            ("a.f32", .f32, [3, 5]),
            ("b.f16", .f16, [7]),
            ("c.q8_0", .q8_0, [64, 3]),
            ("d.q4_k", .q4_K, [256, 2]),
            ("e.q4_1", .q4_1, [32]),
            ("f.i32", .i32, [2, 2, 2]),
            ("g.q6_k", .q6_K, [512]),
            ("h.scalar", .f32, []),
        ]
        var writer = GGUFWriter()
        if alignment != 32 { writer.set("general.alignment", .uint32(UInt32(alignment))) }
        writer.set("general.architecture", .string("test"))
        var payloads: [String: [UInt8]] = [:]
        for (i, (name, type, shape)) in specs.enumerated() {
            let bytes = pseudoRandomBytes(try #require(type.byteCount(elements: shape.reduce(1, *))), seed: UInt64(i + 1))
            payloads[name] = bytes
            try writer.addTensor(name: name, type: type, shape: shape, data: bytes)
        }
        let floats: [Float] = [1, -2, 3.5, .pi, -0, 1e-20]
        writer.addTensor(name: "z.floats", shape: [3, 2], floats: floats)
        let path = temporaryPath("tensors.gguf")
        try writer.write(to: path)

        let file = try GGUFFile(path: path)
        #expect(file.alignment == alignment)
        #expect(file.dataOffset % alignment == 0)
        #expect(file.tensors.map(\.name) == specs.map(\.0) + ["z.floats"])
        for (name, type, shape) in specs {
            let info = try #require(file.tensor(named: name))
            #expect(info.type == type)
            #expect(info.shape == shape)
            #expect(info.offset % alignment == 0)
            #expect(info.elementCount == shape.reduce(1, *))
            #expect(info.byteCount == type.byteCount(elements: info.elementCount))
            #expect(Array(file.data(for: info)) == payloads[name], "data of \(name)")
        }
        let z = try #require(file.tensor(named: "z.floats"))
        #expect(z.type == .f32 && z.shape == [3, 2] && z.byteCount == 24)
        let read = file.data(for: z).withMemoryRebound(to: Float.self) { Array($0) }
        #expect(read == floats)
        #expect(file.tensor(named: "missing") == nil)
    }

    @Test func writerRejectsInconsistentTensors() throws {
        var writer = GGUFWriter()
        #expect(throws: GGUFError.self) {
            try writer.addTensor(name: "bad", type: .q8_0, shape: [32], data: [UInt8](repeating: 0, count: 33))
        }
        #expect(throws: GGUFError.self) {  // row length not whole Q8_0 blocks
            try writer.addTensor(name: "bad2", type: .q8_0, shape: [16, 2], data: [UInt8](repeating: 0, count: 34))
        }
        #expect(throws: GGUFError.self) {  // GGUF allows at most 4 dimensions
            try writer.addTensor(name: "bad3", type: .f32, shape: [1, 1, 1, 1, 1], data: [0, 0, 0, 0])
        }
        try writer.addTensor(name: "ok", type: .f32, shape: [1], data: [0, 0, 0, 0])
        #expect(throws: GGUFError.duplicateTensor(file: "(GGUFWriter)", tensor: "ok")) {
            #expect(throws: GGUFError.self) {  // GGUF allows at most 4 dimensions
            try writer.addTensor(name: "bad3", type: .f32, shape: [1, 1, 1, 1, 1], data: [0, 0, 0, 0])
        }
        try writer.addTensor(name: "ok", type: .f32, shape: [1], data: [0, 0, 0, 0])
        }

        var deferred = GGUFWriter()
        deferred.addTensor(name: "floats", shape: [4], floats: [1, 2, 3])
        #expect(throws: GGUFError.self) { try deferred.write(to: temporaryPath("never.gguf")) }

        var badAlignment = GGUFWriter()
        badAlignment.set("general.alignment", .uint32(48))
        #expect(throws: GGUFError.self) { try badAlignment.encoded() }

        var scalarInArrays = GGUFWriter()
        scalarInArrays.set("x", .arrays([.int8(1)]))
        #expect(throws: GGUFError.self) { try scalarInArrays.encoded() }

        #expect(throws: GGUFError.self) { try GGUFWriter().write(to: "/nonexistent-dir/x.gguf") }
    }

    @Test func version2FilesAreRead() throws {
        var writer = GGUFWriter()
        writer.set("k", .string("v"))
        writer.addTensor(name: "t", shape: [2], floats: [1, 2])
        var bytes = try writer.encoded()
        bytes.patch(UInt32(2), at: 4)
        let file = try GGUFFile(path: try writeTemporary(bytes, name: "v2.gguf"))
        #expect(file.version == 2)
        #expect(file.string("k") == "v")
        #expect(file.tensor(named: "t")?.shape == [2])
    }
}
