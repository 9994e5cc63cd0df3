import AugurActivations
import AugurInterp
import Foundation

/// HTML building blocks shared by the viewer's pages and the report.
public enum HTML {
    /// `s` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe as element text and inside
    /// quoted attribute values. Every model-written string goes through this.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A feature id as one URL path segment (`/` and everything outside unreserved characters percent-encoded).
    public static func pathSegment(_ id: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id
    }

    /// A query-string value, percent-encoded.
    public static func queryValue(_ s: String) -> String { pathSegment(s) }

    /// The link to a feature's page.
    public static func featureLink(_ id: String, prefix: String = "/features/") -> String { prefix + pathSegment(id) }

    /// A whole page: title, inline style, optional navigation, body.
    static func page(title: String, body: String, nav: Bool = true, script: String = "") -> String {
        let links = nav ? "<nav><a href=\"/\">Features</a> · <a href=\"/summary\">Summary</a></nav>" : ""
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title><style>\(style)</style></head>
            <body>\(links)<main>\(body)</main>\(script.isEmpty ? "" : "<script>\(script)</script>")</body></html>
            """
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
        nav{background:#243447;padding:8px 16px}nav a{color:#fff;text-decoration:none;font-weight:600}
        main{padding:12px 20px;max-width:1240px}
        h1{font-size:1.35em;margin:.4em 0}h2{font-size:1.1em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
        h3{font-size:1em;margin:.8em 0 .3em}
        table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:3px 7px;font-size:13px;vertical-align:top}
        th{background:#eef2f6;text-align:left}th a{color:#222}
        td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .muted{color:#777}.failed{color:#b03030;font-weight:600}
        .ex{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;background:#fff;border:1px solid #e4e4e4;
            padding:3px 5px;margin:2px 0;white-space:pre-wrap;word-break:break-word;line-height:1.55}
        .tok{border-radius:2px}
        .toks span{display:inline-block;font-family:ui-monospace,monospace;font-size:12px;background:#eef2f6;margin:1px;padding:0 4px;border-radius:3px;white-space:pre}
        .grid{display:flex;flex-wrap:wrap;gap:14px}.card{background:#fff;border:1px solid #ddd;padding:8px 10px}
        .desc{background:#fff;border:1px solid #ddd;padding:6px 10px;margin:6px 0}
        .desc .text{font-size:15px;margin:3px 0 5px}
        form.filters input,form.filters select{margin-right:8px}
        .steer textarea{width:100%;max-width:640px;height:3em}
        .steer .out{display:flex;gap:12px;flex-wrap:wrap}.steer .out div{flex:1;min-width:280px}
        .steer pre{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:6px;min-height:2em}
        svg.plot{background:#fff;border:1px solid #e4e4e4;margin:4px}
        .pager a{margin:0 6px}
        """

    /// An activation record as highlighted text: each token's background intensity is its
    /// activation over `scale`, and hovering shows the value.
    static func record(_ r: ActivationRecord, scale: Float) -> String {
        var out = "<div class=\"ex\">"
        for (i, token) in r.tokens.enumerated() {
            let a = i < r.activations.count ? r.activations[i] : 0
            let text = escape(visible(token))
            if a > 0 {
                let alpha = scale > 0 ? min(1, max(0.08, Double(a / scale))) : 0
                out += "<span class=\"tok\" title=\"\(String(format: "%.3g", a))\" data-act=\"\(String(format: "%.4g", a))\" "
                    + "style=\"background:rgba(255,120,0,\(String(format: "%.2f", alpha)))\">\(text)</span>"
            } else {
                out += text
            }
        }
        return out + "</div>"
    }

    /// A token made printable: newlines shown as ↵ (and kept as line breaks), tabs as →.
    static func visible(_ token: String) -> String {
        token.replacingOccurrences(of: "\n", with: "↵\n").replacingOccurrences(of: "\t", with: "→")
    }

    /// A list of tokens with their scores.
    static func tokenList(_ tokens: [TokenScore]) -> String {
        if tokens.isEmpty { return "<p class=\"muted\">none</p>" }
        return "<div class=\"toks\">" + tokens.map {
            "<span title=\"\(String(format: "%.3f", $0.score))\">\(escape(visible($0.token)))</span>"
        }.joined() + "</div>"
    }

    /// A number for a table cell.
    static func number(_ v: Double?, digits: Int = 3) -> String {
        guard let v, v.isFinite else { return "–" }
        if v != 0, abs(v) < 0.001 { return String(format: "%.2e", v) }
        return String(format: "%.\(digits)f", v)
    }
}
