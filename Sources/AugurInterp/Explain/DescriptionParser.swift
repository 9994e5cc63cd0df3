import AugurLLM
import Foundation

/// Why a reply is not a usable description.
public struct ReplyRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the reply.
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// Reads a description out of an explainer's reply, leniently: the text after the last
/// `[EXPLANATION]:` (any case and spacing), or else the first line that is neither a preamble
/// ("Sure, here it is:") nor an echo of the prompt; quotes, markdown and `Explanation:`-style
/// prefixes are stripped. Empty, overlong, refusing, question-like and prompt-echoing replies are
/// rejected with the reason.
public enum DescriptionParser {
    /// The description in `reply`, or why there is none. `prompt` (the conversation that was sent)
    /// lets echoes of it and copies of its few-shot answers be recognised.
    public static func parse(_ reply: String, prompt: [ChatMessage] = [], maxCharacters: Int = 400) -> Result<String, ReplyRejection> {
        guard reply.contains(where: { !$0.isWhitespace }) else { return .failure(ReplyRejection("empty reply")) }
        let markers = reply.ranges(of: /\[\s*explanation\s*\]\s*:?/.ignoresCase())
        if !markers.isEmpty {
            var firstRejection: ReplyRejection?
            for (k, range) in markers.enumerated().reversed() {
                let end = k + 1 < markers.count ? markers[k + 1].lowerBound : reply.endIndex
                guard let line = firstLine(reply[range.upperBound..<end]) else { continue }
                switch validate(clean(line), prompt: prompt, maxCharacters: maxCharacters) {
                case .success(let text): return .success(text)
                case .failure(let r): if firstRejection == nil { firstRejection = r }
                }
            }
            return .failure(firstRejection ?? ReplyRejection("nothing after \(PromptText.marker)"))
        }
        // No marker: the first substantive line, skipping preambles such as "Sure! Here is the explanation:".
        var considered = 0
        var firstRejection: ReplyRejection?
        for raw in reply.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || isPreamble(line) { continue }
            considered += 1
            switch validate(clean(line), prompt: prompt, maxCharacters: maxCharacters) {
            case .success(let text): return .success(text)
            case .failure(let r):
                if firstRejection == nil { firstRejection = r }
                // Only an echoed line of prompt text is skipped; any other bad line (markup included) condemns the reply.
                if !r.reason.hasPrefix("echoes the prompt (") || considered >= 3 { return .failure(ReplyRejection("no \(PromptText.marker) and \(r.reason)")) }
            }
        }
        return .failure(ReplyRejection("no \(PromptText.marker) and \(firstRejection?.reason ?? "no usable line")"))
    }

    /// The first line of `text` that is not blank.
    static func firstLine(_ text: Substring) -> String? {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
    }

    static func isPreamble(_ line: String) -> Bool {
        let l = line.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "*_#` "))
        guard l.hasSuffix(":") else { return false }
        return l.count < 80 && !clean(line).contains(where: \.isLetter)
            || ["sure", "certainly", "okay", "ok", "here", "of course", "based on", "the feature", "this feature", "explanation",
                "description", "answer"].contains { l.hasPrefix($0) }
    }

    static let prefixes = ["final answer", "feature description", "the explanation is", "explanation", "description", "answer",
                           "feature explanation"]

    /// Strips list bullets, markdown emphasis, `Explanation:`-like prefixes and surrounding quotes.
    public static func clean(_ line: String) -> String {
        var s = line.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
            .replacingOccurrences(of: "`", with: "")
        s = s.trimmingCharacters(in: .whitespaces)
        var changed = true
        while changed {
            changed = false
            let bulletless = String(s.drop { "#>-*•".contains($0) || $0 == " " })
            if bulletless != s { s = bulletless; changed = true }
            let lower = s.lowercased()
            for p in prefixes where lower.hasPrefix(p) {
                let rest = s.dropFirst(p.count).drop { $0 == " " }
                if let c = rest.first, c == ":" || c == "-" || c == "—" {
                    s = String(rest.dropFirst()).trimmingCharacters(in: .whitespaces)
                    changed = true
                    break
                }
            }
            for (open, close) in [("\"", "\""), ("'", "'"), ("“", "”"), ("‘", "’"), ("«", "»")] {
                var body = s
                var tail = ""
                if body.hasSuffix(close + ".") { body.removeLast(); tail = "." }
                if body.count >= 2, body.hasPrefix(open), body.hasSuffix(close) {
                    s = String(body.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) + tail
                    changed = true
                    break
                }
            }
        }
        return s.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    static let refusals = ["i'm sorry", "i am sorry", "sorry", "i cannot", "i can't", "i can not", "i'm unable", "i am unable",
                           "as an ai", "as a language model", "i don't know", "i do not know", "unfortunately", "i'm not sure",
                           "i am not sure", "it is not possible", "it's not possible", "there is no clear", "no clear pattern"]

    /// Whether a cleaned line can be a description.
    static func validate(_ text: String, prompt: [ChatMessage], maxCharacters: Int) -> Result<String, ReplyRejection> {
        if text.isEmpty { return .failure(ReplyRejection("empty description")) }
        if text.filter(\.isLetter).count < 3 { return .failure(ReplyRejection("no words in '\(text.prefix(60))'")) }
        if text.count > maxCharacters {
            return .failure(ReplyRejection("too long (\(text.count) characters; at most \(maxCharacters))"))
        }
        let lower = text.lowercased()
        if let r = refusals.first(where: { lower.hasPrefix($0) }) { return .failure(ReplyRejection("a refusal ('\(r)…')")) }
        if ["<<", ">>", "<start>", "<end>"].contains(where: { text.contains($0) }) {
            return .failure(ReplyRejection("echoes the prompt's markup"))
        }
        if text.hasSuffix("?") { return .failure(ReplyRejection("a question, not a description")) }
        let norm = normalized(text)
        for m in prompt {
            let content = normalized(m.content)
            if m.role == "assistant" {
                if content == normalized("\(PromptText.marker) \(text)") || content == norm {
                    return .failure(ReplyRejection("copies a few-shot answer"))
                }
            } else if norm.count >= 20, content.contains(norm) {
                return .failure(ReplyRejection("echoes the prompt ('\(text.prefix(60))')"))
            }
        }
        return .success(text)
    }

    static func normalized(_ s: String) -> String {
        s.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
