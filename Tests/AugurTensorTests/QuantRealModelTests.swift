import Foundation
import Testing
import AugurTensor

/// Dequantizes rows of real tensors read straight from the downloaded GGUF files and compares them
/// with values python-gguf computed.
///
/// Expected values were produced during development with python `gguf` (`GGUFReader(path)`;
/// for the tensor, `raw = tensor.data` viewed as bytes, `row = rows // 3 + 1`,
/// `gguf.quants.dequantize(raw[row*rowBytes:(row+1)*rowBytes], tensor.tensor_type)`), printing
/// the float32 values at the listed columns and the float64 sum of the row. `offset` is
/// `tensor.data_offset`, the absolute byte offset of the tensor's data in the file.
@Suite("Quant real model tensors")
struct QuantRealModelTests {
    struct Case: Sendable, CustomStringConvertible {
        let file: String, tensor: String, type: GGMLType
        let cols: Int, offset: UInt64, row: Int
        let values: [Float]   // at columns 0, 1, 17, 31, 100, 255, 300, cols − 1
        let sum: Double
        var description: String { "\(tensor) \(type)" }
    }

    static let smol = "smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let qwen = "qwen2.5-coder-0.5b-instruct/qwen2.5-coder-0.5b-instruct-awq-q4_k_m.gguf"

    static let cases: [Case] = [
        Case(file: smol, tensor: "token_embd.weight", type: .q8_0, cols: 576, offset: 1_785_664, row: 16385,
             values: [-0.0058441162109375, 0.011688232421875, 0.3448028564453125, 0.7422027587890625,
                      -0.6055831909179688, 0.0626068115234375, 0.03814697265625, -0.10848045349121094],
             sum: -1.3735332489013672),
        Case(file: smol, tensor: "blk.0.ffn_down.weight", type: .q4_1, cols: 1536, offset: 31_868_992, row: 193,
             values: [0.2237548828125, -0.06976318359375, 0.0560302734375, 0.2237548828125,
                      -0.034423828125, 0.18096923828125, 0.12213134765625, -0.1422119140625],
             sum: -5.5026397705078125),
        Case(file: qwen, tensor: "token_embd.weight", type: .q5_0, cols: 896, offset: 150_590_848, row: 50646,
             values: [0.023651123046875, 0.037841796875, -0.0212860107421875, 0.0260162353515625,
                      -0.0059967041015625, -0.023040771484375, 0.0035858154296875, 0.03460693359375],
             sum: -0.086181640625),
        Case(file: qwen, tensor: "output.weight", type: .q8_0, cols: 896, offset: 5_947_776, row: 50646,
             values: [0.023543834686279297, 0.03784894943237305, -0.020265579223632812, 0.02562999725341797,
                      -0.00579071044921875, -0.02410268783569336, 0.0018072128295898438, 0.03425121307373047],
             sum: -0.10187602043151855),
        Case(file: qwen, tensor: "blk.0.ffn_down.weight", type: .q6_K, cols: 4864, offset: 244_187_008, row: 299,
             values: [-0.006669044494628906, 0.005835413932800293, 0.008799433708190918, 0.0,
                      -0.00802755355834961, -0.012226581573486328, -0.006960272789001465, 0.0058515071868896484],
             sum: -1.0226881504058838),
        Case(file: qwen, tensor: "blk.11.ffn_down.weight", type: .q4_K, cols: 4864, offset: 276_838_528, row: 299,
             values: [0.0031517744064331055, -0.007702529430389404, 0.006112039089202881, 0.0021650195121765137,
                      -0.00034332275390625, 0.0005115866661071777, 0.0004410743713378906, -0.0012989044189453125],
             sum: -0.2240999937057495),
    ]

    static func path(_ file: String) -> String {
        let home = ProcessInfo.processInfo.environment["AUGUR_HOME"] ?? (NSHomeDirectory() + "/.cache/augur")
        return home + "/models/" + file
    }


    @Test("reference and fast dequantizers match python-gguf on real rows", arguments: cases)
    func realRows(c: Case) throws {
        let rowBytes = try #require(c.type.byteCount(elements: c.cols))
        let handle = try #require(FileHandle(forReadingAtPath: Self.path(c.file)))
        defer { try? handle.close() }
        try handle.seek(toOffset: c.offset + UInt64(c.row * rowBytes))
        let data = try #require(try handle.read(upToCount: rowBytes))
        #expect(data.count == rowBytes)
        let bytes = [UInt8](data)
        let ref = QuantTestData.dequantizeRef(c.type, bytes, count: c.cols)
        let fast = bytes.withUnsafeBytes { dequantize(c.type, $0, count: c.cols) }
        #expect(ref == fast)
        let columns = [0, 1, 17, 31, 100, 255, 300, c.cols - 1]
        for (k, col) in columns.enumerated() {
            #expect(abs(ref[col] - c.values[k]) <= 1e-7 * max(1, abs(c.values[k])), "\(c) column \(col): \(ref[col]) vs \(c.values[k])")
        }
        let sum = ref.reduce(0.0) { $0 + Double($1) }
        #expect(abs(sum - c.sum) <= 1e-6 * max(1, abs(c.sum)), "\(c) row sum \(sum) vs \(c.sum)")
    }

    /// Whole real matrices: the quantized product against the f32 reference product of the same weights.
    @Test("multiply on real weight matrices is within Q8 activation error",
          arguments: [(0, 576), (4, 896), (5, 896)])
    func realMultiply(caseIndex: Int, rows: Int) throws {
        let c = Self.cases[caseIndex]
        let rowBytes = try #require(c.type.byteCount(elements: c.cols))
        let handle = try #require(FileHandle(forReadingAtPath: Self.path(c.file)))
        defer { try? handle.close() }
        try handle.seek(toOffset: c.offset)
        let data = try #require(try handle.read(upToCount: rows * rowBytes))
        let box = ByteBox([UInt8](data))
        let m = try QuantizedMatrix(type: c.type, rows: rows, cols: c.cols, data: UnsafeRawPointer(box.bytes.baseAddress!), owner: box)
        var rng = SplitMix64(seed: 11)
        let tokens = 3
        let x = QuantTestData.randomFloats(tokens * c.cols, rng: &rng)
        var y = [Float](repeating: .nan, count: tokens * rows), yr = y
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, tokens: tokens, into: $0.baseAddress!) }
            yr.withUnsafeMutableBufferPointer { m.multiplyReference(xp.baseAddress!, tokens: tokens, into: $0.baseAddress!) }
        }
        let err = QuantTestData.norm(zip(y, yr).map { $0 - $1 }), ref = QuantTestData.norm(yr)
        #expect(ref > 0)
        #expect(err <= 1e-2 * ref, "\(c): relative error \(err / ref)")
    }
}
