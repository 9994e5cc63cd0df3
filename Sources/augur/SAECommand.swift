import ArgumentParser
import AugurSAE
import Foundation

struct SAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sae",
        abstract: "Inspect sparse autoencoders (sparsify, SAELens and Gemma Scope layouts).",
        subcommands: [Info.self, BenchTrain.self, Compare.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print JSON with the SAE's kind, d_in, num_latents, k (null when none) and hook (when known).")
        @Argument(help: "An SAE folder (DIR, DIR/HOOK), or its sae.safetensors / sae_weights.safetensors / params.npz.")
        var path: String

        func run() throws {
            let loaded = try SAELoader.open(path)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(loaded.info), as: UTF8.self))
        }
    }
}

extension SAE {
    struct BenchTrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-train",
            abstract: "Time TopK SAE training on synthetic activations (sparse combinations of random directions).")
        @Option(help: "Activation width.") var dIn = 576
        @Option(help: "Number of latents.") var latents = 4608
        @Option(help: "Active latents per row.") var k = 32
        @Option(help: "Rows per step.") var batch = 4096
        @Option(help: "Rows to train on.") var tokens = 32768
        @Option(help: "Dead-latent threshold in tokens (small values exercise AuxK).") var deadTokens = 10_000_000

        func run() throws {
            var source = SyntheticActivations(width: dIn, features: latents * 2, active: 16, total: tokens)
            let trainer = try TopKTrainer(config: SAETrainingConfig(dIn: dIn, numLatents: latents, k: k, batchRows: batch,
                                                                    deadTokenThreshold: deadTokens))
            let summary = try trainer.train(source: &source, tokens: tokens) { p in
                printError(String(format: "tokens %d  fvu %.4f  l0 %.1f  dead %.3f  %.0f tok/s", p.tokens, p.fvu, p.l0, p.deadFraction, p.tokensPerSecond))
            }
            // Encoding throughput of the trained SAE (what the latent cache does).
            let sae = try trainer.sae()
            var probe = SyntheticActivations(width: dIn, features: latents * 2, active: 16, total: 16384)
            let rows = try probe.nextBatch(rows: 16384) ?? []
            let start = Date()
            let sparse = rows.withUnsafeBufferPointer { sae.encodeSparse($0.baseAddress!, rows: rows.count / dIn) }
            let encodeRate = Double(sparse.count) / Date().timeIntervalSince(start)
            print(String(format: "{\"tokens\": %d, \"seconds\": %.3f, \"tokens_per_second\": %.1f, \"fvu\": %.4f, \"dead_fraction\": %.4f, \"encode_sparse_rows_per_second\": %.1f}",
                         summary.tokens, summary.seconds, summary.tokensPerSecond, summary.fvu, summary.deadFraction, encodeRate))
        }
    }
}

/// Rows that are sums of `active` random directions (out of `features`) with random positive scales.
struct SyntheticActivations: ActivationSource {
    let width: Int
    let total: Int
    let active: Int
    private var directions: [Float]
    private var rng = SystemRandomNumberGenerator()
    private var produced = 0
    private let features: Int

    init(width: Int, features: Int, active: Int, total: Int) {
        self.width = width
        self.total = total
        self.active = active
        self.features = features
        var g = SystemRandomNumberGenerator()
        directions = (0..<(features * width)).map { _ in Float.random(in: -1...1, using: &g) / Float(width).squareRoot() }
    }

    mutating func nextBatch(rows: Int) throws -> [Float]? {
        guard produced < total else { return nil }
        let n = min(rows, total - produced)
        var out = [Float](repeating: 0, count: n * width)
        for r in 0..<n {
            for _ in 0..<active {
                let f = Int.random(in: 0..<features, using: &rng)
                let c = Float.random(in: 0.5...2, using: &rng)
                for j in 0..<width { out[r * width + j] += c * directions[f * width + j] }
            }
        }
        produced += n
        return out
    }
}

extension SAE {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match two SAEs' latents one-to-one by decoder cosine (Hungarian / Jonker–Volgenant).")
        @Argument(help: "First SAE (any layout `augur sae info` reads).") var a: String
        @Argument(help: "Second SAE, same d_in.") var b: String
        @Option(help: "Write the summary and every matched pair as JSON to this file.") var out: String?
        @Option(help: "Also print the N best and N worst matched pairs.") var top = 0

        func run() throws {
            func load(_ label: String, _ path: String) throws -> any SparseCoder {
                do { return try SAELoader.load(path) } catch {
                    throw CompareError("cannot load SAE \(label) (\(path)): \(error)")
                }
            }
            let coderA = try load("A", a), coderB = try load("B", b)
            let result: LatentMatchResult
            do { result = try LatentMatching.match(coderA, coderB) } catch {
                throw CompareError("\(a) vs \(b): \(error)")
            }
            let s = result.summary
            print("A: \(a)  (\(s.latentsA) latents, d_in \(s.dIn))")
            print("B: \(b)  (\(s.latentsB) latents)")
            print(String(format: "matched %d pairs  mean cosine %.4f  median %.4f", s.matched, s.mean, s.median))
            print(String(format: "quantiles 10/25/75/90: %.4f %.4f %.4f %.4f", s.quantiles["0.1"] ?? .nan,
                         s.quantiles["0.25"] ?? .nan, s.quantiles["0.75"] ?? .nan, s.quantiles["0.9"] ?? .nan))
            print(String(format: "fraction above 0.5: %.4f  0.7: %.4f  0.9: %.4f", s.fractionAbove["0.5"] ?? 0,
                         s.fractionAbove["0.7"] ?? 0, s.fractionAbove["0.9"] ?? 0))
            print(String(format: "time: similarity %.3f s, assignment %.3f s", s.similaritySeconds, s.assignmentSeconds))
            if top > 0 {
                let ranked = result.pairs.sorted { $0.cosine > $1.cosine }
                print("best pairs (a b cosine):")
                for p in ranked.prefix(top) { print(String(format: "  %d %d %.4f", p.a, p.b, p.cosine)) }
                print("worst pairs (a b cosine):")
                for p in ranked.suffix(top).reversed() { print(String(format: "  %d %d %.4f", p.a, p.b, p.cosine)) }
            }
            if let out {
                struct Report: Encodable { let a: String, b: String, summary: LatentMatchSummary, pairs: [LatentPair] }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                do {
                    let data = try encoder.encode(Report(a: a, b: b, summary: s, pairs: result.pairs))
                    try data.write(to: URL(fileURLWithPath: out))
                } catch {
                    throw CompareError("cannot write \(out): \(error.localizedDescription)")
                }
            }
        }
    }

    /// A `sae compare` failure, naming the file at fault.
    struct CompareError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
