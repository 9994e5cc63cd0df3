import AugurInterp
import Foundation
import Testing

private func close(_ a: Double?, _ b: Double, _ tol: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tol
}

@Test func confusionMetricsMatchHandComputedValues() {
    // labels T T T F F, predicted T F T T F: TP 2, FN 1, FP 1, TN 1.
    let labels = [true, true, true, false, false]
    let predicted = [true, false, true, true, false]
    let m = Metrics.classification(zip(labels, predicted).map { BinaryPrediction(label: $0, predicted: $1) })
    #expect(m.truePositives == 2 && m.falseNegatives == 1 && m.falsePositives == 1 && m.trueNegatives == 1)
    #expect(close(m.accuracy, 0.6))
    #expect(close(m.recall, 2.0 / 3))
    #expect(close(m.precision, 2.0 / 3))
    #expect(close(m.balancedAccuracy, (2.0 / 3 + 0.5) / 2))
    #expect(close(m.f1, 2.0 / 3))
    #expect(m.auroc == nil)  // no probabilities
}

@Test func unansweredPredictionsAreLeftOutNotScored() {
    let preds = [BinaryPrediction(label: true, predicted: true), BinaryPrediction(label: false, predicted: nil),
                 BinaryPrediction(label: false, predicted: false), BinaryPrediction(label: true, predicted: nil)]
    let m = Metrics.classification(preds)
    #expect(m.unanswered == 2 && m.answered == 2)
    #expect(close(m.accuracy, 1))
    #expect(close(m.balancedAccuracy, 1))
    // Only failures: no number at all.
    let none = Metrics.classification([BinaryPrediction(label: true, predicted: nil), BinaryPrediction(label: false, predicted: nil)])
    #expect(none.accuracy == nil && none.balancedAccuracy == nil && none.f1 == nil && none.auroc == nil)
}

@Test func degenerateClassesGiveNilNotHalf() {
    // Only positives: specificity undefined → no balanced accuracy; AUROC undefined.
    let onlyPositive = [BinaryPrediction(label: true, predicted: true, probability: 0.9),
                        BinaryPrediction(label: true, predicted: false, probability: 0.2)]
    let m = Metrics.classification(onlyPositive)
    #expect(m.balancedAccuracy == nil)
    #expect(m.auroc == nil)
    #expect(close(m.recall, 0.5))
    // Nothing predicted positive: precision undefined.
    let noPositivePredictions = [BinaryPrediction(label: true, predicted: false), BinaryPrediction(label: false, predicted: false)]
    let n = Metrics.classification(noPositivePredictions)
    #expect(n.precision == nil)
    #expect(close(n.f1, 0))
    #expect(close(n.balancedAccuracy, 0.5))
    #expect(Metrics.auroc(scores: [0.1, 0.2], labels: [false, false]) == nil)
    #expect(Metrics.auroc(scores: [], labels: []) == nil)
    #expect(Metrics.auroc(scores: [0.1], labels: [true, false]) == nil)
}

@Test func aurocCountsPairsAndHalvesTies() {
    // pos {0.9, 0.7}, neg {0.8, 0.6}: 3 of 4 pairs ordered right.
    #expect(close(Metrics.auroc(scores: [0.9, 0.8, 0.7, 0.6], labels: [true, false, true, false]), 0.75))
    // pos {0.5, 0.5}, neg {0.5, 0.2}: pairs 0.5 + 1 + 0.5 + 1 = 3 of 4.
    #expect(close(Metrics.auroc(scores: [0.5, 0.5, 0.5, 0.2], labels: [true, false, true, false]), 0.75))
    #expect(close(Metrics.auroc(scores: [1, 1, 1, 1], labels: [true, false, true, false]), 0.5))
    #expect(close(Metrics.auroc(scores: [0, 1], labels: [true, false]), 0))
    // Through classification: probabilities on every answered prediction.
    let m = Metrics.classification([BinaryPrediction(label: true, predicted: true, probability: 0.9),
                                    BinaryPrediction(label: false, predicted: true, probability: 0.8),
                                    BinaryPrediction(label: true, predicted: true, probability: 0.7),
                                    BinaryPrediction(label: false, predicted: false, probability: 0.6)])
    #expect(close(m.auroc, 0.75))
    // One answered prediction without a probability → no AUROC rather than a biased one.
    let partial = Metrics.classification([BinaryPrediction(label: true, predicted: true, probability: 0.9),
                                          BinaryPrediction(label: false, predicted: false)])
    #expect(partial.auroc == nil)
}

@Test func ranksAverageTies() {
    #expect(Metrics.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
    #expect(Metrics.ranks([]) == [])
}

@Test func pearsonAndSpearmanMatchHandComputedValues() {
    // sxy 11, sxx 5, syy 26.
    #expect(close(Metrics.pearson([1, 2, 3, 4], [2, 4, 5, 9]), 11 / (130.0).squareRoot()))
    // Ranks x [1, 2.5, 2.5, 4], y [1, 3, 2, 4]: 4.5 / sqrt(4.5 · 5).
    #expect(close(Metrics.spearman([1, 2, 2, 3], [1, 3, 2, 4]), 4.5 / (22.5).squareRoot()))
    #expect(close(Metrics.spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1))
    #expect(Metrics.pearson([1, 1, 1], [1, 2, 3]) == nil)
    #expect(Metrics.pearson([1], [1]) == nil)
    #expect(Metrics.pearson([1, 2], [1, 2, 3]) == nil)
}

@Test func accuracyByQuantileUsesOnlyQuantiledAnswers() {
    let preds = [BinaryPrediction(label: true, predicted: true, quantile: 1),
                 BinaryPrediction(label: true, predicted: false, quantile: 1),
                 BinaryPrediction(label: true, predicted: true, quantile: 3),
                 BinaryPrediction(label: true, predicted: nil, quantile: 2),
                 BinaryPrediction(label: false, predicted: false)]
    #expect(Metrics.accuracyByQuantile(preds) == [1: 0.5, 3: 1.0])
}

@Test func bootstrapIsSeededAndBracketsTheMean() throws {
    let values = [1.0, 2, 3, 4, 5]
    let a = try #require(Metrics.bootstrapMean(values, resamples: 2000, seed: 7))
    let b = try #require(Metrics.bootstrapMean(values, resamples: 2000, seed: 7))
    #expect(a == b)
    #expect(close(a.mean, 3))
    // Standard error sqrt(2/5) ≈ 0.63: the 95% interval is about 3 ± 1.2.
    #expect(a.lower > 1.4 && a.lower < 2.6)
    #expect(a.upper > 3.4 && a.upper < 4.6)
    let constant = try #require(Metrics.bootstrapMean([2, 2, 2]))
    #expect(constant.lower == 2 && constant.upper == 2)
    #expect(Metrics.bootstrapMean([]) == nil)
    #expect(Metrics.bootstrapMean([1, .nan]) == nil)
    #expect(close(Metrics.percentile([1, 2, 3, 4], 0.5), 2.5))
}

@Test func scorerCorrelationUsesSharedFeatures() throws {
    let a = ["f1": 1.0, "f2": 2, "f3": 3]
    let b = ["f1": 2.0, "f2": 4, "f3": 7, "f4": 0]
    let r = try #require(Metrics.scorerCorrelation(a, b))
    #expect(r.features == 3)
    // dx −1 0 1, dy −7/3 −1/3 8/3: sxy 5, sxx 2, syy 38/3.
    #expect(close(r.pearson, 5 / (2 * 38.0 / 3).squareRoot()))
    #expect(close(r.spearman, 1))
    #expect(Metrics.scorerCorrelation(["f1": 1], ["f1": 2]) == nil)
}

@Test func summariesCountUnscoredFeaturesApart() throws {
    func outcome(_ scorer: String, _ method: String, _ value: Double?, failures: Int = 0) -> ScoreOutcome {
        ScoreOutcome(scorer: scorer, featureID: "f", description: FeatureDescription(method: method, text: "d"), model: "m",
                     values: value.map { [MetricKey.balancedAccuracy: $0] } ?? [:], primaryMetric: MetricKey.balancedAccuracy,
                     failures: (0..<failures).map { _ in ScoringFailure(examples: [], cause: "x") })
    }
    let summaries = ScorerSummary.summarize([
        outcome("detection", "maxact", 0.8), outcome("detection", "maxact", 0.6), outcome("detection", "maxact", nil, failures: 4),
        outcome("fuzzing", "maxact", 0.7, failures: 1),
    ])
    #expect(summaries.map(\.scorer) == ["detection", "fuzzing"])
    let d = summaries[0]
    #expect(d.outcomes == 3 && d.scored == 2 && d.unscored == 1 && d.failures == 4)
    #expect(close(d.mean?.mean, 0.7))  // the unscored feature is not a 0 or a 0.5
    #expect(summaries[1].mean?.mean == 0.7 && summaries[1].failures == 1)
}
