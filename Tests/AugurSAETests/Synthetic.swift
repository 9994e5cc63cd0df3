import AugurTensor
@testable import AugurSAE

/// Rows that are sparse non-negative combinations of `features` random unit directions.
struct SyntheticSource: ActivationSource {
    let width: Int
    let directions: [[Float]]
    let active: Int
    let seed: UInt64
    let total: Int
    var position = 0

    init(width: Int, features: Int, active: Int, total: Int, seed: UInt64 = 7) {
        self.width = width
        self.active = active
        self.seed = seed
        self.total = total
        var rng = SplitMix64(seed: seed)
        directions = (0..<features).map { _ in
            let v = (0..<width).map { _ in rng.normal() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }

    /// Row `i`, a pure function of (seed, i), so a source can be repositioned exactly.
    func row(_ i: Int) -> [Float] {
        var rng = SplitMix64(seed: seed &* 1_000_003 &+ UInt64(i))
        var x = [Float](repeating: 0, count: width)
        var used = Set<Int>()
        while used.count < active {
            let f = Int(rng.next() % UInt64(directions.count))
            guard used.insert(f).inserted else { continue }
            let c = rng.uniform(0.5, 2)
            for j in 0..<width { x[j] += c * directions[f][j] }
        }
        return x
    }

    mutating func nextBatch(rows: Int) throws -> [Float]? {
        guard position < total else { return nil }
        let n = min(rows, total - position)
        var out: [Float] = []
        out.reserveCapacity(n * width)
        for i in position..<(position + n) { out += row(i) }
        position += n
        return out
    }
}

func randomFloats(_ count: Int, _ rng: inout SplitMix64, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in rng.normal() * scale }
}

func cosine(_ a: [Float], _ b: [Float]) -> Float {
    var ab: Float = 0, aa: Float = 0, bb: Float = 0
    for i in a.indices { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
    return ab / max((aa * bb).squareRoot(), 1e-30)
}
