import Testing
import AugurTensor

/// Keeps the test matrices' bytes alive (the `owner` of a `QuantizedMatrix`).
final class ByteBox {
    let bytes: UnsafeMutableRawBufferPointer
    init(_ b: [UInt8]) {
        bytes = .allocate(byteCount: max(1, b.count), alignment: 64)
        b.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }
    deinit { bytes.deallocate() }
}

@Suite("Quant matrix")
struct QuantMatrixTests {
    func make(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) throws -> (QuantizedMatrix, ByteBox) {
        var rng = SplitMix64(seed: seed)
        let box = ByteBox(QuantTestData.randomWeights(type, count: rows * cols, rng: &rng, scaleExponents: 10...16))
        let m = try QuantizedMatrix(type: type, rows: rows, cols: cols, data: UnsafeRawPointer(box.bytes.baseAddress!), owner: box)
        return (m, box)
    }

    @Test("multiply agrees with multiplyReference", arguments: QuantTestData.weightTypes)
    func multiplyMatchesReference(type: GGMLType) throws {
        let cols = 512
        for (rows, tokens) in [(1, 1), (37, 2), (97, 3), (61, 4), (130, 5)] {
            let (m, box) = try make(type, rows: rows, cols: cols, seed: UInt64(rows * 10 + tokens) &+ UInt64(type.rawValue))
            var rng = SplitMix64(seed: 99 &+ UInt64(rows))
            let x = QuantTestData.randomFloats(tokens * cols, rng: &rng)
            var y = [Float](repeating: .nan, count: tokens * rows), yr = [Float](repeating: .nan, count: tokens * rows)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, tokens: tokens, into: $0.baseAddress!) }
                yr.withUnsafeMutableBufferPointer { m.multiplyReference(xp.baseAddress!, tokens: tokens, into: $0.baseAddress!) }
            }
            // The integer path must be the exact product W · dequant(quant(x)) up to float rounding.
            let wf = QuantTestData.dequantizeRef(type, Array(UnsafeRawBufferPointer(box.bytes)), count: rows * cols)
            let xq = (0..<tokens).flatMap { quantizedActivationValues(Array(x[($0 * cols)..<(($0 + 1) * cols)]), weightType: type) }
            for t in 0..<tokens {
                for r in 0..<rows {
                    var exact = 0.0, mag = 0.0
                    for c in 0..<cols {
                        let p = Double(wf[r * cols + c]) * Double(xq[t * cols + c])
                        exact += p; mag += abs(p)
                    }
                    #expect(abs(Double(y[t * rows + r]) - exact) <= 1e-5 * mag, "\(type) r \(r) t \(t): \(y[t * rows + r]) vs \(exact)")
                }
            }
            // Against the f32 reference, the difference is the activation quantization error.
            let tol: Double = [.f32, .f16, .bf16].contains(type) ? 1e-5 : 3e-2
            for t in 0..<tokens {
                let a = Array(y[(t * rows)..<((t + 1) * rows)]), b = Array(yr[(t * rows)..<((t + 1) * rows)])
                let err = QuantTestData.norm(zip(a, b).map { $0 - $1 })
                #expect(a.allSatisfy { $0.isFinite })
                #expect(err <= tol * QuantTestData.norm(b), "\(type) rows \(rows) token \(t): error \(err) vs norm \(QuantTestData.norm(b))")
            }
        }
    }

    /// The floats the quantized activation row of `x` stands for (what the integer dot really multiplies).
    func quantizedActivationValues(_ x: [Float], weightType: GGMLType) -> [Float] {
        let act = activationType(for: weightType)
        if act == .f32 { return x }
        var q = [UInt8](repeating: 0, count: activationRowBytes(for: weightType, count: x.count))
        x.withUnsafeBufferPointer { xp in q.withUnsafeMutableBytes { quantizeActivations(xp.baseAddress!, count: x.count, for: weightType, into: $0.baseAddress!) } }
        // Q8_0: f16 d, 32 × i8.  Q8_1 (Augur's): f32 d, f32 d·Σq, 32 × i8.  Q8_K: f32 d, 256 × i8, 16 × i16 sums.
        let (block, qOffset) = act == .q8_0 ? (32, 2) : act == .q8_1 ? (32, 8) : (256, 4)
        let blockBytes = activationRowBytes(for: weightType, count: block)
        var out = [Float]()
        for b in 0..<(x.count / block) {
            let base = b * blockBytes
            let d: Float = act != .q8_0
                ? Float(bitPattern: UInt32(q[base]) | UInt32(q[base + 1]) << 8 | UInt32(q[base + 2]) << 16 | UInt32(q[base + 3]) << 24)
                : QuantTestData.dequantizeRef(.f16, [q[base], q[base + 1]], count: 1)[0]
            for i in 0..<block { out.append(Float(Int8(bitPattern: q[base + qOffset + i])) * d) }
        }
        return out
    }

    @Test("dequantizeRows and row agree with the reference dequantizer", arguments: [GGMLType.q4_1, .q8_0, .q6_K, .bf16])
    func dequantizeRows(type: GGMLType) throws {
        let rows = 41, cols = 768
        let (m, box) = try make(type, rows: rows, cols: cols, seed: 3)
        let all = QuantTestData.dequantizeRef(type, Array(UnsafeRawBufferPointer(box.bytes)), count: rows * cols)
        var part = [Float](repeating: .nan, count: 30 * cols)
        part.withUnsafeMutableBufferPointer { m.dequantizeRows(7, 37, into: $0.baseAddress!) }
        #expect(part == Array(all[(7 * cols)..<(37 * cols)]))
        var one = [Float](repeating: .nan, count: cols)
        one.withUnsafeMutableBufferPointer { m.row(40, into: $0.baseAddress!) }
        #expect(one == Array(all[(40 * cols)..<(41 * cols)]))
    }

    @Test("many tokens (token tiles, groups of four) equal one-token products", arguments: [GGMLType.q4_0, .q4_1, .q8_0, .q6_K])
    func manyTokens(type: GGMLType) throws {
        let rows = 45, cols = 1536, tokens = 70
        let (m, box) = try make(type, rows: rows, cols: cols, seed: 8)
        var rng = SplitMix64(seed: 4)
        let x = QuantTestData.randomFloats(tokens * cols, rng: &rng)
        var y = [Float](repeating: .nan, count: tokens * rows), single = [Float](repeating: .nan, count: rows)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, tokens: tokens, into: $0.baseAddress!) } }
        for t in [0, 3, 4, 11, 12, 13, 47, 69] {
            x.withUnsafeBufferPointer { xp in single.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress! + t * cols, tokens: 1, into: $0.baseAddress!) } }
            for r in 0..<rows {
                let a = y[t * rows + r], b = single[r]
                #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(type) token \(t) row \(r): \(a) vs \(b)")
            }
        }
        withExtendedLifetime(box) {}
    }

    /// Several matrices sharing one input in one pass equal separate products, bit for bit.
    @Test("fused multiply equals separate multiplies", arguments: [1, 2, 3])
    func fusedMultiply(tokens: Int) throws {
        let cols = 512
        let specs: [(GGMLType, Int)] = [(.q4_1, 37), (.q8_0, 64), (.q6_K, 19), (.q5_0, 8), (.f32, 5)]
        let made = try specs.enumerated().map { i, s in try make(s.0, rows: s.1, cols: cols, seed: UInt64(20 + i)) }
        var rng = SplitMix64(seed: 9)
        let x = QuantTestData.randomFloats(tokens * cols, rng: &rng)
        let separate = made.map { m, _ in
            var y = [Float](repeating: .nan, count: tokens * m.rows)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { m.multiply(xp.baseAddress!, tokens: tokens, into: $0.baseAddress!) } }
            return y
        }
        let outs = made.map { m, _ in UnsafeMutablePointer<Float>.allocate(capacity: tokens * m.rows) }
        defer { outs.forEach { $0.deallocate() } }
        x.withUnsafeBufferPointer { QuantizedMatrix.multiply(made.map(\.0), $0.baseAddress!, tokens: tokens, into: outs) }
        for (i, (m, _)) in made.enumerated() {
            #expect(Array(UnsafeBufferPointer(start: outs[i], count: tokens * m.rows)) == separate[i], "\(m.type)")
        }
        withExtendedLifetime(made) {}
    }

    @Test func initValidates() {
        let box = ByteBox([UInt8](repeating: 0, count: 1024))
        let p = UnsafeRawPointer(box.bytes.baseAddress!)
        #expect(throws: QuantizedMatrixError.columnsNotMultipleOfBlock(type: .q4_K, cols: 100, blockSize: 256)) {
            try QuantizedMatrix(type: .q4_K, rows: 1, cols: 100, data: p, owner: box)
        }
        #expect(throws: QuantizedMatrixError.unsupportedType(.q2_K)) {
            try QuantizedMatrix(type: .q2_K, rows: 1, cols: 256, data: p, owner: box)
        }
        #expect(throws: QuantizedMatrixError.invalidShape(rows: 0, cols: 32)) {
            try QuantizedMatrix(type: .q8_0, rows: 0, cols: 32, data: p, owner: box)
        }
    }
}
