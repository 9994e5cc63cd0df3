import Foundation
import Testing
import AugurTensor

@Suite("Quant dequantization")
struct QuantDequantizeTests {
    @Test("fast dequantizer is bit-identical to the reference", arguments: QuantTestData.weightTypes)
    func fastEqualsReference(type: GGMLType) {
        var rng = SplitMix64(seed: 0xD0 &+ UInt64(type.rawValue))
        for count in [256, 512, 2816] {
            let bytes = QuantTestData.randomWeights(type, count: count, rng: &rng)
            let ref = QuantTestData.dequantizeRef(type, bytes, count: count)
            let fast = bytes.withUnsafeBytes { dequantize(type, $0, count: count) }
            #expect(fast.count == count)
            let mismatches = (0..<count).filter { fast[$0].bitPattern != ref[$0].bitPattern }
            #expect(mismatches.isEmpty, "\(type) count \(count): \(mismatches.count) mismatches, first at \(mismatches.first ?? -1)")
            #expect(ref.allSatisfy { $0.isFinite })
        }
    }

    @Test func supportedTypes() {
        for t in QuantTestData.weightTypes { #expect(isSupportedWeightType(t)) }
        for t: GGMLType in [.q8_1, .q8_K, .q2_K, .q3_K, .i8, .i32, .f64] { #expect(!isSupportedWeightType(t)) }
    }

    /// Dequantizes one hand-built block with the reference path and returns it.
    private func block(_ type: GGMLType, _ bytes: [UInt8]) -> [Float] {
        #expect(bytes.count == type.bytesPerBlock)
        return QuantTestData.dequantizeRef(type, bytes, count: type.blockSize)
    }

    private func put(_ h: UInt16, _ bytes: inout [UInt8], at o: Int) { bytes[o] = UInt8(h & 0xFF); bytes[o + 1] = UInt8(h >> 8) }

    @Test func handBuiltPlainTypes() {
        let h: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B, 0x00, 0x80, 0x00, 0x7C]
        let f = QuantTestData.dequantizeRef(.f16, h, count: 6)
        #expect(f == [1, -2, Float(sign: .plus, exponent: -24, significand: 1), 65504, -0.0, .infinity])
        #expect(f[4].sign == .minus)
        let b: [UInt8] = [0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40, 0x00, 0x00]
        let g = QuantTestData.dequantizeRef(.bf16, b, count: 4)
        #expect(g == [1, -3, 3.140625, 0])   // 0x4049 = 0 10000000 1001001 → 2 · 1.5703125
    }

    @Test func handBuiltQ4_0() {
        var x = [UInt8](repeating: 0x88, count: 18)   // every quant 8 → 0
        put(0x3800, &x, at: 0)                        // d = 0.5
        x[2] = 0x1F                                   // el 0: (15 − 8)·0.5 = 3.5, el 16: (1 − 8)·0.5 = −3.5
        x[17] = 0x08                                  // el 15: 0, el 31: (0 − 8)·0.5 = −4
        let y = block(.q4_0, x)
        #expect(y[0] == 3.5 && y[16] == -3.5 && y[15] == 0 && y[31] == -4 && y[1] == 0)
    }

    @Test func handBuiltQ4_1() {
        var x = [UInt8](repeating: 0, count: 20)
        put(0x3400, &x, at: 0)                        // d = 0.25
        put(0xBC00, &x, at: 2)                        // m = −1
        x[4 + 3] = 0xA5                               // el 3: 5·0.25 − 1 = 0.25, el 19: 10·0.25 − 1 = 1.5
        let y = block(.q4_1, x)
        #expect(y[3] == 0.25 && y[19] == 1.5 && y[0] == -1 && y[31] == -1)
    }

    @Test func handBuiltQ5_0() {
        var x = [UInt8](repeating: 0, count: 22)
        put(0x3C00, &x, at: 0)                        // d = 1
        let qh: UInt32 = (1 << 2) | (1 << 20)         // high bit of el 2 and el 20
        for k in 0..<4 { x[2 + k] = UInt8((qh >> (8 * UInt32(k))) & 0xFF) }
        x[6 + 2] = 0x3C                               // el 2: (12 | 16) − 16 = 12, el 18: 3 − 16 = −13
        let y = block(.q5_0, x)
        #expect(y[2] == 12 && y[18] == -13 && y[4] == -16 && y[20] == 0)
    }

    @Test func handBuiltQ5_1() {
        var x = [UInt8](repeating: 0, count: 24)
        put(0x3800, &x, at: 0)                        // d = 0.5
        put(0x4000, &x, at: 2)                        // m = 2
        x[4] = 0x01                                   // qh bit 0 → el 0 gets +16
        x[8 + 0] = 0x21                               // el 0: 17·0.5 + 2 = 10.5, el 16: 2·0.5 + 2 = 3
        let y = block(.q5_1, x)
        #expect(y[0] == 10.5 && y[16] == 3 && y[1] == 2)
    }

    @Test func handBuiltQ8_0() {
        var x = [UInt8](repeating: 0, count: 34)
        put(0x3000, &x, at: 0)                        // d = 0.125
        x[2 + 5] = UInt8(bitPattern: -100)            // el 5: −12.5
        x[2 + 31] = 127                               // el 31: 15.875
        let y = block(.q8_0, x)
        #expect(y[5] == -12.5 && y[31] == 15.875 && y[0] == 0)
    }

    @Test func handBuiltQ4_K() {
        var x = [UInt8](repeating: 0, count: 144)
        put(0x3C00, &x, at: 0)                        // d = 1
        put(0x3800, &x, at: 2)                        // dmin = 0.5
        let s = 4                                     // scales[12] start at byte 4
        x[s + 0] = 0x42                               // sc0 = 2; top bits 01 → bit 4 of sc4
        x[s + 4] = 0x03                               // m0 = 3
        x[s + 1] = 0x01                               // sc1 = 1, m1 = 0
        x[s + 8] = 0x21                               // sc4 = 1 | 16 = 17, m4 = 2
        let q = 16                                    // qs[128] start at byte 16
        x[q + 0] = 0x75                               // el 0: 2·5 − 0.5·3 = 8.5; el 32: 1·7 − 0 = 7
        x[q + 64] = 0x03                              // el 128 (sub-block 4, low nibbles of qs[64..95]): 17·3 − 0.5·2 = 50
        let y = block(.q4_K, x)
        #expect(y[0] == 8.5 && y[1] == -1.5 && y[32] == 7 && y[128] == 50 && y[129] == -1)
    }

    @Test func handBuiltQ5_K() {
        var x = [UInt8](repeating: 0, count: 176)
        put(0x3C00, &x, at: 0)                        // d = 1, dmin = 0
        x[4 + 0] = 1                                  // sc0 = 1
        x[4 + 1] = 2                                  // sc1 = 2
        x[4 + 2] = 3                                  // sc2 = 3
        let qh = 16, q = 48                           // qh[32] at 16, qs[128] at 48
        x[qh + 0] = 0x07                              // el 0, el 32, el 64 get +16
        x[q + 0] = 0x0F                               // el 0: 1·(15 + 16) = 31; el 32: 2·(0 + 16) = 32
        x[q + 32] = 0x02                              // el 64: 3·(2 + 16) = 54
        let y = block(.q5_K, x)
        #expect(y[0] == 31 && y[32] == 32 && y[64] == 54 && y[1] == 0)
    }

    @Test func handBuiltQ6_K() {
        var x = [UInt8](repeating: 0, count: 210)
        put(0x3800, &x, at: 208)                      // d = 0.5
        let sc = 192                                  // scales[16] at 192 (ql 128 bytes, qh 64 bytes)
        x[sc + 0] = 2; x[sc + 2] = UInt8(bitPattern: -1); x[sc + 4] = 4; x[sc + 6] = 3
        x[0] = 0x5A; x[32] = 0x07                     // ql[0], ql[32]
        x[128] = 0xE7                                 // qh[0] = 11 10 01 11
        let y = block(.q6_K, x)
        #expect(y[0] == 26)     // (0xA | 3<<4) − 32 = 26;  0.5·2·26
        #expect(y[32] == 4.5)   // (0x7 | 1<<4) − 32 = −9;  0.5·(−1)·(−9)
        #expect(y[64] == 10)    // (0x5 | 2<<4) − 32 = 5;   0.5·4·5
        #expect(y[96] == 24)    // (0x0 | 3<<4) − 32 = 16;  0.5·3·16
        #expect(y[1] == -32)    // (0 | 0) − 32 = −32;      0.5·2·(−32)
        #expect(y[16] == 0)     // scale 1 is 0
    }
}
