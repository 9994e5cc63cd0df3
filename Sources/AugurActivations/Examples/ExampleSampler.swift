import AugurTensor
import AugurTokenizers
import Foundation

/// Draws the examples of latents from a ``LatentCache``: training examples for the explainer,
/// held-out activating examples by quantile and non-activating examples for the scorers
/// (see ``ExampleConfig`` for the rules and defaults).
///
/// Records carry the window's tokens as text (each id decoded on its own with
/// `Tokenizer.tokenString`, so a byte-level token holding part of a UTF-8 character shows as
/// `<0xXX>` instead of breaking the text), the token ids, the latent's activation at every token
/// (0 where it is off) and the window's place in the cache.
///
/// Results are deterministic for a seed, and a latent's examples do not depend on which other
/// latents are sampled in the same call. Not thread-safe (it keeps an open token file and caches);
/// use one sampler per thread.
public final class ExampleSampler {
    /// The cache sampled from.
    public let cache: LatentCache
    /// Turns token ids into text.
    public let tokenizer: any Tokenizer
    /// The sampling rules.
    public let config: ExampleConfig
    /// Nearest latents by decoder direction, for ``NonActivatingSource/nearest(count:)``.
    public let neighbours: DecoderNeighbours?
    /// Windows per cached context.
    public let windowsPerSequence: Int
    private let reader: TokenFileReader
    private var tokenStrings: [Int32: String] = [:]

    /// A sampler over `cache`.
    ///
    /// - Parameter neighbours: required for ``NonActivatingSource/nearest(count:)``; its latent
    ///   count must be the cache's.
    public init(cache: LatentCache, tokenizer: any Tokenizer, config: ExampleConfig = ExampleConfig(),
                neighbours: DecoderNeighbours? = nil) throws {
        try config.validate(contextLength: cache.spec.contextLength)
        if case .nearest = config.nonActivating, neighbours == nil {
            throw ActivationsError.badArgument("nearest-neighbour hard negatives need decoder neighbours (DecoderNeighbours(coder:))")
        }
        if let neighbours, neighbours.numLatents != cache.spec.numLatents {
            throw ActivationsError.badArgument("decoder neighbours cover \(neighbours.numLatents) latents, the cache has \(cache.spec.numLatents)")
        }
        if case .hard(let list) = config.nonActivating, let bad = list.first(where: { $0 < 0 || $0 >= cache.spec.numLatents }) {
            throw ActivationsError.badArgument("neighbour latent \(bad) is out of range 0..<\(cache.spec.numLatents)")
        }
        self.cache = cache
        self.tokenizer = tokenizer
        self.config = config
        self.neighbours = neighbours
        windowsPerSequence = cache.spec.contextLength / config.windowLength
        reader = try TokenFileReader(cache: cache)
    }

    /// Windows in the cache.
    public var totalWindows: Int { cache.sequenceCount * windowsPerSequence }

    /// The examples of one latent (reads its shard, and its neighbours' shards for hard negatives).
    public func sample(latent: Int) throws -> SampledFeature {
        try sample(latents: [latent])[0]
    }

    /// The examples of every latent in `latents`, in order (duplicates allowed), reading each shard
    /// the latents and their hard-negative neighbours touch once. Memory grows with the cached
    /// entries of the latents in one call, so callers walking a large selection pass it in chunks
    /// (a few hundred latents at a time).
    public func sample(latents: [Int]) throws -> [SampledFeature] {
        let n = cache.spec.numLatents
        if let bad = latents.first(where: { $0 < 0 || $0 >= n }) {
            throw ActivationsError.badArgument("latent \(bad) is out of range: this cache has \(n) latents (0-\(n - 1))")
        }
        let own = Array(Set(latents)).sorted()
        var hardLists: [Int: [Int]] = [:]
        for l in own {
            switch config.nonActivating {
            case .random: break
            case .hard(let list): hardLists[l] = list.filter { $0 != l }
            case .nearest(let count): hardLists[l] = try neighbours?.nearest(to: l, count: count) ?? []
            }
        }
        let others = Array(Set(hardLists.values.flatMap { $0 })).sorted()

        // One pass over each touched shard.
        var ownSlot = [Int32](repeating: -1, count: n), otherSlot = [Int32](repeating: -1, count: n)
        for (i, l) in own.enumerated() { ownSlot[l] = Int32(i) }
        for (i, l) in others.enumerated() { otherSlot[l] = Int32(i) }
        var hits = Array(repeating: [CacheHit](), count: own.count)
        var otherFiring = Array(repeating: Set<Int>(), count: others.count)
        let L = config.windowLength, wps = windowsPerSequence
        let shards = Set((own + others).map { $0 / cache.spec.shardLatents }).sorted()
        for s in shards {
            try LatentCache.scanShard(directory: cache.directory, shard: s, bytes: cache.progress.shardBytes[s]) { seq, pos, value, lat in
                let o = ownSlot[lat]
                if o >= 0 { hits[Int(o)].append(CacheHit(sequence: UInt32(seq), position: UInt16(pos), value: value)) }
                let h = otherSlot[lat]
                if h >= 0, value > 0, pos / L < wps { otherFiring[Int(h)].insert(seq * wps + pos / L) }
            }
        }

        var results: [Int: SampledFeature] = [:]
        for (i, l) in own.enumerated() {
            let firing = (hardLists[l] ?? []).reduce(into: Set<Int>()) { $0.formUnion(otherFiring[Int(otherSlot[$1])]) }
            results[l] = try sample(latent: l, hits: hits[i], hardCandidates: firing.sorted())
        }
        return latents.compactMap { results[$0] }
    }

    /// The examples of every latent in a contiguous range (see ``sample(latents:)-([Int])``).
    public func sample(latents: Range<Int>) throws -> [SampledFeature] {
        try sample(latents: Array(latents))
    }

    /// The random stream of one latent.
    func rng(latent: Int) -> SplitMix64 {
        var g = SplitMix64(seed: config.seed ^ (UInt64(latent) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        _ = g.next()
        return g
    }

    func sample(latent: Int, hits: [CacheHit], hardCandidates: [Int]) throws -> SampledFeature {
        let windows = LatentWindows(hits: hits, windowLength: config.windowLength, windowsPerSequence: windowsPerSequence)
        let count = windows.activating.count
        guard count >= config.minActivatingWindows else {
            let reason = count == 0 ? "never fires in the cache (\(cache.progress.tokensDone) tokens)"
                : "only \(count) activating windows (minimum \(config.minActivatingWindows))"
            return .skipped(latent: latent, reason: reason, activatingWindows: count)
        }
        var g = rng(latent: latent)
        let draw = WindowSampling.draw(windows, config: config, totalWindows: totalWindows, hardCandidates: hardCandidates, &g)

        // The latent's activations in the chosen windows.
        var chosen = Set(draw.train.map(\.key))
        chosen.formUnion(draw.test.map(\.key)); chosen.formUnion(draw.negatives.map(\.key))
        var acts: [Int: [Float]] = [:]
        for h in hits {
            let w = Int(h.position) / config.windowLength
            guard w < windowsPerSequence else { continue }
            let key = Int(h.sequence) * windowsPerSequence + w
            guard chosen.contains(key) else { continue }
            acts[key, default: Array(repeating: 0, count: config.windowLength)][Int(h.position) % config.windowLength] = h.value
        }
        func record(_ key: Int, quantile: Int? = nil, kind: NonActivatingKind? = nil) throws -> ActivationRecord {
            let seq = key / windowsPerSequence, start = (key % windowsPerSequence) * config.windowLength
            let ids = Array(try reader.tokens(seq)[start ..< start + config.windowLength])
            return ActivationRecord(tokens: ids.map(tokenString), activations: acts[key] ?? Array(repeating: 0, count: config.windowLength),
                                    tokenIDs: ids, source: RecordSource(sequence: seq, start: start), quantile: quantile,
                                    nonActivatingKind: kind)
        }
        let examples = FeatureExamples(
            id: "\(cache.spec.hook)/\(latent)",
            train: try draw.train.map { try record($0.key, quantile: $0.quantile) },
            test: try draw.test.map { try record($0.key, quantile: $0.quantile) },
            nonActivating: try draw.negatives.map { try record($0.key, kind: $0.kind) })
        return .examples(latent: latent, examples)
    }

    /// The display text of one token (memoized).
    func tokenString(_ id: Int32) -> String {
        if let s = tokenStrings[id] { return s }
        let s = tokenizer.tokenString(id)
        tokenStrings[id] = s
        return s
    }
}

/// Reads contexts from a cache's token file through one open handle, keeping recent ones.
final class TokenFileReader {
    let path: String
    let contextLength: Int
    let sequenceCount: Int
    private let handle: FileHandle
    private var recent: [Int: [Int32]] = [:]

    init(cache: LatentCache) throws {
        path = cache.directory.appendingPathComponent(CacheFiles.tokens).path
        contextLength = cache.spec.contextLength
        sequenceCount = cache.sequenceCount
        guard let h = FileHandle(forReadingAtPath: path) else { throw ActivationsError.unreadable(file: path, detail: "cannot open") }
        handle = h
    }

    deinit { try? handle.close() }

    /// The tokens of sequence `sequence`.
    func tokens(_ sequence: Int) throws -> [Int32] {
        if let t = recent[sequence] { return t }
        guard sequence >= 0, sequence < sequenceCount else {
            throw ActivationsError.badArgument("sequence \(sequence) out of range 0..<\(sequenceCount)")
        }
        try handle.seek(toOffset: UInt64(sequence * contextLength * 4))
        let data = try handle.read(upToCount: contextLength * 4) ?? Data()
        guard data.count == contextLength * 4 else {
            throw ActivationsError.corruptCache(path: path, detail: "short read at sequence \(sequence)")
        }
        let t = data.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        if recent.count >= 1024 { recent.removeAll(keepingCapacity: true) }
        recent[sequence] = t
        return t
    }
}
