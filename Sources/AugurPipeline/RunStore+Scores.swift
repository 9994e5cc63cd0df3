import Foundation
import GRDB

/// A (feature, method, explainer, scorer) quadruple: the unit of scoring work.
public struct ScoreKey: Hashable, Sendable, Codable {
    public var featureID: String
    public var method: String
    /// The explainer whose description was scored ('' when not applicable).
    public var explainer: String
    public var scorer: String

    public init(featureID: String, method: String, explainer: String = "", scorer: String) {
        self.featureID = featureID
        self.method = method
        self.explainer = explainer
        self.scorer = scorer
    }
}

/// A stored score.
public struct StoredScore: Sendable, Equatable {
    public var key: ScoreKey
    /// The score, or nil when scoring failed.
    public var value: Double?
    /// Whether scoring failed (the failure's cause is in the failures table).
    public var failed: Bool
    /// Scorer-specific details (metrics, per-example results), as JSON.
    public var detailsJSON: String?
    public var created: Date
}

extension RunStore {
    /// The stage name of scoring failures.
    public static let scoreStage = "score"

    /// Records a score in one transaction (replacing an earlier score or failure of the same key)
    /// and drops the scoring failure recorded for it, if any.
    public func recordScore(_ key: ScoreKey, value: Double, detailsJSON: String? = nil) throws(RunStoreError) {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO features (id) VALUES (?)", arguments: [key.featureID])
            try db.execute(sql: """
                INSERT INTO scores (feature_id, method, explainer, scorer, value, failed, details, created) VALUES (?, ?, ?, ?, ?, 0, ?, ?)
                ON CONFLICT(feature_id, method, explainer, scorer) DO UPDATE SET value = excluded.value, failed = 0,
                    details = excluded.details, created = excluded.created
                """, arguments: [key.featureID, key.method, key.explainer, key.scorer, value, detailsJSON, Date()])
            try db.execute(sql: "DELETE FROM failures WHERE feature_id = ? AND stage = ? AND method = ? AND explainer = ? AND scorer = ?",
                           arguments: [key.featureID, Self.scoreStage, key.method, key.explainer, key.scorer])
        }
    }

    /// Records that scoring failed, in one transaction: a failure row (cause and raw output, attempts
    /// counted) and a score row marked failed with no value. An existing successful score is kept.
    public func recordScoreFailure(_ key: ScoreKey, cause: String, raw: String = "") throws(RunStoreError) {
        try recordFailure(featureID: key.featureID, stage: Self.scoreStage, method: key.method, explainer: key.explainer,
                          scorer: key.scorer, cause: cause, raw: raw) { db in
            try db.execute(sql: """
                INSERT INTO scores (feature_id, method, explainer, scorer, value, failed, details, created) VALUES (?, ?, ?, ?, NULL, 1, NULL, ?)
                ON CONFLICT(feature_id, method, explainer, scorer) DO UPDATE SET created = excluded.created WHERE scores.failed = 1
                """, arguments: [key.featureID, key.method, key.explainer, key.scorer, Date()])
        }
    }

    /// The keys that have a (successful) score.
    public func completedScores() throws(RunStoreError) -> Set<ScoreKey> {
        try read { db in
            Set(try Row.fetchAll(db, sql: "SELECT feature_id, method, explainer, scorer FROM scores WHERE failed = 0").map {
                ScoreKey(featureID: $0["feature_id"], method: $0["method"], explainer: $0["explainer"], scorer: $0["scorer"])
            })
        }
    }

    /// The scores of a feature, or of every feature when `featureID` is nil, in the order first stored.
    public func scores(featureID: String? = nil) throws(RunStoreError) -> [StoredScore] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM scores WHERE ?1 IS NULL OR feature_id = ?1 ORDER BY rowid", arguments: [featureID]).map {
                StoredScore(key: ScoreKey(featureID: $0["feature_id"], method: $0["method"], explainer: $0["explainer"], scorer: $0["scorer"]),
                            value: $0["value"], failed: $0["failed"], detailsJSON: $0["details"], created: $0["created"])
            }
        }
    }
}

extension RunStore {
    /// Deletes the scores and scoring failures of one description (e.g. after its text changed),
    /// in one transaction. Returns how many scores were deleted.
    @discardableResult
    public func deleteScores(featureID: String, method: String, explainer: String) throws(RunStoreError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM scores WHERE feature_id = ? AND method = ? AND explainer = ?",
                           arguments: [featureID, method, explainer])
            let n = db.changesCount
            try db.execute(sql: "DELETE FROM failures WHERE feature_id = ? AND stage = ? AND method = ? AND explainer = ?",
                           arguments: [featureID, Self.scoreStage, method, explainer])
            return n
        }
    }

    /// Recorded scoring failures (not since superseded by a score), oldest first.
    public func scoreFailures() throws(RunStoreError) -> [StoredFailure] {
        try failures(stage: Self.scoreStage)
    }
}
