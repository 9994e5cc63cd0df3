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
        "The defaults are sized for the quick start, under 20 minutes on 2 CPU cores: a TopK SAE trained on",
        "64k tokens (~4 min with its evaluation), caches of 32k tokens (~75 s each), 4 SAE latents and 2",
        "neurons, 4 methods (24 descriptions), 4 scorers over 4 + 4 held-out examples (scoring is the longest",
        "stage, ~10 min; simulation asks one prompt per example). Raise the token counts and latents.select",
        "for a real study (80k SAE tokens + 40k cache tokens took 20m13s in all, 9m33s of it scoring).",
        "Explainer and scorer: SmolLM2-135M-Instruct in-process. Qwen2.5-Coder-0.5B-Instruct writes better",
        "descriptions but is ~3x slower per request here (prefill 80 vs 242 tok/s, decode 24 vs 79 tok/s):",
        "SmolLM2 took 5.6 s per description (a third fail: it copies a few-shot answer), Qwen would take ~3x",
        "per description and per scoring prompt. Set explain.model / score.model to it when time allows.",
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
