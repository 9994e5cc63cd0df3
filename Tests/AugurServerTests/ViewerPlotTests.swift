import AugurServer
import Foundation
import Testing

/// The SVG plots' output: element counts, geometry and escaping.
@Suite struct ViewerPlotTests {
    func count(_ s: String, _ needle: String) -> Int { s.components(separatedBy: needle).count - 1 }

    /// The numeric attribute `name` of every element starting with `tag`.
    func attribute(_ svg: String, tag: String, _ name: String) -> [Double] {
        svg.components(separatedBy: tag).dropFirst().compactMap { part in
            guard let r = part.range(of: " \(name)=\"") else { return nil }
            return Double(part[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    @Test func histogramBarsAreProportionalToCounts() throws {
        let svg = SVGPlot.histogram(counts: [4, 0, 2, 8], lower: 0, upper: 2, title: "acts", xLabel: "activation")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        let heights = attribute(svg, tag: "<rect class=\"bar\"", "height")
        #expect(heights.count == 4)
        let h = try #require(heights.max())
        #expect(abs(heights[0] - h / 2) < 0.11 && heights[1] == 0 && abs(heights[2] - h / 4) < 0.11)
        // Bars left to right, equal width; tooltips give each bin's range and count.
        let xs = attribute(svg, tag: "<rect class=\"bar\"", "x")
        #expect(xs == xs.sorted() && Set(zip(xs, xs.dropFirst()).map { ($1 - $0).rounded() }).count == 1)
        #expect(svg.contains("<title>1.50–2.00: 8</title>"))
    }

    @Test func binCountsCoverTheRange() {
        #expect(SVGPlot.binCounts([0, 0.1, 0.5, 0.99, 1, 5, -1], bins: 2, lower: 0, upper: 1) == [3, 4])
        #expect(SVGPlot.binCounts([], bins: 3, lower: 0, upper: 1) == [0, 0, 0])
        #expect(SVGPlot.binCounts([2, 2], bins: 3, lower: 2, upper: 2) == [2, 0, 0])
    }

    @Test func stripPlotHasAPointPerValueAndABoxPerGroup() {
        let svg = SVGPlot.strip(groups: [("maxact", [0.1, 0.5, 0.9]), ("<vocab>", [0.4]), ("empty", [])], lower: 0, upper: 1,
                                title: "detection", xLabel: "score")
        #expect(count(svg, "<circle class=\"pt\"") == 4)
        #expect(count(svg, "<rect class=\"box\"") == 1, "a box needs two values")
        #expect(svg.contains("n=3") && svg.contains("n=1") && svg.contains("n=0"))
        #expect(svg.contains("&lt;vocab&gt;") && !svg.contains("<vocab>"))
        // The median line of the first group sits at 0.5 of the axis.
        let medians = attribute(svg, tag: "<line class=\"median\"", "x1")
        let axis = attribute(svg, tag: "<circle class=\"pt\"", "cx")
        #expect(medians.count == 1 && abs(medians[0] - axis[1]) < 0.01)
        #expect(abs(axis[1] - (axis[0] + axis[2]) / 2) < 0.11)
    }

    @Test func scatterPlacesPointsByValue() {
        let svg = SVGPlot.scatter(points: [(0, 0), (1, 1), (0.5, 0.25), (.nan, 1)], xLabel: "a", yLabel: "b", title: "a vs b")
        #expect(count(svg, "<circle class=\"pt\"") == 3, "non-finite points are dropped")
        let cx = attribute(svg, tag: "<circle", "cx"), cy = attribute(svg, tag: "<circle", "cy")
        #expect(cx[0] < cx[2] && cx[2] < cx[1])
        #expect(cy[0] > cy[2] && cy[2] > cy[1], "larger y is higher on the page")
        #expect(abs((cx[2] - cx[0]) / (cx[1] - cx[0]) - 0.5) < 0.01)
    }

    @Test func emptyPlotsSayNoData() {
        #expect(SVGPlot.histogram(counts: [], lower: 0, upper: 1, title: "t", xLabel: "x").contains("no data"))
        #expect(SVGPlot.scatter(points: [], xLabel: "x", yLabel: "y", title: "t").contains("no data"))
        #expect(SVGPlot.strip(groups: [], lower: 0, upper: 1, title: "t", xLabel: "x").contains("no data"))
        #expect(SVGPlot.bars([], title: "t", unit: "s").contains("no data"))
    }

    @Test func barsScaleToTheLargest() {
        let svg = SVGPlot.bars([("cache", 10), ("explain <llm>", 40)], title: "stages", unit: "s")
        let widths = attribute(svg, tag: "<rect class=\"bar\"", "width")
        #expect(widths.count == 2 && abs(widths[1] / widths[0] - 4) < 0.05)
        #expect(svg.contains("explain &lt;llm&gt;"))
    }
}
