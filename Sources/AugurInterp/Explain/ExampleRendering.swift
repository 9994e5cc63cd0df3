import AugurActivations
import Foundation

/// How activation records are turned into prompt text: `<<…>>` highlighting, 0–10 activation
/// scales, OpenAI's `token<TAB>activation` layout, visible whitespace.
public enum ExampleRendering {
    /// `text` with newlines, carriage returns and tabs written as `\n`, `\r`, `\t`, so one example stays on one line.
    public static func visible(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\r\n": out += "\\r\\n"
            case "\t": out += "\\t"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A token as a quoted string literal (`" Paris"`, `"\n"`), so leading spaces and control characters show.
    public static func quoted(_ token: String) -> String {
        var out = "\""
        for scalar in token.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u{%X}", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Which tokens of `record` are highlighted: activation > 0 and ≥ `threshold` × the record's maximum.
    public static func highlightMask(_ record: ActivationRecord, threshold: Float) -> [Bool] {
        let peak = record.maxActivation
        guard peak > 0 else { return Array(repeating: false, count: record.activations.count) }
        return record.activations.map { $0 > 0 && $0 >= threshold * peak }
    }

    /// The record's text with each run of adjacent highlighted tokens wrapped in one `<<…>>` span.
    /// A span's leading whitespace stays outside it (` <<River>>`, not `<< River>>`).
    public static func highlighted(_ record: ActivationRecord, threshold: Float) -> String {
        let mask = highlightMask(record, threshold: threshold)
        var out = ""
        var open = false
        for (i, token) in record.tokens.enumerated() {
            let on = i < mask.count && mask[i]
            if on && !open {
                let rest = token.drop(while: { $0.isWhitespace })
                out += visible(String(token[token.startIndex..<rest.startIndex]))
                out += "<<" + visible(String(rest))
                open = true
            } else if !on && open {
                out += ">>" + visible(token)
                open = false
            } else {
                out += visible(token)
            }
        }
        if open { out += ">>" }
        return out
    }

    /// `activation` scaled to an integer 0–10 relative to `maximum` (negative values and a non-positive maximum give 0).
    public static func scaled(_ activation: Float, maximum: Float) -> Int {
        guard maximum > 0, activation > 0, activation.isFinite else { return 0 }
        return min(10, max(0, Int((10 * activation / maximum).rounded())))
    }

    /// `(token : n)` for each highlighted token of `record`, with n = its activation scaled 0–10 by `maximum`.
    public static func activationList(_ record: ActivationRecord, threshold: Float, maximum: Float) -> String {
        let mask = highlightMask(record, threshold: threshold)
        var items: [String] = []
        for (i, token) in record.tokens.enumerated() where i < mask.count && mask[i] {
            let trimmed = token.trimmingCharacters(in: .whitespaces)
            let shown = trimmed.isEmpty ? visible(token) : visible(trimmed)
            items.append("(\(shown) : \(scaled(record.activations[i], maximum: maximum)))")
        }
        return items.joined(separator: ", ")
    }

    /// OpenAI's layout: `<start>`, one `token<TAB>activation` line per token (0–10, scaled by `maximum`), `<end>`.
    public static func openAIBlock(_ record: ActivationRecord, maximum: Float) -> String {
        var lines = ["<start>"]
        for (token, a) in zip(record.tokens, record.activations) {
            lines.append("\(visible(token))\t\(scaled(a, maximum: maximum))")
        }
        lines.append("<end>")
        return lines.joined(separator: "\n")
    }

    /// A window of at most `size` tokens around the record's most active token (¾ of the window
    /// before it), with ids, provenance and quantile carried over.
    public static func window(_ record: ActivationRecord, size: Int) -> ActivationRecord {
        let count = min(record.tokens.count, record.activations.count)
        guard count > size, size > 0 else { return record }
        var peak = 0
        for i in 0..<count where record.activations[i] > record.activations[peak] { peak = i }
        let start = max(0, min(peak - (size * 3) / 4, count - size))
        let range = start..<(start + size)
        var ids: [Int32]?
        if let all = record.tokenIDs, all.count >= range.upperBound { ids = Array(all[range]) }
        var source = record.source
        source?.start += start
        return ActivationRecord(tokens: Array(record.tokens[range]), activations: Array(record.activations[range]),
                                tokenIDs: ids, source: source, quantile: record.quantile)
    }

    /// At most `count` records chosen evenly across `records` ranked by maximum activation
    /// (strongest first; the strongest is always included), returned strongest first.
    public static func select(_ records: [ActivationRecord], count: Int) -> [ActivationRecord] {
        let ranked = records.enumerated().sorted { a, b in
            let (x, y) = (a.element.maxActivation, b.element.maxActivation)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        guard ranked.count > count, count > 0 else { return ranked }
        return (0..<count).map { ranked[$0 * ranked.count / count] }
    }
}
