import Testing
@testable import AugurFormats

@Suite("Half-precision conversions")
struct HalfFloatTests {
    #if !(os(macOS) && arch(x86_64))
    @Test func f16MatchesFloat16ForEveryBitPattern() {
        for bits in 0 ... UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let got = HalfFloat.float(fromF16: bits)
            #expect(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN), "bits \(bits)")
        }
    }

    @Test func floatToF16RoundsLikeFloat16() {
        var samples: [Float] = [0, -0, 1, 65504, 65519.99, 65520, 1e-8, 2.98e-8, 2.99e-8, 5.96e-8, 6.1e-5, .infinity, -.infinity, .nan,
                                0x1p-25, 0x1.8p-24, 0x1.4p-23, 0x1.002p0, 0x1.006p0]
        let bits = pseudoRandomBytes(40000, seed: 7)
        for i in stride(from: 0, to: bits.count, by: 4) {
            let pattern = UInt32(bits[i]) | UInt32(bits[i + 1]) << 8 | UInt32(bits[i + 2]) << 16 | UInt32(bits[i + 3]) << 24
            // Keep exponents near the half range so rounding paths are exercised.
            // Exponents 96...127 (subnormal and small halves) or 128...159 (large halves and overflow).
            let exponentBits: UInt32 = i % 8 == 0 ? 0x3000_0000 : 0x4000_0000
            let f = Float(bitPattern: (pattern & 0x8FFF_FFFF) | exponentBits)
            samples.append(f)
            // The same value placed exactly halfway between two halves (ties go to even).
            samples.append(Float(bitPattern: (f.bitPattern & ~0x1FFF) | 0x1000))
        }
        for f in samples {
            let expected = Float16(f).bitPattern
            let got = HalfFloat.f16Bits(from: f)
            #expect(got == expected || (f.isNaN && Float16(bitPattern: got).isNaN), "\(f)")
        }
    }
    #endif

    @Test func bf16() {
        #expect(HalfFloat.float(fromBF16: 0x3F80) == 1)
        #expect(HalfFloat.bf16Bits(from: 1) == 0x3F80)
        #expect(HalfFloat.bf16Bits(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
        #expect(HalfFloat.bf16Bits(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie → even
        #expect(HalfFloat.bf16Bits(from: Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(HalfFloat.float(fromBF16: HalfFloat.bf16Bits(from: .nan)).isNaN)
        #expect(HalfFloat.bf16Bits(from: .infinity) == 0x7F80)
    }
}
