import ArgumentParser
import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import Foundation

struct BenchScore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-score",
        abstract: "Time detection and fuzzing of one real feature with an in-process scorer LLM; prints JSON.",
        discussion: """
        The feature is built from the wiki-vital corpus: N sentences holding digits (activation 1 on the \
        words with digits) and N sentences without, scored with the description "numbers and digits". \
        Reports seconds per scorer, prompt tokens sent and computed (the rest reused from the prefix \
        cache), the tokens of the examples themselves (what must be computed at least), AUROC and \
        balanced accuracy.
        """)
    @Option(help: "In-process instruct model that scores.") var model = "qwen2.5-coder-0.5b-instruct"
    @Option(help: "Activating examples; as many non-activating ones are added.") var examples = 50
    @Option(help: "Prompt layout: single (one example per prompt, one-token answer read from logprobs) or batched.")
    var layout = "single"
    @Option(name: .customLong("batch-size"), help: "Examples per prompt with --layout batched.") var batchSize = 5
    @Option(help: "Prompts in flight at once.") var concurrency = 1
    @Option(name: .customLong("prefix-cache"), help: "Prompts whose KV caches are kept for prefix reuse (0: none).")
    var prefixCache = 4
    @Option(help: "Scorers to run, comma-separated (detection, fuzzing).") var scorers = "detection,fuzzing"
    @Option(help: "Seed of the corpus shuffle and of the scorers.") var seed: UInt64 = 3

    func validate() throws {
        guard examples > 0, batchSize > 0, concurrency > 0, prefixCache >= 0 else {
            throw ValidationError("--examples, --batch-size and --concurrency must be positive, --prefix-cache ≥ 0")
        }
        guard ["single", "batched"].contains(layout) else { throw ValidationError("--layout must be single or batched, not '\(layout)'") }
        for s in scorerList where !["detection", "fuzzing"].contains(s) {
            throw ValidationError("unknown scorer '\(s)' for bench-score; use detection and/or fuzzing")
        }
    }

    var scorerList: [String] { scorers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() async throws {
        let clock = ContinuousClock()
        let t0 = clock.now
        let corpus = try Corpus.load("wiki-vital")
        let feature = numberFeature(corpus, count: examples, seed: seed)
        guard feature.test.count == examples, feature.nonActivating.count == examples else {
            throw ValidationError("the corpus gave only \(feature.test.count) sentences with digits and \(feature.nonActivating.count) without; ask for fewer --examples")
        }
        let chat = LocalChatModel(model: try ModelLoader.load(model, options: LoadOptions(denseWeights: true)),
                                  prefixCacheEntries: prefixCache)
        let loadSeconds = (clock.now - t0).seconds
        let options = LLMScorerOptions(batchSize: batchSize, perExamplePrompts: layout == "single", seed: seed,
                                       concurrency: concurrency)
        let description = FeatureDescription(method: "bench", text: "numbers and digits")
        var results: [String: Any] = [:]
        var total = 0.0
        for name in scorerList {
            let scorer: any FeatureScorer = name == "detection" ? DetectionScorer(model: chat, options: options)
                                                                 : FuzzingScorer(model: chat, options: options)
            let before = chat.prefixStats
            let t = clock.now
            let outcome = await scorer.score(description, examples: feature)
            let seconds = (clock.now - t).seconds
            total += seconds
            let after = chat.prefixStats
            let exampleTokens = outcome.predictions.reduce(0) { $0 + chat.model.tokenizer.encode($1.text, addSpecialTokens: false).count }
            let computed = after.promptTokensComputed - before.promptTokensComputed
            results[name] = [
                "seconds": seconds,
                "requests": after.requests - before.requests,
                "prompt_tokens_sent": after.promptTokensSent - before.promptTokensSent,
                "prompt_tokens_computed": computed,
                "example_tokens": exampleTokens,
                "computed_tokens_per_s": Double(computed) / seconds,
                "examples": outcome.predictions.count,
                "failed_examples": outcome.failedCount,
                "auroc": outcome.values[MetricKey.auroc].map { $0 as Any } ?? NSNull(),
                "balanced_accuracy": outcome.values[MetricKey.balancedAccuracy].map { $0 as Any } ?? NSNull(),
                "notes": outcome.notes,
            ] as [String: Any]
        }
        let report: [String: Any] = [
            "model": chat.name,
            "layout": layout,
            "batch_size": layout == "single" ? 1 : batchSize,
            "concurrency": concurrency,
            "prefix_cache_entries": prefixCache,
            "activating_examples": feature.test.count,
            "non_activating_examples": feature.nonActivating.count,
            "load_seconds": loadSeconds,
            "total_seconds": total,
            "scorers": results,
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "augur_version": augurVersion,
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Sentences of the corpus split at spaces: those holding a digit are activating (activation 1
    /// on the words with digits, quantiles 1–10 in order), the others non-activating.
    func numberFeature(_ corpus: Corpus, count: Int, seed: UInt64) -> FeatureExamples {
        var withDigits: [ActivationRecord] = [], without: [ActivationRecord] = []
        for doc in corpus.shuffled(seed: seed) {
            for sentence in doc.split(separator: ". ") where sentence.count > 50 && sentence.count < 200 {
                let words = (String(sentence) + ".").split(separator: " ")
                let tokens = words.enumerated().map { $0.offset == 0 ? String($0.element) : " " + $0.element }
                let acts: [Float] = tokens.map { $0.contains(where: \.isNumber) ? 1 : 0 }
                if acts.contains(where: { $0 > 0 }) {
                    if withDigits.count < count {
                        withDigits.append(ActivationRecord(tokens: tokens, activations: acts, quantile: withDigits.count * 10 / count + 1))
                    }
                } else if without.count < count {
                    without.append(ActivationRecord(tokens: tokens, activations: acts))
                }
            }
            if withDigits.count == count && without.count == count { break }
        }
        return FeatureExamples(id: "wiki-vital/numbers", train: [], test: withDigits, nonActivating: without)
    }
}
