import AugurTensor
import ArgumentParser
import AugurModels
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill and decode speed and peak memory; prints JSON.")
    @Option(help: "Catalog name, GGUF file or Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "Prompt tokens for the prefill measurement (llama.cpp's pp512).") var prefill = 512
    @Option(help: "Tokens to generate for the decode measurement (llama.cpp's tg128).") var decode = 128
    @Option(help: "Repetitions; the best is reported.") var repeats = 3
    @Option(name: .customLong("stop-after-layer"), help: "Prefill only up to this block, no logits (the activation-collection forward).")
    var stopAfterLayer: Int?
    @Option(help: "Sequences per prefill batch.") var batch = 1

    func validate() throws {
        guard prefill > 0, decode > 1, repeats > 0, batch > 0 else {
            throw ValidationError("--prefill, --repeats and --batch must be positive and --decode at least 2")
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let t0 = clock.now
        let m = try loadModel(model)
        let load = (clock.now - t0).seconds
        let vocab = m.config.vocabSize
        // A deterministic pseudo-random prompt of ordinary token ids.
        var rng = SplitMix64(seed: 42)
        let prompt = (0..<prefill).map { _ in Int32(Int.random(in: 1000..<min(vocab, 20000), using: &rng)) }
        let sequences = (0..<batch).map { b in prompt.map { Int32((Int($0) + 17 * b) % min(vocab, 20000)) } }
        let prefillOptions = stopAfterLayer.map { ForwardOptions(logits: .none, stopAfterLayer: $0) } ?? ForwardOptions(logits: .last)
        var bestPrefill = Double.infinity
        for _ in 0..<repeats {
            let t = clock.now
            _ = try m.forward(sequences, caches: nil, hooks: nil, options: prefillOptions)
            bestPrefill = min(bestPrefill, (clock.now - t).seconds)
        }
        var bestDecode = Double.infinity
        for _ in 0..<repeats {
            let r = try m.generate(prompt: Array(prompt.prefix(8)),
                                   options: GenerationOptions(maxTokens: decode, stopAtEOS: false))
            bestDecode = min(bestDecode, r.decodeSeconds / Double(max(1, r.tokens.count - 1)))
        }
        let result: [String: Any] = [
            "model": m.info.name,
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "load_seconds": load,
            "prefill_tokens": prefill,
            "prefill_tokens_per_s": Double(prefill * batch) / bestPrefill,
            "prefill_batch": batch,
            "stop_after_layer": stopAfterLayer.map { $0 as Any } ?? NSNull(),
            "decode_tokens": decode,
            "decode_tokens_per_s": 1 / bestDecode,
            "peak_memory_mib": Double(peakResidentBytes()) / 1_048_576,
            "augur_version": augurVersion,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// Peak resident set size of this process, in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
