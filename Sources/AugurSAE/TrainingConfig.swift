import Foundation

/// Which sparsity mechanism an SAE is trained with.
public enum SAEArchitecture: String, Sendable, Codable, CaseIterable {
    /// The k largest (ReLU) pre-activations of each row (sparsify).
    case topk
    /// The k · rows largest pre-activations over the whole batch; inference uses a threshold
    /// learned as a running average of the smallest selected activation.
    case batchtopk
    /// Every positive pre-activation, with an L1 penalty `l1Coefficient` · mean Σ latents.
    case relu
}

/// Hyperparameters of SAE training (EleutherAI sparsify defaults where they apply).
public struct SAETrainingConfig: Sendable, Codable, Equatable {
    /// Width of the activations.
    public var dIn: Int
    /// Number of latents (dIn × expansion factor).
    public var numLatents: Int
    /// Active latents per row (TopK; the per-row average for BatchTopK; unused by ReLU).
    public var k: Int
    /// Sparsity mechanism (default TopK).
    public var architecture: SAEArchitecture
    /// L1 penalty weight of a ReLU SAE (on the mean over rows of the sum of latents; decoder rows are unit norm).
    public var l1Coefficient: Float
    /// Activation rows per optimisation step.
    public var batchRows: Int
    /// Adam learning rate; nil: sparsify's 2e-4 / sqrt(numLatents / 2^14).
    public var learningRate: Float?
    /// Weight of the AuxK loss (dead latents reconstructing the residual error).
    public var auxKCoefficient: Float
    /// A latent that has not fired for more than this many tokens is dead.
    public var deadTokenThreshold: Int
    /// Seed of the weight initialisation.
    public var seed: UInt64
    /// Hook the SAE reads (written into cfg.json), e.g. `blocks.6.hook_resid_post`.
    public var hook: String?
    /// Model name (written into cfg.json).
    public var model: String?

    public init(dIn: Int, numLatents: Int, k: Int, batchRows: Int = 4096, learningRate: Float? = nil,
                auxKCoefficient: Float = 1.0 / 32, deadTokenThreshold: Int = 10_000_000, seed: UInt64 = 0,
                hook: String? = nil, model: String? = nil, architecture: SAEArchitecture = .topk, l1Coefficient: Float = 1e-3) {
        self.architecture = architecture
        self.l1Coefficient = l1Coefficient
        self.dIn = dIn
        self.numLatents = numLatents
        self.k = k
        self.batchRows = batchRows
        self.learningRate = learningRate
        self.auxKCoefficient = auxKCoefficient
        self.deadTokenThreshold = deadTokenThreshold
        self.seed = seed
        self.hook = hook
        self.model = model
    }

    /// The learning rate actually used.
    public var effectiveLearningRate: Float {
        learningRate ?? Float(2e-4 / (Double(numLatents) / 16384).squareRoot())
    }

    func validate() throws(SAEError) {
        guard dIn > 0, numLatents > 0 else { throw .training("d_in \(dIn) and num_latents \(numLatents) must be positive") }
        guard k > 0, k <= numLatents else { throw .training("k \(k) must be in 1...\(numLatents)") }
        guard batchRows > 0 else { throw .training("batch rows \(batchRows) must be positive") }
        guard deadTokenThreshold > 0 else { throw .training("dead token threshold must be positive") }
    }
}

/// One progress report of a training run.
public struct SAETrainingProgress: Sendable {
    /// Tokens (activation rows) trained on so far.
    public var tokens: Int
    /// Optimisation steps so far.
    public var steps: Int
    /// Fraction of variance unexplained on the last batch.
    public var fvu: Float
    /// Mean active latents per row on the last batch.
    public var l0: Float
    /// Fraction of latents that have not fired within the dead-token threshold.
    public var deadFraction: Float
    /// AuxK loss on the last batch (0 when nothing is dead).
    public var auxKLoss: Float
    /// Training throughput of this run so far.
    public var tokensPerSecond: Double
}

/// What a training run did.
public struct SAETrainingSummary: Sendable {
    public var tokens: Int
    public var steps: Int
    public var fvu: Float
    public var l0: Float
    public var deadFraction: Float
    public var seconds: Double
    public var tokensPerSecond: Double
    /// Whether the source ran dry before `tokens` were reached.
    public var sourceExhausted: Bool
}

