import AugurActivations
import AugurInterp
import Foundation
import Logging
import Synchronization

/// Why the score stage could not run at all.
public enum ScoreStageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The run has no description to score.
    case noDescriptions(run: String)
    /// Every requested scorer was refused (scorer → why).
    case noScorerAvailable([String: String])
    /// No scorer was requested.
    case noScorers
    /// Reading or writing the store failed.
    case store(RunStoreError)

    public var description: String {
        switch self {
        case .noDescriptions(let run): "\(run) has no descriptions to score; run `augur explain` first (or score a records file with descriptions)"
        case .noScorerAvailable(let reasons): reasons.keys.sorted().compactMap { reasons[$0] }.joined(separator: "; ")
        case .noScorers: "no scorers requested"
        case .store(let e): "\(e)"
        }
    }
}

/// One stored score outcome, as reported to the progress callback.
public struct ScoreProgress: Sendable {
    /// Outcomes stored so far in this run of the stage.
    public var completed: Int
    /// Outcomes the stage set out to produce.
    public var total: Int
    /// The (feature, method, explainer, scorer) just stored.
    public var key: ScoreKey
    /// The score, or nil when it failed.
    public var value: Double?
    /// Why it failed, when it did.
    public var failureCause: String?
}

/// What a score stage did.
public struct ScoreStageSummary: Sendable, Equatable {
    /// Descriptions × scorers scored in this run.
    public var scored: Int
    /// Descriptions × scorers that failed in this run (recorded with their causes; a rerun retries them).
    public var failed: Int
    /// Descriptions × scorers that already had a score.
    public var alreadyDone: Int
    /// Of this run's work, how many had failed in an earlier run.
    public var retried: Int
    /// Scorers refused for this run, with the reason (scorer name → why).
    public var refused: [String: String]
    /// Descriptions × scorers not finished because the task was cancelled (not recorded).
    public var cancelled: Int

    public init(scored: Int = 0, failed: Int = 0, alreadyDone: Int = 0, retried: Int = 0, refused: [String: String] = [:],
                cancelled: Int = 0) {
        self.scored = scored
        self.failed = failed
        self.alreadyDone = alreadyDone
        self.retried = retried
        self.refused = refused
        self.cancelled = cancelled
    }
}

/// The resumable score stage: scores every description of a ``RunStore`` that lacks a score from
/// each requested scorer, and stores each outcome the moment it arrives — a success as a score
/// (with the full ``ScoreOutcome`` as details), anything else as a failure with its cause, never
/// as a score. A rerun scores only what is missing, earlier failures included.
///
/// Scorers whose requirements are not in the ``ScoreContext`` are refused (listed in the
/// summary) and the others still run. LLM scorers score up to `concurrency` features at once;
/// scorers that run an in-process model directly (embedding, surprisal, subject-model scorers)
/// score one feature at a time, all of a feature's descriptions together where the scorer can
/// share work between them.
public struct ScoreStage: Sendable {
    /// Features scored at once by an LLM-only scorer (detection, fuzzing, intruder, simulation).
    public var concurrency: Int
    /// At most this many activating (test) and this many non-activating examples per feature
    /// (activating ones spread over the activation range); nil: all.
    public var maxExamples: Int?

    static let logger = Logger(label: "augur.score")

    public init(concurrency: Int = 2, maxExamples: Int? = nil) {
        self.concurrency = concurrency
        self.maxExamples = maxExamples
    }

    /// The scorers of `kinds` that `context` cannot run, with the reason (scorer name → why).
    public static func refusals(for kinds: [ScorerKind], context: ScoreContext) -> [String: String] {
        kinds.reduce(into: [:]) { out, k in
            if let why = context.refusal(for: k) { out[k.rawValue] = why }
        }
    }

    /// The description × scorer keys of `store` still lacking a score (failed ones included), in
    /// feature, then scorer, then description order. Throws when the run has no description.
    public func pending(store: RunStore, scorers: [ScorerKind]) throws(ScoreStageError) -> [ScoreKey] {
        try plan(store: store, scorers: scorers).jobs.flatMap { job in
            job.descriptions.map { ScoreKey(featureID: $0.featureID, method: $0.method, explainer: $0.explainer, scorer: job.kind.rawValue) }
        }
    }

    /// Scores what is missing in `store` with `scorers`, recording every outcome as it arrives.
    /// `progress` is called after each outcome has been stored. Throws when the run has no
    /// descriptions, when every scorer is refused, or when the store fails.
    public func run(store: RunStore, scorers: [ScorerKind], context: ScoreContext,
                    progress: @escaping @Sendable (ScoreProgress) -> Void = { _ in }) async throws(ScoreStageError) -> ScoreStageSummary {
        guard !scorers.isEmpty else { throw .noScorers }
        let refused = Self.refusals(for: scorers, context: context)
        let usable = scorers.filter { refused[$0.rawValue] == nil }
        let plan = try plan(store: store, scorers: usable)
        guard !usable.isEmpty else { throw .noScorerAvailable(refused) }
        for (name, why) in refused.sorted(by: { $0.key < $1.key }) { Self.logger.warning("\(name) refused: \(why)") }

        let failedBefore: Set<ScoreKey>
        do {
            failedBefore = Set(try store.failures(stage: RunStore.scoreStage).map {
                ScoreKey(featureID: $0.featureID, method: $0.method, explainer: $0.explainer, scorer: $0.scorer)
            })
        } catch { throw .store(error) }
        let total = plan.jobs.reduce(0) { $0 + $1.descriptions.count }
        var summary = ScoreStageSummary(alreadyDone: plan.alreadyDone, refused: refused)
        summary.retried = plan.jobs.reduce(0) { n, job in
            n + job.descriptions.filter {
                failedBefore.contains(ScoreKey(featureID: $0.featureID, method: $0.method, explainer: $0.explainer, scorer: job.kind.rawValue))
            }.count
        }
        let latents = plan.latents
        let recorder = Recorder(store: store, total: total, progress: progress)
        for kind in usable {
            let jobs = plan.jobs.filter { $0.kind == kind }
            guard !jobs.isEmpty else { continue }
            let limit = kind.needsChatModel && !kind.needsSubjectModel ? max(1, concurrency) : 1
            let factory = ScorerFactory(kind: kind, context: context, latents: latents)
            let cap = maxExamples
            await forEach(jobs, limit: limit) { job in
                guard !Task.isCancelled else { return }
                let examples = Self.capped(job.examples, cap)
                let outcomes = await factory.score(job.descriptions.map { FeatureDescription(method: $0.method, text: $0.text) },
                                                   examples: examples, featureKind: job.featureKind)
                for (d, outcome) in zip(job.descriptions, outcomes) {
                    recorder.record(ScoreKey(featureID: d.featureID, method: d.method, explainer: d.explainer, scorer: kind.rawValue), outcome)
                }
            }
        }
        let final = recorder.counts
        if let error = final.error { throw .store(error) }
        summary.scored = final.scored
        summary.failed = final.failed
        summary.cancelled = total - final.scored - final.failed
        return summary
    }

    /// `examples` with at most `cap` activating (test) examples, evenly spread over the list (which
    /// runs over the activation range), and the first `cap` non-activating ones.
    public static func capped(_ examples: FeatureExamples, _ cap: Int?) -> FeatureExamples {
        guard let cap else { return examples }
        var e = examples
        let n = e.test.count
        if n > cap {
            e.test = cap <= 0 ? [] : (0..<cap).map { e.test[$0 * n / cap] }
        }
        e.nonActivating = Array(e.nonActivating.prefix(max(0, cap)))
        return e
    }

    // MARK: - Planning

    struct Job: Sendable {
        var kind: ScorerKind
        var examples: FeatureExamples
        var featureKind: String?
        var descriptions: [StoredDescription]
    }

    struct Plan {
        var jobs: [Job]
        var alreadyDone: Int
        var latents: [String: Int]
    }

    func plan(store: RunStore, scorers: [ScorerKind]) throws(ScoreStageError) -> Plan {
        do {
            let done = try store.completedScores()
            var jobs: [Job] = []
            var described = 0, alreadyDone = 0
            var latents: [String: Int] = [:]
            for feature in try store.features() {
                if let l = feature.latent { latents[feature.id] = l }
                let descriptions = try store.descriptions(featureID: feature.id)
                guard !descriptions.isEmpty else { continue }
                described += descriptions.count
                let examples = feature.evidence?.examples ?? FeatureExamples(id: feature.id, train: [], test: [], nonActivating: [])
                for kind in scorers {
                    let todo = descriptions.filter {
                        !done.contains(ScoreKey(featureID: $0.featureID, method: $0.method, explainer: $0.explainer, scorer: kind.rawValue))
                    }
                    alreadyDone += descriptions.count - todo.count
                    if !todo.isEmpty { jobs.append(Job(kind: kind, examples: examples, featureKind: feature.kind, descriptions: todo)) }
                }
            }
            guard described > 0 else { throw ScoreStageError.noDescriptions(run: URL(fileURLWithPath: store.path).deletingLastPathComponent().path) }
            return Plan(jobs: jobs, alreadyDone: alreadyDone, latents: latents)
        } catch let e as ScoreStageError {
            throw e
        } catch let e as RunStoreError {
            throw .store(e)
        } catch {
            throw .store(.cannotOpen(path: store.path, detail: "\(error)"))
        }
    }
}

/// Counts of a stage run, behind a mutex.
struct Tally: Sendable {
    var scored = 0
    var failed = 0
    var error: RunStoreError?
}

/// Stores outcomes as they arrive, counts them and reports progress.
final class Recorder: Sendable {
    let store: RunStore
    let total: Int
    let progress: @Sendable (ScoreProgress) -> Void
    private let tally = Mutex(Tally())

    init(store: RunStore, total: Int, progress: @escaping @Sendable (ScoreProgress) -> Void) {
        self.store = store
        self.total = total
        self.progress = progress
    }

    /// The counts so far.
    var counts: Tally { tally.withLock { $0 } }

    /// Stores `outcome` under `key`: its value as a score, or (no value) a failure with the cause.
    func record(_ key: ScoreKey, _ outcome: ScoreOutcome) {
        var cause: String?
        do throws(RunStoreError) {
            let details = String(decoding: (try? JSONEncoder().encode(outcome)) ?? Data(), as: UTF8.self)
            if let value = outcome.value, value.isFinite {
                try store.recordScore(key, value: value, detailsJSON: details)
            } else {
                cause = outcome.failures.first?.cause ?? outcome.notes.first
                    ?? "no \(outcome.primaryMetric) could be computed"
                try store.recordScoreFailure(key, cause: cause ?? "", raw: details)
            }
        } catch {
            tally.withLock { if $0.error == nil { $0.error = error } }
            return
        }
        let completed = tally.withLock { t -> Int in
            if cause == nil { t.scored += 1 } else { t.failed += 1 }
            return t.scored + t.failed
        }
        progress(ScoreProgress(completed: completed, total: total, key: key, value: cause == nil ? outcome.value : nil,
                               failureCause: cause))
    }
}

/// `body` over `items` with at most `limit` running at once.
func forEach<T: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        var next = 0
        for _ in 0..<min(max(limit, 1), items.count) {
            let item = items[next]
            group.addTask { await body(item) }
            next += 1
        }
        while await group.next() != nil {
            if next < items.count, !Task.isCancelled {
                let item = items[next]
                group.addTask { await body(item) }
                next += 1
            }
        }
    }
}
