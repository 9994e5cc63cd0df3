import AugurPipeline
import Foundation

/// Writes a run's report: one self-contained HTML file (inline CSS and SVG, no scripts, no
/// external requests) with the summary's plots and table and the top features with their
/// examples, output-side tokens, descriptions and scores.
public enum ReportWriter {
    /// The scorer ranking the top features by default: the first of these the run has, else its
    /// first scorer alphabetically.
    static let preferredScorers = ["detection", "fuzzing", "embedding", "simulation"]

    /// The report as HTML text.
    ///
    /// - Parameters:
    ///   - top: how many features to show in full.
    ///   - scorer: the scorer ranking them (best score over methods); nil picks one (see above).
    ///     Without scores, the first `top` features with a description are shown.
    public static func html(store: RunStore, top: Int = 20, scorer: String? = nil) throws -> String {
        let scorers = Array(Set(try store.scoreColumns().map(\.scorer))).sorted()
        let ranking = scorer ?? preferredScorers.first(where: { scorers.contains($0) }) ?? scorers.first
        var ids: [String] = []
        if let ranking { ids = try store.topFeatureIDs(scorer: ranking, limit: top) }
        if ids.count < top {
            let more = try store.featureList(FeatureListQuery(sort: .stored, descending: false, pageSize: max(top * 4, 100))).rows
                .filter { $0.descriptionCount > 0 && !ids.contains($0.id) }.prefix(top - ids.count).map(\.id)
            ids += more
        }
        var body = try SummarySections(store: store).html()
        let title = ranking.map { "Top \(ids.count) features by \($0)" } ?? "\(ids.count) features"
        body += "<h2 id=\"top\">\(HTML.escape(title))</h2>"
        let page = FeaturePage(store: store)
        var index = "<table class=\"top\"><tr><th>#</th><th>feature</th><th>description</th></tr>"
        var sections = ""
        for (i, id) in ids.enumerated() {
            guard let html = try page.sections(id, examplesPerGroup: 3)?.html else { continue }
            let first = try store.descriptions(featureID: id).first
            index += "<tr><td class=\"num\">\(i + 1)</td><td><a href=\"#f\(i + 1)\">\(HTML.escape(id))</a></td>"
                + "<td>\(HTML.escape(first?.text ?? ""))</td></tr>"
            sections += "<section class=\"feature\" id=\"f\(i + 1)\">\(html)</section><hr>"
        }
        body += index + "</table>" + sections
        body += "<p class=\"muted\">Written by Augur on \(HTML.escape(Date().formatted())) from \(HTML.escape(store.path)).</p>"
        return HTML.page(title: "Augur report", body: body, nav: false)
    }

    /// Writes ``html(store:top:scorer:)`` to `url` (atomically).
    public static func write(store: RunStore, to url: URL, top: Int = 20, scorer: String? = nil) throws {
        let text = try html(store: store, top: top, scorer: scorer)
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
