import ArgumentParser
import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurPipeline
import Foundation
import Synchronization

struct Score: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every description of a run, or the descriptions a records file carries (resumable; failures are recorded apart and retried on a rerun).",
        discussion: """
            Writes each score to the run, then the method × scorer table (mean with 95% bootstrap interval, n scored, \
            failed, unscored) and the scorer correlations to RUN/summary.md and the run's artifacts, and prints them. \
            surprisal, intervention, input-based and output-based reopen the subject model and sparse coder from the \
            run's latent cache; runs without one (records runs) refuse them, except surprisal with --base-model.
            """)
    @Option(help: "Run folder made by `augur explain` (or an earlier `augur score --records`).") var run: String?
    @Option(help: "Records file whose features carry descriptions: [{\"id\", \"records\", \"descriptions\": [{\"method\", \"text\"}]}].")
    var records: String?
    @Option(help: "With --records: the run folder to store and score them in.") var out: String?
    @Option(help: "With --records: the latent cache whose latents the records' ids name (HOOK/LATENT), for the subject-model scorers.")
    var cache: String?
    @Option(help: "Comma-separated scorers: \(ScorerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scorers = "detection,fuzzing,embedding"
    @OptionGroup var backend: ScorerBackendOptions
    @Option(help: "Sentence embedder for the embedding scorer.") var embedder = "all-minilm-l6-v2"
    @Option(name: .customLong("base-model"), help: "Base LM of surprisal and intervention (default: the run's subject model).")
    var baseModel: String?
    @Option(name: .customLong("max-examples"), help: "At most N activating and N non-activating examples per feature (faster runs).")
    var maxExamples: Int?
    @Option(help: "Features scored at once by the LLM scorers.") var concurrency = 2
    @Flag(name: .customLong("per-example"), help: "Detection and fuzzing: one example per prompt, the answer read from logprobs (for small scorer models; default: batches of 5).")
    var perExample = false
    @Option(help: "Seed of example shuffling.") var seed: UInt64 = 0
    @Flag(name: .customLong("summary-only"), help: "Recompute and print the summary of --run without scoring.")
    var summaryOnly = false

    func validate() throws {
        guard (run != nil) != (records != nil) else { throw ValidationError("give exactly one of --run RUN or --records FILE --out RUN") }
        if records != nil && out == nil { throw ValidationError("--records needs --out RUN (the run folder to store the scores in)") }
        if run != nil && out != nil { throw ValidationError("--out goes with --records; with --run the scores are stored in the run") }
        if cache != nil && records == nil { throw ValidationError("--cache goes with --records; a run made by `augur explain --cache` remembers its cache") }
        if summaryOnly && run == nil { throw ValidationError("--summary-only needs --run RUN") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        if let m = maxExamples, m <= 0 { throw ValidationError("--max-examples must be positive") }
    }

    func run() async throws {
        let kinds: [ScorerKind]
        do { kinds = try ScorerKind.parseList(scorers) } catch { throw ValidationError("--scorers: \(error)") }
        let runPath = run ?? out ?? ""
        let dir = URL(fileURLWithPath: runPath)
        let store: RunStore
        if let records {
            store = try importRecords(records, into: dir)
        } else {
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent(RunStore.fileName).path) else {
                throw ValidationError("\(runPath) is not a run folder (no \(RunStore.fileName))")
            }
            store = try RunStore(directory: dir)
        }
        if !summaryOnly { try await score(store: store, kinds: kinds, runPath: runPath) }
        let report = try ScoreReport.compute(store: store, seed: seed)
        try report.save(to: store)
        let file = try report.writeMarkdown(to: dir, title: "Scores of \(dir.lastPathComponent)")
        print(report.markdown(title: "Scores of \(dir.lastPathComponent)"), terminator: "")
        printError("summary written to \(file.path)")
    }

    /// Stores the features and descriptions of a records file in the run at `dir`.
    func importRecords(_ path: String, into dir: URL) throws -> RunStore {
        let url = URL(fileURLWithPath: path)
        let features = try RecordsFile.read(url, split: RecordsSplit())
        try RecordsFile.requireDescriptions(features, path: url.path)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try RunStore(directory: dir)
        var config: [String: Any] = ["records": url.standardizedFileURL.path, "seed": Int(seed)]
        if let cache {
            let c = URL(fileURLWithPath: cache).standardizedFileURL
            guard FileManager.default.fileExists(atPath: c.path) else { throw ValidationError("--cache \(cache): no such folder") }
            config["cache"] = c.path
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        do { _ = try store.recordRun(configJSON: json, augurVersion: augurVersion) } catch {
            throw ValidationError("\(error); choose another --out")
        }
        let stored = try ScoreStage.importRecords(features, into: store)
        let total = features.reduce(0) { $0 + $1.descriptions.count }
        printError("\(path): \(features.count) features, \(total) descriptions (\(stored) new or changed)")
        return store
    }

    /// Builds what the scorers need, runs the score stage and reports what it did.
    func score(store: RunStore, kinds: [ScorerKind], runPath: String) async throws {
        var context = ScoreContext()
        var options = LLMScorerOptions()
        options.seed = seed
        options.perExamplePrompts = perExample
        context.llmOptions = options
        let stage = ScoreStage(concurrency: concurrency, maxExamples: maxExamples)
        // Fail early (before loading models) when there is nothing to score at all.
        let described = try store.features().contains { f in !(try store.descriptions(featureID: f.id)).isEmpty }
        guard described else { throw ScoreError(message: ScoreStageError.noDescriptions(run: runPath).description) }

        let needsSubject = kinds.contains { $0.needsSubjectModel } || (baseModel == nil && kinds.contains { $0 == .surprisal || $0 == .intervention })
        if needsSubject {
            let (subjects, missing) = try ScoreSubjects.load(store: store)
            context.subjects = subjects
            context.missingSubjectReason = missing
        }
        if let baseModel, kinds.contains(where: { $0 == .surprisal || $0 == .intervention }) {
            context.baseModel = try loadModel(baseModel)
        }
        let runnable = kinds.filter { !$0.needsSubjectModel || !context.subjects.isEmpty }
        if runnable.contains(where: \.needsChatModel) { context.chat = try backend.make().chat }
        if runnable.contains(.embedding) { context.embedder = try SentenceEmbedder.load(embedder) }
        let refused = ScoreStage.refusals(for: kinds, context: context)
        for k in kinds {
            if let why = refused[k.rawValue] { printError("\(runPath): \(why)\(k == .surprisal ? " (or pass --base-model NAME)" : ""); not scored") }
        }
        let usable = kinds.filter { refused[$0.rawValue] == nil }
        guard !usable.isEmpty else { throw ScoreError(message: "no requested scorer can run on \(runPath)") }

        let total = try stage.pending(store: store, scorers: usable).count
        let progress = ProgressLine("score", total: total, unit: "scores")
        let causes = Mutex<[String]>([])
        let start = Date()
        let summary: ScoreStageSummary
        do {
            summary = try await stage.run(store: store, scorers: usable, context: context) { p in
                progress.update(p.completed)
                if let cause = p.failureCause {
                    causes.withLock { if $0.count < 5 { $0.append("\(p.key.featureID) · \(p.key.method) · \(p.key.scorer): \(cause)") } }
                }
            }
        } catch { throw ScoreError(message: "\(error)") }
        progress.finish(summary.scored + summary.failed)
        var line = "\(runPath): \(summary.scored) scores, \(summary.failed) failed, \(summary.alreadyDone) already done"
        if summary.retried > 0 { line += ", \(summary.retried) earlier failures retried" }
        line += String(format: " in %.0f s", Date().timeIntervalSince(start))
        printError(line)
        let shown = causes.withLock { $0 }
        if !shown.isEmpty {
            printError("failures (recorded with their causes; rerun to retry):")
            for c in shown { printError("  \(c)") }
        }
    }
}

/// A score command failure that is not a usage error.
struct ScoreError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
