import Foundation

/// SentencePiece-style BPE with byte fallback (`tokenizer.ggml.model` = `"llama"`), as Gemma uses.
///
/// Encoding: control and user-defined tokens (e.g. `<start_of_turn>`, `\n`, runs of spaces in
/// Gemma) are cut out of the raw text first, longest match first. In the rest, spaces become `▁`
/// and adjacent symbols are merged greedily by the score of the merged token (highest first,
/// leftmost on ties), as llama.cpp's SPM tokenizer does; pieces without a token fall back to
/// `<0xXX>` byte tokens.
public struct SentencePieceTokenizer: Tokenizer {
    public let vocabulary: TokenizerVocabulary
    public let bosID: Int32?
    public let eosID: Int32?
    public let eosIDs: Set<Int32>
    /// Ids of control tokens, which ``decode(_:skipSpecialTokens:)`` can drop.
    public let controlIDs: Set<Int32>

    private let index: [String: Int32]
    private let scores: [Float]
    private let byteTokens: [Int32]
    /// Bytes each token stands for.
    private let bytesOf: [[UInt8]]
    /// Special tokens matched in raw text.
    private let specials: SpecialTokenMatcher
    private let addPrefixSpace: Bool

    /// Builds the tokenizer (`vocab.addSpacePrefix` prepends `▁` to the text).
    /// - Throws: ``TokenizerError`` naming the field at fault.
    public init(_ vocab: TokenizerVocabulary) throws {
        try vocab.validate()
        guard vocab.model == "llama" else { throw TokenizerError.unsupportedModel(vocab.model, supported: ["llama"]) }
        guard let scores = vocab.scores, scores.count == vocab.tokens.count else {
            throw TokenizerError.missingField("tokenizer.ggml.scores")
        }
        vocabulary = vocab
        self.scores = scores
        addPrefixSpace = vocab.addSpacePrefix
        bosID = vocab.bosID
        eosID = vocab.eosID
        var index: [String: Int32] = [:]
        index.reserveCapacity(vocab.tokens.count)
        var byteTokens = [Int32](repeating: vocab.unknownID ?? -1, count: 256)
        var bytesOf: [[UInt8]] = []
        bytesOf.reserveCapacity(vocab.tokens.count)
        var specials: [(text: String, id: Int32)] = []
        var control: Set<Int32> = []
        var eos: Set<Int32> = vocab.eosID.map { [$0] } ?? []
        for (i, t) in vocab.tokens.enumerated() {
            let id = Int32(i)
            switch vocab.tokenType(i) {
            case .byte:
                if t.count == 6, t.hasPrefix("<0x"), let b = UInt8(t.dropFirst(3).prefix(2), radix: 16) {
                    byteTokens[Int(b)] = id
                    bytesOf.append([b])
                } else {
                    bytesOf.append(Array(t.utf8))
                }
            case .control, .userDefined:
                bytesOf.append(Array(t.utf8))
                specials.append((t, id))
                if vocab.tokenType(i) == .control { control.insert(id) }
                if ByteLevelBPETokenizer.endOfGenerationTokens.contains(t) { eos.insert(id) }
            default:
                bytesOf.append(Array(t.replacingOccurrences(of: "▁", with: " ").utf8))
                if index[t] == nil { index[t] = id }
            }
        }
        self.index = index
        self.byteTokens = byteTokens
        self.bytesOf = bytesOf
        self.specials = SpecialTokenMatcher(specials)
        controlIDs = control
        eosIDs = eos
    }

    public var vocabularySize: Int { vocabulary.tokens.count }

    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        var out: [Int32] = []
        if addSpecialTokens, vocabulary.addBOS, let bosID { out.append(bosID) }
        var first = true
        specials.split(Array(text.utf8), ordinary: { piece in
            encodeOrdinary(piece, first: first, into: &out)
            first = false
        }, special: { id in
            first = false
            out.append(id)
        })
        if addSpecialTokens, vocabulary.addEOS, let eosID { out.append(eosID) }
        return out
    }

    /// One symbol of the merge: a range of the escaped text, linked to its neighbours.
    private struct Symbol { var start: Int; var length: Int; var prev: Int; var next: Int }

    /// Merges text that holds no special tokens.
    private func encodeOrdinary(_ raw: ArraySlice<UInt8>, first: Bool, into out: inout [Int32]) {
        if raw.isEmpty { return }
        var text = (addPrefixSpace && first) ? "▁" : ""
        text += String(decoding: raw, as: UTF8.self).replacingOccurrences(of: " ", with: "▁")
        let chars = Array(text.utf8)
        // One symbol per UTF-8 character.
        var symbols: [Symbol] = []
        var i = 0
        while i < chars.count {
            let b = chars[i]
            let n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
            let len = min(n, chars.count - i)
            symbols.append(Symbol(start: i, length: len, prev: symbols.count - 1, next: symbols.count + 1))
            i += len
        }
        symbols[symbols.count - 1].next = -1
        func piece(_ start: Int, _ length: Int) -> String {
            String(decoding: chars[start..<(start + length)], as: UTF8.self)
        }
        // Candidate merges: (score, left index, size), best score first, then leftmost.
        var heap = BigramHeap()
        var splits: [String: (Int, Int)] = [:]   // merged piece → the two symbols it came from (for resegmenting)
        func tryAdd(_ l: Int, _ r: Int) {
            guard l >= 0, r >= 0 else { return }
            let s = piece(symbols[l].start, symbols[l].length + symbols[r].length)
            guard let id = index[s] else { return }
            heap.push(Bigram(score: scores[Int(id)], left: l, right: r, size: symbols[l].length + symbols[r].length))
            splits[s] = (symbols[l].length, symbols[r].length)
        }
        for k in 1..<symbols.count { tryAdd(k - 1, k) }
        while let bg = heap.pop() {
            let l = bg.left, r = bg.right
            guard symbols[l].length > 0, symbols[r].length > 0,
                  symbols[l].length + symbols[r].length == bg.size, symbols[l].next == r else { continue }
            symbols[l].length += symbols[r].length
            symbols[r].length = 0
            symbols[l].next = symbols[r].next
            if symbols[r].next >= 0 { symbols[symbols[r].next].prev = l }
            tryAdd(symbols[l].prev, l)
            tryAdd(l, symbols[l].next)
        }
        var k = 0
        while k >= 0 && k < symbols.count {
            resegment(symbols[k].start, symbols[k].length, chars: chars, splits: splits, into: &out)
            k = symbols[k].next
        }
    }

    /// Emits the token of a merged piece, or of the pieces it was merged from, or its bytes.
    private func resegment(_ start: Int, _ length: Int, chars: [UInt8], splits: [String: (Int, Int)], into out: inout [Int32]) {
        let s = String(decoding: chars[start..<(start + length)], as: UTF8.self)
        if let id = index[s] {
            out.append(id)
        } else if let (a, b) = splits[s] {
            resegment(start, a, chars: chars, splits: splits, into: &out)
            resegment(start + a, b, chars: chars, splits: splits, into: &out)
        } else {
            for b in chars[start..<(start + length)] where byteTokens[Int(b)] >= 0 { out.append(byteTokens[Int(b)]) }
        }
    }

    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < bytesOf.count else { return [] }
        return bytesOf[Int(id)]
    }

    public func decode(_ ids: [Int32]) -> String { decode(ids, skipSpecialTokens: false) }

    /// The text of `ids`, optionally without control tokens such as `<bos>`.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < bytesOf.count {
            if skipSpecialTokens && controlIDs.contains(id) { continue }
            bytes.append(contentsOf: bytesOf[Int(id)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func tokenString(_ id: Int32) -> String { UTF8Validation.displayString(tokenBytes(id)) }
}

/// A candidate merge of two adjacent symbols.
private struct Bigram {
    var score: Float
    var left: Int
    var right: Int
    var size: Int
    /// Whether `self` should be merged before `other`.
    func precedes(_ other: Bigram) -> Bool { score > other.score || (score == other.score && left < other.left) }
}

/// A binary max-heap of bigrams by ``Bigram/precedes(_:)``.
private struct BigramHeap {
    private var items: [Bigram] = []
    mutating func push(_ b: Bigram) {
        items.append(b)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }
    mutating func pop() -> Bigram? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count && items[l].precedes(items[best]) { best = l }
                if r < items.count && items[r].precedes(items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}

/// The tokenizer a vocabulary asks for: byte-level BPE (`gpt2`) or SentencePiece BPE (`llama`).
public func makeTokenizer(_ vocab: TokenizerVocabulary) throws -> any Tokenizer {
    switch vocab.model {
    case "gpt2": return try ByteLevelBPETokenizer(vocab)
    case "llama": return try SentencePieceTokenizer(vocab)
    default: throw TokenizerError.unsupportedModel(vocab.model, supported: ["gpt2", "llama"])
    }
}
