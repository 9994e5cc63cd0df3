import Testing
import AugurTensor

@Suite("Quant activation quantization and dot products")
struct QuantDotTests {
    @Test("fast activation quantizer is bit-identical to the reference",
          arguments: [GGMLType.q8_0, .q4_1, .q4_K])
    func quantizerFastEqualsReference(weightType: GGMLType) {
        var rng = SplitMix64(seed: 77 &+ UInt64(weightType.rawValue))
        for n in [256, 1024] {
            var x = QuantTestData.randomFloats(n, rng: &rng, scale: 3)
            x[5] = 0; x[17] = -7.5                          // exact zero and a dominant value
            for i in 32..<64 { x[i] = 0 }                   // an all-zero 32-block
            let bytes = activationRowBytes(for: weightType, count: n)
            var fast = [UInt8](repeating: 0xAA, count: bytes), ref = [UInt8](repeating: 0x55, count: bytes)
            x.withUnsafeBufferPointer { xp in
                fast.withUnsafeMutableBytes { quantizeActivations(xp.baseAddress!, count: n, for: weightType, into: $0.baseAddress!) }
                ref.withUnsafeMutableBytes { quantizeActivations(xp.baseAddress!, count: n, for: weightType, into: $0.baseAddress!, reference: true) }
            }
            #expect(fast == ref, "\(activationType(for: weightType)) n=\(n)")
        }
    }

    @Test func activationTypes() {
        #expect(activationType(for: .q4_0) == .q8_1)
        #expect(activationType(for: .q5_0) == .q8_1)
        #expect(activationType(for: .q8_0) == .q8_0)
        #expect(activationType(for: .q4_1) == .q8_1)
        #expect(activationType(for: .q5_1) == .q8_1)
        #expect(activationType(for: .q4_K) == .q8_K)
        #expect(activationType(for: .q5_K) == .q8_K)
        #expect(activationType(for: .q6_K) == .q8_K)
        #expect(activationType(for: .f16) == .f32)
    }

    /// Q8_0 activations round-trip: the dequantized activation is within half a step of the input.
    @Test func q8ActivationRoundTrip() {
        var rng = SplitMix64(seed: 5)
        let n = 256
        let x = QuantTestData.randomFloats(n, rng: &rng, scale: 2)
        var q = [UInt8](repeating: 0, count: activationRowBytes(for: .q8_0, count: n))
        x.withUnsafeBufferPointer { xp in q.withUnsafeMutableBytes { quantizeActivations(xp.baseAddress!, count: n, for: .q8_0, into: $0.baseAddress!) } }
        let back = q.withUnsafeBytes { dequantize(.q8_0, $0, count: n) }
        for b in 0..<(n / 32) {
            let amax = x[(32 * b)..<(32 * b + 32)].map { abs($0) }.max() ?? 0
            for i in (32 * b)..<(32 * b + 32) {
                #expect(abs(back[i] - x[i]) <= amax / 127 * 0.5 + amax * 1e-3)
            }
        }
    }

    @Test("fast dot equals the reference dot, and both approximate the float dot",
          arguments: QuantTestData.weightTypes)
    func dotFastEqualsReference(type: GGMLType) {
        var rng = SplitMix64(seed: 1234 &+ UInt64(type.rawValue))
        for n in [256, 768, 4864] {
            // scales 2^-5 ... 2^1 keep the products well inside float range
            let w = QuantTestData.randomWeights(type, count: n, rng: &rng, scaleExponents: 10...16)
            let x = QuantTestData.randomFloats(n, rng: &rng)
            var act = [UInt8](repeating: 0, count: activationRowBytes(for: type, count: n))
            x.withUnsafeBufferPointer { xp in act.withUnsafeMutableBytes { quantizeActivations(xp.baseAddress!, count: n, for: type, into: $0.baseAddress!) } }
            let (fast, ref) = w.withUnsafeBytes { wp in
                act.withUnsafeBytes { ap in
                    (quantizedDot(type, count: n, weights: wp.baseAddress!, activations: ap.baseAddress!),
                     quantizedDot(type, count: n, weights: wp.baseAddress!, activations: ap.baseAddress!, reference: true))
                }
            }
            let wf = QuantTestData.dequantizeRef(type, w, count: n)
            var exact = 0.0, mag = 0.0
            for i in 0..<n { exact += Double(wf[i]) * Double(x[i]); mag += abs(Double(wf[i]) * Double(x[i])) }
            let scale = QuantTestData.norm(wf) * QuantTestData.norm(x)
            #expect(abs(Double(fast) - Double(ref)) <= 1e-5 * mag + 1e-30, "\(type) n=\(n): fast \(fast) ref \(ref)")
            // Q8 activation quantization error, relative to |w|·|x|
            #expect(abs(Double(ref) - exact) <= 1e-2 * scale, "\(type) n=\(n): ref \(ref) exact \(exact)")
        }
    }
}
