import AugurActivations
import AugurModels
import AugurSAE
import Foundation
import Logging

/// The held-out metrics of a trained SAE, as written to `metrics.json` (snake-case keys) and to
/// the run store's `sae_metrics` artifact.
public struct SAETrainingMetrics: Codable, Sendable, Equatable {
    public var fvu: Double
    public var l0: Double
    public var deadFraction: Double
    public var ceClean: Double
    public var ceSAE: Double
    public var ceZeroAblated: Double
    public var lossRecovered: Double
    public var evalTokens: Int
    public var trainTokens: Int
    public var model: String
    public var hook: String
    public var numLatents: Int
    public var k: Int
    public var corpus: String
    public var contextLength: Int
    public var skipPositions: Int
    public var seed: UInt64
    public var augurVersion: String
    /// Seconds the training loop ran (this process; a resumed run counts only its own part).
    public var trainSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case fvu, l0, k, model, hook, corpus, seed
        case deadFraction = "dead_fraction", ceClean = "ce_clean", ceSAE = "ce_sae", ceZeroAblated = "ce_zero_ablated"
        case lossRecovered = "loss_recovered", evalTokens = "eval_tokens", trainTokens = "train_tokens"
        case numLatents = "num_latents", contextLength = "context_length", skipPositions = "skip_positions"
        case augurVersion = "augur_version", trainSeconds = "train_seconds"
    }
}

/// Training progress, for a progress display.
public struct SAEStageProgress: Sendable {
    /// Tokens trained on so far (counting any before a resume).
    public var tokens: Int
    /// Fraction of variance unexplained, mean active latents and dead fraction on the last batch.
    public var fvu: Float, l0: Float, deadFraction: Float
}

/// Trains a TopK SAE on a hook's activations over a corpus, resumably: checkpoints go to
/// `OUT/checkpoint`, the finished SAE to `OUT/HOOK/` (sparsify layout) with `metrics.json`.
public struct SAETrainingStage {
    /// Training tokens (in total, counting any before a resume).
    public var tokens: Int
    public var expansion: Int
    public var k: Int
    /// nil: sparsify's default.
    public var learningRate: Float?
    public var batchRows: Int
    public var contextLength: Int
    public var skipPositions: Int
    public var heldOut: Double
    public var evalTokens: Int
    public var checkpointEvery: Int
    public var seed: UInt64
    /// Output folder.
    public var out: String
    /// Version written into metrics.json.
    public var augurVersion: String

    public init(tokens: Int, expansion: Int, k: Int, learningRate: Float? = nil, batchRows: Int, contextLength: Int,
                skipPositions: Int, heldOut: Double, evalTokens: Int, checkpointEvery: Int, seed: UInt64, out: String,
                augurVersion: String) {
        self.tokens = tokens
        self.expansion = expansion
        self.k = k
        self.learningRate = learningRate
        self.batchRows = batchRows
        self.contextLength = contextLength
        self.skipPositions = skipPositions
        self.heldOut = heldOut
        self.evalTokens = evalTokens
        self.checkpointEvery = checkpointEvery
        self.seed = seed
        self.out = out
        self.augurVersion = augurVersion
    }

    /// `OUT/checkpoint`.
    public var checkpointPath: String { (out as NSString).appendingPathComponent("checkpoint") }

    /// The finished SAE's folder, `OUT/HOOK`.
    public func folder(hook: HookPoint) -> String { (out as NSString).appendingPathComponent(hook.description) }

    /// The metrics of a finished SAE in `OUT`, or nil when training has not finished.
    public func finished(hook: HookPoint) -> SAETrainingMetrics? {
        let path = (folder(hook: hook) as NSString).appendingPathComponent("metrics.json")
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(SAETrainingMetrics.self, from: data)
    }

    /// Trains (continuing from `OUT/checkpoint` when `resume` is set and one exists), writes the SAE
    /// and evaluates it on held-out contexts; returns the coder and its metrics.
    public func run(model: any LanguageModel, hook: HookPoint, corpus: Corpus, resume: Bool,
                    logger: Logger = Logger(label: "augur.sae"),
                    progress: ((SAEStageProgress) -> Void)? = nil) throws -> (coder: any SparseCoder, metrics: SAETrainingMetrics) {
        let docs = corpus.split(seed: seed, heldOutFraction: heldOut)
        var contexts = try TokenContexts(documents: docs.train, model: model, contextLength: contextLength, tokenBudget: tokens)
        let width = hook.site == .mlpPost ? model.config.dMLP : model.config.dModel
        let trainer: TopKTrainer
        if resume && FileManager.default.fileExists(atPath: checkpointPath) {
            trainer = try TopKTrainer.resume(from: checkpointPath)
            guard trainer.config.hook == hook.description, trainer.config.dIn == width else {
                throw SAEError.training("the checkpoint in \(out) was made for \(trainer.config.hook ?? "?") (d_in \(trainer.config.dIn)), not \(hook)")
            }
            contexts.skip(trainer.tokensDone / contextLength)
            logger.info("resuming SAE training at \(trainer.tokensDone) tokens")
        } else {
            trainer = try TopKTrainer(config: SAETrainingConfig(
                dIn: width, numLatents: width * expansion, k: k, batchRows: batchRows, learningRate: learningRate,
                deadTokenThreshold: max(batchRows, min(10_000_000, tokens / 4)), seed: seed,
                hook: hook.description, model: model.info.name))
        }
        var stream = try ActivationStream(model: model, hook: hook, contexts: contexts, skipPositions: skipPositions)
        let summary = try trainer.train(source: &stream, tokens: tokens, checkpointDir: checkpointPath, checkpointEvery: checkpointEvery) { p in
            progress?(SAEStageProgress(tokens: p.tokens, fvu: p.fvu, l0: p.l0, deadFraction: p.deadFraction))
        }
        let folder = folder(hook: hook)
        let coder = try trainer.coder()
        try SparsifyFormat.write(coder, to: folder, hook: hook.description, model: model.info.name)

        // Held-out evaluation.
        var evalContexts = try TokenContexts(documents: docs.heldOut, model: model, contextLength: contextLength, tokenBudget: evalTokens)
        var held: [[Int32]] = []
        while let c = evalContexts.next() { held.append(c) }
        guard !held.isEmpty else { throw SAEError.training("the held-out split has no full context; raise the held-out fraction (\(heldOut))") }
        let rows = try ActivationStream.activations(model: model, hook: hook, of: held, skipPositions: skipPositions)
        let recon = try SAEMetrics.evaluate(coder, rows: rows)
        let ce = try SAEMetrics.crossEntropy(model: model, hook: hook, coder: coder, contexts: held, skipPositions: skipPositions)
        let metrics = SAETrainingMetrics(
            fvu: Double(recon.fvu), l0: Double(recon.l0), deadFraction: Double(trainer.deadFraction),
            ceClean: Double(ce.clean), ceSAE: Double(ce.sae), ceZeroAblated: Double(ce.zeroAblated), lossRecovered: Double(ce.lossRecovered),
            evalTokens: recon.rows, trainTokens: trainer.tokensDone, model: model.info.name, hook: hook.description,
            numLatents: coder.numLatents, k: k, corpus: corpus.source, contextLength: contextLength, skipPositions: skipPositions,
            seed: seed, augurVersion: augurVersion, trainSeconds: summary.seconds)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        // metrics.json last: its presence marks the SAE as finished.
        try enc.encode(metrics).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("metrics.json")), options: .atomic)
        return (coder, metrics)
    }
}
