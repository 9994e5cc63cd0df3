import Foundation

/// Rotary position embedding tables and application.
public struct RoPE: Sendable {
    /// How dimensions are paired: `.normal` rotates (x[2i], x[2i+1]) (GGUF llama, whose Q/K weights
    /// were permuted at conversion); `.neox` rotates (x[i], x[i + d/2]) (Qwen2, Gemma, HF layout).
    public enum Mode: Sendable { case normal, neox }

    public let headDim: Int
    public let rotaryDim: Int
    public let theta: Float
    public let mode: Mode
    /// Frequency multiplier per rotated pair (inverse frequencies), rotaryDim/2 of them.
    let invFreq: [Float]

    /// A RoPE over the first `rotaryDim` (default all) of `headDim` dimensions with base `theta`.
    public init(headDim: Int, rotaryDim: Int? = nil, theta: Float, mode: Mode, frequencyScale: Float = 1) {
        self.headDim = headDim
        let rd = rotaryDim ?? headDim
        self.rotaryDim = rd
        self.theta = theta
        self.mode = mode
        invFreq = (0..<(rd / 2)).map { i in
            Float(1.0 / pow(Double(theta), Double(2 * i) / Double(rd))) / frequencyScale
        }
    }

    /// Rotates `heads` consecutive heads of one token at `position`, in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        let half = rotaryDim / 2
        // cos/sin computed in Double, like the reference implementations' fp32 tables of
        // position × inv_freq (the product is formed in f32 there too).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: half * 2) { cs in
            for i in 0..<half {
                let angle = Float(position) * invFreq[i]
                cs[2 * i] = cosf(angle)
                cs[2 * i + 1] = sinf(angle)
            }
            for h in 0..<heads {
                let v = x + h * headDim
                switch mode {
                case .normal:
                    for i in 0..<half {
                        let c = cs[2 * i], s = cs[2 * i + 1]
                        let a = v[2 * i], b = v[2 * i + 1]
                        v[2 * i] = a * c - b * s
                        v[2 * i + 1] = a * s + b * c
                    }
                case .neox:
                    for i in 0..<half {
                        let c = cs[2 * i], s = cs[2 * i + 1]
                        let a = v[i], b = v[i + half]
                        v[i] = a * c - b * s
                        v[i + half] = a * s + b * c
                    }
                }
            }
        }
    }
}
