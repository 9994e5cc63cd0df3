import AugurPipeline
import Foundation

/// The feature list (`/`): search, kind filter, sort and pages, all from query parameters
/// (`q`, `kind`, `sort`, `order=asc|desc`, `page`, 1-based).
struct ListPage {
    let store: RunStore
    var pageSize = 100

    /// The query the parameters ask for; a bad value is an error naming the parameter.
    static func query(_ params: [String: String], pageSize: Int) throws -> FeatureListQuery {
        let sortKey = params["sort"] ?? "stored"
        guard let sort = FeatureSort(key: sortKey) else {
            throw ViewerError.badParameter(name: "sort", value: sortKey,
                                           expected: "stored, density, max, score:SCORER or score:SCORER:METHOD")
        }
        let order = params["order"].flatMap { $0.isEmpty ? nil : $0 } ?? (sort == .stored ? "asc" : "desc")
        guard order == "asc" || order == "desc" else { throw ViewerError.badParameter(name: "order", value: order, expected: "asc or desc") }
        let pageText = params["page"] ?? "1"
        guard let page = Int(pageText), page >= 1 else { throw ViewerError.badParameter(name: "page", value: pageText, expected: "a page number ≥ 1") }
        let kind = params["kind"].flatMap { $0.isEmpty ? nil : $0 }
        return FeatureListQuery(search: params["q"], kind: kind, sort: sort, descending: order == "desc", page: page - 1, pageSize: pageSize)
    }

    func html(_ params: [String: String]) throws -> String {
        let q = try Self.query(params, pageSize: pageSize)
        let result = try store.featureList(q)
        let columns = try store.scoreColumns()
        let kinds = try store.featureKinds()
        let scorers = Array(Set(columns.map(\.scorer))).sorted()

        var sorts: [(key: String, label: String)] = [("stored", "stored order"), ("density", "density"), ("max", "max activation")]
        for s in scorers {
            sorts.append(("score:\(s)", "\(s) (best method)"))
            for c in columns where c.scorer == s { sorts.append(("score:\(s):\(c.method)", "\(s) · \(c.method)")) }
        }
        var body = "<h1>Features</h1><form class=\"filters\" method=\"get\" action=\"/\">"
        body += "<input type=\"search\" name=\"q\" placeholder=\"search descriptions\" value=\"\(HTML.escape(q.search ?? ""))\">"
        body += "<select name=\"kind\"><option value=\"\">all kinds</option>"
        for k in kinds { body += "<option value=\"\(HTML.escape(k))\"\(q.kind == k ? " selected" : "")>\(HTML.escape(k))</option>" }
        body += "</select><select name=\"sort\">"
        for s in sorts { body += "<option value=\"\(HTML.escape(s.key))\"\(q.sort.key == s.key ? " selected" : "")>\(HTML.escape(s.label))</option>" }
        body += "</select><select name=\"order\"><option value=\"desc\"\(q.descending ? " selected" : "")>descending</option>"
        body += "<option value=\"asc\"\(q.descending ? "" : " selected")>ascending</option></select>"
        body += "<button type=\"submit\">Show</button></form>"

        let first = q.page * q.pageSize
        let pages = max(1, (result.total + q.pageSize - 1) / q.pageSize)
        body += "<p id=\"count\">\(result.total) features match"
        if result.total > 0 { body += "; showing \(first + 1)–\(first + result.rows.count)" }
        body += " (page \(q.page + 1) of \(pages))</p>"

        var scoreHeader = ""
        if case let .score(scorer, method) = q.sort { scoreHeader = "<th>\(HTML.escape(scorer))\(method.map { " · " + HTML.escape($0) } ?? "")</th>" }
        body += "<table id=\"features\"><tr><th>feature</th><th>kind</th><th>density</th><th>max act.</th>\(scoreHeader)<th>description</th></tr>"
        for r in result.rows {
            body += "<tr class=\"feature\"><td><a href=\"\(HTML.featureLink(r.id))\">\(HTML.escape(r.id))</a></td>"
            body += "<td>\(HTML.escape(r.kind ?? ""))</td><td class=\"num\">\(HTML.number(r.density, digits: 4))</td>"
            body += "<td class=\"num\">\(HTML.number(r.maxActivation, digits: 2))</td>"
            if !scoreHeader.isEmpty { body += "<td class=\"num\">\(HTML.number(r.sortScore))</td>" }
            if let d = r.description {
                let more = r.descriptionCount > 1 ? " <span class=\"muted\">(+\(r.descriptionCount - 1))</span>" : ""
                body += "<td><span class=\"muted\">\(HTML.escape(d.method)):</span> \(HTML.escape(d.text))\(more)</td>"
            } else {
                body += "<td class=\"muted\">no description</td>"
            }
            body += "</tr>"
        }
        body += "</table>"
        body += pager(params, page: q.page + 1, pages: pages)
        return HTML.page(title: "Augur · features", body: body)
    }

    func pager(_ params: [String: String], page: Int, pages: Int) -> String {
        guard pages > 1 else { return "" }
        func link(_ p: Int, _ label: String) -> String {
            var ps = params
            ps["page"] = "\(p)"
            let qs = ps.keys.sorted().map { "\($0)=\(HTML.queryValue(ps[$0] ?? ""))" }.joined(separator: "&amp;")
            return "<a href=\"/?\(qs)\">\(label)</a>"
        }
        var out = "<p class=\"pager\">"
        if page > 1 { out += link(1, "« first") + link(page - 1, "‹ previous") }
        out += "page \(page) of \(pages)"
        if page < pages { out += link(page + 1, "next ›") + link(pages, "last »") }
        return out + "</p>"
    }
}
