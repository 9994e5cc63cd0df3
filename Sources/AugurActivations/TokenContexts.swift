import AugurModels
import AugurTokenizers

/// Packs documents into fixed-length token contexts, streaming.
///
/// Packing: each document is tokenized without special tokens and the documents are
/// concatenated, each followed by the tokenizer's EOS token (when it has one), into one token
/// stream that is cut into consecutive chunks. When the model adds BOS (`addsBOS`), every
/// context is BOS followed by `contextLength − 1` stream tokens; otherwise it is
/// `contextLength` stream tokens. A trailing partial chunk is dropped. With a token budget,
/// production stops after `ceil(budget / contextLength)` contexts. Only the documents being
/// packed are tokenized at a time, so memory stays bounded.
public struct TokenContexts: Sequence, IteratorProtocol {
    let documents: [String]
    let tokenizer: any Tokenizer
    let bos: Int32?
    let eos: Int32?
    /// Tokens per context.
    public let contextLength: Int
    /// The most contexts this will produce (nil: until the documents run out).
    public let maxContexts: Int?
    var nextDocument = 0
    var pending: [Int32] = []
    var pendingStart = 0
    /// How many contexts have been produced so far.
    public private(set) var produced = 0

    /// Contexts of `documents` for `model`'s tokenizer and BOS convention.
    /// - Parameter tokenBudget: stop after this many tokens (rounded up to whole contexts).
    public init(documents: [String], model: any LanguageModel, contextLength: Int = 256, tokenBudget: Int? = nil) throws {
        try self.init(documents: documents, tokenizer: model.tokenizer, addsBOS: model.addsBOS,
                      contextLength: contextLength, tokenBudget: tokenBudget)
    }

    /// Contexts of `documents` for a tokenizer and BOS convention.
    public init(documents: [String], tokenizer: any Tokenizer, addsBOS: Bool, contextLength: Int = 256, tokenBudget: Int? = nil) throws {
        let bos = addsBOS ? tokenizer.bosID : nil
        guard contextLength >= (bos == nil ? 1 : 2) else {
            throw ActivationsError.badArgument("context length \(contextLength) is too short")
        }
        if let b = tokenBudget, b <= 0 { throw ActivationsError.badArgument("token budget must be positive, got \(b)") }
        self.documents = documents
        self.tokenizer = tokenizer
        self.bos = bos
        self.eos = tokenizer.eosID
        self.contextLength = contextLength
        self.maxContexts = tokenBudget.map { ($0 + contextLength - 1) / contextLength }
    }

    /// The next context, or nil when the budget or the documents are exhausted.
    public mutating func next() -> [Int32]? {
        if let m = maxContexts, produced >= m { return nil }
        let body = contextLength - (bos == nil ? 0 : 1)
        while pending.count - pendingStart < body {
            guard nextDocument < documents.count else { return nil }
            if pendingStart > 0 { pending.removeFirst(pendingStart); pendingStart = 0 }
            pending += tokenizer.encode(documents[nextDocument], addSpecialTokens: false)
            if let eos { pending.append(eos) }
            nextDocument += 1
        }
        var ctx: [Int32] = []
        ctx.reserveCapacity(contextLength)
        if let bos { ctx.append(bos) }
        ctx += pending[pendingStart ..< pendingStart + body]
        pendingStart += body
        produced += 1
        return ctx
    }

    /// Skips `n` contexts (used to resume).
    public mutating func skip(_ n: Int) {
        for _ in 0 ..< n where next() != nil {}
    }
}
