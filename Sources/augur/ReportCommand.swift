import ArgumentParser
import AugurPipeline
import AugurServer
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's report: one self-contained HTML file with the summary plots and the top features.")
    @Argument(help: "Run folder (holding augur.sqlite).") var runFolder: String
    @Option(help: "Output HTML file.") var out = "report.html"
    @Option(help: "Features shown in full.") var top = 20
    @Option(help: "Scorer ranking the top features (default: detection, fuzzing, embedding or simulation, whichever the run has).")
    var scorer: String?

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must not be negative") }
    }

    func run() throws {
        let store: RunStore
        do { store = try ViewerServer.openStore(run: URL(fileURLWithPath: runFolder)) } catch let e as ViewerError {
            printError("error: \(e)")
            throw ExitCode.failure
        }
        let known = Set(try store.scoreColumns().map(\.scorer)).sorted()
        if let scorer, !known.contains(scorer) {
            throw ValidationError("the run has no scores of '\(scorer)'; it has: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
        }
        let url = URL(fileURLWithPath: out)
        try ReportWriter.write(store: store, to: url, top: top, scorer: scorer)
        print("wrote \(url.path)")
    }
}
