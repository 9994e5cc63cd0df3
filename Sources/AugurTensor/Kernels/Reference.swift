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
}
