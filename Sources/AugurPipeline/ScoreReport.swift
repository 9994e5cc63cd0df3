import AugurInterp
import Foundation

/// The method × scorer table of a run: per description method (and explainer) and scorer, the
/// mean score with its percentile bootstrap interval over the descriptions scored, and how many
/// failed or were never scored. Stored as the ``RunStore/Artifact/scoreSummary`` artifact.
public struct ScoreSummaryTable: Codable, Sendable, Equatable {
    /// One cell of the table.
    public struct Row: Codable, Sendable, Equatable {
        /// The description method (`maxact`, `ensemble`, …).
        public var method: String
        /// Who wrote the descriptions (the explainer model, or `records`).
        public var explainer: String
        /// The scorer.
        public var scorer: String
        /// The metric averaged (the scorer's headline, ``AugurInterp/ScorerKind/primaryMetric``).
        public var metric: String
        /// Mean over the scored descriptions; nil when none was scored.
        public var mean: Double?
        /// Lower end of the bootstrap interval.
        public var lower: Double?
        /// Upper end of the bootstrap interval.
        public var upper: Double?
        /// Descriptions with a score.
        public var scored: Int
        /// Descriptions whose scoring failed (causes in the failures table; not averaged in).
        public var failed: Int
        /// Descriptions of this method with neither a score nor a failure from this scorer.
        public var unscored: Int
        /// The mean AUROC of the per-example probabilities, with its interval and count, for
        /// scorers whose headline is another metric but that give probabilities (detection and
        /// fuzzing with logprobs); nil otherwise.
        public var auroc: Secondary?
    }

    /// A second metric's mean and bootstrap interval over the descriptions that have it.
    public struct Secondary: Codable, Sendable, Equatable {
        /// Mean over the descriptions that have the metric.
        public var mean: Double
        /// Lower end of the bootstrap interval.
        public var lower: Double?
        /// Upper end of the bootstrap interval.
        public var upper: Double?
        /// Descriptions with this metric.
        public var scored: Int
    }

    /// The cells, sorted by scorer, then method, then explainer.
    public var rows: [Row]
    /// Confidence level of the intervals (e.g. 0.95).
    public var confidence: Double
    /// Bootstrap resamples per interval.
    public var resamples: Int
    /// Descriptions in the run.
    public var descriptions: Int
    /// Features with at least one description.
    public var features: Int
}

/// How the scorers agree: for each pair of scorers, the Pearson and Spearman correlations of their
/// scores over the descriptions (feature × method × explainer) both scored. Stored as the
/// ``RunStore/Artifact/scorerCorrelations`` artifact.
public struct ScorerCorrelationTable: Codable, Sendable, Equatable {
    /// One pair of scorers.
    public struct Pair: Codable, Sendable, Equatable {
        /// First scorer (alphabetically).
        public var a: String
        /// Second scorer.
        public var b: String
        /// Pearson's r; nil below two shared descriptions or when one side is constant.
        public var pearson: Double?
        /// Spearman's ρ; nil as for Pearson.
        public var spearman: Double?
        /// Descriptions both scorers scored.
        public var n: Int
    }

    /// Every pair of scorers present in the run.
    public var pairs: [Pair]
    /// What one observation is: `description` (a feature's description by one method and explainer).
    public var unit: String
}

/// A run's score summary and scorer correlations, computed from the stored scores.
public struct ScoreReport: Sendable, Equatable {
    /// The method × scorer table.
    public var summary: ScoreSummaryTable
    /// The scorer-vs-scorer correlations.
    public var correlations: ScorerCorrelationTable

    /// Computes both tables from `store`'s descriptions and scores.
    public static func compute(store: RunStore, confidence: Double = 0.95, resamples: Int = 1000,
                               seed: UInt64 = 0) throws(RunStoreError) -> ScoreReport {
        struct Group: Hashable { var method: String, explainer: String }
        var described: [Group: Int] = [:]
        var features = 0, total = 0
        for f in try store.features() {
            let ds = try store.descriptions(featureID: f.id)
            if !ds.isEmpty { features += 1 }
            total += ds.count
            for d in ds { described[Group(method: d.method, explainer: d.explainer), default: 0] += 1 }
        }
        let scores = try store.scores()
        var values: [String: [Group: [Double]]] = [:]       // scorer → group → values
        var failed: [String: [Group: Int]] = [:]
        var touched: [String: [Group: Int]] = [:]           // descriptions with any row
        var byDescription: [String: [String: Double]] = [:]  // scorer → description key → value
        var aurocs: [String: [Group: [Double]]] = [:]        // scorer → group → AUROC, when not the headline
        for s in scores {
            let g = Group(method: s.key.method, explainer: s.key.explainer)
            touched[s.key.scorer, default: [:]][g, default: 0] += 1
            if !s.failed, let v = s.value, v.isFinite {
                if ScorerKind(rawValue: s.key.scorer)?.primaryMetric != MetricKey.auroc,
                   let auroc = Self.secondaryAUROC(s.detailsJSON) {
                    aurocs[s.key.scorer, default: [:]][g, default: []].append(auroc)
                }
                values[s.key.scorer, default: [:]][g, default: []].append(v)
                byDescription[s.key.scorer, default: [:]]["\(s.key.featureID)\u{0}\(s.key.method)\u{0}\(s.key.explainer)"] = v
            } else {
                failed[s.key.scorer, default: [:]][g, default: 0] += 1
            }
        }
        let scorers = touched.keys.sorted()
        var rows: [ScoreSummaryTable.Row] = []
        for scorer in scorers {
            let groups = Set(described.keys).union(touched[scorer].map { Array($0.keys) } ?? [])
            for g in groups.sorted(by: { ($0.method, $0.explainer) < ($1.method, $1.explainer) }) {
                let vs = values[scorer]?[g] ?? []
                let m = Metrics.bootstrapMean(vs, confidence: confidence, resamples: resamples, seed: seed)
                let metric = ScorerKind(rawValue: scorer)?.primaryMetric ?? "value"
                let au = aurocs[scorer]?[g] ?? []
                let a = Metrics.bootstrapMean(au, confidence: confidence, resamples: resamples, seed: seed)
                rows.append(ScoreSummaryTable.Row(
                    method: g.method, explainer: g.explainer, scorer: scorer, metric: metric, mean: m?.mean, lower: m?.lower,
                    upper: m?.upper, scored: vs.count, failed: failed[scorer]?[g] ?? 0,
                    unscored: max(0, (described[g] ?? 0) - (touched[scorer]?[g] ?? 0)),
                    auroc: a.map { ScoreSummaryTable.Secondary(mean: $0.mean, lower: $0.lower, upper: $0.upper, scored: au.count) }))
            }
        }
        var pairs: [ScorerCorrelationTable.Pair] = []
        for (i, a) in scorers.enumerated() {
            for b in scorers[(i + 1)...] {
                let x = byDescription[a] ?? [:], y = byDescription[b] ?? [:]
                let shared = x.keys.filter { y[$0] != nil }.count
                let c = Metrics.scorerCorrelation(x, y)
                pairs.append(ScorerCorrelationTable.Pair(a: a, b: b, pearson: c?.pearson, spearman: c?.spearman, n: shared))
            }
        }
        return ScoreReport(
            summary: ScoreSummaryTable(rows: rows, confidence: confidence, resamples: resamples, descriptions: total, features: features),
            correlations: ScorerCorrelationTable(pairs: pairs, unit: "description"))
    }

    /// The AUROC among a stored outcome's values (`{"values": {"auroc": …}}`), when finite.
    static func secondaryAUROC(_ details: String?) -> Double? {
        struct Values: Decodable { var values: [String: Double]? }
        guard let details, let v = try? JSONDecoder().decode(Values.self, from: Data(details.utf8)).values?[MetricKey.auroc],
              v.isFinite else { return nil }
        return v
    }

    /// Stores both tables as the run's `score_summary` and `scorer_correlations` artifacts.
    public func save(to store: RunStore) throws(RunStoreError) {
        try store.saveArtifact(RunStore.Artifact.scoreSummary, summary)
        try store.saveArtifact(RunStore.Artifact.scorerCorrelations, correlations)
    }
}
