import AugurLLM
import Foundation

/// Lenient readers of scorer replies. Each returns the answers or a sentence saying why the
/// reply could not be read (which goes into the repair prompt and, finally, the failure).
public enum AnswerParser {
    /// A word of a reply, lowercased, with the line it is on.
    struct Word {
        var text: String
        var line: Int
    }

    /// Runs of letters or digits, lowercased, with their line numbers.
    static func words(_ text: Substring) -> [Word] {
        var out: [Word] = []
        var current = ""
        var line = 0
        for ch in text {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else {
                if !current.isEmpty { out.append(Word(text: current.lowercased(), line: line)); current = "" }
                if ch.isNewline { line += 1 }
            }
        }
        if !current.isEmpty { out.append(Word(text: current.lowercased(), line: line)) }
        return out
    }

    /// `1`, `yes`, `true` → true; `0`, `no`, `false` → false; anything else nil.
    static func boolean(_ word: String) -> Bool? {
        switch word {
        case "1", "yes", "true", "y": true
        case "0", "no", "false", "n": false
        default: nil
        }
    }

    /// Reads `count` yes/no answers from a reply such as `[1, 0, 0, 1, 0]`, `[1,0,0,1,0]`,
    /// `Example 1: 1` lines, `yes no no yes no`, or a bare `1` when `count` is 1.
    ///
    /// Tried in order: a bracketed list holding exactly `count` answers (the last such list wins);
    /// `Example N: answer` / `N: answer` lines covering 1…count; all answer words of the reply if
    /// there are exactly `count` of them.
    public static func binaryAnswers(_ reply: String, count: Int) -> Result<[Bool], ReplyError> {
        guard count > 0 else { return .success([]) }
        // 1. Bracketed lists.
        var bracketed: [Bool]?
        var rest = reply[...]
        while let open = rest.firstIndex(of: "[") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "]") else { break }
            let inside = words(after[..<close]).map(\.text)
            let values = inside.compactMap(boolean)
            if values.count == inside.count, values.count == count { bracketed = values }
            rest = after[after.index(after: close)...]
        }
        if let bracketed { return .success(bracketed) }
        // 2. Labelled lines: [example] N answer.
        let all = words(reply[...])
        var labelled: [Int: Bool] = [:]
        let byLine = Dictionary(grouping: all, by: \.line)
        for (_, lineWords) in byLine {
            var w = lineWords.map(\.text)
            if w.first == "example" { w.removeFirst() }
            guard w.count == 2, let n = Int(w[0]), (1...count).contains(n), let b = boolean(w[1]) else { continue }
            if labelled[n] == nil { labelled[n] = b }
        }
        if labelled.count == count { return .success((1...count).compactMap { labelled[$0] }) }
        // 3. Every answer word.
        let answers = all.compactMap { boolean($0.text) }
        if answers.count == count { return .success(answers) }
        return .failure(ReplyError("expected \(count) answers (each 0 or 1) but found \(answers.count) in the reply"))
    }

    /// Reads the number of the chosen example (1…`options`) from a reply such as `3`,
    /// `Example 3`, `Set 3`, `The odd one out is example 3.` Fails when the reply names several
    /// different numbers without saying `example N` or `answer: N` once.
    public static func choice(_ reply: String, options: Int) -> Result<Int, ReplyError> {
        let w = words(reply[...]).map(\.text)
        let numbers = w.compactMap(Int.init).filter { (1...options).contains($0) }
        var marked: Set<Int> = []
        for i in w.indices.dropLast() where ["example", "set", "answer", "number", "is"].contains(w[i]) {
            if let n = Int(w[i + 1]), (1...options).contains(n) { marked.insert(n) }
        }
        if marked.count == 1, let n = marked.first { return .success(n) }
        if Set(numbers).count == 1, let n = numbers.first { return .success(n) }
        if numbers.isEmpty { return .failure(ReplyError("the reply names no example number between 1 and \(options)")) }
        return .failure(ReplyError("the reply names several example numbers (\(Array(Set(numbers)).sorted())) and does not say which is the answer"))
    }

    /// One simulated activation: the token's 1-based index, the digit, and the reply line it was on.
    public struct DigitLine: Sendable, Equatable {
        /// The token’s 1-based index.
        public var index: Int
        /// The simulated activation, 0–9.
        public var digit: Int
        /// The reply line (0-based) it was read from.
        public var line: Int
    }

    /// Reads one digit 0–9 per token for tokens 1…`count` from `index<TAB>digit` lines (any
    /// separator; a token text between them is tolerated: the first number is the index, the
    /// last the digit). Without indices, exactly `count` lines of one digit each are read in order.
    public static func simulatedDigits(_ reply: String, count: Int) -> Result<[DigitLine], ReplyError> {
        let lines = reply.split(separator: "\n", omittingEmptySubsequences: false)
        var indexed: [Int: DigitLine] = [:]
        var bare: [DigitLine] = []
        for (lineNumber, line) in lines.enumerated() {
            let numbers = words(line).map(\.text).filter { $0.allSatisfy(\.isNumber) }
            if numbers.count >= 2, let i = Int(numbers[0]), (1...max(count, 1)).contains(i),
               let last = numbers.last, last.count == 1, let d = Int(last) {
                if indexed[i] == nil { indexed[i] = DigitLine(index: i, digit: d, line: lineNumber) }
            } else if numbers.count == 1, numbers[0].count == 1, let d = Int(numbers[0]) {
                bare.append(DigitLine(index: bare.count + 1, digit: d, line: lineNumber))
            }
        }
        if indexed.count == count { return .success((1...max(count, 1)).compactMap { indexed[$0] }) }
        if indexed.isEmpty, bare.count == count { return .success(bare) }
        let missing = (1...max(count, 1)).filter { indexed[$0] == nil }
        if !indexed.isEmpty {
            return .failure(ReplyError("no activation digit for token(s) \(missing.prefix(10).map(String.init).joined(separator: ", "))\(missing.count > 10 ? ", …" : "") of \(count)"))
        }
        return .failure(ReplyError("expected \(count) lines `index<TAB>digit` but read \(bare.count) digit lines"))
    }
}

/// Why a reply could not be read.
public struct ReplyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What could not be read, and why.
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads probabilities from the `top` alternatives of generated tokens.
public enum LogprobReader {
    /// A token's text without surrounding whitespace and list punctuation, lowercased.
    static func normalized(_ token: String) -> String {
        token.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "[],.:;\"'`")))
            .lowercased()
    }

    /// All alternatives at a position, with the generated token added when `top` lacks it.
    static func alternatives(_ t: TokenLogprob) -> [TokenAlternative] {
        t.top.contains(where: { $0.token == t.token }) ? t.top : t.top + [TokenAlternative(token: t.token, logprob: t.logprob)]
    }

    /// P(yes) / (P(yes) + P(no)) at one position, summing the alternatives that read as yes
    /// (`1`, `yes`, `true`) and as no (`0`, `no`, `false`); nil when neither appears.
    public static func yesProbability(_ t: TokenLogprob) -> Double? {
        var yes = 0.0, no = 0.0
        for a in alternatives(t) {
            switch AnswerParser.boolean(normalized(a.token)) {
            case true?: yes += exp(Double(a.logprob))
            case false?: no += exp(Double(a.logprob))
            case nil: break
            }
        }
        return yes + no > 0 ? yes / (yes + no) : nil
    }

    /// The generated positions whose token reads as a yes/no answer, in order.
    public static func answerPositions(_ logprobs: [TokenLogprob]) -> [TokenLogprob] {
        logprobs.filter { AnswerParser.boolean(normalized($0.token)) != nil && !normalized($0.token).isEmpty }
    }

    /// One probability per answer when the reply's answer tokens line up one-to-one with `count`
    /// answers; nil otherwise (e.g. `Example 1: 1` lines, whose numbers are also digit tokens).
    public static func yesProbabilities(_ logprobs: [TokenLogprob]?, count: Int) -> [Double]? {
        guard let logprobs else { return nil }
        let positions = answerPositions(logprobs)
        guard positions.count == count else { return nil }
        let p = positions.map(yesProbability)
        return p.contains(where: { $0 == nil }) ? nil : p.compactMap { $0 }
    }

    /// The expected digit Σ d·P(d) / Σ P(d) over the alternatives that are single digits 0–9.
    public static func expectedDigit(_ t: TokenLogprob) -> Double? {
        var weighted = 0.0, total = 0.0
        for a in alternatives(t) {
            let s = normalized(a.token)
            guard s.count == 1, let d = Int(s) else { continue }
            let p = exp(Double(a.logprob))
            weighted += Double(d) * p
            total += p
        }
        return total > 0 ? weighted / total : nil
    }

    /// For each parsed simulation line, the position that generated its digit: the last token on
    /// that reply line that is exactly that digit (after trimming whitespace). Lines are counted
    /// by the newlines in the concatenated tokens, so this assumes the reply is their concatenation.
    public static func digitPositions(_ logprobs: [TokenLogprob], lines: [AnswerParser.DigitLine]) -> [TokenLogprob?] {
        var byLine: [Int: [(digit: Int, position: TokenLogprob)]] = [:]
        var line = 0
        for t in logprobs {
            let lead = t.token.prefix { $0.isWhitespace }
            let s = normalized(t.token)
            if s.count == 1, let d = Int(s) {
                byLine[line + lead.filter(\.isNewline).count, default: []].append((d, t))
            }
            line += t.token.filter(\.isNewline).count
        }
        return lines.map { l in byLine[l.line]?.last(where: { $0.digit == l.digit })?.position }
    }
}
