import ArgumentParser
import AugurPipeline
import AugurServer
import Foundation

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Corpus → SAE → caches → evidence → descriptions → scores → summary, in one resumable command.",
        discussion: """
            With no configuration, the built-in defaults (`augur init` writes them, commented). Rerunning \
            the same command continues where it stopped (even after kill -9) without redoing finished work.
            """)
    @Argument(help: "Configuration file (TOML; `augur init` writes the defaults).") var config: String?
    @Option(help: "Run folder (default: runs/<config file name>, or runs/default).") var out: String?
    @Flag(help: "Start over when the run folder was made with a different configuration (deletes its results).")
    var force = false

    /// The run folder: `--out`, else `runs/<config stem>`, else `runs/default`.
    var runFolder: String {
        out ?? "runs/" + (config.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "default")
    }

    func run() async throws {
        let settings: RunConfig
        if let config {
            do { settings = try RunConfig.load(config) } catch { throw ValidationError(error.description) }
        } else {
            settings = RunConfig()
        }
        let folder = runFolder
        let pipeline = RunPipeline(config: settings, directory: URL(fileURLWithPath: folder), augurVersion: augurVersion)
        let prepared: (store: RunStore, deleted: [String])
        do { prepared = try pipeline.prepare(force: force) } catch let e as RunPipelineError { throw ValidationError(e.description) }
        if !prepared.deleted.isEmpty { printError("--force: deleted the earlier results: \(prepared.deleted.joined(separator: ", "))") }
        printError("run folder \(folder) (configuration in \(folder)/config.toml)")
        let display = RunDisplay()
        let start = Date()
        let outcome = try await pipeline.run(store: prepared.store) { display.handle($0) }
        print(RunSummaryText.render(outcome, seconds: Date().timeIntervalSince(start)))
        let report = URL(fileURLWithPath: folder).appendingPathComponent("report.html")
        try ReportWriter.write(store: prepared.store, to: report)
        print("""

            Report:  \(report.path)   (one self-contained HTML file; open it in a browser)
            Summary: \(outcome.summaryFile.path)
            Browse the features: augur serve \(folder)   (then open http://127.0.0.1:8000)
            Export:              augur export \(folder) --format jsonl   (or --format delphi --out DIR)
            """)
        if outcome.explain.failed > 0 || (outcome.score?.failed ?? 0) > 0 {
            printError("some descriptions or scores failed (kept with their causes); rerun the same command to retry them")
        }
    }
}

/// Turns pipeline events into a line per stage and a progress line with rate and ETA.
final class RunDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private var line: ProgressLine?
    private var lineStage = ""
    private var lastDone = 0

    func handle(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .stageStarted(let stage, let detail):
            printError("▸ \(stage): \(detail)")
        case .progress(let stage, let done, let total, let unit, let extra):
            if line == nil || lineStage != stage || line?.unit != unit || line?.total != total {
                if let line, lineStage == stage { line.finish(lastDone) }
                line = ProgressLine(stage, total: total, unit: unit)
                lineStage = stage
            }
            lastDone = done
            line?.update(done, extra: extra)
        case .stageFinished(let stage, let seconds, let detail):
            if let line, lineStage == stage { line.finish(lastDone) }
            line = nil
            printError(String(format: "  %@ done in %.1f s: %@", stage, seconds, detail))
        case .note(let text):
            printError("  " + text)
        }
    }
}

/// The final summary table of a run.
enum RunSummaryText {
    static func render(_ o: RunOutcome, seconds: Double) -> String {
        var out = "\nStage wall times (summed over invocations)\n"
        for t in o.timings { out += String(format: "  %-14@ %8.1f s\n", t.stage as NSString, t.seconds) }
        out += String(format: "  %-14@ %8.1f s\n", "total" as NSString, o.timings.reduce(0) { $0 + $1.seconds })
        out += String(format: "  (this invocation: %.1f s)\n", seconds)
        if let m = o.saeMetrics {
            out += String(format: "\nSAE: %d latents, FVU %.3f, L0 %.1f, dead %.1f%%, loss recovered %.3f (%d training tokens)\n",
                          m.numLatents, m.fvu, m.l0, 100 * m.deadFraction, m.lossRecovered, m.trainTokens)
        }
        let kinds = o.features.keys.sorted().map { "\(o.features[$0] ?? 0) \($0)" }.joined(separator: ", ")
        out += "\nFeatures explained: \(kinds); \(o.report.summary.descriptions) descriptions"
        out += " (this invocation: \(o.explain.described) new, \(o.explain.failed) failed, \(o.explain.alreadyDone) already done)\n"
        let rows = o.report.summary.rows
        if !rows.isEmpty {
            out += "\nScores (mean [95% CI], n) per method × scorer\n"
            let scorers = Array(Set(rows.map(\.scorer))).sorted()
            let methods = Array(Set(rows.map(\.method))).sorted()
            out += "  " + "method".padding(toLength: 16, withPad: " ", startingAt: 0)
                + scorers.map { $0.padding(toLength: 26, withPad: " ", startingAt: 0) }.joined() + "\n"
            for m in methods {
                out += "  " + m.padding(toLength: 16, withPad: " ", startingAt: 0)
                for s in scorers {
                    let cell: String
                    if let r = rows.first(where: { $0.method == m && $0.scorer == s }), let mean = r.mean {
                        cell = String(format: "%.2f [%.2f, %.2f] %d", mean, r.lower ?? .nan, r.upper ?? .nan, r.scored)
                    } else {
                        cell = "–"
                    }
                    out += cell.padding(toLength: 26, withPad: " ", startingAt: 0)
                }
                out += "\n"
            }
        }
        if !o.byKind.isEmpty {
            out += "\nSAE latents vs. neurons (mean over all methods, n)\n"
            for k in o.byKind { out += String(format: "  %-8@ %-11@ %.3f  %d\n", k.kind as NSString, k.scorer as NSString, k.mean, k.count) }
        }
        return out
    }
}
