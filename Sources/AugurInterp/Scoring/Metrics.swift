import AugurTensor
import Foundation

/// One binary decision of a scorer: the true label, the prediction (nil when the call or the
/// parse failed) and, when the scorer could read one, the probability it gave to `true`.
public struct BinaryPrediction: Sendable, Equatable, Codable {
    /// What a correct answer says.
    public var label: Bool
    /// What the scorer said; nil when it said nothing usable (a failure, excluded from metrics).
    public var predicted: Bool?
    /// The probability the scorer gave to `true`, when known (from logprobs).
    public var probability: Double?
    /// The example's activation quantile (1 weakest … Q strongest), for activating examples.
    public var quantile: Int?

    public init(label: Bool, predicted: Bool?, probability: Double? = nil, quantile: Int? = nil) {
        self.label = label
        self.predicted = predicted
        self.probability = probability
        self.quantile = quantile
    }
}

/// Confusion-matrix metrics of binary predictions. A metric whose denominator is zero (e.g.
/// recall with no positive examples) is nil, never a made-up 0 or 0.5.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// Label true, predicted true.
    public var truePositives: Int
    /// Label false, predicted true.
    public var falsePositives: Int
    /// Label false, predicted false.
    public var trueNegatives: Int
    /// Label true, predicted false.
    public var falseNegatives: Int
    /// Predictions that were nil (failures), not counted above.
    public var unanswered: Int
    /// (TP + TN) / answered.
    public var accuracy: Double?
    /// (recall + specificity) / 2; nil unless both classes are present.
    public var balancedAccuracy: Double?
    /// TP / (TP + FP); nil when nothing was predicted positive.
    public var precision: Double?
    /// TP / (TP + FN); nil when there are no positives.
    public var recall: Double?
    /// 2TP / (2TP + FP + FN); nil when there are no positives and none predicted.
    public var f1: Double?
    /// Rank AUROC of the probabilities; nil when any answered prediction lacks a probability or
    /// only one class is present.
    public var auroc: Double?

    /// Answered predictions.
    public var answered: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
}

/// Metrics used by the scorers: classification metrics, AUROC, correlations, bootstrap intervals.
public enum Metrics {
    /// Confusion-matrix metrics of `predictions`; nil predictions are counted as unanswered and
    /// left out of every metric.
    public static func classification(_ predictions: [BinaryPrediction]) -> ClassificationMetrics {
        var tp = 0, fp = 0, tn = 0, fn = 0, none = 0
        var scores: [Double] = [], labels: [Bool] = []
        var allHaveProbability = true
        for p in predictions {
            guard let predicted = p.predicted else { none += 1; continue }
            switch (p.label, predicted) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (false, false): tn += 1
            case (true, false): fn += 1
            }
            if let prob = p.probability { scores.append(prob); labels.append(p.label) } else { allHaveProbability = false }
        }
        let answered = tp + fp + tn + fn
        func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
        let recall = ratio(tp, tp + fn)
        let specificity = ratio(tn, tn + fp)
        var m = ClassificationMetrics(truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn,
                                      unanswered: none)
        m.accuracy = ratio(tp + tn, answered)
        if let r = recall, let s = specificity { m.balancedAccuracy = (r + s) / 2 }
        m.precision = ratio(tp, tp + fp)
        m.recall = recall
        m.f1 = ratio(2 * tp, 2 * tp + fp + fn)
        m.auroc = allHaveProbability && !scores.isEmpty ? auroc(scores: scores, labels: labels) : nil
        return m
    }

    /// Accuracy of the answered predictions of each quantile (examples without a quantile, such as
    /// non-activating ones, are left out). Quantiles with no answered prediction are absent.
    public static func accuracyByQuantile(_ predictions: [BinaryPrediction]) -> [Int: Double] {
        var right: [Int: Int] = [:], total: [Int: Int] = [:]
        for p in predictions {
            guard let q = p.quantile, let predicted = p.predicted else { continue }
            total[q, default: 0] += 1
            if predicted == p.label { right[q, default: 0] += 1 }
        }
        return total.reduce(into: [:]) { out, kv in out[kv.key] = Double(right[kv.key] ?? 0) / Double(kv.value) }
    }

    /// The area under the ROC curve: the probability that a random positive scores higher than a
    /// random negative, ties counting one half (Mann–Whitney U with average ranks).
    /// Nil when `scores` and `labels` differ in length, or either class is absent.
    public static func auroc(scores: [Double], labels: [Bool]) -> Double? {
        guard scores.count == labels.count, !scores.contains(where: { $0.isNaN }) else { return nil }
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let r = ranks(scores)
        var rankSum = 0.0
        for i in labels.indices where labels[i] { rankSum += r[i] }
        let u = rankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// 1-based ranks of `values`, tied values getting the average of their ranks.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var out = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { out[order[k]] = average }
            i = j + 1
        }
        return out
    }

    /// Pearson's correlation; nil for fewer than two pairs, different lengths, or a constant side.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Spearman's rank correlation (Pearson of average ranks); nil as for ``pearson(_:_:)``.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// A mean with a percentile bootstrap confidence interval.
    public struct MeanInterval: Sendable, Equatable, Codable {
        /// The mean of the values.
        public var mean: Double
        /// Lower end of the percentile interval.
        public var lower: Double
        /// Upper end of the percentile interval.
        public var upper: Double
        /// Values the mean is over.
        public var count: Int
        /// Confidence level, e.g. 0.95.
        public var confidence: Double
    }

    /// The mean of `values` (e.g. one score per feature) with a seeded percentile bootstrap
    /// interval from `resamples` resamples with replacement. Nil for no values; NaNs are rejected
    /// (nil), since a missing score must be left out by the caller, not averaged.
    public static func bootstrapMean(_ values: [Double], confidence: Double = 0.95, resamples: Int = 1000,
                                     seed: UInt64 = 0) -> MeanInterval? {
        guard !values.isEmpty, !values.contains(where: { $0.isNaN }), resamples > 0,
              confidence > 0, confidence < 1 else { return nil }
        let n = values.count
        let mean = values.reduce(0, +) / Double(n)
        var rng = SplitMix64(seed: seed)
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var s = 0.0
            for _ in 0..<n { s += values[Int(rng.next() % UInt64(n))] }
            means.append(s / Double(n))
        }
        means.sort()
        let alpha = (1 - confidence) / 2
        return MeanInterval(mean: mean, lower: percentile(means, alpha), upper: percentile(means, 1 - alpha),
                            count: n, confidence: confidence)
    }

    /// The `p` quantile (0…1) of sorted `values`, interpolating linearly between order statistics.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        guard sorted.count > 1 else { return first }
        let h = p * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// How two scorers agree across features: the Pearson and Spearman correlations of their
    /// scores over the features both scored (keys are feature ids). Nil below two shared features.
    public static func scorerCorrelation(_ a: [String: Double], _ b: [String: Double])
        -> (pearson: Double?, spearman: Double?, features: Int)? {
        let shared = a.keys.filter { b[$0] != nil }.sorted()
        guard shared.count >= 2 else { return nil }
        let x = shared.compactMap { a[$0] }, y = shared.compactMap { b[$0] }
        return (pearson(x, y), spearman(x, y), shared.count)
    }
}
