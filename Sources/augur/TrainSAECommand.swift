import ArgumentParser
import AugurActivations
import AugurModels
import AugurSAE
import Foundation

struct TrainSAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-sae",
        abstract: "Train a TopK sparse autoencoder on a hook's activations; writes the sparsify layout and metrics.json.")
    @Option(help: "Catalog name, GGUF file or Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "Hook point, e.g. blocks.15.hook_resid_post.") var hook: String
    @Option(help: "Corpus: wiki-vital, or a .txt/.jsonl file or folder.") var corpus = CorpusCatalog.defaultCorpus
    @Option(help: "Training tokens.") var tokens = 2_000_000
    @Option(help: "Latents = d_in × expansion.") var expansion = 8
    @Option(help: "Active latents per token.") var k = 32
    @Option(name: .customLong("context-length"), help: "Tokens per context.") var contextLength = 256
    @Option(name: .customLong("batch-rows"), help: "Activation rows per optimisation step.") var batchRows = 4096
    @Option(name: .customLong("held-out"), help: "Fraction of documents held out for evaluation.") var heldOut = 0.02
    @Option(name: .customLong("eval-tokens"), help: "Held-out tokens for metrics.json.") var evalTokens = 8192
    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N tokens.") var checkpointEvery = 250_000
    @Option(help: "Seed for shuffling and initialisation.") var seed: UInt64 = 0
    @Option(name: .customLong("skip-positions"),
            help: "Leading positions of each context left out (position 0 is the attention sink, ~100x the norm of the others).")
    var skipPositions = 1
    @Option(help: "Output folder (the SAE goes to OUT/HOOK/).") var out: String
    @Flag(help: "Continue from OUT's checkpoint.") var resume = false

    func validate() throws {
        guard tokens > 0, expansion > 0, k > 0, contextLength > 1, batchRows > 0 else {
            throw ValidationError("--tokens, --expansion, --k, --batch-rows must be positive and --context-length > 1")
        }
        guard skipPositions >= 0, skipPositions < contextLength else {
            throw ValidationError("--skip-positions must be in 0..<\(contextLength) (the context length), got \(skipPositions)")
        }
        guard heldOut > 0, heldOut < 1 else { throw ValidationError("--held-out must be in (0, 1), got \(heldOut)") }
    }

    func run() throws {
        let m = try loadModel(model)
        let point = try HookPoint.parse(hook, layers: m.config.layers)
        let checkpoint = (out as NSString).appendingPathComponent("checkpoint")
        let hasCheckpoint = FileManager.default.fileExists(atPath: checkpoint)
        if hasCheckpoint && !resume {
            throw ValidationError("\(out) already holds a training checkpoint: pass --resume to continue it, or choose another --out")
        }
        let docs = try Corpus.load(corpus).split(seed: seed, heldOutFraction: heldOut)
        var contexts = try TokenContexts(documents: docs.train, model: m, contextLength: contextLength, tokenBudget: tokens)
        let width = point.site == .mlpPost ? m.config.dMLP : m.config.dModel
        let trainer: TopKTrainer
        if resume && hasCheckpoint {
            trainer = try TopKTrainer.resume(from: checkpoint)
            guard trainer.config.hook == point.description, trainer.config.dIn == width else {
                throw ValidationError("the checkpoint in \(out) was made for \(trainer.config.hook ?? "?") (d_in \(trainer.config.dIn)), not \(point)")
            }
            contexts.skip(trainer.tokensDone / contextLength)
            printError("resuming at \(trainer.tokensDone) tokens")
        } else {
            trainer = try TopKTrainer(config: SAETrainingConfig(
                dIn: width, numLatents: width * expansion, k: k, batchRows: batchRows,
                deadTokenThreshold: max(batchRows, min(10_000_000, tokens / 4)), seed: seed,
                hook: point.description, model: m.info.name))
        }
        var stream = try ActivationStream(model: m, hook: point, contexts: contexts, skipPositions: skipPositions)
        let progress = ProgressLine("train-sae", total: tokens, unit: "tokens")
        let summary = try trainer.train(source: &stream, tokens: tokens, checkpointDir: checkpoint,
                                        checkpointEvery: checkpointEvery) { p in
            progress.update(p.tokens, extra: String(format: "FVU %.3f · L0 %.1f · dead %.1f%%", p.fvu, p.l0, 100 * p.deadFraction))
        }
        progress.finish(trainer.tokensDone)
        _ = summary
        let folder = (out as NSString).appendingPathComponent(point.description)
        let coder = try trainer.coder()
        try SparsifyFormat.write(coder, to: folder, hook: point.description, model: m.info.name)

        // Held-out evaluation.
        var evalContexts = try TokenContexts(documents: docs.heldOut, model: m, contextLength: contextLength, tokenBudget: evalTokens)
        var held: [[Int32]] = []
        while let c = evalContexts.next() { held.append(c) }
        guard !held.isEmpty else { throw ValidationError("the held-out split has no full context; raise --held-out") }
        let rows = try ActivationStream.activations(model: m, hook: point, of: held, skipPositions: skipPositions)
        let recon = try SAEMetrics.evaluate(coder, rows: rows)
        let ce = try SAEMetrics.crossEntropy(model: m, hook: point, coder: coder, contexts: held, skipPositions: skipPositions)
        let metrics: [String: Any] = [
            "fvu": recon.fvu, "l0": recon.l0, "dead_fraction": Double(trainer.deadFraction),
            "ce_clean": ce.clean, "ce_sae": ce.sae, "ce_zero_ablated": ce.zeroAblated, "loss_recovered": ce.lossRecovered,
            "eval_tokens": recon.rows, "train_tokens": trainer.tokensDone,
            "model": m.info.name, "hook": point.description, "num_latents": coder.numLatents, "k": k,
            "corpus": corpus, "context_length": contextLength, "skip_positions": skipPositions, "seed": seed, "augur_version": augurVersion,
        ]
        let data = try JSONSerialization.data(withJSONObject: metrics, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("metrics.json")))
        print(String(decoding: data, as: UTF8.self))
        printError("wrote \(folder)")
    }
}
