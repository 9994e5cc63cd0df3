import ArgumentParser
import AugurActivations
import AugurModels
import Foundation

struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus", abstract: "Fetch and inspect text corpora.",
        subcommands: [Pull.self, Stats.self])

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a built-in corpus into $AUGUR_HOME/corpora.")
        @Argument(help: "Corpus name.") var name = CorpusCatalog.defaultCorpus
        @Flag(help: "Fetch again even if present.") var force = false

        func run() throws {
            guard let entry = CorpusCatalog.entry(name) else {
                throw ValidationError("unknown corpus '\(name)'; built-in: \(CorpusCatalog.entries.map(\.name).joined(separator: ", "))")
            }
            let path = try CorpusStore().pull(entry, force: force)
            print(path.path)
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Documents, characters and (with --model) tokens of a corpus, as JSON.")
        @Option(help: "Built-in corpus name, or a .txt/.jsonl file or folder.") var corpus = CorpusCatalog.defaultCorpus
        @Option(help: "Count tokens with this model's tokenizer and BOS convention.") var model: String?

        func run() throws {
            let c = try Corpus.load(corpus)
            var out: [String: Any] = ["corpus": c.source, "documents": c.documents.count, "characters": c.characterCount]
            if let model {
                let m = try loadModel(model)
                out["model"] = m.info.name
                out["tokens"] = c.documents.reduce(0) { $0 + m.tokenize($1).count }
            }
            let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
