import ArgumentParser
import AugurActivations
import AugurModels
import AugurPipeline
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
        let stage = SAETrainingStage(tokens: tokens, expansion: expansion, k: k, batchRows: batchRows, contextLength: contextLength,
                                     skipPositions: skipPositions, heldOut: heldOut, evalTokens: evalTokens,
                                     checkpointEvery: checkpointEvery, seed: seed, out: out, augurVersion: augurVersion)
        let hasCheckpoint = FileManager.default.fileExists(atPath: stage.checkpointPath)
        if hasCheckpoint && !resume {
            throw ValidationError("\(out) already holds a training checkpoint: pass --resume to continue it, or choose another --out")
        }
        let progress = ProgressLine("train-sae", total: tokens, unit: "tokens")
        let (_, metrics) = try stage.run(model: m, hook: point, corpus: try Corpus.load(corpus), resume: resume) { p in
            progress.update(p.tokens, extra: String(format: "FVU %.3f · L0 %.1f · dead %.1f%%", p.fvu, p.l0, 100 * p.deadFraction))
        }
        progress.finish(metrics.trainTokens)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try enc.encode(metrics), as: UTF8.self))
        printError("wrote \(stage.folder(hook: point))")
    }
}
