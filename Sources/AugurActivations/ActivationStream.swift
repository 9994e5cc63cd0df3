import AugurSAE
import AugurModels

/// Runs batches of token contexts through a model and hands out the activations at one hook.
///
/// Each forward pass stops after the hook's layer and computes no logits. The first
/// `skipPositions` positions of every context are left out of ``nextBatch(rows:)``: position 0 is
/// the attention sink, whose residual norm is ~100× the others' (SmolLM2 blocks.15: 22,664 vs
/// ~170), so it would dominate training and its metrics. Memory is bounded
/// by one batch of contexts (`batchSequences × contextLength × width` floats) plus the rows
/// not yet handed out.
public struct ActivationStream {
    /// The model.
    public let model: any LanguageModel
    /// The hook read.
    public let hook: HookPoint
    /// Activation width at the hook.
    public let width: Int
    /// Contexts run per forward pass.
    public let batchSequences: Int
    /// Leading positions of each context left out of ``nextBatch(rows:)``.
    public let skipPositions: Int
    var contexts: TokenContexts
    var buffer: [Float] = []
    var bufferStart = 0

    /// A stream of `hook` activations of `contexts`, `batchSequences` contexts per forward pass.
    public init(model: any LanguageModel, hook: HookPoint, contexts: TokenContexts, batchSequences: Int = 8,
                skipPositions: Int = 0) throws {
        guard batchSequences > 0 else { throw ActivationsError.badArgument("batch size must be positive") }
        guard skipPositions >= 0, skipPositions < contexts.contextLength else {
            throw ActivationsError.badArgument("skip positions \(skipPositions) must be in 0..<\(contexts.contextLength) (the context length)")
        }
        self.skipPositions = skipPositions
        self.model = model
        self.hook = hook
        self.contexts = contexts
        self.batchSequences = batchSequences
        self.width = hook.site == .mlpPost ? model.config.dMLP : model.config.dModel
    }

    /// The next batch of up to `batchSequences` contexts with their activations: tokens per
    /// context, and rows (sum of context lengths) × width floats in context then position order.
    public mutating func nextContexts() throws -> (tokens: [[Int32]], activations: [Float])? {
        var batch: [[Int32]] = []
        while batch.count < batchSequences, let c = contexts.next() { batch.append(c) }
        if batch.isEmpty { return nil }
        return (batch, try Self.activations(model: model, hook: hook, of: batch))
    }

    /// The hook's activations of `sequences` from one forward pass that stops after its layer.
    /// Without the first `skipPositions` rows of each sequence when that is given.
    public static func activations(model: any LanguageModel, hook: HookPoint, of sequences: [[Int32]],
                                   skipPositions: Int = 0) throws -> [Float] {
        let hooks = Hooks()
        hooks.capture(hook)
        _ = try model.forward(sequences, caches: nil, hooks: hooks,
                              options: ForwardOptions(logits: .none, stopAfterLayer: hook.layer, precision: .exact))
        var out: [Float] = []
        for i in sequences.indices {
            let rows = hooks.activations(at: hook, sequence: i)
            let width = rows.count / max(sequences[i].count, 1)
            out += rows[min(rows.count, skipPositions * width)...]
        }
        return out
    }

    /// The next `rows` activation rows (rows × width floats; fewer at the end), nil when done.
    /// Matches `ActivationSource.nextBatch(rows:)`.
    public mutating func nextBatch(rows: Int) throws -> [Float]? {
        let want = rows * width
        while buffer.count - bufferStart < want {
            guard let (tokens, acts) = try nextContexts() else { break }
            if bufferStart > 0 { buffer.removeFirst(bufferStart); bufferStart = 0 }
            var offset = 0
            for t in tokens {
                buffer += acts[(offset + min(skipPositions, t.count) * width) ..< (offset + t.count * width)]
                offset += t.count * width
            }
        }
        let available = buffer.count - bufferStart
        if available == 0 { return nil }
        let n = min(want, available)
        let out = Array(buffer[bufferStart ..< bufferStart + n])
        bufferStart += n
        return out
    }
}

/// The stream feeds SAE training directly.
extension ActivationStream: ActivationSource {}
