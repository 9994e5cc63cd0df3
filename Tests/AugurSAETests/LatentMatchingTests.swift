import AugurTensor
import Testing
@testable import AugurSAE

@Suite struct LatentMatchingTests {
    /// Random costs; `levels` > 0 draws from that many integer values (many ties).
    func randomCost(_ n: Int, _ m: Int, levels: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<(n * m)).map { _ in
            levels > 0 ? Float(rng.next() % UInt64(levels)) : rng.uniform(-1, 1)
        }
    }

    @Test func matchesBruteForceOnTinyMatrices() throws {
        var rng = SplitMix64(seed: 11)
        for n in 1...7 {
            for extra in [0, 1, 2] where n + extra <= 8 {
                for levels in [0, 3] {
                    let m = n + extra
                    let cost = randomCost(n, m, levels: levels, &rng)
                    let assignment = try LinearAssignment.solve(cost, rows: n, columns: m)
                    let total = try #require(assignmentCost(cost, assignment, rows: n, columns: m))
                    #expect(abs(total - bruteForceMinimum(cost, rows: n, columns: m)) < 1e-4, "n \(n) m \(m) levels \(levels)")
                }
            }
        }
    }

    @Test func matchesHungarianReference() throws {
        var rng = SplitMix64(seed: 5)
        for n in 1...60 {
            for (extra, levels) in [(0, 0), (0, 2), (0, 10), (n / 3 + 1, 0), (7, 4)] {
                let m = n + extra
                let cost = randomCost(n, m, levels: levels, &rng)
                let assignment = try LinearAssignment.solve(cost, rows: n, columns: m)
                let total = try #require(assignmentCost(cost, assignment, rows: n, columns: m))
                let reference = try #require(assignmentCost(cost, hungarianReference(cost, rows: n, columns: m), rows: n, columns: m))
                #expect(abs(total - reference) < 1e-3, "n \(n) m \(m) levels \(levels): \(total) vs \(reference)")
            }
        }
    }

    @Test func allEqualAndDegenerateCosts() throws {
        let n = 40
        let zeros = [Float](repeating: 0, count: n * n)
        let a = try LinearAssignment.solve(zeros, rows: n, columns: n)
        #expect(Set(a).count == n)
        // Rank-one costs c[i][j] = i·j: optimum pairs the largest i with the smallest j.
        let rank1 = (0..<(n * n)).map { Float(($0 / n) * ($0 % n)) }
        let b = try LinearAssignment.solve(rank1, rows: n, columns: n)
        let total = try #require(assignmentCost(rank1, b, rows: n, columns: n))
        #expect(total == (0..<n).reduce(0.0) { $0 + Double($1 * (n - 1 - $1)) })
        #expect(try LinearAssignment.solve([], rows: 0, columns: 3) == [])
    }

    @Test func rejectsBadInput() {
        #expect(throws: LatentMatchingError.badShape(rows: 3, columns: 2)) {
            try LinearAssignment.solve([Float](repeating: 0, count: 6), rows: 3, columns: 2)
        }
        #expect(throws: LatentMatchingError.nonFiniteCost) {
            try LinearAssignment.solve([0, .nan, 1, 2], rows: 2, columns: 2)
        }
    }

    func randomSAE(latents: Int, dIn: Int, seed: UInt64) throws -> TopKSAE {
        var rng = SplitMix64(seed: seed)
        let weights = try SAEWeights(dIn: dIn, numLatents: latents, wEnc: randomFloats(latents * dIn, &rng),
                                     bEnc: [Float](repeating: 0, count: latents),
                                     wDec: randomFloats(latents * dIn, &rng), bDec: [Float](repeating: 0, count: dIn))
        return try TopKSAE(weights: weights, k: 4)
    }

    @Test func identicalCodersMatchPerfectly() throws {
        let sae = try randomSAE(latents: 96, dIn: 24, seed: 3)
        let result = try LatentMatching.match(sae, sae)
        #expect(result.pairs.count == 96)
        for (i, p) in result.pairs.enumerated() {
            #expect(p.a == i && p.b == i)
            #expect(abs(p.cosine - 1) < 1e-5)
        }
        #expect(abs(result.summary.mean - 1) < 1e-5)
        #expect(result.summary.fractionAbove["0.9"] == 1)
        #expect(result.summary.histogram[19] == 96)
    }

    @Test func recoversAPermutation() throws {
        let (n, d) = (200, 32)
        let sae = try randomSAE(latents: n, dIn: d, seed: 9)
        var rng = SplitMix64(seed: 17)
        var perm = Array(0..<n)
        perm.shuffle(using: &rng)
        // Latent i of B is latent perm[i] of A, rescaled (cosine ignores scale).
        var wDec = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { wDec[i * d + j] = 2.5 * sae.weights.wDec[perm[i] * d + j] } }
        let permuted = try TopKSAE(weights: SAEWeights(dIn: d, numLatents: n, wEnc: sae.weights.wEnc, bEnc: sae.weights.bEnc,
                                                       wDec: wDec, bDec: sae.weights.bDec), k: 4)
        let result = try LatentMatching.match(sae, permuted)
        for p in result.pairs {
            #expect(perm[p.b] == p.a)
            #expect(abs(p.cosine - 1) < 1e-5)
        }
        // Rectangular, both ways round: A's first 120 latents inside the permuted B.
        let sub = try TopKSAE(weights: SAEWeights(dIn: d, numLatents: 120, wEnc: Array(sae.weights.wEnc[..<(120 * d)]),
                                                  bEnc: Array(sae.weights.bEnc[..<120]), wDec: Array(sae.weights.wDec[..<(120 * d)]),
                                                  bDec: sae.weights.bDec), k: 4)
        for (x, y, smallIsA) in [(sub, permuted, true), (permuted, sub, false)] {
            let r = try LatentMatching.match(x, y)
            #expect(r.pairs.count == 120)
            #expect(r.summary.latentsA == x.numLatents && r.summary.latentsB == y.numLatents)
            for p in r.pairs {
                let (small, big) = smallIsA ? (p.a, p.b) : (p.b, p.a)
                #expect(perm[big] == small)
            }
            #expect(r.pairs.map(\.a) == r.pairs.map(\.a).sorted())
        }
    }

    @Test func matchingMaximisesTotalCosine() throws {
        let a = try randomSAE(latents: 30, dIn: 8, seed: 1), b = try randomSAE(latents: 30, dIn: 8, seed: 2)
        let result = try LatentMatching.match(a, b)
        var cost = [Float](repeating: 0, count: 900)
        for i in 0..<30 { for j in 0..<30 { cost[i * 30 + j] = -cosine(a.decoderDirection(i), b.decoderDirection(j)) } }
        let reference = try #require(assignmentCost(cost, hungarianReference(cost, rows: 30, columns: 30), rows: 30, columns: 30))
        let total = result.pairs.reduce(0.0) { $0 + Double($1.cosine) }
        #expect(abs(total + reference) < 1e-3)
        #expect(result.summary.histogram.reduce(0, +) == 30)
        let q = result.summary.quantiles
        #expect((q["0.1"] ?? 2) <= (q["0.5"] ?? -2) && (q["0.5"] ?? 2) <= (q["0.9"] ?? -2))
        #expect(result.summary.median == q["0.5"])
    }

    @Test func refusesMismatchedWidths() throws {
        let a = try randomSAE(latents: 8, dIn: 16, seed: 1), b = try randomSAE(latents: 8, dIn: 12, seed: 2)
        #expect(throws: LatentMatchingError.widthMismatch(a: 16, b: 12)) { try LatentMatching.match(a, b) }
        #expect(LatentMatchingError.widthMismatch(a: 16, b: 12).description.contains("16"))
        #expect(LatentMatchingError.widthMismatch(a: 16, b: 12).description.contains("12"))
    }
}

@Suite struct LatentMatchSummaryTests {
    @Test func statisticsOfKnownCosines() {
        let cosines: [Float] = [-1, -0.15, 0, 0.3, 0.6, 0.8, 0.95, 1, 0.55, 0.72]
        let s = LatentMatching.summarize(cosines, dIn: 4, latentsA: 10, latentsB: 12, similaritySeconds: 0, assignmentSeconds: 0)
        #expect(s.matched == 10)
        #expect(abs(s.mean - cosines.reduce(0) { $0 + Double($1) } / 10) < 1e-9)
        // Sorted: -1 -0.15 0 0.3 0.55 0.6 0.72 0.8 0.95 1; median between 0.55 and 0.6.
        #expect(abs(s.median - 0.575) < 1e-6)
        #expect(abs((s.quantiles["0.1"] ?? 0) - (-1 + 0.9 * 0.85)) < 1e-6)
        #expect(s.fractionAbove["0.5"] == 0.6 && s.fractionAbove["0.7"] == 0.4 && s.fractionAbove["0.9"] == 0.2)
        #expect(s.histogram.count == 20 && s.histogram.reduce(0, +) == 10)
        #expect(s.histogram[0] == 1 && s.histogram[19] == 2 && s.histogram[10] == 1 && s.histogram[8] == 1)
    }
}
