import AugurInterp
import AugurPipeline
import Foundation

/// The summary of a run's scores, computed from its scores table: the method × scorer table with
/// bootstrap intervals, distributions, scorer-vs-scorer pairs and the kinds compared.
struct ScoreSummaryData {
    struct Cell {
        var values: [Double]
        var failed: Int
        var mean: Metrics.MeanInterval?
    }

    let samples: [ScoreSample]
    let methods: [String]
    let scorers: [String]
    let kinds: [String]
    /// (method, scorer) → cell.
    let cells: [String: Cell]
    /// (kind, scorer) → cell.
    let kindCells: [String: Cell]

    init(samples: [ScoreSample]) {
        self.samples = samples
        methods = Array(Set(samples.map(\.method))).sorted()
        scorers = Array(Set(samples.map(\.scorer))).sorted()
        kinds = Array(Set(samples.compactMap(\.kind))).sorted()
        func cells(_ key: (ScoreSample) -> String?) -> [String: Cell] {
            var grouped: [String: (values: [Double], failed: Int)] = [:]
            for s in samples {
                guard let k = key(s) else { continue }
                if let v = s.value, v.isFinite { grouped[k, default: ([], 0)].values.append(v) } else { grouped[k, default: ([], 0)].failed += 1 }
            }
            // 1000 resamples up to 2000 values, fewer beyond (the interval's width barely changes).
            return grouped.mapValues {
                Cell(values: $0.values, failed: $0.failed,
                     mean: Metrics.bootstrapMean($0.values, resamples: $0.values.count > 2000 ? 200 : 1000))
            }
        }
        self.cells = cells { "\($0.method)\u{0}\($0.scorer)" }
        kindCells = cells { s in s.kind.map { "\($0)\u{0}\(s.scorer)" } }
    }

    func cell(method: String, scorer: String) -> Cell? { cells["\(method)\u{0}\(scorer)"] }
    func cell(kind: String, scorer: String) -> Cell? { kindCells["\(kind)\u{0}\(scorer)"] }

    /// The range plots of `scorer` use: [0, 1] widened to the data.
    func range(scorer: String) -> (Double, Double) {
        let vs = samples.filter { $0.scorer == scorer }.compactMap(\.value).filter(\.isFinite)
        return (min(0, vs.min() ?? 0), max(1, vs.max() ?? 1))
    }

    /// Pairs of scorers with the points of the descriptions both scored.
    func scorerPairs(limit: Int = 6) -> [(a: String, b: String, points: [(x: Double, y: Double)])] {
        var byKey: [String: [String: Double]] = [:]
        for s in samples {
            guard let v = s.value, v.isFinite else { continue }
            byKey["\(s.featureID)\u{0}\(s.method)\u{0}\(s.explainer)", default: [:]][s.scorer] = v
        }
        var out: [(a: String, b: String, points: [(x: Double, y: Double)])] = []
        for (i, a) in scorers.enumerated() {
            for b in scorers[(i + 1)...] {
                let pts = byKey.keys.sorted().compactMap { k -> (x: Double, y: Double)? in
                    guard let x = byKey[k]?[a], let y = byKey[k]?[b] else { return nil }
                    return (x, y)
                }
                if !pts.isEmpty { out.append((a, b, pts)) }
                if out.count == limit { return out }
            }
        }
        return out
    }
}

/// The summary page's sections, shared with the report.
struct SummarySections {
    let store: RunStore

    func html() throws -> String {
        let data = ScoreSummaryData(samples: try store.scoreSamples())
        var out = try overview()
        out += "<h2>Scores by method and scorer</h2>" + table(data)
        out += "<h2>Score distributions</h2><div class=\"grid\">"
        for scorer in data.scorers {
            let (lo, hi) = data.range(scorer: scorer)
            let groups = data.methods.compactMap { m in data.cell(method: m, scorer: scorer).map { (label: m, values: $0.values) } }
            out += SVGPlot.strip(groups: groups, lower: lo, upper: hi, title: "\(scorer) by method", xLabel: scorer)
        }
        if data.scorers.isEmpty { out += "<p class=\"muted\">No scores yet.</p>" }
        out += "</div>"
        let pairs = data.scorerPairs()
        if !pairs.isEmpty {
            out += "<h2>Scorer against scorer</h2><div class=\"grid\">"
            for p in pairs {
                let r = Metrics.pearson(p.points.map(\.x), p.points.map(\.y))
                out += SVGPlot.scatter(points: p.points, xLabel: p.a, yLabel: p.b,
                                       title: "\(p.a) vs \(p.b) (r = \(HTML.number(r, digits: 2)), n = \(p.points.count))")
            }
            out += "</div>"
        }
        if data.kinds.count > 1 || data.kinds.contains("neurons") {
            out += "<h2>SAE latents vs neurons</h2>" + kindTable(data) + "<div class=\"grid\">"
            for scorer in data.scorers {
                let (lo, hi) = data.range(scorer: scorer)
                let groups = data.kinds.compactMap { k in data.cell(kind: k, scorer: scorer).map { (label: k, values: $0.values) } }
                out += SVGPlot.strip(groups: groups, lower: lo, upper: hi, title: "\(scorer) by feature kind", xLabel: scorer)
            }
            out += "</div>"
        }
        out += try artifacts()
        return out
    }

    func overview() throws -> String {
        let count = try store.featureCount()
        let kinds = try store.featureKinds()
        var out = "<h1>Run summary</h1><p>\(count) features"
        if !kinds.isEmpty { out += " (" + HTML.escape(kinds.joined(separator: ", ")) + ")" }
        out += " · store <code>\(HTML.escape(store.path))</code></p>"
        if let info = try store.runInfo() {
            out += "<details><summary>Configuration (Augur \(HTML.escape(info.augurVersion)), created \(HTML.escape(info.created.formatted())))</summary>"
                + "<pre class=\"ex\">\(HTML.escape(prettyJSON(info.configJSON)))</pre></details>"
        }
        return out
    }

    func table(_ data: ScoreSummaryData) -> String {
        guard !data.scorers.isEmpty else { return "<p class=\"muted\">No scores yet.</p>" }
        var out = "<table class=\"summary\"><tr><th>method</th>" + data.scorers.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
        for m in data.methods {
            out += "<tr><th>\(HTML.escape(m))</th>"
            for s in data.scorers { out += "<td class=\"num\">\(SummaryCellText(data.cell(method: m, scorer: s)).text)</td>" }
            out += "</tr>"
        }
        return out + "</table><p class=\"muted\">mean [95% bootstrap interval] over the descriptions scored; n scored, failures counted apart and never averaged.</p>"
    }

    func kindTable(_ data: ScoreSummaryData) -> String {
        var out = "<table class=\"kinds\"><tr><th>kind</th>" + data.scorers.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
        for k in data.kinds {
            out += "<tr><th>\(HTML.escape(k))</th>"
            for s in data.scorers { out += "<td class=\"num\">\(SummaryCellText(data.cell(kind: k, scorer: s)).text)</td>" }
            out += "</tr>"
        }
        return out + "</table>"
    }

    func artifacts() throws -> String {
        var out = ""
        if let json = try store.artifactJSON(RunStore.Artifact.saeMetrics) {
            out += "<h2>SAE metrics</h2>" + keyValueTable(flatten(json))
        }
        if let json = try store.artifactJSON(RunStore.Artifact.stageTimings) {
            let items = flatten(json).compactMap { k, v -> (label: String, value: Double)? in Double(v).map { (k, $0) } }
            out += "<h2>Stage timings</h2>" + SVGPlot.bars(items, title: "wall time per stage", unit: "s")
        }
        return out
    }

    func keyValueTable(_ rows: [(String, String)]) -> String {
        "<table class=\"kv\">" + rows.map { "<tr><th>\(HTML.escape($0.0))</th><td class=\"num\">\(HTML.escape($0.1))</td></tr>" }.joined() + "</table>"
    }

    /// A JSON value's leaves as (dotted path, text) pairs, in key order.
    func flatten(_ json: String) -> [(String, String)] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else { return [("value", json)] }
        var out: [(String, String)] = []
        func walk(_ v: Any, _ path: String) {
            if let d = v as? [String: Any] {
                for k in d.keys.sorted() { walk(d[k] as Any, path.isEmpty ? k : "\(path).\(k)") }
            } else if let a = v as? [Any] {
                if let named = a as? [[String: Any]], named.allSatisfy({ $0["stage"] is String || $0["name"] is String }) {
                    for item in named {
                        let name = (item["stage"] as? String) ?? (item["name"] as? String) ?? "?"
                        let secs = item["seconds"] ?? item["value"] ?? item["wall_seconds"]
                        if let secs { walk(secs, path.isEmpty ? name : "\(path).\(name)") }
                    }
                } else {
                    for (i, x) in a.enumerated() { walk(x, "\(path)[\(i)]") }
                }
            } else if let n = v as? NSNumber {
                out.append((path, n.stringValue))
            } else {
                out.append((path, "\(v)"))
            }
        }
        walk(value, "")
        return out
    }

    func prettyJSON(_ s: String) -> String {
        guard let v = try? JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed]),
              let d = try? JSONSerialization.data(withJSONObject: v, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return s }
        return String(decoding: d, as: UTF8.self)
    }
}

/// A summary table cell: `mean [lo, hi] n=N`, with failures.
struct SummaryCellText {
    let text: String

    init(_ cell: ScoreSummaryData.Cell?) {
        guard let cell else { text = "–"; return }
        var t = ""
        if let m = cell.mean {
            t = "\(HTML.number(m.mean)) <span class=\"muted\">[\(HTML.number(m.lower)), \(HTML.number(m.upper))]</span> n=\(m.count)"
        } else {
            t = "– n=0"
        }
        if cell.failed > 0 { t += " <span class=\"failed\">\(cell.failed) failed</span>" }
        text = t
    }
}
