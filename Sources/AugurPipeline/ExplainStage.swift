import AugurInterp
import AugurLLM
import Foundation
import Synchronization

/// What an explain stage did.
public struct ExplainSummary: Sendable, Equatable {
    /// (feature, method) pairs described in this run.
    public var described: Int
    /// Pairs that failed in this run (recorded as failures).
    public var failed: Int
    /// Pairs skipped because the store already had their description.
    public var alreadyDone: Int
    /// Pairs that had failed in an earlier run and were retried.
    public var retried: Int
    /// Pairs not finished because the run was cancelled (not recorded).
    public var cancelled: Int

    public init(described: Int, failed: Int, alreadyDone: Int, retried: Int, cancelled: Int) {
        self.described = described
        self.failed = failed
        self.alreadyDone = alreadyDone
        self.retried = retried
        self.cancelled = cancelled
    }
}

/// The resumable explain stage: asks the store what is left, explains it with at most
/// `concurrency` requests in flight, and records every outcome the moment it arrives, so an
/// interrupted run loses only the requests in flight.
public struct ExplainStage: Sendable {
    /// The explainer (prompt options).
    public var explainer: Explainer
    /// Most requests in flight.
    public var concurrency: Int

    public init(explainer: Explainer = Explainer(), concurrency: Int = 2) {
        self.explainer = explainer
        self.concurrency = concurrency
    }

    /// Explains every feature in `features` by every method in `methods` with `model`, skipping
    /// what the store already holds for this explainer and retrying earlier failures. The features'
    /// evidence is saved first. `ensemble-concat` uses this explainer's stored descriptions and those
    /// produced in the same run. `progress` is called after each outcome has been stored.
    public func run(features: [FeatureEvidence], methods: [ExplanationMethod], model: any ChatModel, store: RunStore,
                    progress: @escaping @Sendable (ExplanationProgress) -> Void = { _ in }) async throws(RunStoreError) -> ExplainSummary {
        try store.saveEvidence(features)
        let explainerName = model.name
        let pending = Set(try store.pendingExplanations(featureIDs: features.map(\.id), methods: methods, explainer: explainerName))
        let failedBefore = Set(try store.failedExplanations(explainer: explainerName).map {
            ExplanationKey(featureID: $0.featureID, method: $0.method, explainer: $0.explainer)
        })
        var jobs: [ExplanationJob] = []
        var retried = 0
        for evidence in features {
            let keys = methods.map { ExplanationKey(featureID: evidence.id, method: $0.rawValue, explainer: explainerName) }
            guard keys.contains(where: pending.contains) else { continue }
            var known: [FeatureDescription]?
            for (m, key) in zip(methods, keys) where pending.contains(key) {
                if failedBefore.contains(key) { retried += 1 }
                if m == .ensembleConcat && known == nil {
                    known = try store.descriptions(featureID: evidence.id).filter { $0.explainer == explainerName }
                        .map { FeatureDescription(method: $0.method, text: $0.text) }
                }
                jobs.append(ExplanationJob(evidence: evidence, method: m, descriptions: m == .ensembleConcat ? known ?? [] : []))
            }
        }
        let alreadyDone = features.count * methods.count - jobs.count

        let firstError = FirstError()
        let outcomes = await explainer.explainAll(jobs, using: model, concurrency: concurrency) { p in
            if case .failure(let f) = p.outcome, f.cause.kind == .cancelled { progress(p); return }
            do throws(RunStoreError) { try store.record(p.outcome) } catch {
                firstError.keep(error)
            }
            progress(p)
        }
        if let error = firstError.value { throw error }
        var summary = ExplainSummary(described: 0, failed: 0, alreadyDone: alreadyDone, retried: retried, cancelled: 0)
        for o in outcomes {
            switch o {
            case .success: summary.described += 1
            case .failure(let f) where f.cause.kind == .cancelled: summary.cancelled += 1
            case .failure: summary.failed += 1
            }
        }
        return summary
    }
}

/// The first store error seen while outcomes arrive.
final class FirstError: Sendable {
    private let mutex = Mutex<RunStoreError?>(nil)

    func keep(_ error: RunStoreError) { mutex.withLock { if $0 == nil { $0 = error } } }

    var value: RunStoreError? { mutex.withLock { $0 } }
}
