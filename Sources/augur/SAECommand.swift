import ArgumentParser
import AugurSAE
import Foundation

struct SAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sae",
        abstract: "Inspect sparse autoencoders (sparsify, SAELens and Gemma Scope layouts).",
        subcommands: [Info.self])

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
