import AugurTensor
import Foundation

/// Trains an SAE (TopK by default; BatchTopK and ReLU + L1 by `config.architecture`) the way EleutherAI sparsify does: Adam with the learning rate scaled by the
/// number of latents, b_dec initialised from the first batch's mean, unit-norm decoder rows (the
/// gradient's component along each row removed before every step), dead latents tracked in tokens
/// since they last fired and revived by the AuxK loss.
///
/// Not thread-safe; one training run at a time. The library never prints: progress goes to a callback.
public final class TopKTrainer {
    public let config: SAETrainingConfig
    /// Current parameters.
    public internal(set) var weights: SAEWeights
    /// Tokens (rows) trained on.
    public private(set) var tokensDone: Int = 0
    /// Optimisation steps taken.
    public private(set) var steps: Int = 0
    /// Per latent, tokens since it last fired.
    public internal(set) var tokensSinceFired: [Int]
    var adam: [AdamState]

    static let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    /// A fresh SAE: encoder uniform ±1/√d (PyTorch Linear init), b_enc 0, W_dec = W_enc with unit rows, b_dec 0.
    public init(config: SAETrainingConfig) throws {
        try config.validate()
        self.config = config
        let d = config.dIn, n = config.numLatents
        var rng = SplitMix64(seed: config.seed)
        let bound = 1 / Float(d).squareRoot()
        let wEnc = (0..<(n * d)).map { _ in rng.uniform(-bound, bound) }
        var wDec = wEnc
        normalizeRows(&wDec, rows: n, width: d)
        weights = try SAEWeights(dIn: d, numLatents: n, wEnc: wEnc, bEnc: .init(repeating: 0, count: n),
                                 wDec: wDec, bDec: .init(repeating: 0, count: d))
        tokensSinceFired = .init(repeating: 0, count: n)
        adam = [n * d, n, n * d, d].map { AdamState(count: $0) }
    }

    /// The SAE as trained so far.
    public func sae() throws -> TopKSAE { try TopKSAE(weights: weights, k: config.k) }

    /// The SAE as trained so far, of the configured architecture.
    public func coder() throws -> any AffineSparseCoder {
        switch config.architecture {
        case .topk: try TopKSAE(weights: weights, k: config.k)
        case .batchtopk: try BatchTopKSAE(weights: weights, k: config.k, threshold: batchThreshold)
        case .relu: ReLUSAE(weights: weights)
        }
    }

    /// BatchTopK inference threshold: running average of each batch's smallest selected activation.
    public internal(set) var batchThreshold: Float = 0

    var selection: TrainingSelection {
        switch config.architecture {
        case .topk: .topK(config.k)
        case .batchtopk: .batchTopK(config.k)
        case .relu: .relu(l1: config.l1Coefficient)
        }
    }

    /// Latents that have not fired for more than `deadTokenThreshold` tokens.
    public var deadMask: [Bool] { tokensSinceFired.map { $0 > config.deadTokenThreshold } }

    /// Fraction of dead latents.
    public var deadFraction: Float {
        Float(tokensSinceFired.reduce(0) { $0 + ($1 > config.deadTokenThreshold ? 1 : 0) }) / Float(config.numLatents)
    }

    /// Loss and gradients on a batch without changing anything (for checks and evaluation).
    public func lossAndGradients(_ batch: [Float], dead: [Bool]? = nil) throws -> (SAEBatchLoss, SAEGradients) {
        try lossAndGradients(batch, dead: dead, auxTarget: nil)
    }

    func lossAndGradients(_ batch: [Float], dead: [Bool]?, auxTarget: [Float]?) throws -> (SAEBatchLoss, SAEGradients) {
        let rows = try rowCount(batch)
        return batch.withUnsafeBufferPointer {
            TopKBackward.run(weights, selection: selection, x: $0.baseAddress!, rows: rows, dead: dead,
                             auxCoefficient: config.auxKCoefficient, auxTarget: auxTarget)
        }
    }

    /// One optimisation step on `batch` (rows × dIn).
    @discardableResult
    public func step(_ batch: [Float]) throws -> SAEBatchLoss {
        let rows = try rowCount(batch)
        let d = config.dIn, n = config.numLatents
        if steps == 0 {
            var mean = [Double](repeating: 0, count: d)
            for r in 0..<rows { for j in 0..<d { mean[j] += Double(batch[r * d + j]) } }
            weights.bDec = mean.map { Float($0 / Double(rows)) }
        }
        let dead = deadMask
        let anyDead = dead.contains(true)
        var (loss, g) = batch.withUnsafeBufferPointer {
            TopKBackward.run(weights, selection: selection, x: $0.baseAddress!, rows: rows, dead: anyDead ? dead : nil,
                             auxCoefficient: config.auxKCoefficient)
        }
        removeParallelComponent(&g.wDec, of: weights.wDec, rows: n, width: d)
        steps += 1
        let lr = config.effectiveLearningRate
        adam[0].update(&weights.wEnc, g.wEnc, lr: lr, step: steps)
        adam[1].update(&weights.bEnc, g.bEnc, lr: lr, step: steps)
        adam[2].update(&weights.wDec, g.wDec, lr: lr, step: steps)
        adam[3].update(&weights.bDec, g.bDec, lr: lr, step: steps)
        normalizeRows(&weights.wDec, rows: n, width: d)
        for i in 0..<n { tokensSinceFired[i] = loss.fired[i] ? 0 : tokensSinceFired[i] + rows }
        tokensDone += rows
        if config.architecture == .batchtopk {
            batchThreshold = steps == 1 ? loss.minSelected : 0.99 * batchThreshold + 0.01 * loss.minSelected
        }
        loss.fired = []
        return loss
    }

    /// Trains until `tokens` tokens in total (counting any before a resume) or until `source` runs
    /// dry, checkpointing into `checkpointDir` every `checkpointEvery` tokens and at the end.
    ///
    /// After ``resume(from:)`` the caller positions `source` past the `tokensDone` tokens already used.
    public func train(source: inout some ActivationSource, tokens: Int, checkpointDir: String? = nil,
                      checkpointEvery: Int? = nil, progress: ((SAETrainingProgress) -> Void)? = nil) throws -> SAETrainingSummary {
        guard source.width == config.dIn else {
            throw SAEError.training("activation source width \(source.width) differs from the SAE's d_in \(config.dIn)")
        }
        let start = Date()
        let startTokens = tokensDone
        var last = SAEBatchLoss(fvu: .nan, auxK: 0, total: .nan, l0: 0, fired: [])
        var nextCheckpoint = checkpointEvery.map { (tokensDone / max($0, 1) + 1) * max($0, 1) }
        var exhausted = false
        while tokensDone < tokens {
            let want = min(config.batchRows, tokens - tokensDone)
            guard let batch = try source.nextBatch(rows: want), !batch.isEmpty else { exhausted = true; break }
            last = try step(batch)
            let elapsed = Date().timeIntervalSince(start)
            progress?(SAETrainingProgress(tokens: tokensDone, steps: steps, fvu: last.fvu, l0: last.l0, deadFraction: deadFraction,
                                          auxKLoss: last.auxK, tokensPerSecond: Double(tokensDone - startTokens) / max(elapsed, 1e-9)))
            if let dir = checkpointDir, let every = checkpointEvery, let due = nextCheckpoint, tokensDone >= due {
                try saveCheckpoint(to: dir)
                nextCheckpoint = (tokensDone / max(every, 1) + 1) * max(every, 1)
            }
        }
        if let dir = checkpointDir { try saveCheckpoint(to: dir) }
        let seconds = Date().timeIntervalSince(start)
        return SAETrainingSummary(tokens: tokensDone, steps: steps, fvu: last.fvu, l0: last.l0, deadFraction: deadFraction,
                                  seconds: seconds, tokensPerSecond: Double(tokensDone - startTokens) / max(seconds, 1e-9),
                                  sourceExhausted: exhausted)
    }

    func rowCount(_ batch: [Float]) throws(SAEError) -> Int {
        guard !batch.isEmpty, batch.count % config.dIn == 0 else {
            throw .training("batch of \(batch.count) floats is not a whole number of \(config.dIn)-wide rows")
        }
        return batch.count / config.dIn
    }

    init(config: SAETrainingConfig, weights: SAEWeights, tokensDone: Int, steps: Int, tokensSinceFired: [Int], adam: [AdamState]) {
        self.config = config
        self.weights = weights
        self.tokensDone = tokensDone
        self.steps = steps
        self.tokensSinceFired = tokensSinceFired
        self.adam = adam
    }
}

/// Adam moments of one parameter array.
struct AdamState {
    var m: [Float]
    var v: [Float]

    init(count: Int) {
        m = .init(repeating: 0, count: count)
        v = .init(repeating: 0, count: count)
    }

    init(m: [Float], v: [Float]) {
        self.m = m
        self.v = v
    }

    mutating func update(_ p: inout [Float], _ g: [Float], lr: Float, step: Int) {
        let b1 = TopKTrainer.beta1, b2 = TopKTrainer.beta2, eps = TopKTrainer.epsilon
        let c1 = 1 - Float(pow(Double(b1), Double(step))), c2 = 1 - Float(pow(Double(b2), Double(step)))
        let stepSize = lr / c1, c2Root = c2.squareRoot()
        let count = p.count
        p.withUnsafeMutableBufferPointer { pp in
            m.withUnsafeMutableBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    g.withUnsafeBufferPointer { gp in
                        let (P, M, V, G) = (pp.baseAddress!, mp.baseAddress!, vp.baseAddress!, gp.baseAddress!)
                        parallelChunks(count, minChunk: 1 << 15) { s, e in
                            for i in s..<e {
                                let gi = G[i]
                                M[i] = b1 * M[i] + (1 - b1) * gi
                                V[i] = b2 * V[i] + (1 - b2) * gi * gi
                                P[i] -= stepSize * M[i] / (V[i].squareRoot() / c2Root + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Scales each row of a rows × width matrix to unit norm (zero rows stay zero).
func normalizeRows(_ a: inout [Float], rows: Int, width: Int) {
    a.withUnsafeMutableBufferPointer { p in
        let base = p.baseAddress!
        parallelChunks(rows, minChunk: 64) { s, e in
            for r in s..<e {
                let row = base + r * width
                let norm = dot(row, row, width).squareRoot()
                guard norm > 0 else { continue }
                let inv = 1 / norm
                for j in 0..<width { row[j] *= inv }
            }
        }
    }
}

/// g_r −= (g_r · w_r) w_r for every row (w rows unit norm): keeps steps tangent to the unit sphere.
func removeParallelComponent(_ g: inout [Float], of w: [Float], rows: Int, width: Int) {
    g.withUnsafeMutableBufferPointer { gp in
        w.withUnsafeBufferPointer { wp in
            let (G, W) = (gp.baseAddress!, wp.baseAddress!)
            parallelChunks(rows, minChunk: 64) { s, e in
                for r in s..<e {
                    let gr = G + r * width, wr = W + r * width
                    let c = dot(gr, wr, width)
                    if c != 0 { axpy(-c, wr, gr, width) }
                }
            }
        }
    }
}
