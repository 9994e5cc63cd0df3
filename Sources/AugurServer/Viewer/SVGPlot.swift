import Foundation

/// Small server-side SVG plots for the viewer and the report: histograms, per-group strip plots
/// with a box, scatter plots and horizontal bars. Every label is HTML-escaped; the output is an
/// inline `<svg>` element with no external references.
public enum SVGPlot {
    /// Plot size in pixels.
    public struct Size: Sendable {
        public var width: Double
        public var height: Double
        public init(width: Double, height: Double) {
            self.width = width
            self.height = height
        }
    }

    static let margin = (left: 48.0, right: 12.0, top: 22.0, bottom: 34.0)

    /// A bar per bin of `counts`, whose bins split [`lower`, `upper`] evenly.
    public static func histogram(counts: [Int], lower: Double, upper: Double, title: String, xLabel: String,
                                 size: Size = Size(width: 420, height: 180)) -> String {
        var out = open(size, title: title)
        let w = size.width - margin.left - margin.right, h = size.height - margin.top - margin.bottom
        let top = max(1, counts.max() ?? 1)
        if counts.isEmpty { return out + note("no data", size) + "</svg>" }
        let bw = w / Double(counts.count)
        for (i, c) in counts.enumerated() {
            let bh = h * Double(c) / Double(top)
            let x = margin.left + Double(i) * bw, y = margin.top + h - bh
            let lo = lower + (upper - lower) * Double(i) / Double(counts.count)
            let hi = lower + (upper - lower) * Double(i + 1) / Double(counts.count)
            out += "<rect class=\"bar\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(bw - 1, 0.5)))\" height=\"\(f(bh))\" fill=\"#4c78a8\">"
                + "<title>\(num(lo))–\(num(hi)): \(c)</title></rect>"
        }
        out += axes(size, xLo: lower, xHi: upper, yLo: 0, yHi: Double(top), xLabel: xLabel, yLabel: "count")
        return out + "</svg>"
    }

    /// The counts of `values` in `bins` equal bins over [`lower`, `upper`] (values outside are clamped in).
    public static func binCounts(_ values: [Double], bins: Int, lower: Double, upper: Double) -> [Int] {
        guard bins > 0 else { return [] }
        var counts = [Int](repeating: 0, count: bins)
        let span = upper - lower
        for v in values where v.isFinite {
            let i = span > 0 ? Int(((v - lower) / span * Double(bins)).rounded(.down)) : 0
            counts[min(max(i, 0), bins - 1)] += 1
        }
        return counts
    }

    /// One row per group: its values as points (deterministically jittered) over a box from the
    /// first to the third quartile with the median marked, and `n` at the right.
    public static func strip(groups: [(label: String, values: [Double])], lower: Double, upper: Double, title: String,
                             xLabel: String, width: Double = 560) -> String {
        let rowH = 26.0, labelW = 170.0
        let size = Size(width: width, height: margin.top + margin.bottom + rowH * Double(max(groups.count, 1)))
        var out = open(size, title: title)
        if groups.isEmpty { return out + note("no data", size) + "</svg>" }
        let x0 = labelW, x1 = size.width - 44
        func x(_ v: Double) -> Double { upper > lower ? x0 + (x1 - x0) * (min(max(v, lower), upper) - lower) / (upper - lower) : x0 }
        for (g, group) in groups.enumerated() {
            let cy = margin.top + rowH * (Double(g) + 0.5)
            out += "<text class=\"label\" x=\"\(f(labelW - 6))\" y=\"\(f(cy + 4))\" text-anchor=\"end\" font-size=\"11\">\(HTML.escape(group.label))</text>"
            let sorted = group.values.filter(\.isFinite).sorted()
            if sorted.count >= 2 {
                let q1 = quantile(sorted, 0.25), q3 = quantile(sorted, 0.75), med = quantile(sorted, 0.5)
                out += "<rect class=\"box\" x=\"\(f(x(q1)))\" y=\"\(f(cy - 8))\" width=\"\(f(max(x(q3) - x(q1), 1)))\" height=\"16\" fill=\"#dde6f0\" stroke=\"#4c78a8\"/>"
                out += "<line class=\"median\" x1=\"\(f(x(med)))\" x2=\"\(f(x(med)))\" y1=\"\(f(cy - 8))\" y2=\"\(f(cy + 8))\" stroke=\"#c0392b\" stroke-width=\"2\"/>"
            }
            // At most 400 points per row (evenly spaced through the sorted values); the box uses all.
            let step = max(1, sorted.count / 400)
            for (i, v) in sorted.enumerated() where i % step == 0 {
                let jitter = (Double((i * 7919) % 97) / 97 - 0.5) * 12
                out += "<circle class=\"pt\" cx=\"\(f(x(v)))\" cy=\"\(f(cy + jitter))\" r=\"2\" fill=\"#4c78a8\" fill-opacity=\"0.55\"/>"
            }
            out += "<text class=\"n\" x=\"\(f(x1 + 6))\" y=\"\(f(cy + 4))\" font-size=\"10\" fill=\"#555\">n=\(sorted.count)</text>"
        }
        let bottom = size.height - margin.bottom
        out += "<line x1=\"\(f(x0))\" x2=\"\(f(x1))\" y1=\"\(f(bottom))\" y2=\"\(f(bottom))\" stroke=\"#333\"/>"
        for t in 0...4 {
            let v = lower + (upper - lower) * Double(t) / 4
            out += "<text x=\"\(f(x(v)))\" y=\"\(f(bottom + 13))\" text-anchor=\"middle\" font-size=\"10\">\(num(v))</text>"
        }
        out += "<text x=\"\(f((x0 + x1) / 2))\" y=\"\(f(size.height - 4))\" text-anchor=\"middle\" font-size=\"11\">\(HTML.escape(xLabel))</text>"
        return out + "</svg>"
    }

    /// A point per (x, y) pair over axes spanning the data (or the given bounds), with Pearson's r in the title.
    public static func scatter(points: [(x: Double, y: Double)], xLabel: String, yLabel: String, title: String,
                               bounds: (lower: Double, upper: Double)? = nil, size: Size = Size(width: 300, height: 260)) -> String {
        let finite = points.filter { $0.x.isFinite && $0.y.isFinite }
        // At most 2000 points drawn (every k-th).
        let pts = stride(from: 0, to: finite.count, by: max(1, finite.count / 2000)).map { finite[$0] }
        var out = open(size, title: title)
        if pts.isEmpty { return out + note("no data", size) + "</svg>" }
        let xs = pts.map(\.x), ys = pts.map(\.y)
        var (xLo, xHi) = bounds ?? (xs.min() ?? 0, xs.max() ?? 1)
        var (yLo, yHi) = bounds ?? (ys.min() ?? 0, ys.max() ?? 1)
        if xHi <= xLo { xLo -= 0.5; xHi += 0.5 }
        if yHi <= yLo { yLo -= 0.5; yHi += 0.5 }
        let w = size.width - margin.left - margin.right, h = size.height - margin.top - margin.bottom
        for p in pts {
            let cx = margin.left + w * (p.x - xLo) / (xHi - xLo), cy = margin.top + h - h * (p.y - yLo) / (yHi - yLo)
            out += "<circle class=\"pt\" cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"2.5\" fill=\"#e45756\" fill-opacity=\"0.6\"/>"
        }
        out += axes(size, xLo: xLo, xHi: xHi, yLo: yLo, yHi: yHi, xLabel: xLabel, yLabel: yLabel)
        return out + "</svg>"
    }

    /// A horizontal bar per (label, value), e.g. seconds per stage.
    public static func bars(_ items: [(label: String, value: Double)], title: String, unit: String, width: Double = 560) -> String {
        let rowH = 22.0, labelW = 170.0
        let size = Size(width: width, height: margin.top + 10 + rowH * Double(max(items.count, 1)))
        var out = open(size, title: title)
        if items.isEmpty { return out + note("no data", size) + "</svg>" }
        let top = max(items.map(\.value).max() ?? 1, 1e-12), x1 = size.width - 90
        for (i, item) in items.enumerated() {
            let y = margin.top + rowH * Double(i)
            let bw = max(0, (x1 - labelW) * item.value / top)
            out += "<text class=\"label\" x=\"\(f(labelW - 6))\" y=\"\(f(y + 14))\" text-anchor=\"end\" font-size=\"11\">\(HTML.escape(item.label))</text>"
            out += "<rect class=\"bar\" x=\"\(f(labelW))\" y=\"\(f(y + 3))\" width=\"\(f(bw))\" height=\"\(f(rowH - 6))\" fill=\"#72b7b2\"/>"
            out += "<text x=\"\(f(labelW + bw + 4))\" y=\"\(f(y + 14))\" font-size=\"10\">\(num(item.value)) \(HTML.escape(unit))</text>"
        }
        return out + "</svg>"
    }

    // MARK: - Pieces

    static func open(_ size: Size, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(f(size.width))\" height=\"\(f(size.height))\" "
            + "viewBox=\"0 0 \(f(size.width)) \(f(size.height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
            + "<text class=\"title\" x=\"\(f(size.width / 2))\" y=\"14\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\">\(HTML.escape(title))</text>"
    }

    static func note(_ text: String, _ size: Size) -> String {
        "<text x=\"\(f(size.width / 2))\" y=\"\(f(size.height / 2))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#777\">\(HTML.escape(text))</text>"
    }

    static func axes(_ size: Size, xLo: Double, xHi: Double, yLo: Double, yHi: Double, xLabel: String, yLabel: String) -> String {
        let left = margin.left, right = size.width - margin.right, top = margin.top, bottom = size.height - margin.bottom
        var out = "<line x1=\"\(f(left))\" x2=\"\(f(right))\" y1=\"\(f(bottom))\" y2=\"\(f(bottom))\" stroke=\"#333\"/>"
            + "<line x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(top))\" y2=\"\(f(bottom))\" stroke=\"#333\"/>"
        for t in 0...2 {
            let fx = Double(t) / 2
            out += "<text x=\"\(f(left + (right - left) * fx))\" y=\"\(f(bottom + 12))\" text-anchor=\"middle\" font-size=\"10\">\(num(xLo + (xHi - xLo) * fx))</text>"
            out += "<text x=\"\(f(left - 4))\" y=\"\(f(bottom - (bottom - top) * fx + 3))\" text-anchor=\"end\" font-size=\"10\">\(num(yLo + (yHi - yLo) * fx))</text>"
        }
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(size.height - 4))\" text-anchor=\"middle\" font-size=\"11\">\(HTML.escape(xLabel))</text>"
        out += "<text x=\"12\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 12 \(f((top + bottom) / 2)))\">\(HTML.escape(yLabel))</text>"
        return out
    }

    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        let h = p * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted.count == 1 ? first : sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// A coordinate with one decimal.
    static func f(_ v: Double) -> String { String(format: "%.1f", v.isFinite ? v : 0) }

    /// A tick or tooltip number, short.
    static func num(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1000 || a < 0.01 { return String(format: "%.2g", v) }
        return String(format: a >= 10 ? "%.1f" : "%.2f", v)
    }
}
