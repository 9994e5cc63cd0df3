import Foundation

extension ScoreReport {
    /// Both tables as Markdown: the method × scorer table (mean [95% CI], n scored, failed,
    /// unscored) and the scorer correlations (Pearson, Spearman, n).
    public func markdown(title: String = "Scores") -> String {
        let multipleExplainers = Set(summary.rows.map(\.explainer)).count > 1
        var out = "# \(title)\n\n"
        out += "\(summary.descriptions) descriptions of \(summary.features) features. "
        out += "Mean score per method and scorer with its \(Int((summary.confidence * 100).rounded()))% percentile bootstrap interval "
        out += "(\(summary.resamples) resamples) over the descriptions scored; failed and unscored descriptions are counted, never averaged in.\n\n"
        let withAUROC = summary.rows.contains { $0.auroc != nil }
        if withAUROC {
            out += "Where a scorer's headline is not AUROC but it gives per-example probabilities (detection, fuzzing), the mean AUROC is shown too.\n\n"
        }
        let ci = "\(Int((summary.confidence * 100).rounded()))% CI"
        out += "| scorer | metric | method | mean [\(ci)] | scored | failed | unscored |" + (withAUROC ? " AUROC [\(ci)] |\n" : "\n")
        out += "|---|---|---|---|---:|---:|---:|" + (withAUROC ? "---|\n" : "\n")
        for r in summary.rows {
            let method = multipleExplainers ? "\(r.method) (\(r.explainer))" : r.method
            out += "| \(r.scorer) | \(r.metric) | \(method) | \(Self.interval(r.mean, r.lower, r.upper)) | \(r.scored) | \(r.failed) | \(r.unscored) |"
            out += withAUROC ? " \(Self.interval(r.auroc?.mean, r.auroc?.lower, r.auroc?.upper)) |\n" : "\n"
        }
        out += "\n## Scorer correlations\n\n"
        if correlations.pairs.isEmpty {
            out += "Only one scorer in the run.\n"
        } else {
            out += "Over the descriptions both scorers scored (one observation per feature × method).\n\n"
            out += "| scorer A | scorer B | Pearson | Spearman | n |\n|---|---|---:|---:|---:|\n"
            for p in correlations.pairs {
                out += "| \(p.a) | \(p.b) | \(Self.number(p.pearson)) | \(Self.number(p.spearman)) | \(p.n) |\n"
            }
        }
        return out
    }

    /// Writes ``markdown(title:)`` to `directory/summary.md` and returns the file.
    @discardableResult
    public func writeMarkdown(to directory: URL, title: String = "Scores") throws -> URL {
        let file = directory.appendingPathComponent("summary.md")
        try Data(markdown(title: title).utf8).write(to: file, options: .atomic)
        return file
    }

    static func interval(_ mean: Double?, _ lower: Double?, _ upper: Double?) -> String {
        guard let mean else { return "—" }
        guard let lo = lower, let hi = upper else { return String(format: "%.3f", mean) }
        return String(format: "%.3f [%.3f, %.3f]", mean, lo, hi)
    }

    static func number(_ x: Double?) -> String {
        x.map { String(format: "%.3f", $0) } ?? "—"
    }
}
