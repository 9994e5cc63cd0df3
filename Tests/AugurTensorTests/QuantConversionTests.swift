import AugurTensor
import CAugurKernels
import Testing

@Suite("Quant half and bfloat16 conversions")
struct QuantConversionTests {
    @Test func allHalvesRoundTrip() {
        let halves = (0...0xFFFF).map { UInt16($0) }
        var rowOut = [Float](repeating: 0, count: halves.count)
        halves.withUnsafeBufferPointer { h in rowOut.withUnsafeMutableBufferPointer { augur_f16_to_f32_row(h.baseAddress, $0.baseAddress, halves.count) } }
        for h in halves {
            let scalar = augur_f16_to_f32(h)
            let exp = (h >> 10) & 0x1F, mant = h & 0x3FF
            if exp == 0x1F && mant != 0 {
                #expect(scalar.isNaN && rowOut[Int(h)].isNaN)
                continue
            }
            #expect(scalar.bitPattern == rowOut[Int(h)].bitPattern, "half \(h)")
            #expect(augur_f32_to_f16(scalar) == h, "half \(h) does not round-trip")
        }
        #expect(augur_f16_to_f32(0x3C00) == 1 && augur_f16_to_f32(0x0001) == 0x1p-24 && augur_f16_to_f32(0xFBFF) == -65504)
    }

    @Test func floatToHalfRowMatchesScalar() {
        var rng = SplitMix64(seed: 21)
        var xs: [Float] = [0, -0.0, 1, 65504, 65519.99, 65520, 1e-8, 0x1p-25, 0x1.8p-25, 0x1p-24, .infinity, -.infinity, 1 + 0x1p-11, 1 + 0x3p-11]
        for _ in 0..<20000 { xs.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))) }
        xs = xs.filter { !$0.isNaN }
        var out = [UInt16](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { augur_f32_to_f16_row(x.baseAddress, $0.baseAddress, xs.count) } }
        for (i, x) in xs.enumerated() { #expect(out[i] == augur_f32_to_f16(x), "\(x)") }
        #expect(augur_f32_to_f16(1 + 0x1p-11) == 0x3C00)       // tie → even
        #expect(augur_f32_to_f16(1 + 0x3p-11) == 0x3C02)       // tie → even (up)
        #expect(augur_f32_to_f16(65520) == 0x7C00)             // overflow → inf
    }

    @Test func bfloat16() {
        #expect(augur_bf16_to_f32(0x3F80) == 1)
        #expect(augur_f32_to_bf16(1) == 0x3F80)
        #expect(augur_f32_to_bf16(Float(bitPattern: 0x3F80_8000)) == 0x3F80)   // tie → even
        #expect(augur_f32_to_bf16(Float(bitPattern: 0x3F81_8000)) == 0x3F82)   // tie → even (up)
        #expect(augur_f32_to_bf16(.nan) & 0x7FC0 == 0x7FC0)
        let xs: [Float] = [1.5, -2.25, 3.140625, 1e30]
        var h = [UInt16](repeating: 0, count: xs.count), back = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in h.withUnsafeMutableBufferPointer { augur_f32_to_bf16_row(x.baseAddress, $0.baseAddress, xs.count) } }
        h.withUnsafeBufferPointer { p in back.withUnsafeMutableBufferPointer { augur_bf16_to_f32_row(p.baseAddress, $0.baseAddress, xs.count) } }
        #expect(Array(back[0..<3]) == [1.5, -2.25, 3.140625])
        #expect(abs(back[3] - 1e30) <= 1e30 * 0x1p-8)
    }
}
