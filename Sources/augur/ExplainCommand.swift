import ArgumentParser
import AugurActivations
import AugurInterp
import AugurLLM
import AugurModels
import AugurPipeline
import AugurSAE
import Foundation

struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe features with an explainer LLM, from a latent cache or a records file (resumable).")
    @Option(help: "Latent cache folder (from `augur cache`).") var cache: String?
    @Option(help: "Records file: {\"records\": [{\"tokens\", \"activations\"}]} or a list of such features with an id.")
    var records: String?
    @Option(help: "With --cache: latents to explain, e.g. 0-99, 5,17,200-210, random:100, top-density:50, all.")
    var latents = "random:20"
    @Option(help: "Comma-separated methods: \(ExplanationMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
    var methods = "maxact,vocabproj,tokenchange,ensemble"
    @OptionGroup var backend: ChatBackendOptions
    @Option(help: "Requests in flight at once.") var concurrency = 2
    @Option(help: "Seed of latent and example sampling.") var seed: UInt64 = 0
    @Option(name: .customLong("min-examples"), help: "Latents with fewer activating windows are skipped.")
    var minExamples = 20
    @Option(help: "Run folder.") var out: String
    @Flag(help: "Start over if the run folder was made with a different cache, records file, latents or seed.")
    var force = false

    func validate() throws {
        guard (cache != nil) != (records != nil) else { throw ValidationError("give exactly one of --cache CACHE or --records FILE") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard minExamples > 0 else { throw ValidationError("--min-examples must be positive") }
    }

    func run() async throws {
        let methodList = try ExplanationMethod.parseList(methods)
        let runDir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let store = try RunStore(directory: runDir)
        var config: [String: Any] = ["seed": Int(seed)]
        if let cache { config["cache"] = URL(fileURLWithPath: cache).standardizedFileURL.path; config["latents"] = latents }
        if let records { config["records"] = URL(fileURLWithPath: records).standardizedFileURL.path }
        let configJSON = String(decoding: try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]), as: UTF8.self)
        do { try store.recordRun(configJSON: configJSON, augurVersion: augurVersion, replace: force) } catch {
            throw ValidationError("\(error); pass --force to start over or choose another --out")
        }

        let features: [FeatureEvidence]
        if let records {
            let inputOnly: Set<ExplanationMethod> = [.maxact, .maxactOpenAI, .contrastive]
            if let m = methodList.first(where: { !inputOnly.contains($0) }) {
                throw ValidationError("method \(m.rawValue) needs a model's output side; with --records use \(inputOnly.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            let read = try RecordsFile.read(URL(fileURLWithPath: records), split: RecordsSplit())
            features = read.map(\.evidence)
            try store.upsertFeatures(features.map { FeatureRecord(id: $0.id, maxActivation: $0.examples.map { Double(($0.train + $0.test).map(\.maxActivation).max() ?? 0) },
                                                                  kind: "records") })
        } else if let cache {
            features = try evidenceFromCache(cache, methods: methodList, store: store)
        } else { return }
        guard !features.isEmpty else { throw ValidationError("no features to explain") }

        let (chat, local) = try backend.make()
        let total = features.count * methodList.count
        printError("explaining \(features.count) features × \(methodList.count) methods with \(chat.name)")
        let progress = ProgressLine("explain", total: total, unit: "descriptions")
        let start = Date()
        let summary = try await ExplainStage(concurrency: concurrency).run(features: features, methods: methodList, model: chat, store: store) { p in
            progress.update(p.completed)
        }
        progress.finish(summary.described + summary.failed)
        let seconds = Date().timeIntervalSince(start)
        var line = "\(out): \(summary.described) described, \(summary.failed) failed, \(summary.alreadyDone) already done"
        if summary.retried > 0 { line += ", \(summary.retried) earlier failures retried" }
        line += String(format: " in %.0f s", seconds)
        if summary.described > 0 { line += String(format: " (%.0f descriptions/hour)", Double(summary.described) / seconds * 3600) }
        printError(line)
        if let local {
            let s = local.prefixStats
            printError("prefix cache: \(s.promptTokensComputed) of \(s.promptTokensSent) prompt tokens computed (\(s.promptTokensReused) reused) over \(s.requests) requests")
        }
        if summary.failed > 0 { printError("failures are kept in the run; rerun the same command to retry them") }
    }

    /// Examples, VocabProj and TokenChange evidence of the selected latents of a cache (``EvidenceStage``).
    func evidenceFromCache(_ path: String, methods: [ExplanationMethod], store: RunStore) throws -> [FeatureEvidence] {
        let cache = try LatentCache(directory: URL(fileURLWithPath: path))
        let model = try loadModel(cache.spec.model)
        var config = ExampleConfig(seed: seed)
        config.minActivatingWindows = minExamples
        let stage = EvidenceStage(selection: latents, seed: seed, methods: methods, examples: config)
        var progress: ProgressLine?
        let result = try stage.run(cache: cache, model: model) { done, total in
            if progress == nil { progress = ProgressLine("evidence", total: total, unit: "features") }
            progress?.update(done)
        }
        progress?.finish(result.features.count)
        try store.upsertFeatures(result.records)
        if !result.skipped.isEmpty {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(result.skipped).write(to: URL(fileURLWithPath: out).appendingPathComponent("skipped.json"))
            printError("\(result.skipped.count) latents have fewer than \(minExamples) activating windows: no input-side description (listed in \(out)/skipped.json)")
        }
        return result.features
    }
}
