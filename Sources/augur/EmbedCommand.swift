import AugurTensor
import ArgumentParser
import AugurFormats
import AugurModels
import Foundation

struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Embed sentences with a sentence-embedding model; prints their cosine-similarity matrix.",
        discussion: """
            Each sentence becomes one unit-length vector (mean pooling over its tokens, then L2 \
            normalisation, as sentence-transformers computes it). With --out the vectors are written \
            as an F32 tensor `embeddings` [n, dimension] to a safetensors file. --bench embeds \
            synthetic sentences and prints the throughput as JSON instead.
            """)
    @Option(help: "Catalog name (all-minilm-l6-v2) or path to a Hugging Face BERT folder.") var model = "all-minilm-l6-v2"
    @Option(help: "Write the embeddings to this .safetensors file.") var out: String?
    @Option(help: "Read further sentences from this file, one per line (blank lines skipped).") var input: String?
    @Flag(help: "Measure throughput on synthetic sentences of about 30 tokens and print JSON.") var bench = false
    @Option(help: "Number of sentences for --bench.") var benchSentences = 1000
    @Argument(help: "The sentences to embed.") var texts: [String] = []

    func run() throws {
        if bench {
            try runBench()
            return
        }
        var sentences = texts
        if let input {
            guard let data = FileManager.default.contents(atPath: input) else {
                throw ValidationError("cannot read --input file \(input)")
            }
            sentences += String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        guard !sentences.isEmpty else { throw ValidationError("give at least one sentence to embed (or --input FILE, or --bench)") }
        let embedder = try SentenceEmbedder.load(model)
        let vectors = try embedder.embed(sentences)
        print(similarityTable(sentences, vectors))
        if let out {
            var w = SafetensorsWriter()
            w.metadata = ["model": embedder.name, "model_path": embedder.folder, "augur_version": augurVersion,
                          "pooling": embedder.config.pooling.rawValue, "normalized": "\(embedder.config.normalize)"]
            try w.add("embeddings", floats: vectors.flatMap { $0 }, shape: [vectors.count, embedder.dimension])
            try w.write(to: out)
            printError("wrote \(out): embeddings [\(vectors.count), \(embedder.dimension)]")
        }
    }

    /// The sentences, numbered, then their cosine similarities as a matrix.
    func similarityTable(_ sentences: [String], _ vectors: [[Float]]) -> String {
        var lines: [String] = []
        for (i, s) in sentences.enumerated() {
            let shown = s.count > 70 ? String(s.prefix(67)) + "..." : s
            lines.append("[\(i)] \(shown)")
        }
        lines.append("")
        let width = 7
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        lines.append(pad("") + vectors.indices.map { pad("[\($0)]") }.joined())
        for i in vectors.indices {
            let row = vectors.indices.map { j in
                pad(String(format: "%.3f", SentenceEmbedder.cosineSimilarity(vectors[i], vectors[j])))
            }
            lines.append(pad("[\(i)]") + row.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// Embeds `benchSentences` deterministic pseudo-English sentences of 22–31 words (about 30
    /// tokens each) once to warm up on a few, then all of them, and prints sentences per second.
    func runBench() throws {
        guard benchSentences > 0 else { throw ValidationError("--bench-sentences must be positive") }
        let clock = ContinuousClock()
        let t0 = clock.now
        let embedder = try SentenceEmbedder.load(model)
        let load = (clock.now - t0).seconds
        let words = """
            the of and to in is was that for on as with by he at from his an were are which this be or had \
            not but first one their its new after who they have her she two been other when there all during \
            into school time may years more most only over city some world would where later up such used many \
            can state about national out known university united then made river music small house light water
            """.split(separator: " ").map(String.init)
        var rng = SplitMix64(seed: 7)
        let sentences = (0..<benchSentences).map { _ in
            (0..<Int.random(in: 22...31, using: &rng)).map { _ in words[Int.random(in: 0..<words.count, using: &rng)] }
                .joined(separator: " ") + "."
        }
        let tokens = sentences.reduce(0) { $0 + embedder.tokenize($1).count }
        _ = try embedder.embed(Array(sentences.prefix(32)))
        let t1 = clock.now
        _ = try embedder.embed(sentences)
        let seconds = (clock.now - t1).seconds
        let result: [String: Any] = [
            "model": embedder.name,
            "threads": ProcessInfo.processInfo.activeProcessorCount,
            "load_seconds": load,
            "sentences": sentences.count,
            "mean_tokens": Double(tokens) / Double(sentences.count),
            "seconds": seconds,
            "sentences_per_s": Double(sentences.count) / seconds,
            "tokens_per_s": Double(tokens) / seconds,
            "peak_memory_mib": Double(peakResidentBytes()) / 1_048_576,
            "augur_version": augurVersion,
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
