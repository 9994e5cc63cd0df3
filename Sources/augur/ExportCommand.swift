import ArgumentParser
import AugurPipeline
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run: one JSON object per feature (id, hook, latent, descriptions, scores).")
    @Argument(help: "Run folder.") var folder: String
    @Option(help: "Output format: jsonl.") var format = "jsonl"
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func run() throws {
        guard format == "jsonl" else { throw ValidationError("unknown --format '\(format)'; supported: jsonl") }
        let dir = URL(fileURLWithPath: folder)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(RunStore.fileName).path) else {
            throw ValidationError("\(folder) is not a run folder (no \(RunStore.fileName))")
        }
        let store = try RunStore(directory: dir)
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let h = FileHandle(forWritingAtPath: out) else { throw ValidationError("cannot write \(out)") }
            defer { try? h.close() }
            try store.exportJSONL(to: h)
        } else {
            try store.exportJSONL(to: FileHandle.standardOutput)
        }
    }
}
