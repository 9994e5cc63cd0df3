import Foundation

/// One scorer's results over many features: the mean of a metric with a bootstrap interval over
/// the features that have it, and how many features have no value (counted, never averaged in).
public struct ScorerSummary: Sendable, Equatable, Codable {
    /// The scorer's name.
    public var scorer: String
    /// The description method summarised (nil: all methods together).
    public var method: String?
    /// The metric summarised (the outcomes' headline unless another was asked for).
    public var metric: String
    /// Outcomes summarised.
    public var outcomes: Int
    /// Outcomes with a value of `metric`.
    public var scored: Int
    /// Outcomes without one (every prompt failed, no non-activating examples, …).
    public var unscored: Int
    /// Failures recorded over all outcomes.
    public var failures: Int
    /// Mean of `metric` over the scored outcomes, with its percentile bootstrap interval.
    public var mean: Metrics.MeanInterval?

    /// Summaries of `outcomes` grouped by scorer and description method, sorted by both.
    /// `metric` overrides each outcome's headline metric.
    public static func summarize(_ outcomes: [ScoreOutcome], metric: String? = nil, confidence: Double = 0.95,
                                 resamples: Int = 1000, seed: UInt64 = 0) -> [ScorerSummary] {
        let groups = Dictionary(grouping: outcomes) { "\($0.scorer)\u{0}\($0.featureDescription.method)" }
        return groups.keys.sorted().compactMap { key -> ScorerSummary? in
            guard let group = groups[key], let first = group.first else { return nil }
            let name = metric ?? first.primaryMetric
            let values = group.compactMap { $0.values[name] }.filter { !$0.isNaN }
            return ScorerSummary(scorer: first.scorer, method: first.featureDescription.method, metric: name,
                                 outcomes: group.count, scored: values.count, unscored: group.count - values.count,
                                 failures: group.reduce(0) { $0 + $1.failures.count },
                                 mean: Metrics.bootstrapMean(values, confidence: confidence, resamples: resamples, seed: seed))
        }
    }
}
