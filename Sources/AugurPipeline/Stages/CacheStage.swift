import AugurActivations
import AugurModels
import AugurSAE
import Foundation

/// Builds (or resumes) a latent cache of a coder's activations over a corpus: an SAE, or the MLP
/// neurons of a block (`blocks.L.mlp.hook_post`, optionally only the top k per token). A rerun
/// after a kill continues from the last committed batch, and the result is byte-identical to an
/// uninterrupted build.
public struct CacheStage {
    /// The coder whose activations are cached.
    public enum Source: Sendable {
        /// An SAE folder or file.
        case sae(path: String)
        /// The MLP neurons of the hook's block; `topk` keeps the largest per token.
        case neurons(topk: Int?)
    }

    public var source: Source
    public var contextLength: Int
    /// nil: the whole corpus.
    public var tokens: Int?
    public var batch: Int
    public var seed: UInt64
    public var heldOut: Double
    public var skipPositions: Int
    /// Cache folder.
    public var out: URL

    public init(source: Source, contextLength: Int, tokens: Int?, batch: Int, seed: UInt64, heldOut: Double = 0,
                skipPositions: Int, out: URL) {
        self.source = source
        self.contextLength = contextLength
        self.tokens = tokens
        self.batch = batch
        self.seed = seed
        self.heldOut = heldOut
        self.skipPositions = skipPositions
        self.out = out
    }

    /// The coder and the name recorded in the cache's spec.
    public func coder(model: any LanguageModel, hook: HookPoint) throws -> (coder: any SparseCoder, name: String) {
        switch source {
        case .sae(let path):
            return (try SAELoader.load(path), "sae:" + URL(fileURLWithPath: path).standardizedFileURL.path)
        case .neurons(let topk):
            guard hook.site == .mlpPost else {
                throw ActivationsError.badArgument("neurons are read at blocks.L.mlp.hook_post, not \(hook)")
            }
            return (try NeuronBasis(model: model, layer: hook.layer, k: topk), topk.map { "neurons(topk=\($0))" } ?? "neurons")
        }
    }

    /// Whether a complete cache with the same spec is already in `out`.
    public func isComplete() -> Bool {
        guard let cache = try? LatentCache(directory: out) else { return false }
        return cache.progress.complete
    }

    /// Builds or resumes the cache; `progress` gets the tokens done after each committed batch.
    @discardableResult
    public func run(model: any LanguageModel, hook: HookPoint, corpus: Corpus, arguments: [String] = [], augurVersion: String,
                    force: Bool = false, progress: ((Int) -> Void)? = nil) throws -> LatentCacheProgress {
        let (coder, name) = try coder(model: model, hook: hook)
        let spec = LatentCacheSpec(model: model.info.name, hook: hook.description, coder: name,
                                   numLatents: coder.numLatents, corpus: corpus.source, seed: seed, heldOutFraction: heldOut,
                                   contextLength: contextLength, tokenBudget: tokens, batchSequences: batch,
                                   skipPositions: skipPositions)
        let writer = LatentCacheWriter(directory: out, spec: spec)
        return try writer.build(model: model, coder: coder, hook: hook, documents: corpus.split(seed: seed, heldOutFraction: heldOut).train,
                                arguments: arguments, augurVersion: augurVersion, force: force) { p in progress?(p.tokensDone) }
    }
}
