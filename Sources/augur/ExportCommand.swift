import ArgumentParser
import AugurPipeline
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run: one JSON object per feature (id, hook, latent, descriptions, scores), or delphi's folders.",
        discussion: """
        --format jsonl writes one JSON object per feature (to --out or standard output).
        --format delphi --out DIR writes EleutherAI delphi's layout: DIR/explanations/{hook}_latent{N}.txt \
        (the description as a JSON string) and DIR/scores/{scorer}/{hook}_latent{N}.txt (a JSON list of \
        per-example results); fuzzing goes to scores/fuzz. A run with several methods gets one folder per \
        method (DIR/{method}/explanations, DIR/{method}/scores; {method}-{explainer} when a method has \
        several explainers).
        """)
    @Argument(help: "Run folder.") var folder: String
    @Option(help: "Output format: jsonl or delphi.") var format = "jsonl"
    @Option(help: "jsonl: write to this file instead of standard output; delphi: the folder to write (required).") var out: String?

    func run() throws {
        guard format == "jsonl" || format == "delphi" else { throw ValidationError("unknown --format '\(format)'; supported: jsonl, delphi") }
        let dir = URL(fileURLWithPath: folder)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(RunStore.fileName).path) else {
            throw ValidationError("\(folder) is not a run folder (no \(RunStore.fileName))")
        }
        let store = try RunStore(directory: dir)
        if format == "delphi" {
            guard let out else { throw ValidationError("--format delphi needs --out DIR, the folder to write") }
            let summary = try store.exportDelphi(to: URL(fileURLWithPath: out, isDirectory: true))
            let folders = summary.folders.filter { !$0.isEmpty }
            printError("wrote \(summary.explanations) explanation file(s) and \(summary.scoreFiles) score file(s) to \(out)"
                + (folders.isEmpty ? "" : " in folders \(folders.joined(separator: ", "))")
                + (summary.skipped.isEmpty ? "" : "; skipped \(summary.skipped.count) failed score(s)"))
            return
        }
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil), let h = FileHandle(forWritingAtPath: out) else { throw ValidationError("cannot write \(out)") }
            defer { try? h.close() }
            try store.exportJSONL(to: h)
        } else {
            try store.exportJSONL(to: FileHandle.standardOutput)
        }
    }
}
