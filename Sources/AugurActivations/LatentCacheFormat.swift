import Foundation

/// What a latent cache was made from; a rerun must match it exactly to resume.
public struct LatentCacheSpec: Codable, Equatable, Sendable {
    /// Model name or path.
    public var model: String
    /// Hook point name, e.g. `blocks.15.hook_resid_post`.
    public var hook: String
    /// Description of the coder (e.g. `neurons(topk=32)` or an SAE path).
    public var coder: String
    /// Feature count.
    public var numLatents: Int
    /// Corpus name or path.
    public var corpus: String
    /// Shuffle seed of the corpus.
    public var seed: UInt64
    /// Fraction of the shuffled documents held out (not cached; see ``Corpus/split(seed:heldOutFraction:)``).
    public var heldOutFraction: Double
    /// Tokens per context.
    public var contextLength: Int
    /// Token budget (nil: the whole corpus).
    public var tokenBudget: Int?
    /// Contexts per forward pass (also the commit granularity).
    public var batchSequences: Int
    /// Latents per shard file.
    public var shardLatents: Int
    /// Leading positions of each context whose activations are not recorded (position 0 is the
    /// attention sink; see ``ActivationStream``). Its tokens are still stored.
    public var skipPositions: Int

    public init(model: String, hook: String, coder: String, numLatents: Int, corpus: String, seed: UInt64 = 0, heldOutFraction: Double = 0,
                contextLength: Int = 256, tokenBudget: Int? = nil, batchSequences: Int = 8, shardLatents: Int = 1024,
                skipPositions: Int = 1) {
        self.model = model; self.hook = hook; self.coder = coder; self.numLatents = numLatents
        self.corpus = corpus; self.seed = seed; self.heldOutFraction = heldOutFraction; self.contextLength = contextLength; self.tokenBudget = tokenBudget
        self.batchSequences = batchSequences; self.shardLatents = shardLatents; self.skipPositions = skipPositions
    }

    /// Number of shard files.
    public var shardCount: Int { (numLatents + shardLatents - 1) / shardLatents }

    /// The first field that differs from `other`, for error messages.
    func difference(from other: LatentCacheSpec) -> String {
        let a = Mirror(reflecting: self).children, b = Mirror(reflecting: other).children
        for (x, y) in zip(a, b) where "\(x.value)" != "\(y.value)" {
            return "\(x.label ?? "?"): cached \(y.value), requested \(x.value)"
        }
        return "same"
    }
}

extension LatentCacheProgress {
    /// Token positions whose activations were recorded (all but the skipped leading positions).
    public func recordedTokens(_ spec: LatentCacheSpec) -> Int {
        tokensDone - sequencesDone * min(spec.skipPositions, spec.contextLength)
    }
}

/// `manifest.json` of a latent cache.
public struct LatentCacheManifest: Codable, Sendable {
    /// Layout version of the files.
    public var format = 2
    /// augur version that created the cache.
    public var augurVersion: String
    /// The exact command-line arguments (informational).
    public var arguments: [String]
    public var spec: LatentCacheSpec
    /// Shard files: `shard-NNNNN.bin`, shard s holding latents [s·shardLatents, (s+1)·shardLatents).
    /// Each entry is 12 bytes little-endian: sequence u32, position u16, value f16, latent u32.
    public var shardLayout = "shard-%05d.bin: (sequence u32, position u16, value f16, latent u32) little-endian, latents [s*shardLatents, (s+1)*shardLatents)"
    /// Tokens file: contexts × contextLength i32 little-endian.
    public var tokensLayout = "tokens.i32: sequences × contextLength i32 little-endian"
}

/// `progress.json`: the state after the last complete batch.
public struct LatentCacheProgress: Codable, Equatable, Sendable {
    /// Contexts (sequences) fully written.
    public var sequencesDone: Int
    /// Tokens fully written.
    public var tokensDone: Int
    /// Committed byte length of each shard.
    public var shardBytes: [Int]
    /// Whether the whole corpus or budget is done (and `stats.json` written).
    public var complete: Bool
}

/// One cached activation of a latent.
public struct LatentEntry: Equatable, Sendable {
    public var sequence: Int
    public var position: Int
    public var value: Float
}

/// Per-latent statistics over the cached tokens.
public struct LatentStatistics: Codable, Equatable, Sendable {
    /// Tokens the statistics are over.
    public var tokens: Int
    /// Non-zero activations per latent.
    public var counts: [Int]
    /// Largest activation per latent (0 if it never fired).
    public var maxima: [Float]
    /// Mean of the non-zero activations per latent (0 if it never fired).
    public var means: [Float]
    /// Histogram of non-zero activations over [0, max] in `bins` equal bins (negative values
    /// count in bin 0).
    public var histograms: [[Int]]
    /// Number of histogram bins.
    public static let bins = 32

    /// Fraction of tokens on which each latent fires.
    public var densities: [Double] { counts.map { tokens == 0 ? 0 : Double($0) / Double(tokens) } }
}

enum CacheFiles {
    static let manifest = "manifest.json"
    static let progress = "progress.json"
    static let tokens = "tokens.i32"
    static let stats = "stats.json"
    static func shard(_ s: Int) -> String { String(format: "shard-%05d.bin", s) }
    static let entryWords = 6 // UInt16 words per entry

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let tmp = url.appendingPathExtension("tmp")
        try enc.encode(value).write(to: tmp)
        if let h = FileHandle(forUpdatingAtPath: tmp.path) { try? h.synchronize(); try? h.close() }
        guard rename(tmp.path, url.path) == 0 else {
            throw ActivationsError.unreadable(file: url.path, detail: "cannot replace (errno \(errno))")
        }
    }

    static func readJSON<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(contentsOf: url)) } catch {
            throw ActivationsError.corruptCache(path: url.path, detail: "\(error)")
        }
    }
}
