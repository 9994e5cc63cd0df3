import Foundation

/// Reads a latent cache written by ``LatentCacheWriter``.
public struct LatentCache: Sendable {
    /// Cache folder.
    public let directory: URL
    public let manifest: LatentCacheManifest
    public let progress: LatentCacheProgress

    /// Opens the cache in `directory`.
    public init(directory: URL) throws {
        self.directory = directory
        manifest = try CacheFiles.readJSON(LatentCacheManifest.self, from: directory.appendingPathComponent(CacheFiles.manifest))
        progress = try CacheFiles.readJSON(LatentCacheProgress.self, from: directory.appendingPathComponent(CacheFiles.progress))
    }

    public var spec: LatentCacheSpec { manifest.spec }
    /// Number of cached sequences (contexts).
    public var sequenceCount: Int { progress.sequencesDone }

    /// The tokens of sequence `sequence`.
    public func tokens(sequence: Int) throws -> [Int32] {
        guard sequence >= 0, sequence < sequenceCount else {
            throw ActivationsError.badArgument("sequence \(sequence) out of range 0..<\(sequenceCount)")
        }
        let url = directory.appendingPathComponent(CacheFiles.tokens)
        guard let h = FileHandle(forReadingAtPath: url.path) else { throw ActivationsError.unreadable(file: url.path, detail: "cannot open") }
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(sequence * spec.contextLength * 4))
        let data = try h.read(upToCount: spec.contextLength * 4) ?? Data()
        guard data.count == spec.contextLength * 4 else {
            throw ActivationsError.corruptCache(path: url.path, detail: "short read at sequence \(sequence)")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
    }

    /// All cached entries of `latent` in (sequence, position) order; reads only its shard.
    public func entries(latent: Int) throws -> [LatentEntry] {
        guard latent >= 0, latent < spec.numLatents else {
            throw ActivationsError.badArgument("latent \(latent) out of range 0..<\(spec.numLatents)")
        }
        var out: [LatentEntry] = []
        try Self.scanShard(directory: directory, shard: latent / spec.shardLatents, bytes: progress.shardBytes[latent / spec.shardLatents]) { seq, pos, value, lat in
            if lat == latent { out.append(LatentEntry(sequence: seq, position: pos, value: value)) }
        }
        return out
    }

    /// The entries of every latent in `latents`, each in (sequence, position) order, reading each
    /// shard the range touches once — for consumers that walk many latents (memory grows with the
    /// entries of the range, so pick ranges accordingly).
    public func entries(latents: Range<Int>) throws -> [[LatentEntry]] {
        guard latents.lowerBound >= 0, latents.upperBound <= spec.numLatents else {
            throw ActivationsError.badArgument("latents \(latents) out of range 0..<\(spec.numLatents)")
        }
        var out = Array(repeating: [LatentEntry](), count: latents.count)
        guard !latents.isEmpty else { return out }
        for shard in latents.lowerBound / spec.shardLatents ... (latents.upperBound - 1) / spec.shardLatents {
            try Self.scanShard(directory: directory, shard: shard, bytes: progress.shardBytes[shard]) { seq, pos, value, lat in
                if latents.contains(lat) { out[lat - latents.lowerBound].append(LatentEntry(sequence: seq, position: pos, value: value)) }
            }
        }
        return out
    }

    /// The per-latent statistics (`stats.json`; computed from the shards if the cache is incomplete).
    public func statistics() throws -> LatentStatistics {
        let url = directory.appendingPathComponent(CacheFiles.stats)
        if progress.complete, FileManager.default.fileExists(atPath: url.path) {
            return try CacheFiles.readJSON(LatentStatistics.self, from: url)
        }
        return try Self.computeStatistics(directory: directory, spec: spec, tokens: progress.recordedTokens(spec), shardBytes: progress.shardBytes)
    }

    /// A JSON-ready summary: tokens, sequences, latents, dead latents, density percentiles.
    public func summary() throws -> [String: Any] {
        let stats = try statistics()
        let d = stats.densities.sorted()
        func pct(_ p: Double) -> Double { d.isEmpty ? 0 : d[min(d.count - 1, Int((p / 100 * Double(d.count - 1)).rounded()))] }
        return [
            "model": spec.model, "hook": spec.hook, "coder": spec.coder, "corpus": spec.corpus,
            "contextLength": spec.contextLength, "sequences": sequenceCount, "tokens": progress.tokensDone,
            "complete": progress.complete, "latents": spec.numLatents,
            "deadLatents": stats.counts.filter { $0 == 0 }.count,
            "entries": stats.counts.reduce(0, +),
            "densityPercentiles": ["p0": pct(0), "p10": pct(10), "p50": pct(50), "p90": pct(90), "p99": pct(99), "p100": pct(100)],
        ]
    }

    /// Calls `body(sequence, position, value, latent)` for each committed entry of one shard.
    static func scanShard(directory: URL, shard: Int, bytes: Int, _ body: (Int, Int, Float, Int) -> Void) throws {
        let url = directory.appendingPathComponent(CacheFiles.shard(shard))
        guard let h = FileHandle(forReadingAtPath: url.path) else { throw ActivationsError.unreadable(file: url.path, detail: "cannot open") }
        defer { try? h.close() }
        let entryBytes = CacheFiles.entryWords * 2
        var remaining = bytes
        while remaining > 0 {
            let want = min(remaining, entryBytes * 65536)
            guard let data = try h.read(upToCount: want), data.count == want else {
                throw ActivationsError.corruptCache(path: url.path, detail: "shorter than the committed \(bytes) bytes")
            }
            remaining -= want
            data.withUnsafeBytes { raw in
                let w = raw.bindMemory(to: UInt16.self)
                for e in 0 ..< want / entryBytes {
                    let o = e * CacheFiles.entryWords
                    body(Int(UInt32(w[o]) | UInt32(w[o + 1]) << 16), Int(w[o + 2]), Float(Float16(bitPattern: w[o + 3])),
                         Int(UInt32(w[o + 4]) | UInt32(w[o + 5]) << 16))
                }
            }
        }
    }

    /// Statistics from the shard files (two passes per shard: counts and maxima, then histograms).
    static func computeStatistics(directory: URL, spec: LatentCacheSpec, tokens: Int, shardBytes: [Int]? = nil) throws -> LatentStatistics {
        let n = spec.numLatents, bins = LatentStatistics.bins
        var counts = Array(repeating: 0, count: n), maxima = Array(repeating: Float(0), count: n)
        var sums = Array(repeating: Double(0), count: n), hist = Array(repeating: Array(repeating: 0, count: bins), count: n)
        let progress = try shardBytes ?? CacheFiles.readJSON(LatentCacheProgress.self, from: directory.appendingPathComponent(CacheFiles.progress)).shardBytes
        for s in 0 ..< spec.shardCount {
            try scanShard(directory: directory, shard: s, bytes: progress[s]) { _, _, v, l in
                counts[l] += 1; sums[l] += Double(v); maxima[l] = max(maxima[l], v)
            }
            try scanShard(directory: directory, shard: s, bytes: progress[s]) { _, _, v, l in
                let m = maxima[l]
                let b = m > 0 ? min(bins - 1, max(0, Int(v / m * Float(bins)))) : 0
                hist[l][b] += 1
            }
        }
        let means = (0 ..< n).map { counts[$0] == 0 ? Float(0) : Float(sums[$0] / Double(counts[$0])) }
        return LatentStatistics(tokens: tokens, counts: counts, maxima: maxima, means: means, histograms: hist)
    }
}
