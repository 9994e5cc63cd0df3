import AugurTensor

enum QuantTestData {
    /// All weight types the kernels support.
    static let weightTypes: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// A random finite half: sign, exponent in `exponents` (biased, 0 gives subnormals), random mantissa.
    static func randomHalf(_ rng: inout SplitMix64, exponents: ClosedRange<UInt16> = 0...30) -> UInt16 {
        let sign = UInt16.random(in: 0...1, using: &rng) << 15
        let exp = UInt16.random(in: exponents, using: &rng) << 10
        return sign | exp | UInt16.random(in: 0...0x3FF, using: &rng)
    }

    /// Byte offsets of the f16 scale fields inside one block of `type`.
    static func halfFields(_ type: GGMLType) -> [Int] {
        switch type {
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        case .q6_K: [208]
        default: []
        }
    }

    /// `count` elements of `type` with random quants and finite random scales.
    /// `scaleExponents` bounds the f16 scales (biased exponents), so dot products stay in range.
    static func randomWeights(_ type: GGMLType, count: Int, rng: inout SplitMix64,
                              scaleExponents: ClosedRange<UInt16> = 0...30) -> [UInt8] {
        let bytes = type.byteCount(elements: count) ?? 0
        var out = [UInt8](repeating: 0, count: bytes)
        for i in 0..<bytes { out[i] = UInt8.random(in: 0...255, using: &rng) }
        func putHalf(_ h: UInt16, at o: Int) { out[o] = UInt8(h & 0xFF); out[o + 1] = UInt8(h >> 8) }
        switch type {
        case .f32:
            for i in 0..<count {
                let v = Float.random(in: -4...4, using: &rng).bitPattern
                for k in 0..<4 { out[4 * i + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }
            }
        case .f16:
            for i in 0..<count { putHalf(randomHalf(&rng, exponents: scaleExponents), at: 2 * i) }
        case .bf16:
            for i in 0..<count {
                // finite: exponent field below 0xFF
                let v = UInt16.random(in: 0...0xFFFF, using: &rng)
                let e = UInt16.random(in: 100...150, using: &rng)
                putHalf((v & 0x807F) | (e << 7), at: 2 * i)
            }
        default:
            let blocks = count / type.blockSize
            for b in 0..<blocks {
                for f in halfFields(type) {
                    putHalf(randomHalf(&rng, exponents: scaleExponents), at: b * type.bytesPerBlock + f)
                }
            }
        }
        return out
    }

    static func randomFloats(_ n: Int, rng: inout SplitMix64, scale: Float = 1) -> [Float] {
        (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) }
    }

    /// Reference dequantization of a whole buffer.
    static func dequantizeRef(_ type: GGMLType, _ bytes: [UInt8], count: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                if let s = src.baseAddress, let d = dst.baseAddress { dequantize(type, s, into: d, count: count, reference: true) }
            }
        }
        return out
    }

    static func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
}
