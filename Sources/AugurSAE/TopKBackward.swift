import AugurTensor

/// Gradients of the training loss with respect to every SAE parameter (same layouts as ``SAEWeights``).
public struct SAEGradients: Sendable {
    public var wEnc: [Float]
    public var bEnc: [Float]
    public var wDec: [Float]
    public var bDec: [Float]
}

/// Loss terms and statistics of one batch.
public struct SAEBatchLoss: Sendable {
    /// Fraction of variance unexplained, Σ‖x − x̂‖² / Σ‖x − mean(x)‖².
    public var fvu: Float
    /// AuxK loss (already scaled by min(dead / k_aux, 1); not yet by the coefficient).
    public var auxK: Float
    /// fvu + coefficient × auxK.
    public var total: Float
    /// Mean active latents per row.
    public var l0: Float
    /// Latents that fired in this batch.
    public var fired: [Bool]
    /// x − x̂ (the AuxK target), rows × dIn.
    var residual: [Float] = []
    /// Smallest selected activation of the batch (BatchTopK's threshold estimate).
    var minSelected: Float = 0
}

/// How the active latents of a training batch are chosen.
enum TrainingSelection {
    case topK(Int)
    /// The k · rows largest positive pre-activations of the batch.
    case batchTopK(Int)
    /// Every positive pre-activation, with an L1 penalty of this weight on mean Σ latents.
    case relu(l1: Float)
}

/// SAE forward and hand-written backward pass (sparse: only selected latents get gradient).
enum TopKBackward {
    /// Loss and gradients of a TopK SAE on `rows` rows of `x`, with AuxK over `dead` latents.
    /// `auxTarget` replaces the AuxK target x − x̂ (which training treats as a constant) for gradient checks.
    static func run(_ w: SAEWeights, selection: TrainingSelection, x: UnsafePointer<Float>, rows: Int, dead: [Bool]?,
                    auxCoefficient: Float, auxTarget: [Float]? = nil) -> (SAEBatchLoss, SAEGradients) {
        let d = w.dIn, n = w.numLatents, B = rows
        // Centred input and pre-activations.
        var xc = [Float](repeating: 0, count: B * d)
        for r in 0..<B { for j in 0..<d { xc[r * d + j] = x[r * d + j] - w.bDec[j] } }
        var pre = [Float](repeating: 0, count: B * n)
        for r in 0..<B { for i in 0..<n { pre[r * n + i] = w.bEnc[i] } }
        xc.withUnsafeBufferPointer { a in
            w.wEnc.withUnsafeBufferPointer { b in
                pre.withUnsafeMutableBufferPointer { c in
                    BLAS.matmulTransposedB(a.baseAddress!, b.baseAddress!, c.baseAddress!, m: B, n: n, k: d, beta: 1)
                }
            }
        }
        var batchCut: Float = 0
        if case .batchTopK(let k) = selection { batchCut = batchThreshold(pre, budget: k * B) }
        let l1Grad: Float = if case .relu(let c) = selection { c / Float(B) } else { 0 }
        let deadList = dead.map { m in (0..<n).filter { m[$0] } } ?? []
        let kAuxFull = max(d / 2, 1)
        let kAux = min(kAuxFull, deadList.count)
        let auxScale = Float(min(Double(deadList.count) / Double(kAuxFull), 1))
        var sel = [[(latent: Int32, value: Float)]](repeating: [], count: B)
        var aux = [[(latent: Int32, value: Float)]](repeating: [], count: B)
        var recon = [Float](repeating: 0, count: B * d)
        var eHat = [Float](repeating: 0, count: B * d)
        pre.withUnsafeBufferPointer { p in
            sel.withUnsafeMutableBufferPointer { s in
                aux.withUnsafeMutableBufferPointer { a in
                    recon.withUnsafeMutableBufferPointer { rc in
                        eHat.withUnsafeMutableBufferPointer { eh in
                            let (pB, sB, aB, rB, ehB) = (p.baseAddress!, s.baseAddress!, a.baseAddress!, rc.baseAddress!, eh.baseAddress!)
                            w.wDec.withUnsafeBufferPointer { wd in
                                let wD = wd.baseAddress!
                                parallelChunks(B, minChunk: 8) { s0, s1 in
                                    var deadPre = [Float](repeating: 0, count: deadList.count)
                                    for r in s0..<s1 {
                                        switch selection {
                                        case .topK(let k): topK(pB + r * n, count: n, k: k, above: 0, into: &sB[r])
                                        case .batchTopK:
                                            let cut = batchCut
                                            aboveThreshold(pB + r * n, count: n, threshold: { _ in cut }, into: &sB[r])
                                        case .relu: aboveThreshold(pB + r * n, count: n, threshold: { _ in 0 }, into: &sB[r])
                                        }
                                        let out = rB + r * d
                                        for j in 0..<d { out[j] = w.bDec[j] }
                                        for e in sB[r] { axpy(e.value, wD + Int(e.latent) * d, out, d) }
                                        if kAux > 0 {
                                            for (t, i) in deadList.enumerated() { deadPre[t] = pB[r * n + i] }
                                            deadPre.withUnsafeBufferPointer {
                                                topK($0.baseAddress!, count: deadList.count, k: kAux, above: 0, into: &aB[r])
                                            }
                                            for t in aB[r].indices { aB[r][t].latent = Int32(deadList[Int(aB[r][t].latent)]) }
                                            let eh = ehB + r * d
                                            for e in aB[r] { axpy(e.value, wD + Int(e.latent) * d, eh, d) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Losses.
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<B { for j in 0..<d { mean[j] += Double(x[r * d + j]) } }
        for j in 0..<d { mean[j] /= Double(B) }
        var tv = 0.0, se = 0.0, auxSE = 0.0
        for r in 0..<B {
            for j in 0..<d {
                let c = Double(x[r * d + j]) - mean[j]
                tv += c * c
                let e = Double(recon[r * d + j] - x[r * d + j])
                se += e * e
            }
        }
        tv = max(tv, 1e-30)
        // g = ∂fvu/∂recon; gAux = ∂(coef·auxK)/∂eHat where the target is the residual x − recon.
        var g = [Float](repeating: 0, count: B * d)
        var gAux = [Float](repeating: 0, count: B * d)
        let gScale = Float(2 / tv)
        let auxGScale = auxCoefficient * auxScale * gScale
        for i in 0..<(B * d) {
            g[i] = gScale * (recon[i] - x[i])
            if kAux > 0 {
                let diff = eHat[i] - (auxTarget?[i] ?? (x[i] - recon[i]))
                auxSE += Double(diff) * Double(diff)
                gAux[i] = auxGScale * diff
            }
        }
        let fvu = Float(se / tv)
        let auxLoss = kAux > 0 ? Float(Double(auxScale) * auxSE / tv) : 0
        // Per-latent entry lists (CSR, rows ascending) so latents accumulate in parallel, deterministically.
        var counts = [Int](repeating: 0, count: n + 1)
        for r in 0..<B {
            for e in sel[r] { counts[Int(e.latent) + 1] += 1 }
            for e in aux[r] { counts[Int(e.latent) + 1] += 1 }
        }
        for i in 0..<n { counts[i + 1] += counts[i] }
        let total = counts[n]
        var fill = counts
        var entRow = [Int32](repeating: 0, count: total)
        var entVal = [Float](repeating: 0, count: total)
        var entAux = [Bool](repeating: false, count: total)
        for r in 0..<B {
            for e in sel[r] { let p = fill[Int(e.latent)]; fill[Int(e.latent)] += 1; entRow[p] = Int32(r); entVal[p] = e.value }
            for e in aux[r] { let p = fill[Int(e.latent)]; fill[Int(e.latent)] += 1; entRow[p] = Int32(r); entVal[p] = e.value; entAux[p] = true }
        }
        var dPre = [Float](repeating: 0, count: total)
        var grads = SAEGradients(wEnc: [Float](repeating: 0, count: n * d), bEnc: [Float](repeating: 0, count: n),
                                 wDec: [Float](repeating: 0, count: n * d), bDec: [Float](repeating: 0, count: d))
        g.withUnsafeBufferPointer { gP in
        gAux.withUnsafeBufferPointer { gaP in
        xc.withUnsafeBufferPointer { xcP in
        w.wDec.withUnsafeBufferPointer { wdP in
        dPre.withUnsafeMutableBufferPointer { dpP in
        grads.wEnc.withUnsafeMutableBufferPointer { gwe in
        grads.wDec.withUnsafeMutableBufferPointer { gwd in
        grads.bEnc.withUnsafeMutableBufferPointer { gbe in
            let (gB, gaB, xcB, wdB, dpB, gweB, gwdB, gbeB) = (gP.baseAddress!, gaP.baseAddress!, xcP.baseAddress!, wdP.baseAddress!,
                                                            dpP.baseAddress!, gwe.baseAddress!, gwd.baseAddress!, gbe.baseAddress!)
            parallelChunks(n, minChunk: 16) { l0, l1 in
                for l in l0..<l1 {
                    let wRow = wdB + l * d, gwdRow = gwdB + l * d, gweRow = gweB + l * d
                    var db: Float = 0
                    for p in counts[l]..<counts[l + 1] {
                        let r = Int(entRow[p])
                        let gr = (entAux[p] ? gaB : gB) + r * d
                        let dv = dot(gr, wRow, d) + (entAux[p] ? 0 : l1Grad)   // ∂L/∂value; the ReLU passes it (value > 0)
                        dpB[p] = dv
                        db += dv
                        axpy(entVal[p], gr, gwdRow, d)
                        axpy(dv, xcB + r * d, gweRow, d)
                    }
                    gbeB[l] = db
                }
            }
        }}}}}}}}
        // b_dec: direct term Σ g, minus the encoder path Σ_r Σ_j dPre_j W_enc[j] (x − b_dec).
        var dxc = [Float](repeating: 0, count: d)
        for r in 0..<B { for j in 0..<d { grads.bDec[j] += g[r * d + j] } }
        w.wEnc.withUnsafeBufferPointer { we in
            for l in 0..<n {
                var s: Float = 0
                for p in counts[l]..<counts[l + 1] { s += dPre[p] }
                if s != 0 { dxc.withUnsafeMutableBufferPointer { axpy(s, we.baseAddress! + l * d, $0.baseAddress!, d) } }
            }
        }
        for j in 0..<d { grads.bDec[j] -= dxc[j] }
        var fired = [Bool](repeating: false, count: n)
        var active = 0
        for r in 0..<B { active += sel[r].count; for e in sel[r] { fired[Int(e.latent)] = true } }
        var l1Term: Float = 0
        if l1Grad > 0 { for r in 0..<B { for e in sel[r] { l1Term += l1Grad * e.value } } }
        var loss = SAEBatchLoss(fvu: fvu, auxK: auxLoss, total: fvu + auxCoefficient * auxLoss + l1Term,
                                l0: Float(active) / Float(max(B, 1)), fired: fired)
        loss.minSelected = sel.lazy.compactMap { $0.last?.value }.min() ?? 0
        loss.residual = (0..<(B * d)).map { x[$0] - recon[$0] }
        return (loss, grads)
    }
}

/// The value v such that the `budget` largest positive entries of `pre` are those ≥ v (0 when fewer
/// are positive): a bisection over the bit patterns of positive floats, which sort like integers.
func batchThreshold(_ pre: [Float], budget: Int) -> Float {
    func count(atLeast t: Float) -> Int {
        pre.withUnsafeBufferPointer { p in
            let chunks = max(1, min(augurThreadCount, p.count / 65_536))
            var counts = [Int](repeating: 0, count: chunks)
            counts.withUnsafeMutableBufferPointer { c in
                let cB = c.baseAddress!
                parallelChunks(chunks) { s, e in
                    for ch in s..<e {
                        var n = 0
                        for i in (p.count * ch / chunks)..<(p.count * (ch + 1) / chunks) where p[i] >= t && p[i] > 0 { n += 1 }
                        cB[ch] = n
                    }
                }
            }
            return counts.reduce(0, +)
        }
    }
    guard budget > 0, count(atLeast: .leastNonzeroMagnitude) > budget else { return 0 }
    var lo: UInt32 = Float.leastNonzeroMagnitude.bitPattern, hi: UInt32 = Float.infinity.bitPattern
    // Invariant: count(≥ lo) > budget ≥ count(≥ hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2
        if count(atLeast: Float(bitPattern: mid)) > budget { lo = mid } else { hi = mid }
    }
    return Float(bitPattern: hi)
}

@inline(__always)
func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { y[i] += a * x[i] }
}

@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s: Float = 0
    for i in 0..<n { s += a[i] * b[i] }
    return s
}
