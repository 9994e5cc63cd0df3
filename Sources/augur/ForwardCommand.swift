import ArgumentParser
import AugurFormats
import AugurModels
import Foundation

struct Forward: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one forward pass and write input_ids, logits and hooked activations to a safetensors file.")
    @Option(help: "Catalog name, GGUF file or Hugging Face model folder.") var model = ModelCatalog.defaultModel
    @Option(help: "The text (BOS is added only where the model's own default does).") var text: String
    @Option(help: "Output .safetensors file.") var out: String
    @Option(name: .customLong("hook"), help: "Hook point to save, e.g. blocks.6.hook_resid_post (repeatable).") var hooks: [String] = []

    func run() throws {
        let m = try loadModel(model)
        let points = try hooks.map { try HookPoint.parse($0, layers: m.config.layers) }
        let ids = m.tokenize(text)
        guard !ids.isEmpty else { throw ValidationError("--text produced no tokens") }
        let h = Hooks()
        for p in points { h.capture(p) }
        let logits = try m.forward([ids], caches: nil, hooks: h, options: ForwardOptions(logits: .all, precision: .exact))[0]
        var w = SafetensorsWriter()
        w.metadata = ["model": m.info.name, "model_path": m.info.path, "text": text, "augur_version": augurVersion]
        try w.add("input_ids", int32s: ids, shape: [ids.count])
        try w.add("logits", floats: logits, shape: [ids.count, m.config.vocabSize])
        for p in points {
            let acts = h.activations(at: p)
            try w.add(p.description, floats: acts, shape: [ids.count, acts.count / ids.count])
        }
        try w.write(to: out)
        printError("wrote \(out): \(ids.count) tokens, logits [\(ids.count), \(m.config.vocabSize)], \(points.count) hook(s)")
    }
}
