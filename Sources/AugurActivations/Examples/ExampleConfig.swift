import Foundation

/// How the explainer's (training) examples are drawn from a latent's activating windows.
public enum TrainSampling: String, Codable, Sendable, Equatable, CaseIterable {
    /// The windows with the highest activation.
    case top
    /// Stratified by activation quantile (rank-based), an equal share from each quantile — delphi's
    /// default for training, which shows the explainer weak activations as well as strong ones.
    case quantiles
    /// ``ExampleConfig/topFraction`` of the examples from the top, the rest by quantile.
    case mixed
}

/// Where non-activating (negative) examples come from.
public enum NonActivatingSource: Codable, Sendable, Equatable {
    /// Random windows where the latent never fires.
    case random
    /// Windows where any of the given neighbour latents fires and this latent does not ("hard"
    /// negatives); random windows fill up when there are too few. The same list is used for every
    /// latent sampled, so this suits single-latent sampling.
    case hard(neighbours: [Int])
    /// Hard negatives from each latent's `count` nearest latents by decoder cosine similarity
    /// (needs a ``DecoderNeighbours`` given to the sampler); random windows fill up.
    case nearest(count: Int)
}

/// How examples are cut and drawn from a latent cache. Defaults follow EleutherAI's delphi
/// (DESIGN.md §1 "Examples").
///
/// Windows: every cached context is cut into non-overlapping windows of ``windowLength`` tokens
/// (positions `[k·L, (k+1)·L)`); a trailing piece shorter than a window is not used. A window's
/// activation is the latent's largest activation in it; a window is *activating* when that is
/// positive. Non-activating windows are windows where the latent has no positive activation.
public struct ExampleConfig: Codable, Sendable, Equatable {
    /// Tokens per window (delphi's `example_ctx_len`, 32).
    public var windowLength: Int = 32
    /// Examples shown to the explainer (delphi's `n_examples_train`, 40).
    public var trainCount: Int = 40
    /// How the training examples are drawn; default ``TrainSampling/quantiles`` as in delphi.
    public var trainSampling: TrainSampling = .quantiles
    /// For ``TrainSampling/mixed``: the fraction of training examples taken from the top (delphi's `ratio_top`, 0.2).
    public var topFraction: Double = 0.2
    /// Activating examples held out for scoring (delphi's `n_examples_test`, 50), drawn by quantile.
    public var testCount: Int = 50
    /// Number of rank-based activation quantiles (delphi's `n_quantiles`, 10): activating windows
    /// sorted by activation are cut into this many equal-count bins, numbered 1 (weakest) … Q (strongest).
    public var quantiles: Int = 10
    /// Non-activating examples for scoring (delphi's `n_non_activating`, 50).
    public var nonActivatingCount: Int = 50
    /// Where non-activating examples come from.
    public var nonActivating: NonActivatingSource = .random
    /// Latents with fewer activating windows are skipped (reported with the reason).
    public var minActivatingWindows: Int = 20
    /// Seed of every random draw; each latent gets its own stream derived from it and the latent
    /// index, so a latent's examples do not depend on which other latents are sampled with it.
    public var seed: UInt64 = 0

    /// The defaults above, with any of them changed.
    public init(windowLength: Int = 32, trainCount: Int = 40, trainSampling: TrainSampling = .quantiles,
                topFraction: Double = 0.2, testCount: Int = 50, quantiles: Int = 10, nonActivatingCount: Int = 50,
                nonActivating: NonActivatingSource = .random, minActivatingWindows: Int = 20, seed: UInt64 = 0) {
        self.windowLength = windowLength
        self.trainCount = trainCount
        self.trainSampling = trainSampling
        self.topFraction = topFraction
        self.testCount = testCount
        self.quantiles = quantiles
        self.nonActivatingCount = nonActivatingCount
        self.nonActivating = nonActivating
        self.minActivatingWindows = minActivatingWindows
        self.seed = seed
    }

    /// Checks the values against a cache with contexts of `contextLength` tokens.
    func validate(contextLength: Int) throws(ActivationsError) {
        guard windowLength >= 1, windowLength <= contextLength else {
            throw .badArgument("windowLength \(windowLength) must be in 1...\(contextLength) (the cache's context length)")
        }
        guard trainCount >= 0, testCount >= 0, nonActivatingCount >= 0 else {
            throw .badArgument("example counts must not be negative (train \(trainCount), test \(testCount), non-activating \(nonActivatingCount))")
        }
        guard quantiles >= 1 else { throw .badArgument("quantiles must be at least 1, got \(quantiles)") }
        guard topFraction >= 0, topFraction <= 1 else { throw .badArgument("topFraction must be in 0...1, got \(topFraction)") }
        guard minActivatingWindows >= 1 else {
            throw .badArgument("minActivatingWindows must be at least 1, got \(minActivatingWindows)")
        }
        if case .nearest(let n) = nonActivating, n < 1 {
            throw .badArgument("nearest-neighbour count must be at least 1, got \(n)")
        }
    }
}

/// The outcome of sampling one latent: its examples, or why it was skipped.
public enum SampledFeature: Sendable, Equatable {
    /// The latent's examples.
    case examples(latent: Int, FeatureExamples)
    /// Too few activating windows (or none): the latent is not explained.
    case skipped(latent: Int, reason: String, activatingWindows: Int)

    /// The latent index.
    public var latent: Int {
        switch self {
        case .examples(let l, _), .skipped(let l, _, _): l
        }
    }

    /// The examples, when the latent was not skipped.
    public var examples: FeatureExamples? {
        if case .examples(_, let e) = self { return e }
        return nil
    }
}
