import Foundation

/// GPT-2-style byte-level BPE (`tokenizer.ggml.model` = `"gpt2"`), as used by SmolLM2 and Qwen2.
///
/// Encoding: special tokens (control and user-defined tokens such as `<|im_start|>`) are cut out
/// of the text first, longest match first, and never split; the rest is normalized (NFC for
/// Qwen2, as its Hugging Face tokenizer does), pre-tokenized by ``PreTokenizer``, mapped to the
/// byte-level alphabet and merged by rank.
public struct ByteLevelBPETokenizer: Tokenizer {
    /// The vocabulary this tokenizer was built from.
    public let vocabulary: TokenizerVocabulary
    /// The pre-tokenizer selected by `tokenizer.ggml.pre`.
    public let preTokenizer: PreTokenizer
    /// `tokenizer.ggml.bos_token_id`.
    public let bosID: Int32?
    /// `tokenizer.ggml.eos_token_id`.
    public let eosID: Int32?
    /// ``eosID`` plus the vocabulary's end-of-turn tokens (see ``endOfGenerationTokens``).
    public let eosIDs: Set<Int32>
    /// Ids of control tokens (`token_type` 3), which ``decode(_:skipSpecialTokens:)`` can drop.
    public let controlIDs: Set<Int32>

    private let merger: BPEMerger
    /// Id of the one-byte token for each byte (the unknown id, or -1 to drop the byte, when absent).
    private let byteIDs: [Int32]
    /// Raw bytes of every token, concatenated; token `i` is `tokenBytes[tokenOffsets[i]..<tokenOffsets[i+1]]`.
    private let tokenByteStorage: [UInt8]
    private let tokenOffsets: [Int]
    /// Special tokens matched in text, longest first, bucketed by their first byte.
    private let specials: SpecialTokenMatcher
    /// Token lookup for pre-tokenizers whose pieces are first looked up whole (`ignore_merges`).
    private let wholePieceIndex: TokenIndex?
    private let normalizeNFC: Bool

    /// Strings that end a turn or the text, added to ``eosIDs`` when the vocabulary has them as
    /// control or user-defined tokens.
    public static let endOfGenerationTokens: Set<String> = [
        "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "<|eom_id|>", "<end_of_turn>", "<|end|>", "<EOT>",
    ]

    /// Builds the tokenizer.
    /// - Throws: ``TokenizerError`` naming the field at fault (unsupported model or pre-tokenizer,
    ///   array length mismatch, merges that refer to missing tokens, missing byte tokens).
    public init(_ vocab: TokenizerVocabulary) throws {
        try vocab.validate()
        guard vocab.model == "gpt2" else { throw TokenizerError.unsupportedModel(vocab.model, supported: ["gpt2"]) }
        guard let pre = PreTokenizer.named(vocab.pre) else {
            throw TokenizerError.unsupportedPreTokenizer(vocab.pre, supported: PreTokenizer.supportedNames)
        }
        guard !vocab.merges.isEmpty else { throw TokenizerError.missingField("tokenizer.ggml.merges") }
        vocabulary = vocab
        preTokenizer = pre
        normalizeNFC = pre == .qwen2
        bosID = vocab.bosID
        eosID = vocab.eosID

        let index = TokenIndex(vocab.tokens)

        // Bytes without a token (SmolLM2 lacks a few that never occur in UTF-8 text, such as 0xFF)
        // become the unknown token, as in Hugging Face's BPE, or are dropped when there is none.
        var byteIDs = [Int32](repeating: vocab.unknownID ?? -1, count: 256)
        var knownBytes = 0
        for b in 0..<256 {
            if let id = index.id(String(ByteLevel.byteToScalar[b])) {
                byteIDs[b] = id
                knownBytes += 1
            }
        }
        // A vocabulary missing most of the byte alphabet is not a byte-level one.
        if knownBytes < 128, let b = byteIDs.firstIndex(where: { $0 < 0 }) ?? byteIDs.indices.first {
            throw TokenizerError.missingByteToken(byte: UInt8(b), symbol: String(ByteLevel.byteToScalar[b]))
        }
        self.byteIDs = byteIDs

        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(vocab.merges.count)
        for (rank, m) in vocab.merges.enumerated() {
            var m = m
            let entry: Result<(key: UInt64, value: UInt64), TokenizerError> = m.withUTF8 { u in
                guard let space = u.firstIndex(of: 0x20) else {
                    return .failure(.invalidMerge(index: rank, merge: String(decoding: u, as: UTF8.self),
                                                  reason: "expected two tokens separated by a space"))
                }
                let left = UnsafeBufferPointer(rebasing: u[..<space]), right = UnsafeBufferPointer(rebasing: u[(space + 1)...])
                func missing(_ what: String) -> Result<(key: UInt64, value: UInt64), TokenizerError> {
                    .failure(.invalidMerge(index: rank, merge: String(decoding: u, as: UTF8.self), reason: "'\(what)' is not a token"))
                }
                guard let l = index.id(left) else { return missing(String(decoding: left, as: UTF8.self)) }
                guard let r = index.id(right) else { return missing(String(decoding: right, as: UTF8.self)) }
                guard let merged = index.id(left, right) else {
                    return missing(String(decoding: left, as: UTF8.self) + String(decoding: right, as: UTF8.self))
                }
                let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
                let value = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
                return .success((key, value))
            }
            let (key, value) = try entry.get()
            // A repeated merge keeps its first (best) rank.
            if table[key] == nil { table[key] = value }
        }
        merger = BPEMerger(merges: table)

        var storage: [UInt8] = []
        var offsets: [Int] = [0]
        offsets.reserveCapacity(vocab.tokens.count + 1)
        var specials: [(text: String, id: Int32)] = []
        var control: Set<Int32> = []
        var eos: Set<Int32> = []
        if let e = vocab.eosID { eos.insert(e) }
        for (i, t) in vocab.tokens.enumerated() {
            let type = vocab.tokenType(i)
            switch type {
            case .control, .userDefined, .unknown, .unused:
                // Added tokens are stored as plain text, not in the byte-level alphabet.
                storage.append(contentsOf: t.utf8)
                if type == .control || type == .userDefined, !t.isEmpty {
                    specials.append((t, Int32(i)))
                    if Self.endOfGenerationTokens.contains(t) { eos.insert(Int32(i)) }
                }
                if type == .control { control.insert(Int32(i)) }
            case .normal, .byte, .undefined:
                storage.append(contentsOf: ByteLevel.decode(t))
            }
            offsets.append(storage.count)
        }
        self.specials = SpecialTokenMatcher(specials)
        tokenByteStorage = storage
        tokenOffsets = offsets
        controlIDs = control
        eosIDs = eos
        wholePieceIndex = pre == .llama3 ? index : nil
    }

    /// Number of token ids (`tokenizer.ggml.tokens.count`).
    public var vocabularySize: Int { vocabulary.tokens.count }

    // MARK: Encoding

    /// Token ids of `text`; special-token strings become their ids, and `addSpecialTokens` adds
    /// BOS/EOS as `add_bos_token`/`add_eos_token` ask.
    public func encode(_ text: String, addSpecialTokens: Bool) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        if addSpecialTokens, vocabulary.addBOS, let bosID { out.append(bosID) }
        specials.split(Array(text.utf8), ordinary: { encodeOrdinary($0, into: &out) }, special: { out.append($0) })
        if addSpecialTokens, vocabulary.addEOS, let eosID { out.append(eosID) }
        return out
    }

    /// Encodes text that holds no special tokens.
    private func encodeOrdinary(_ bytes: ArraySlice<UInt8>, into out: inout [Int32]) {
        if bytes.isEmpty { return }
        var text = ScalarText(utf8: bytes)
        if normalizeNFC, text.scalars.contains(where: { $0 >= 0x300 }) {
            let s = String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping
            text = ScalarText(utf8: Array(s.utf8)[...])
        }
        let bounds = preTokenizer.split(text)
        for k in 0..<(bounds.count - 1) {
            let piece = text.utf8[text.offsets[bounds[k]]..<text.offsets[bounds[k + 1]]]
            if let wholePieceIndex, let id = wholePieceIndex.id(ByteLevel.encode(piece)) {
                out.append(id)
                continue
            }
            merger.merge(piece: piece, byteIDs: byteIDs, into: &out)
        }
    }

    // MARK: Decoding

    /// The raw bytes of token `id` (special tokens: their UTF-8 text); empty outside the vocabulary.
    public func tokenBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < vocabularySize else { return [] }
        return Array(tokenByteStorage[tokenOffsets[Int(id)]..<tokenOffsets[Int(id) + 1]])
    }

    /// The text of `ids`, special tokens included; ids outside the vocabulary are skipped.
    public func decode(_ ids: [Int32]) -> String {
        decode(ids, skipSpecialTokens: false)
    }

    /// The text of `ids`, optionally leaving out control tokens such as `<|im_end|>`.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < vocabularySize {
            if skipSpecialTokens && controlIDs.contains(id) { continue }
            bytes.append(contentsOf: tokenByteStorage[tokenOffsets[Int(id)]..<tokenOffsets[Int(id) + 1]])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Display form of token `id`: its decoded text, invalid UTF-8 bytes shown as `<0xXX>`.
    public func tokenString(_ id: Int32) -> String {
        UTF8Validation.displayString(tokenBytes(id))
    }
}
