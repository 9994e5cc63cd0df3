import ArgumentParser
import AugurPipeline
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented default configuration for `augur run` (every key, with what it does).")
    @Option(help: "Where to write it.") var out = "augur.toml"
    @Flag(help: "Overwrite an existing file.") var force = false

    /// The header of the written file: how the defaults were chosen.
    static let header = [
        "Configuration of `augur run CONFIG.toml` (defaults of `augur run` with no configuration).",
        "Every key is optional: a key left out keeps the value shown here. Unknown keys are refused.",
        "The defaults fit the quick start in about 20 minutes on 2 CPU cores: a TopK SAE trained on",
        "100k tokens, caches of 50k tokens, 5 SAE latents and 2 neurons, 4 methods, 4 scorers.",
        "Explainer and scorer: SmolLM2-135M-Instruct in-process. Qwen2.5-Coder-0.5B-Instruct writes",
        "better descriptions but is ~3x slower per description here (prefill 80 vs 242 tok/s), which",
        "does not fit the time budget; set explain.model / score.model to it for better descriptions.",
    ]

    func run() throws {
        if FileManager.default.fileExists(atPath: out), !force {
            throw ValidationError("\(out) exists; pass --force to overwrite it")
        }
        let text = RunConfig.defaultTOML(header: Self.header)
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
            throw ValidationError("cannot write \(out): \(error.localizedDescription)")
        }
        printError("wrote \(out); run it with: augur run \(out)")
    }
}
