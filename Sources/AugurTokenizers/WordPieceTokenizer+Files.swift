import Foundation

extension WordPieceTokenizer {
    /// Reads a Hugging Face `tokenizer.json` whose model is `WordPiece` (normaliser
    /// `BertNormalizer` or none, pre-tokeniser `BertPreTokenizer`); `[CLS]`/`[SEP]` come from the
    /// `TemplateProcessing` or `BertProcessing` post-processor, the special tokens from `added_tokens`.
    public init(huggingFaceJSON path: String) throws(WordPieceError) {
        let data = try Self.read(path)
        let file: HFTokenizerFile
        do {
            file = try JSONDecoder().decode(HFTokenizerFile.self, from: data)
        } catch {
            throw .invalidFile(file: path, reason: "\(error)")
        }
        guard file.model.type == "WordPiece" else {
            throw .invalidFile(file: path, reason: "model.type is '\(file.model.type ?? "missing")', expected 'WordPiece'")
        }
        guard let vocab = file.model.vocab, !vocab.isEmpty else {
            throw .invalidFile(file: path, reason: "model.vocab is missing or empty")
        }
        var tokens = [String?](repeating: nil, count: vocab.count)
        for (token, id) in vocab {
            guard id >= 0, id < vocab.count, tokens[id] == nil else {
                throw .invalidFile(file: path, reason: "model.vocab ids are not 0..<\(vocab.count) each used once (token '\(token)' has id \(id))")
            }
            tokens[id] = token
        }
        let normalizer: WordPieceNormalizer
        switch file.normalizer?.type {
        case nil:
            normalizer = WordPieceNormalizer(cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false)
        case "BertNormalizer"?:
            let n = file.normalizer
            normalizer = WordPieceNormalizer(cleanText: n?.cleanText ?? true, handleChineseChars: n?.handleChineseChars ?? true,
                                             stripAccents: n?.stripAccents, lowercase: n?.lowercase ?? true)
        case let other?:
            throw .invalidFile(file: path, reason: "normalizer.type '\(other)' is not supported (expected BertNormalizer)")
        }
        if let pre = file.preTokenizer?.type, pre != "BertPreTokenizer" {
            throw .invalidFile(file: path, reason: "pre_tokenizer.type '\(pre)' is not supported (expected BertPreTokenizer)")
        }
        var cls = "[CLS]", sep = "[SEP]"
        if let post = file.postProcessor {
            if let c = post.cls?.first, let s = post.sep?.first {
                cls = c
                sep = s
            } else if let single = post.single {
                let specials = single.compactMap(\.specialToken?.id)
                if let first = specials.first, let last = specials.last, specials.count >= 2 {
                    cls = first
                    sep = last
                }
            }
        }
        let specials = (file.addedTokens ?? []).filter { $0.special ?? false }.map(\.content)
        try self.init(vocabulary: tokens.map { $0 ?? "" }, normalizer: normalizer,
                      unknownToken: file.model.unkToken ?? "[UNK]", clsToken: cls, sepToken: sep,
                      continuationPrefix: file.model.continuingSubwordPrefix ?? "##",
                      maxInputCharsPerWord: file.model.maxInputCharsPerWord ?? 100,
                      specialTokens: specials.isEmpty ? nil : specials, source: path)
    }

    /// Reads a BERT `vocab.txt` (one token per line, the line number is the id) and, when given,
    /// the `tokenizer_config.json` beside it (`do_lower_case`, `strip_accents`,
    /// `tokenize_chinese_chars`, `unk_token`, `cls_token`, `sep_token`, `pad_token`, `mask_token`).
    public init(vocabFile: String, configFile: String? = nil) throws(WordPieceError) {
        let text = String(decoding: try Self.read(vocabFile), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw .invalidFile(file: vocabFile, reason: "the vocabulary is empty") }
        var config = BertTokenizerConfig()
        if let configFile {
            do {
                config = try JSONDecoder().decode(BertTokenizerConfig.self, from: try Self.read(configFile))
            } catch let error as WordPieceError {
                throw error
            } catch {
                throw .invalidFile(file: configFile, reason: "\(error)")
            }
        }
        let lowercase = config.doLowerCase ?? true
        let normalizer = WordPieceNormalizer(cleanText: true, handleChineseChars: config.tokenizeChineseChars ?? true,
                                             stripAccents: config.stripAccents, lowercase: lowercase)
        let names = [config.padToken ?? "[PAD]", config.unkToken ?? "[UNK]", config.clsToken ?? "[CLS]",
                     config.sepToken ?? "[SEP]", config.maskToken ?? "[MASK]"]
        let present = Set(lines)
        try self.init(vocabulary: lines, normalizer: normalizer, unknownToken: config.unkToken ?? "[UNK]",
                      clsToken: config.clsToken ?? "[CLS]", sepToken: config.sepToken ?? "[SEP]",
                      padToken: config.padToken ?? "[PAD]", specialTokens: names.filter(present.contains),
                      source: vocabFile)
    }

    private static func read(_ path: String) throws(WordPieceError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .cannotRead(file: path, reason: "\(error)")
        }
    }
}

/// The parts of a Hugging Face `tokenizer.json` a WordPiece tokenizer uses.
private struct HFTokenizerFile: Decodable {
    struct Normalizer: Decodable {
        var type: String?
        var cleanText: Bool?
        var handleChineseChars: Bool?
        var stripAccents: Bool?
        var lowercase: Bool?
        enum CodingKeys: String, CodingKey {
            case type, lowercase
            case cleanText = "clean_text"
            case handleChineseChars = "handle_chinese_chars"
            case stripAccents = "strip_accents"
        }
    }

    struct PreTokenizer: Decodable { var type: String? }

    struct TemplatePiece: Decodable {
        struct Special: Decodable { var id: String }
        var specialToken: Special?
        enum CodingKeys: String, CodingKey { case specialToken = "SpecialToken" }
    }

    /// `TemplateProcessing` (`single`) or `BertProcessing` (`cls`, `sep` as `[token, id]`).
    struct PostProcessor: Decodable {
        var single: [TemplatePiece]?
        var cls: [String]?
        var sep: [String]?

        enum CodingKeys: String, CodingKey { case single, cls, sep }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            single = try? c.decodeIfPresent([TemplatePiece].self, forKey: .single)
            cls = Self.tokenName(c, .cls)
            sep = Self.tokenName(c, .sep)
        }

        /// The string of a `["[CLS]", 101]` pair.
        static func tokenName(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> [String]? {
            guard var pair = try? c.nestedUnkeyedContainer(forKey: key), let name = try? pair.decode(String.self) else {
                return nil
            }
            return [name]
        }
    }

    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int]?
        var unkToken: String?
        var continuingSubwordPrefix: String?
        var maxInputCharsPerWord: Int?
        enum CodingKeys: String, CodingKey {
            case type, vocab
            case unkToken = "unk_token"
            case continuingSubwordPrefix = "continuing_subword_prefix"
            case maxInputCharsPerWord = "max_input_chars_per_word"
        }
    }

    struct AddedToken: Decodable {
        var id: Int
        var content: String
        var special: Bool?
    }

    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var postProcessor: PostProcessor?
    var model: Model
    var addedTokens: [AddedToken]?

    enum CodingKeys: String, CodingKey {
        case normalizer, model
        case preTokenizer = "pre_tokenizer"
        case postProcessor = "post_processor"
        case addedTokens = "added_tokens"
    }
}

/// The fields of a `tokenizer_config.json` that shape BERT tokenisation.
private struct BertTokenizerConfig: Decodable {
    var doLowerCase: Bool?
    var stripAccents: Bool?
    var tokenizeChineseChars: Bool?
    var unkToken: String?
    var clsToken: String?
    var sepToken: String?
    var padToken: String?
    var maskToken: String?

    enum CodingKeys: String, CodingKey {
        case doLowerCase = "do_lower_case"
        case stripAccents = "strip_accents"
        case tokenizeChineseChars = "tokenize_chinese_chars"
        case unkToken = "unk_token"
        case clsToken = "cls_token"
        case sepToken = "sep_token"
        case padToken = "pad_token"
        case maskToken = "mask_token"
    }

    init() {}

    /// Lenient: a field of another type (newer files spell tokens as objects) counts as absent.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        doLowerCase = try? c.decodeIfPresent(Bool.self, forKey: .doLowerCase)
        stripAccents = try? c.decodeIfPresent(Bool.self, forKey: .stripAccents)
        tokenizeChineseChars = try? c.decodeIfPresent(Bool.self, forKey: .tokenizeChineseChars)
        unkToken = try? c.decodeIfPresent(String.self, forKey: .unkToken)
        clsToken = try? c.decodeIfPresent(String.self, forKey: .clsToken)
        sepToken = try? c.decodeIfPresent(String.self, forKey: .sepToken)
        padToken = try? c.decodeIfPresent(String.self, forKey: .padToken)
        maskToken = try? c.decodeIfPresent(String.self, forKey: .maskToken)
    }
}
