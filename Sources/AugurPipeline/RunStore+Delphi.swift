import AugurInterp
import Foundation
import GRDB

/// Why a delphi export failed.
public enum DelphiExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reading the run failed.
    case store(RunStoreError)
    /// A file or folder could not be written.
    case cannotWrite(path: String, detail: String)
    /// A stored score's details are not an encoded ``ScoreOutcome``.
    case badDetails(featureID: String, scorer: String, detail: String)

    public var description: String {
        switch self {
        case .store(let e): return e.description
        case let .cannotWrite(path, d): return "cannot write \(path): \(d)"
        case let .badDetails(id, scorer, d):
            return "the \(scorer) score of feature \(id) has details that are not a score outcome: \(d)"
        }
    }
}

/// What ``RunStore/exportDelphi(to:)`` wrote.
public struct DelphiExportSummary: Sendable, Equatable {
    /// The folder of each (method, explainer) pair, relative to the export folder ("" when the run
    /// has one pair and its files are at the top).
    public var folders: [String]
    /// Explanation files written.
    public var explanations: Int
    /// Score files written.
    public var scoreFiles: Int
    /// Scores not written, with why (a failed score has no per-example results).
    public var skipped: [String]
}

/// One per-example result in delphi's score files (`ClassifierOutput` of `delphi.scorers`).
struct DelphiExample: Encodable {
    var str_tokens: [String]
    var activations: [Float]
    /// The quantile of an activating example; −1 for a non-activating one.
    var distance: Double
    var activating: Bool
    /// Nil when the prompt failed or the scorer gives no yes/no answer.
    var prediction: Bool?
    var probability: Double?
    var correct: Bool?
    /// Continuous scorers: the example's score (embedding similarity, surprisal drop, …).
    var score: Double?
    /// Simulation: the simulated activation of every token.
    var simulated: [Double]?

    init(_ p: ExamplePrediction) {
        str_tokens = p.tokens ?? [p.text]
        activations = p.activations ?? []
        distance = p.activating ? Double(p.quantile ?? 0) : -1
        activating = p.activating
        prediction = p.failed ? nil : p.predicted
        probability = p.failed ? nil : p.probability
        if let prediction, let label = p.label { correct = prediction == label } else { correct = nil }
        score = p.score
        simulated = p.simulated
    }

    // Absent optionals are written as null, as delphi writes None.
    func encode(to encoder: any Encoder) throws {
        enum K: String, CodingKey { case str_tokens, activations, distance, activating, prediction, probability, correct, score, simulated }
        var c = encoder.container(keyedBy: K.self)
        try c.encode(str_tokens, forKey: .str_tokens)
        try c.encode(activations, forKey: .activations)
        try c.encode(distance, forKey: .distance)
        try c.encode(activating, forKey: .activating)
        try c.encode(prediction, forKey: .prediction)
        try c.encode(probability, forKey: .probability)
        try c.encode(correct, forKey: .correct)
        if let score { try c.encode(score, forKey: .score) }
        if let simulated { try c.encode(simulated, forKey: .simulated) }
    }
}

extension RunStore {
    /// The folder delphi keeps a scorer's files in: `fuzz` for fuzzing (delphi's name), else the scorer's name.
    public static func delphiScorerFolder(_ scorer: String) -> String {
        scorer == "fuzzing" ? "fuzz" : scorer
    }

    /// A feature's file name stem in delphi's layout: `{module}_latent{N}` (delphi's `Latent`
    /// repr), from the feature's hook and latent, or from an id `HOOK/N`; other ids (records
    /// files) with `/` replaced by `--`, as delphi does.
    public static func delphiName(id: String, hook: String?, latent: Int?) -> String {
        if let hook, let latent { return "\(hook)_latent\(latent)" }
        if let slash = id.lastIndex(of: "/"), let n = Int(id[id.index(after: slash)...]) {
            return "\(id[..<slash])_latent\(n)"
        }
        return id.replacingOccurrences(of: "/", with: "--")
    }

    /// Writes the run in EleutherAI delphi's output layout under `directory`:
    /// `explanations/{name}.txt` holds a feature's description as a JSON string, and
    /// `scores/{scorer}/{name}.txt` a JSON list of per-example results (`str_tokens`,
    /// `activations`, `distance` — the quantile, −1 for non-activating examples —, `activating`,
    /// `prediction`, `probability`, `correct`; plus `score` or `simulated` for continuous
    /// scorers), read from the predictions stored with each score. `{name}` is
    /// ``delphiName(id:hook:latent:)``; fuzzing scores go to `scores/fuzz` as in delphi.
    ///
    /// Delphi has one description per latent. When the run holds several (method, explainer)
    /// pairs, each pair gets its own folder `directory/{method}` (or `{method}-{explainer}` when
    /// a method was explained by several explainers) with its `explanations/` and `scores/`; a
    /// run with one pair writes them directly under `directory`. Failed scores have no
    /// per-example results and are listed in ``DelphiExportSummary/skipped``.
    public func exportDelphi(to directory: URL) throws(DelphiExportError) -> DelphiExportSummary {
        let features: [FeatureRecord], descriptions: [(id: String, method: String, explainer: String, text: String)]
        let scores: [StoredScore]
        do {
            features = try self.features()
            descriptions = try read { db in
                try Row.fetchAll(db, sql: "SELECT feature_id, method, explainer, text FROM descriptions ORDER BY rowid").map {
                    (id: $0["feature_id"], method: $0["method"], explainer: $0["explainer"], text: $0["text"])
                }
            }
            scores = try self.scores()
        } catch {
            throw .store(error)
        }
        let names = Dictionary(features.map { ($0.id, Self.delphiName(id: $0.id, hook: $0.hook, latent: $0.latent)) },
                               uniquingKeysWith: { a, _ in a })
        func name(_ id: String) -> String { names[id] ?? Self.delphiName(id: id, hook: nil, latent: nil) }

        // The (method, explainer) pairs, in order of first appearance, and their folders.
        struct Pair: Hashable { var method: String, explainer: String }
        var pairs: [Pair] = []
        for p in descriptions.map({ Pair(method: $0.method, explainer: $0.explainer) })
            + scores.map({ Pair(method: $0.key.method, explainer: $0.key.explainer) }) where !pairs.contains(p) {
            pairs.append(p)
        }
        let explainersPerMethod = Dictionary(grouping: pairs, by: \.method).mapValues(\.count)
        func folder(_ p: Pair) -> String {
            guard pairs.count > 1 else { return "" }
            let raw = (explainersPerMethod[p.method] ?? 0) > 1 && !p.explainer.isEmpty ? "\(p.method)-\(p.explainer)" : p.method
            return raw.replacingOccurrences(of: "/", with: "--")
        }
        func base(_ p: Pair) -> URL {
            let f = folder(p)
            return f.isEmpty ? directory : directory.appendingPathComponent(f, isDirectory: true)
        }

        var summary = DelphiExportSummary(folders: pairs.map(folder), explanations: 0, scoreFiles: 0, skipped: [])
        for d in descriptions {
            let dir = base(Pair(method: d.method, explainer: d.explainer)).appendingPathComponent("explanations", isDirectory: true)
            let data: Data
            do { data = try JSONSerialization.data(withJSONObject: d.text, options: [.fragmentsAllowed, .withoutEscapingSlashes]) } catch {
                throw .cannotWrite(path: dir.path, detail: "cannot encode the description of \(d.id): \(error)")
            }
            try Self.write(data, to: dir.appendingPathComponent("\(name(d.id)).txt"))
            summary.explanations += 1
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        for s in scores {
            let k = s.key
            guard !s.failed, let details = s.detailsJSON else {
                summary.skipped.append("\(k.featureID) \(k.method) \(k.scorer): \(s.failed ? "scoring failed" : "no per-example results stored")")
                continue
            }
            let outcome: ScoreOutcome
            do { outcome = try JSONDecoder().decode(ScoreOutcome.self, from: Data(details.utf8)) } catch {
                throw .badDetails(featureID: k.featureID, scorer: k.scorer, detail: "\(error)")
            }
            let dir = base(Pair(method: k.method, explainer: k.explainer))
                .appendingPathComponent("scores", isDirectory: true)
                .appendingPathComponent(Self.delphiScorerFolder(k.scorer), isDirectory: true)
            let data: Data
            do { data = try encoder.encode(outcome.predictions.map(DelphiExample.init)) } catch {
                throw .cannotWrite(path: dir.path, detail: "cannot encode the \(k.scorer) results of \(k.featureID): \(error)")
            }
            try Self.write(data, to: dir.appendingPathComponent("\(name(k.featureID)).txt"))
            summary.scoreFiles += 1
        }
        return summary
    }

    private static func write(_ data: Data, to file: URL) throws(DelphiExportError) {
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: file, options: .atomic)
        } catch {
            throw .cannotWrite(path: file.path, detail: "\(error)")
        }
    }
}
