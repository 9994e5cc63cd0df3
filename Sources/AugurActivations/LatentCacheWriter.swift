import AugurModels
import AugurSAE
import AugurTensor
import Foundation

/// Builds a latent cache: runs contexts through the model, encodes the hook's activations with
/// a coder and appends the sparse entries to shard files, one batch of contexts at a time.
///
/// Crash safety: after each batch the tokens and shards are flushed to disk and then
/// `progress.json` is atomically replaced with the new committed byte lengths. A rerun with
/// the same spec truncates any bytes past the committed lengths (a batch cut short by a kill)
/// and continues with the next batch, so an interrupted and resumed cache is byte-identical
/// to an uninterrupted one.
public struct LatentCacheWriter {
    /// Cache folder.
    public let directory: URL
    public let spec: LatentCacheSpec

    /// A writer for `spec` into `directory`.
    public init(directory: URL, spec: LatentCacheSpec) {
        self.directory = directory
        self.spec = spec
    }

    /// Builds (or resumes) the cache.
    ///
    /// - Parameters:
    ///   - documents: the corpus documents in the order to use (already shuffled).
    ///   - arguments: recorded in the manifest.
    ///   - force: discard an existing cache made with a different spec instead of refusing.
    ///   - stopAfterBatches: stop (without completing) after this many new batches — for tests.
    ///   - progress: called after each committed batch.
    /// - Returns: the progress after the run.
    @discardableResult
    public func build(model: any LanguageModel, coder: any SparseCoder, hook: HookPoint, documents: [String],
                      arguments: [String] = [], augurVersion: String = "", force: Bool = false,
                      stopAfterBatches: Int? = nil,
                      progress report: ((LatentCacheProgress) -> Void)? = nil) throws -> LatentCacheProgress {
        let fm = FileManager.default
        let width = hook.site == .mlpPost ? model.config.dMLP : model.config.dModel
        guard width == coder.dIn else { throw ActivationsError.widthMismatch(hook: hook.description, width: width, coderWidth: coder.dIn) }
        guard coder.numLatents == spec.numLatents, spec.shardLatents > 0 else {
            throw ActivationsError.badArgument("spec has \(spec.numLatents) latents in shards of \(spec.shardLatents), coder has \(coder.numLatents)")
        }
        guard spec.contextLength <= Int(UInt16.max) else {
            throw ActivationsError.badArgument("context length \(spec.contextLength) exceeds \(UInt16.max)")
        }
        let manifestURL = directory.appendingPathComponent(CacheFiles.manifest)
        let progressURL = directory.appendingPathComponent(CacheFiles.progress)
        var state = LatentCacheProgress(sequencesDone: 0, tokensDone: 0, shardBytes: Array(repeating: 0, count: spec.shardCount), complete: false)
        if fm.fileExists(atPath: manifestURL.path) {
            let old = try CacheFiles.readJSON(LatentCacheManifest.self, from: manifestURL)
            if old.spec != spec {
                guard force else { throw ActivationsError.cacheMismatch(path: directory.path, detail: spec.difference(from: old.spec)) }
                try fm.removeItem(at: directory)
            } else if force {
                try fm.removeItem(at: directory)
            } else if fm.fileExists(atPath: progressURL.path) {
                state = try CacheFiles.readJSON(LatentCacheProgress.self, from: progressURL)
                guard state.shardBytes.count == spec.shardCount else {
                    throw ActivationsError.corruptCache(path: progressURL.path, detail: "\(state.shardBytes.count) shards, expected \(spec.shardCount)")
                }
                if state.complete { return state }
            }
        } else if fm.fileExists(atPath: directory.path),
                  let items = try? fm.contentsOfDirectory(atPath: directory.path), !items.isEmpty {
            guard force else {
                throw ActivationsError.cacheMismatch(path: directory.path, detail: "the folder exists and is not a latent cache")
            }
            try fm.removeItem(at: directory)
        }
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: manifestURL.path) {
            try CacheFiles.writeJSON(LatentCacheManifest(augurVersion: augurVersion, arguments: arguments, spec: spec), to: manifestURL)
            try CacheFiles.writeJSON(state, to: progressURL)
        }
        // Open the data files and cut them back to the committed lengths.
        func open(_ name: String, length: Int) throws -> FileHandle {
            let url = directory.appendingPathComponent(name)
            if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
            guard let h = FileHandle(forUpdatingAtPath: url.path) else {
                throw ActivationsError.unreadable(file: url.path, detail: "cannot open for writing")
            }
            let size = try h.seekToEnd()
            guard size >= UInt64(length) else {
                throw ActivationsError.corruptCache(path: url.path, detail: "\(size) bytes but \(length) committed")
            }
            try h.truncate(atOffset: UInt64(length))
            try h.seek(toOffset: UInt64(length))
            return h
        }
        let tokensFile = try open(CacheFiles.tokens, length: state.tokensDone * 4)
        let shardFiles = try (0 ..< spec.shardCount).map { try open(CacheFiles.shard($0), length: state.shardBytes[$0]) }
        defer { try? tokensFile.close(); for f in shardFiles { try? f.close() } }

        var contexts = try TokenContexts(documents: documents, model: model, contextLength: spec.contextLength, tokenBudget: spec.tokenBudget)
        contexts.skip(state.sequencesDone)
        var stream = try ActivationStream(model: model, hook: hook, contexts: contexts, batchSequences: spec.batchSequences)
        var batches = 0
        while true {
            if let stop = stopAfterBatches, batches >= stop { return state }
            guard let (tokens, acts) = try stream.nextContexts() else { break }
            let rows = tokens.count * spec.contextLength
            let sparse = Self.encode(coder: coder, acts: acts, rows: rows)
            var shards = Array(repeating: [UInt16](), count: spec.shardCount)
            for (r, entries) in sparse.enumerated() {
                let seq = UInt32(state.sequencesDone + r / spec.contextLength)
                let pos = UInt16(r % spec.contextLength)
                if Int(pos) < spec.skipPositions { continue }
                for e in entries {
                    let lat = UInt32(e.latent)
                    let s = Int(lat) / spec.shardLatents
                    shards[s].append(UInt16(truncatingIfNeeded: seq)); shards[s].append(UInt16(truncatingIfNeeded: seq >> 16))
                    shards[s].append(pos); shards[s].append(Float16(e.value).bitPattern)
                    shards[s].append(UInt16(truncatingIfNeeded: lat)); shards[s].append(UInt16(truncatingIfNeeded: lat >> 16))
                }
            }
            let flat = tokens.flatMap { $0 }
            try tokensFile.write(contentsOf: flat.withUnsafeBytes { Data($0) })
            for (s, words) in shards.enumerated() where !words.isEmpty {
                try shardFiles[s].write(contentsOf: words.withUnsafeBytes { Data($0) })
                state.shardBytes[s] += words.count * 2
            }
            try tokensFile.synchronize()
            for f in shardFiles { try f.synchronize() }
            state.sequencesDone += tokens.count
            state.tokensDone += flat.count
            try CacheFiles.writeJSON(state, to: progressURL)
            batches += 1
            report?(state)
        }
        let stats = try LatentCache.computeStatistics(directory: directory, spec: spec, tokens: state.recordedTokens(spec))
        try CacheFiles.writeJSON(stats, to: directory.appendingPathComponent(CacheFiles.stats))
        state.complete = true
        try CacheFiles.writeJSON(state, to: progressURL)
        return state
    }

    /// Encodes rows in parallel chunks; the result is in row order.
    static func encode(coder: any SparseCoder, acts: [Float], rows: Int) -> [[(latent: Int32, value: Float)]] {
        let chunk = 64
        let chunks = (rows + chunk - 1) / chunk
        let results = UnsafeMutableBufferPointer<[[(latent: Int32, value: Float)]]>.allocate(capacity: chunks)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        let dIn = coder.dIn
        acts.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return }
            parallelChunks(chunks) { start, end in
                for c in start ..< end {
                    let r0 = c * chunk, n = min(chunk, rows - r0)
                    results[c] = coder.encodeSparse(base + r0 * dIn, rows: n)
                }
            }
        }
        return results.flatMap { $0 }
    }
}
