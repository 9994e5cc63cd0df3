import ArgumentParser
import AugurActivations
import AugurModels
import AugurPipeline
import AugurSAE
import Foundation

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "Cache the feature activations of a coder over a corpus.",
        subcommands: [Build.self, Info.self], defaultSubcommand: Build.self)

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a corpus through a model and store the sparse feature activations (resumable).")
        @Option(help: "Catalog name or path to a GGUF file.") var model = ModelCatalog.defaultModel
        @Option(help: "SAE folder or file.") var sae: String?
        @Flag(help: "Use the MLP neurons of the hook's block as features (hook must be blocks.L.mlp.hook_post).") var neurons = false
        @Option(help: "With --neurons: keep only the K largest neurons per token.") var topk: Int?
        @Option(help: "Hook point, e.g. blocks.15.hook_resid_post.") var hook: String
        @Option(help: "Built-in corpus name, or a .txt/.jsonl file or folder.") var corpus = CorpusCatalog.defaultCorpus
        @Option(help: "Token budget (default: the whole corpus).") var tokens: Int?
        @Option(name: .customLong("context-length"), help: "Tokens per context.") var contextLength = 256
        @Option(help: "Contexts per forward pass (and per committed batch).") var batch = 8
        @Option(help: "Corpus shuffle seed.") var seed: UInt64 = 0
        @Option(name: .customLong("held-out"), help: "Fraction of the shuffled documents to hold out (not cached).") var heldOut = 0.0
        @Option(help: "Cache folder.") var out: String
        @Option(name: .customLong("skip-positions"),
                help: "Leading positions of each context left out (position 0 is the attention sink, ~100x the norm of the others).")
        var skipPositions = 1
        @Flag(help: "Discard an existing cache made with different arguments.") var force = false

        func validate() throws {
            guard (sae != nil) != neurons else { throw ValidationError("give exactly one of --sae DIR or --neurons") }
            if topk != nil, !neurons { throw ValidationError("--topk applies to --neurons only") }
            guard skipPositions >= 0, skipPositions < contextLength else {
                throw ValidationError("--skip-positions must be in 0..<\(contextLength) (the context length), got \(skipPositions)")
            }
            guard heldOut >= 0, heldOut < 1 else { throw ValidationError("--held-out must be in [0, 1), got \(heldOut)") }
        }

        func run() throws {
            let m = try loadModel(model)
            let point = try HookPoint.parse(hook, layers: m.config.layers)
            let stage = CacheStage(source: sae.map { .sae(path: $0) } ?? .neurons(topk: topk), contextLength: contextLength,
                                   tokens: tokens, batch: batch, seed: seed, heldOut: heldOut, skipPositions: skipPositions,
                                   out: URL(fileURLWithPath: out))
            if neurons, point.site != .mlpPost { throw ValidationError("--neurons reads blocks.L.mlp.hook_post, not \(hook)") }
            let start = Date()
            let progress = ProgressLine("cache", total: tokens ?? 0, unit: "tokens")
            let state = try stage.run(model: m, hook: point, corpus: try Corpus.load(corpus), arguments: Array(CommandLine.arguments.dropFirst()),
                                      augurVersion: augurVersion, force: force) { progress.update($0) }
            progress.finish(state.tokensDone)
            printError("cache \(out): \(state.tokensDone) tokens in \(state.sequencesDone) contexts, \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a JSON summary of a latent cache.")
        @Argument(help: "Cache folder.") var cache: String

        func run() throws {
            let summary = try LatentCache(directory: URL(fileURLWithPath: cache)).summary()
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

