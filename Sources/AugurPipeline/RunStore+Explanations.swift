import AugurInterp
import AugurLLM
import Foundation
import GRDB

/// A (feature, method, explainer) triple: the unit of explaining work.
public struct ExplanationKey: Hashable, Sendable, Codable {
    public var featureID: String
    public var method: String
    public var explainer: String

    public init(featureID: String, method: String, explainer: String) {
        self.featureID = featureID
        self.method = method
        self.explainer = explainer
    }
}

/// A stored description with its audit trail.
public struct StoredDescription: Sendable, Equatable {
    public var featureID: String
    public var method: String
    public var explainer: String
    public var text: String
    /// The prompt's messages, as JSON.
    public var promptJSON: String
    /// The evidence the prompt showed (``EvidenceShown``), as JSON.
    public var evidenceShownJSON: String
    /// The reply the text was parsed from.
    public var rawReply: String
    /// Every reply, in order.
    public var rawReplies: [String]
    public var seconds: Double
    public var usage: ChatUsage
    public var created: Date
}

/// A stored failure of one stage for one feature.
public struct StoredFailure: Sendable, Equatable {
    public var featureID: String
    /// `explain` or `score`.
    public var stage: String
    public var method: String
    /// The explainer model ('' when not applicable).
    public var explainer: String
    /// The scorer ('' for explanation failures).
    public var scorer: String
    /// Why it failed.
    public var cause: String
    /// Raw replies or output kept for diagnosis (JSON list for explanation failures).
    public var raw: String
    /// How many times it has failed.
    public var attempts: Int
    /// When it last failed.
    public var created: Date
}

extension RunStore {
    /// The stage name of explanation failures.
    public static let explainStage = "explain"

    /// Records an explanation outcome in one transaction. A success stores (or replaces) the
    /// description and drops any failure recorded earlier for the same (feature, method, explainer);
    /// a failure is recorded (or its earlier record updated, counting attempts) and never touches a
    /// description. A feature not yet in the store is added with its id only.
    public func record(_ outcome: ExplanationOutcome) throws(RunStoreError) {
        switch outcome {
        case .success(let s):
            let prompt = try encode(s.messages, column: "descriptions.prompt")
            let shown = try encode(s.shown, column: "descriptions.evidence_shown")
            let replies = try encode(s.rawReplies, column: "descriptions.raw_replies")
            try write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO features (id) VALUES (?)", arguments: [s.featureID])
                try db.execute(sql: """
                    INSERT INTO descriptions (feature_id, method, explainer, text, prompt, evidence_shown, raw_reply, raw_replies,
                        seconds, prompt_tokens, cached_prompt_tokens, completion_tokens, created)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(feature_id, method, explainer) DO UPDATE SET text = excluded.text, prompt = excluded.prompt,
                        evidence_shown = excluded.evidence_shown, raw_reply = excluded.raw_reply, raw_replies = excluded.raw_replies,
                        seconds = excluded.seconds, prompt_tokens = excluded.prompt_tokens,
                        cached_prompt_tokens = excluded.cached_prompt_tokens, completion_tokens = excluded.completion_tokens,
                        created = excluded.created
                    """, arguments: [s.featureID, s.description.method, s.explainer, s.description.text, prompt, shown, s.rawReply,
                                     replies, s.seconds, s.usage.promptTokens, s.usage.cachedPromptTokens,
                                     s.usage.completionTokens, Date()])
                try db.execute(sql: "DELETE FROM failures WHERE feature_id = ? AND stage = ? AND method = ? AND explainer = ?",
                               arguments: [s.featureID, Self.explainStage, s.description.method, s.explainer])
            }
        case .failure(let f):
            let raw = try encode(f.rawReplies, column: "failures.raw")
            try recordFailure(featureID: f.featureID, stage: Self.explainStage, method: f.method.rawValue, explainer: f.explainer,
                              scorer: "", cause: f.cause.description, raw: raw)
        }
    }

    func recordFailure(featureID: String, stage: String, method: String, explainer: String, scorer: String, cause: String,
                       raw: String, extra: ((Database) throws -> Void)? = nil) throws(RunStoreError) {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO features (id) VALUES (?)", arguments: [featureID])
            try db.execute(sql: """
                INSERT INTO failures (feature_id, stage, method, explainer, scorer, cause, raw, attempts, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)
                ON CONFLICT(feature_id, stage, method, explainer, scorer) DO UPDATE SET cause = excluded.cause,
                    raw = excluded.raw, attempts = failures.attempts + 1, created = excluded.created
                """, arguments: [featureID, stage, method, explainer, scorer, cause, raw, Date()])
            try extra?(db)
        }
    }

    /// The (feature, method, explainer) triples that have a description (of `explainer`, or of any).
    public func completedExplanations(explainer: String? = nil) throws(RunStoreError) -> Set<ExplanationKey> {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT feature_id, method, explainer FROM descriptions WHERE ?1 IS NULL OR explainer = ?1",
                                        arguments: [explainer])
            return Set(rows.map { ExplanationKey(featureID: $0["feature_id"], method: $0["method"], explainer: $0["explainer"]) })
        }
    }

    /// Explanation failures not since superseded by a description (of `explainer`, or of any).
    public func failedExplanations(explainer: String? = nil) throws(RunStoreError) -> [StoredFailure] {
        try failures(stage: Self.explainStage).filter { explainer == nil || $0.explainer == explainer }
    }

    /// The triples among `featureIDs` × `methods` that `explainer` has not described yet, previous
    /// failures included (a rerun retries them), in feature-then-method order.
    public func pendingExplanations(featureIDs: [String], methods: [ExplanationMethod], explainer: String) throws(RunStoreError) -> [ExplanationKey] {
        let done = try completedExplanations(explainer: explainer)
        var out: [ExplanationKey] = []
        for id in featureIDs {
            for m in methods {
                let key = ExplanationKey(featureID: id, method: m.rawValue, explainer: explainer)
                if !done.contains(key) { out.append(key) }
            }
        }
        return out
    }

    /// The descriptions of a feature (every method and explainer), oldest first.
    public func descriptions(featureID: String) throws(RunStoreError) -> [StoredDescription] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM descriptions WHERE feature_id = ? ORDER BY rowid", arguments: [featureID])
        }
        var out: [StoredDescription] = []
        for r in rows {
            let replies: String = r["raw_replies"]
            out.append(StoredDescription(
                featureID: r["feature_id"], method: r["method"], explainer: r["explainer"], text: r["text"],
                promptJSON: r["prompt"], evidenceShownJSON: r["evidence_shown"], rawReply: r["raw_reply"],
                rawReplies: try decode([String].self, replies, column: "descriptions.raw_replies"), seconds: r["seconds"],
                usage: ChatUsage(promptTokens: r["prompt_tokens"], cachedPromptTokens: r["cached_prompt_tokens"],
                                 completionTokens: r["completion_tokens"]),
                created: r["created"]))
        }
        return out
    }

    /// Recorded failures, of one stage or all, oldest first.
    public func failures(stage: String? = nil) throws(RunStoreError) -> [StoredFailure] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM failures WHERE ?1 IS NULL OR stage = ?1 ORDER BY rowid", arguments: [stage]).map {
                StoredFailure(featureID: $0["feature_id"], stage: $0["stage"], method: $0["method"], explainer: $0["explainer"],
                              scorer: $0["scorer"], cause: $0["cause"], raw: $0["raw"], attempts: $0["attempts"], created: $0["created"])
            }
        }
    }
}
