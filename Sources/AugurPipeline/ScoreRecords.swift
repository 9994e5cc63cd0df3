import AugurActivations
import AugurInterp
import AugurLLM
import Foundation

extension ScoreStage {
    /// The explainer recorded for descriptions that come from a records file.
    public static let recordsExplainer = "records"

    /// Stores the features of a records file in `store` — each with its evidence (kind `records`)
    /// and its descriptions (explainer ``recordsExplainer``) — so the score stage scores them. A
    /// description whose text differs from the one stored earlier replaces it and loses its old
    /// scores. Returns the number of descriptions stored.
    @discardableResult
    public static func importRecords(_ features: [RecordsFeature], into store: RunStore) throws(RunStoreError) -> Int {
        try store.upsertFeatures(features.map { f in
            let all = (f.evidence.examples.map { $0.train + $0.test }) ?? []
            return FeatureRecord(id: f.evidence.id, maxActivation: all.isEmpty ? nil : Double(all.map(\.maxActivation).max() ?? 0),
                                 kind: "records")
        })
        try store.saveEvidence(features.map(\.evidence))
        var stored = 0
        for f in features {
            let existing = try store.descriptions(featureID: f.evidence.id).filter { $0.explainer == recordsExplainer }
            for d in f.descriptions {
                if let old = existing.first(where: { $0.method == d.method }) {
                    if old.text == d.text { continue }
                    try store.deleteScores(featureID: f.evidence.id, method: d.method, explainer: recordsExplainer)
                }
                try store.record(.success(ExplanationSuccess(
                    featureID: f.evidence.id, description: d, messages: [], shown: EvidenceShown(), explainer: recordsExplainer,
                    rawReply: d.text, rawReplies: [d.text], seconds: 0, usage: ChatUsage(promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0))))
                stored += 1
            }
        }
        return stored
    }
}
