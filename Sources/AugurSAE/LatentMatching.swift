import AugurTensor
import CAugurKernels
import Foundation

/// Why two sparse coders could not be matched, or an assignment could not be solved.
public enum LatentMatchingError: Error, Equatable, CustomStringConvertible {
    /// The coders read activations of different widths, so their decoder directions are incomparable.
    case widthMismatch(a: Int, b: Int)
    /// The cost matrix has more rows than columns, or a bad stride.
    case badShape(rows: Int, columns: Int)
    /// A cost is NaN or infinite (e.g. a decoder row holds NaN).
    case nonFiniteCost
    /// The solver's O(columns) work arrays could not be allocated.
    case outOfMemory

    public var description: String {
        switch self {
        case .widthMismatch(let a, let b): "cannot match latents: A has d_in \(a), B has d_in \(b)"
        case .badShape(let rows, let columns): "assignment needs rows ≤ columns, got \(rows) × \(columns)"
        case .nonFiniteCost: "assignment cost matrix holds NaN or infinity (non-finite decoder weights?)"
        case .outOfMemory: "assignment solver ran out of memory"
        }
    }
}

/// Dense linear assignment (Jonker–Volgenant, in C).
public enum LinearAssignment {
    /// The minimum-cost assignment of each of `rows` rows to a distinct one of `columns` columns
    /// (`rows ≤ columns`) for a row-major cost matrix (row stride `columns`), read in place.
    /// Returns the column of each row.
    public static func solve(cost: UnsafePointer<Float>, rows: Int, columns: Int) throws(LatentMatchingError) -> [Int] {
        guard rows >= 0, rows <= columns, columns <= Int(Int32.max) else { throw .badShape(rows: rows, columns: columns) }
        var assignment = [Int32](repeating: -1, count: rows)
        let status = assignment.withUnsafeMutableBufferPointer {
            augur_lap_solve(rows, columns, cost, columns, $0.baseAddress)
        }
        switch status {
        case 0: return assignment.map(Int.init)
        case AUGUR_LAP_NONFINITE: throw .nonFiniteCost
        case AUGUR_LAP_MEMORY: throw .outOfMemory
        default: throw .badShape(rows: rows, columns: columns)
        }
    }

    /// `solve(cost:rows:columns:)` for an array of `rows × columns` costs.
    public static func solve(_ cost: [Float], rows: Int, columns: Int) throws(LatentMatchingError) -> [Int] {
        guard cost.count == rows * columns else { throw .badShape(rows: rows, columns: columns) }
        return try cost.withUnsafeBufferPointer { (p) throws(LatentMatchingError) -> [Int] in
            guard let base = p.baseAddress else { return [] }
            return try solve(cost: base, rows: rows, columns: columns)
        }
    }
}

/// One matched latent pair: latent `a` of coder A, latent `b` of coder B, and their decoder cosine.
public struct LatentPair: Sendable, Codable, Equatable {
    public var a: Int
    public var b: Int
    public var cosine: Float
}

/// Statistics of the matched cosines.
public struct LatentMatchSummary: Sendable, Codable, Equatable {
    public var dIn: Int
    public var latentsA: Int
    public var latentsB: Int
    /// Number of pairs, min(latentsA, latentsB).
    public var matched: Int
    public var mean: Double
    public var median: Double
    /// Quantiles 10, 25, 50, 75, 90 of the matched cosines (linear interpolation).
    public var quantiles: [String: Double]
    /// Fraction of pairs whose cosine exceeds 0.5, 0.7 and 0.9 (keys "0.5", "0.7", "0.9").
    public var fractionAbove: [String: Double]
    /// Counts of matched cosines in 20 equal bins over [−1, 1] (cosine 1 falls in the last bin).
    public var histogram: [Int]
    /// Seconds spent normalising and computing the similarity matrix.
    public var similaritySeconds: Double
    /// Seconds spent in the assignment solver.
    public var assignmentSeconds: Double

    enum CodingKeys: String, CodingKey {
        case dIn = "d_in", latentsA = "latents_a", latentsB = "latents_b", matched, mean, median, quantiles
        case fractionAbove = "fraction_above", histogram, similaritySeconds = "similarity_seconds"
        case assignmentSeconds = "assignment_seconds"
    }
}

/// The result of `LatentMatching.match`: the summary and every pair, ordered by A index.
public struct LatentMatchResult: Sendable, Codable, Equatable {
    public var summary: LatentMatchSummary
    public var pairs: [LatentPair]
}

/// One-to-one matching of two dictionaries' latents by decoder-direction cosine similarity,
/// maximising the total similarity (Hungarian problem, solved by Jonker–Volgenant).
public enum LatentMatching {
    /// Matches every latent of the smaller coder to a distinct latent of the other.
    ///
    /// Cosines of unit-normalised decoder rows come from one BLAS product (n_a × n_b floats, the
    /// only large allocation); all-zero decoder rows have cosine 0 with everything.
    public static func match(_ a: any SparseCoder, _ b: any SparseCoder) throws(LatentMatchingError) -> LatentMatchResult {
        guard a.dIn == b.dIn else { throw .widthMismatch(a: a.dIn, b: b.dIn) }
        let d = a.dIn
        // Rows of the cost matrix are the smaller side so that rows ≤ columns.
        let swapped = a.numLatents > b.numLatents
        let (rowCoder, colCoder) = swapped ? (b, a) : (a, b)
        let n = rowCoder.numLatents, m = colCoder.numLatents
        let start = Date()
        let rowDirs = unitDirections(rowCoder), colDirs = unitDirections(colCoder)
        let cost = UnsafeMutablePointer<Float>.allocate(capacity: max(n * m, 1))
        defer { cost.deallocate() }
        // cost = −cos, straight from the product (alpha = −1), so the matrix is never copied or negated.
        rowDirs.withUnsafeBufferPointer { r in
            colDirs.withUnsafeBufferPointer { c in
                if let rb = r.baseAddress, let cb = c.baseAddress {
                    BLAS.matmulTransposedB(rb, cb, cost, m: n, n: m, k: d, alpha: -1)
                }
            }
        }
        let similaritySeconds = Date().timeIntervalSince(start)
        let solveStart = Date()
        let assignment = try LinearAssignment.solve(cost: cost, rows: n, columns: m)
        let assignmentSeconds = Date().timeIntervalSince(solveStart)
        var pairs = [LatentPair]()
        pairs.reserveCapacity(n)
        for (i, j) in assignment.enumerated() {
            let cosine = -cost[i * m + j]
            pairs.append(swapped ? LatentPair(a: j, b: i, cosine: cosine) : LatentPair(a: i, b: j, cosine: cosine))
        }
        if swapped { pairs.sort { $0.a < $1.a } }
        let summary = summarize(pairs.map(\.cosine), dIn: d, latentsA: a.numLatents, latentsB: b.numLatents,
                                similaritySeconds: similaritySeconds, assignmentSeconds: assignmentSeconds)
        return LatentMatchResult(summary: summary, pairs: pairs)
    }

    /// Decoder rows scaled to unit length (zero rows stay zero), numLatents × dIn.
    static func unitDirections(_ coder: any SparseCoder) -> [Float] {
        let d = coder.dIn, n = coder.numLatents
        var out: [Float]
        if let affine = coder as? any AffineSparseCoder {
            out = affine.weights.wDec
        } else {
            out = [Float](repeating: 0, count: n * d)
            for l in 0..<n { out.replaceSubrange(l * d ..< (l + 1) * d, with: coder.decoderDirection(l)) }
        }
        out.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            parallelChunks(n, minChunk: 256) { s, e in
                for l in s..<e {
                    let row = base + l * d
                    var ss: Double = 0
                    for j in 0..<d { ss += Double(row[j]) * Double(row[j]) }
                    let scale: Float = ss > 0 ? Float(1 / ss.squareRoot()) : 0
                    for j in 0..<d { row[j] *= scale }
                }
            }
        }
        return out
    }

    /// Summary statistics of matched cosines.
    static func summarize(_ cosines: [Float], dIn: Int, latentsA: Int, latentsB: Int,
                          similaritySeconds: Double, assignmentSeconds: Double) -> LatentMatchSummary {
        let sorted = cosines.map(Double.init).sorted()
        let count = sorted.count
        func quantile(_ q: Double) -> Double {
            guard count > 0 else { return .nan }
            let pos = q * Double(count - 1)
            let lo = Int(pos.rounded(.down)), hi = min(lo + 1, count - 1)
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
        }
        var histogram = [Int](repeating: 0, count: 20)
        for c in sorted {
            let bin = Int(((c + 1) / 2 * 20).rounded(.down))
            histogram[min(max(bin, 0), 19)] += 1
        }
        func above(_ t: Double) -> Double { count == 0 ? 0 : Double(sorted.filter { $0 > t }.count) / Double(count) }
        return LatentMatchSummary(
            dIn: dIn, latentsA: latentsA, latentsB: latentsB, matched: count,
            mean: count == 0 ? .nan : sorted.reduce(0, +) / Double(count), median: quantile(0.5),
            quantiles: ["0.1": quantile(0.1), "0.25": quantile(0.25), "0.5": quantile(0.5),
                        "0.75": quantile(0.75), "0.9": quantile(0.9)],
            fractionAbove: ["0.5": above(0.5), "0.7": above(0.7), "0.9": above(0.9)],
            histogram: histogram, similaritySeconds: similaritySeconds, assignmentSeconds: assignmentSeconds)
    }
}
