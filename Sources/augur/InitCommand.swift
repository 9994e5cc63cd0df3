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
        "Configuration of `augur run CONFIG.toml` (the defaults of `augur run` with no configuration).",
        "Every key is optional: a key left out keeps the value shown here. Unknown keys are refused.",
        "The defaults are sized for the quick start, ~20 minutes on 2 CPU cores: a TopK SAE trained on",
        "80k tokens (~3 min), caches of 40k tokens (~75 s each), 4 SAE latents and 2 neurons, 4 methods",
        "(24 descriptions), 4 scorers over 4 + 4 held-out examples (scoring is the longest stage; simulation",
        "asks one prompt per example). Raise the token counts and latents.select for a real study.",
        "Explainer and scorer: SmolLM2-135M-Instruct in-process. Qwen2.5-Coder-0.5B-Instruct writes better",
        "descriptions but is ~3x slower per request here (prefill 80 vs 242 tok/s, decode 24 vs 79 tok/s):",
        "~30 s per request against ~10 s under load, which does not fit the budget with 24 descriptions",
        "and ~12 scoring prompts each. Set explain.model / score.model to it when time allows.",
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
