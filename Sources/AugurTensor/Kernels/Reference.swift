import Foundation

/// Plain, obviously-correct versions of the vector kernels. The fast versions in ``Kernels``
/// are tested against these.
public enum ReferenceKernels {
    /// sum_i a[i] * b[i], accumulated in Double.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var s = 0.0
        for i in 0..<n { s += Double(a[i]) * Double(b[i]) }
        return Float(s)
    }

    /// out = x / sqrt(mean(x²) + eps) * (weight + weightOffset), for one row of `n`.
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                               count n: Int, eps: Float, weightOffset: Float = 0) {
        var ss = 0.0
        for i in 0..<n { ss += Double(x[i]) * Double(x[i]) }
        let scale = Float(1.0 / (ss / Double(n) + Double(eps)).squareRoot())
        for i in 0..<n { out[i] = x[i] * scale * (weight[i] + weightOffset) }
    }

    /// out = (x - mean) / sqrt(var + eps) * weight + bias, for one row of `n` (BERT's LayerNorm).
    public static func layerNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                 into out: UnsafeMutablePointer<Float>, count n: Int, eps: Float) {
        var mean = 0.0
        for i in 0..<n { mean += Double(x[i]) }
        mean /= Double(n)
        var v = 0.0
        for i in 0..<n { v += (Double(x[i]) - mean) * (Double(x[i]) - mean) }
        let inv = 1.0 / (v / Double(n) + Double(eps)).squareRoot()
        for i in 0..<n { out[i] = Float((Double(x[i]) - mean) * inv) * weight[i] + bias[i] }
    }

    /// Softmax of `n` values in place, in Double.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        guard n > 0 else { return }
        let m = (0..<n).map { Double(x[$0]) }.max()!
        let e = (0..<n).map { Foundation.exp(Double(x[$0]) - m) }
        let s = e.reduce(0, +)
        for i in 0..<n { x[i] = Float(e[i] / s) }
    }

    /// silu(g) · u.
    public static func swiglu(_ g: Float, _ u: Float) -> Float { Float(Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u)) }

    /// GELU, tanh approximation.
    public static func geluTanh(_ x: Float) -> Float {
        let v = Double(x)
        return Float(0.5 * v * (1 + Foundation.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))))
    }

    /// GELU, erf form.
    public static func geluErf(_ x: Float) -> Float { Float(0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))) }
}
