import AugurSAE
import AugurTensor

/// Latents' nearest neighbours by the cosine similarity of their decoder directions — the
/// "neighbouring latents" whose activating windows make hard negative examples.
public struct DecoderNeighbours: Sendable {
    /// Number of latents.
    public let numLatents: Int
    /// Width of each direction.
    public let width: Int
    /// Unit-norm directions, numLatents × width (zero rows for zero directions).
    let unit: [Float]
    /// Whether each latent has a non-zero direction.
    let nonzero: [Bool]

    /// The decoder directions of every latent of `coder` (`coder.decoderDirection(_:)`).
    public init(coder: any SparseCoder) throws {
        try self.init(directions: (0 ..< coder.numLatents).map { coder.decoderDirection($0) })
    }

    /// Neighbours among the given directions (all the same width).
    public init(directions: [[Float]]) throws {
        guard let w = directions.first?.count, w > 0 else {
            throw ActivationsError.badArgument("no decoder directions to compare")
        }
        if let bad = directions.firstIndex(where: { $0.count != w }) {
            throw ActivationsError.badArgument("decoder direction \(bad) has \(directions[bad].count) values, latent 0 has \(w)")
        }
        numLatents = directions.count
        width = w
        var unit = [Float](repeating: 0, count: directions.count * w)
        var nonzero = [Bool](repeating: false, count: directions.count)
        for (i, d) in directions.enumerated() {
            let norm = d.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, norm.isFinite else { continue }
            nonzero[i] = true
            for j in 0 ..< w { unit[i * w + j] = d[j] / norm }
        }
        self.unit = unit
        self.nonzero = nonzero
    }

    /// Cosine similarity of every latent's direction with `latent`'s.
    public func similarities(to latent: Int) throws -> [Float] {
        guard latent >= 0, latent < numLatents else {
            throw ActivationsError.badArgument("latent \(latent) is out of range: there are \(numLatents) latents (0-\(numLatents - 1))")
        }
        var sims = [Float](repeating: 0, count: numLatents)
        unit.withUnsafeBufferPointer { u in
            guard let base = u.baseAddress else { return }
            sims.withUnsafeMutableBufferPointer { s in
                guard let out = s.baseAddress else { return }
                BLAS.matmulTransposedB(base + latent * width, base, out, m: 1, n: numLatents, k: width)
            }
        }
        return sims
    }

    /// The `count` latents whose directions are most similar to `latent`'s (highest cosine first,
    /// ties by index; the latent itself and latents with zero directions excluded).
    public func nearest(to latent: Int, count: Int) throws -> [Int] {
        let sims = try similarities(to: latent)
        var best: [(latent: Int, sim: Float)] = []
        best.reserveCapacity(count + 1)
        for (j, s) in sims.enumerated() where j != latent && nonzero[j] && s.isFinite {
            if best.count == count, let last = best.last, s <= last.sim { continue }
            var at = best.count
            while at > 0, best[at - 1].sim < s { at -= 1 }
            best.insert((j, s), at: at)
            if best.count > count { best.removeLast() }
        }
        return best.map(\.latent)
    }
}
