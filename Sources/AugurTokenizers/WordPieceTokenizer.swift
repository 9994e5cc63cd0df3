/// BERT's WordPiece tokenizer, matching Hugging Face `tokenizers` (`BertNormalizer`,
/// `BertPreTokenizer`, `WordPiece` model, `[CLS] … [SEP]` template).
///
/// Each word of the pre-tokenised text is split greedily into the longest vocabulary pieces,
/// continuation pieces carrying the `##` prefix; a word that cannot be split completely, or that
/// is longer than ``maxInputCharsPerWord`` characters, becomes `[UNK]`. Special-token strings
/// that appear in the text (`[CLS]`, `[SEP]`, `[MASK]`, …) are recognised as their ids before
/// normalisation, as Hugging Face does for its added special tokens.
///
/// ```swift
/// let tok = try WordPieceTokenizer(huggingFaceJSON: folder + "/tokenizer.json")
/// let ids = tok.encode("A cat sits on the mat.", addSpecialTokens: true, maxLength: 256)
/// ```
public struct WordPieceTokenizer: Sendable {
    /// Token strings by id.
    public let vocabulary: [String]
    /// Text normalisation applied before splitting into words.
    public let normalizer: WordPieceNormalizer
    /// Prefix of pieces that continue a word (`##`).
    public let continuationPrefix: String
    /// Longer words (in Unicode scalars) become the unknown token without being split.
    public let maxInputCharsPerWord: Int
    /// Id of the unknown token (`[UNK]`).
    public let unknownID: Int32
    /// Id of the classification token that starts a sequence (`[CLS]`).
    public let clsID: Int32
    /// Id of the separator token that ends a sequence (`[SEP]`).
    public let sepID: Int32
    /// Id of the padding token (`[PAD]`), if the vocabulary has one.
    public let padID: Int32?
    /// Ids of the special tokens: recognised in input text and skipped by ``decode(_:)``.
    public let specialIDs: Set<Int32>

    /// Token id by UTF-8 bytes (bytes rather than `String`, whose equality is canonical
    /// equivalence, so that lookups are exactly Hugging Face's).
    private let ids: [[UInt8]: Int32]
    /// Special-token strings as UTF-8, longest first.
    private let specialTokens: [(bytes: [UInt8], id: Int32)]
    private let prefixBytes: [UInt8]

    /// A tokenizer over `vocabulary` (token strings indexed by id).
    ///
    /// - Parameters:
    ///   - source: names the file the vocabulary came from, for error messages.
    ///   - specialTokens: strings recognised as whole tokens in input text and skipped when
    ///     decoding; defaults to whichever of `[PAD] [UNK] [CLS] [SEP] [MASK]` the vocabulary has.
    public init(vocabulary: [String], normalizer: WordPieceNormalizer = WordPieceNormalizer(),
                unknownToken: String = "[UNK]", clsToken: String = "[CLS]", sepToken: String = "[SEP]",
                padToken: String = "[PAD]", continuationPrefix: String = "##", maxInputCharsPerWord: Int = 100,
                specialTokens: [String]? = nil, source: String = "vocabulary") throws(WordPieceError) {
        var ids = [[UInt8]: Int32](minimumCapacity: vocabulary.count)
        for (i, token) in vocabulary.enumerated() where ids[Array(token.utf8)] == nil {
            ids[Array(token.utf8)] = Int32(i)
        }
        func lookup(_ token: String) throws(WordPieceError) -> Int32 {
            guard let id = ids[Array(token.utf8)] else { throw .missingToken(file: source, token: token) }
            return id
        }
        self.vocabulary = vocabulary
        self.ids = ids
        self.normalizer = normalizer
        self.continuationPrefix = continuationPrefix
        self.prefixBytes = Array(continuationPrefix.utf8)
        self.maxInputCharsPerWord = maxInputCharsPerWord
        unknownID = try lookup(unknownToken)
        clsID = try lookup(clsToken)
        sepID = try lookup(sepToken)
        padID = ids[Array(padToken.utf8)]
        let specials = specialTokens ?? ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter { ids[Array($0.utf8)] != nil }
        var table: [(bytes: [UInt8], id: Int32)] = []
        for s in specials where !s.isEmpty {
            table.append((Array(s.utf8), try lookup(s)))
        }
        self.specialTokens = table.sorted { $0.bytes.count > $1.bytes.count }
        specialIDs = Set(table.map(\.id))
    }

    /// Number of token ids.
    public var vocabularySize: Int { vocabulary.count }

    /// The id of `token`, if it is in the vocabulary.
    public func id(of token: String) -> Int32? { ids[Array(token.utf8)] }

    /// Token ids of `text`: `[CLS] pieces… [SEP]` when `addSpecialTokens`, cut to at most
    /// `maxLength` ids (the pieces are truncated; `[CLS]` and `[SEP]` are kept).
    public func encode(_ text: String, addSpecialTokens: Bool, maxLength: Int?) -> [Int32] {
        var pieces = [Int32]()
        for segment in splitSpecialTokens(text) {
            switch segment {
            case .special(let id):
                pieces.append(id)
            case .text(let s):
                for word in WordPieceNormalizer.preTokenize(normalizer.normalize(s)) {
                    appendPieces(of: word, to: &pieces)
                }
            }
        }
        let reserved = addSpecialTokens ? 2 : 0
        if let maxLength {
            let keep = max(0, maxLength - reserved)
            if pieces.count > keep { pieces.removeSubrange(keep...) }
        }
        return addSpecialTokens ? [clsID] + pieces + [sepID] : pieces
    }

    /// The vocabulary strings of `text`'s pieces, without special tokens added (`["play", "##ing"]`).
    public func tokenize(_ text: String) -> [String] {
        encode(text, addSpecialTokens: false, maxLength: nil).map(tokenString)
    }

    /// Appends the WordPiece ids of one pre-tokenised word.
    private func appendPieces(of word: String, to out: inout [Int32]) {
        let bytes = Array(word.utf8)
        // Byte offset where each Unicode scalar starts, plus the end.
        var bounds = [Int]()
        bounds.reserveCapacity(bytes.count + 1)
        for (i, b) in bytes.enumerated() where b & 0xC0 != 0x80 { bounds.append(i) }
        bounds.append(bytes.count)
        let chars = bounds.count - 1
        guard chars > 0 else { return }
        guard chars <= maxInputCharsPerWord else {
            out.append(unknownID)
            return
        }
        var found = [Int32]()
        var start = 0
        var candidate = [UInt8]()
        candidate.reserveCapacity(bytes.count + prefixBytes.count)
        while start < chars {
            var end = chars
            var match: Int32?
            while start < end {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: prefixBytes) }
                candidate.append(contentsOf: bytes[bounds[start] ..< bounds[end]])
                if let id = ids[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else {
                out.append(unknownID)
                return
            }
            found.append(match)
            start = end
        }
        out.append(contentsOf: found)
    }

    private enum Segment {
        case text(String)
        case special(Int32)
    }

    /// Splits `text` around the special-token strings it contains (leftmost, longest match).
    private func splitSpecialTokens(_ text: String) -> [Segment] {
        guard !specialTokens.isEmpty else { return [.text(text)] }
        let bytes = Array(text.utf8)
        var segments: [Segment] = []
        var textStart = 0
        var i = 0
        while i < bytes.count {
            var matched: (length: Int, id: Int32)?
            for (token, id) in specialTokens where token.count <= bytes.count - i && token.first == bytes[i] {
                if bytes[i ..< i + token.count].elementsEqual(token) {
                    matched = (token.count, id)
                    break
                }
            }
            if let matched {
                if textStart < i { segments.append(.text(String(decoding: bytes[textStart ..< i], as: UTF8.self))) }
                segments.append(.special(matched.id))
                i += matched.length
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < bytes.count { segments.append(.text(String(decoding: bytes[textStart...], as: UTF8.self))) }
        return segments
    }

    /// The text of `ids` as Hugging Face's WordPiece decoder gives it: special tokens skipped,
    /// pieces joined with spaces except `##` continuations, and spaces before `. , ? !` and
    /// English contractions removed.
    public func decode(_ ids: [Int32]) -> String {
        var out = ""
        var first = true
        for id in ids where !specialIDs.contains(id) {
            var piece = tokenString(id)
            if !first {
                if piece.hasPrefix(continuationPrefix) {
                    piece.removeFirst(continuationPrefix.count)
                } else {
                    piece = " " + piece
                }
            }
            first = false
            out += Self.cleanup(piece)
        }
        return out
    }

    /// Hugging Face's `cleanup` of decoded WordPiece text.
    static func cleanup(_ s: String) -> String {
        guard s.hasPrefix(" ") else { return s }
        let rules: [(String, String)] = [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ]
        var out = s
        for (from, to) in rules where out.contains(from) {
            out = out.replacing(from, with: to)
        }
        return out
    }

    /// The vocabulary string of token `id` (`"##ing"`, `"[CLS]"`); `"<id N>"` outside the vocabulary.
    public func tokenString(_ id: Int32) -> String {
        guard id >= 0, Int(id) < vocabulary.count else { return "<id \(id)>" }
        return vocabulary[Int(id)]
    }

    /// The UTF-8 bytes of the text token `id` stands for: its vocabulary string without the
    /// continuation prefix (empty for an id outside the vocabulary).
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        let s = vocabulary[Int(id)]
        return s.hasPrefix(continuationPrefix) && s != continuationPrefix
            ? Array(s.utf8.dropFirst(prefixBytes.count)) : Array(s.utf8)
    }

    /// BERT starts every sequence with `[CLS]`.
    public var bosID: Int32? { clsID }
    /// BERT ends every sequence with `[SEP]`.
    public var eosID: Int32? { sepID }
    /// `[SEP]`.
    public var eosIDs: Set<Int32> { [sepID] }
}
