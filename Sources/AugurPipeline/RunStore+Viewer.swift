import AugurInterp
import Foundation
import GRDB

/// How the viewer's feature list is ordered.
public enum FeatureSort: Sendable, Equatable {
    /// By id (insertion order of the store).
    case stored
    /// By activation density.
    case density
    /// By largest activation.
    case maxActivation
    /// By one scorer's successful score; `method` nil takes the feature's best score over methods.
    case score(scorer: String, method: String?)

    /// The sort as a query-string value: `stored`, `density`, `max`, `score:SCORER` (best over
    /// methods) or `score:SCORER:METHOD`.
    public var key: String {
        switch self {
        case .stored: return "stored"
        case .density: return "density"
        case .maxActivation: return "max"
        case let .score(scorer, method): return "score:\(scorer)" + (method.map { ":\($0)" } ?? "")
        }
    }

    /// Parses ``key``; nil for an unknown value.
    public init?(key: String) {
        switch key {
        case "", "stored": self = .stored
        case "density": self = .density
        case "max": self = .maxActivation
        default:
            let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, parts[0] == "score", !parts[1].isEmpty else { return nil }
            self = .score(scorer: parts[1], method: parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil)
        }
    }
}

/// A page request of the viewer's feature list.
public struct FeatureListQuery: Sendable, Equatable {
    /// Text the feature's descriptions (or its id) must contain, case-insensitively (ASCII).
    public var search: String?
    /// Only features of this kind (`sae`, `neurons`, `records`).
    public var kind: String?
    public var sort: FeatureSort
    /// Largest first (features without a value of the sort key come last either way).
    public var descending: Bool
    /// Zero-based page.
    public var page: Int
    public var pageSize: Int

    public init(search: String? = nil, kind: String? = nil, sort: FeatureSort = .stored, descending: Bool = true,
                page: Int = 0, pageSize: Int = 100) {
        self.search = search
        self.kind = kind
        self.sort = sort
        self.descending = descending
        self.page = page
        self.pageSize = pageSize
    }
}

/// One row of the feature list.
public struct FeatureListRow: Sendable, Equatable {
    public var id: String
    public var kind: String?
    public var density: Double?
    public var maxActivation: Double?
    /// The feature's first stored description, with its method.
    public var description: (method: String, text: String)?
    /// The value of the sort key for score sorts.
    public var sortScore: Double?
    /// How many descriptions it has.
    public var descriptionCount: Int

    public static func == (a: FeatureListRow, b: FeatureListRow) -> Bool {
        a.id == b.id && a.kind == b.kind && a.density == b.density && a.maxActivation == b.maxActivation
            && a.description?.method == b.description?.method && a.description?.text == b.description?.text
            && a.sortScore == b.sortScore && a.descriptionCount == b.descriptionCount
    }
}

/// A page of the feature list and how many features match in all.
public struct FeatureListPage: Sendable, Equatable {
    public var rows: [FeatureListRow]
    public var total: Int
}

/// One score row with its feature's kind, for summaries.
public struct ScoreSample: Sendable, Equatable {
    public var featureID: String
    public var kind: String?
    public var method: String
    public var explainer: String
    public var scorer: String
    /// Nil when scoring failed.
    public var value: Double?
}

extension RunStore {
    /// Creates the indexes the viewer's queries use, if missing (idempotent; a read-only store is
    /// left as it is and its queries are merely slower).
    public func ensureViewerIndexes() throws(RunStoreError) {
        try write { db in
            try db.execute(sql: """
                CREATE INDEX IF NOT EXISTS viewer_scores_feature ON scores(feature_id, scorer, method, failed, value);
                CREATE INDEX IF NOT EXISTS viewer_features_density ON features(density);
                -- Text search scans this index, not the descriptions' rows (which carry prompts and replies).
                CREATE INDEX IF NOT EXISTS viewer_descriptions_text ON descriptions(text, feature_id);
                CREATE INDEX IF NOT EXISTS viewer_features_max ON features(max_activation);
                -- Covers the list's columns: the table's rows carry the evidence JSON before kind (added
                -- by v2), so scanning the table itself reads every feature's evidence.
                CREATE INDEX IF NOT EXISTS viewer_features_list ON features(kind, density, max_activation, id, latent);
                """)
        }
    }

    /// A value that changes whenever features, descriptions, scores, failures or artifacts are
    /// added, replaced or removed (their counts and largest row ids): a key for caching pages.
    public func contentVersion() throws(RunStoreError) -> String {
        try read { db in
            let parts = try ["features", "descriptions", "scores", "failures", "artifacts"].map { table in
                let row = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(max(rowid), 0) AS m FROM \(table)")
                let n: Int = row?["n"] ?? 0, m: Int = row?["m"] ?? 0
                return "\(n).\(m)"
            }
            return parts.joined(separator: "-")
        }
    }

    /// How many features the store holds.
    public func featureCount() throws(RunStoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM features") ?? 0 }
    }

    /// The distinct feature kinds, sorted.
    public func featureKinds() throws(RunStoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT kind FROM features WHERE kind IS NOT NULL ORDER BY kind") }
    }

    /// The distinct (scorer, method) pairs that have scores, sorted by scorer then method.
    public func scoreColumns() throws(RunStoreError) -> [(scorer: String, method: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT scorer, method FROM scores ORDER BY scorer, method").map { ($0["scorer"], $0["method"]) }
        }
    }

    /// One page of the feature list: filtered, sorted and paged in SQL, so it stays fast for tens of
    /// thousands of features.
    public func featureList(_ query: FeatureListQuery) throws(RunStoreError) -> FeatureListPage {
        var filters: [String] = []
        var args: [DatabaseValue] = []
        if let kind = query.kind, !kind.isEmpty {
            filters.append("f.kind = ?")
            args.append(kind.databaseValue)
        }
        if let search = query.search?.trimmingCharacters(in: .whitespacesAndNewlines), !search.isEmpty {
            let pattern = "%" + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            filters.append("(f.id LIKE ? ESCAPE '\\' OR f.id IN (SELECT feature_id FROM descriptions WHERE text LIKE ? ESCAPE '\\'))")
            args.append(pattern.databaseValue)
            args.append(pattern.databaseValue)
        }
        let whereSQL = filters.isEmpty ? "" : "WHERE " + filters.joined(separator: " AND ")
        let direction = query.descending ? "DESC" : "ASC"
        var keySQL: String
        var keyArgs: [DatabaseValue] = []
        switch query.sort {
        case .stored: keySQL = "f.rowid"
        case .density: keySQL = "f.density"
        case .maxActivation: keySQL = "f.max_activation"
        case let .score(scorer, method):
            if let method {
                keySQL = "(SELECT max(value) FROM scores s WHERE s.feature_id = f.id AND s.scorer = ? AND s.method = ? AND s.failed = 0)"
                keyArgs = [scorer.databaseValue, method.databaseValue]
            } else {
                keySQL = "(SELECT max(value) FROM scores s WHERE s.feature_id = f.id AND s.scorer = ? AND s.failed = 0)"
                keyArgs = [scorer.databaseValue]
            }
        }
        let size = max(1, min(query.pageSize, 1000)), offset = max(0, query.page) * size
        let pageSQL = """
            SELECT f.id AS id, f.kind AS kind, f.density AS density, f.max_activation AS max_activation, \(keySQL) AS sort_key
            FROM features f \(whereSQL)
            ORDER BY sort_key IS NULL, sort_key \(direction), f.rowid
            LIMIT \(size) OFFSET \(offset)
            """
        let pageArgs = StatementArguments(keyArgs + args)
        let countArgs = StatementArguments(args)
        return try read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM features f \(whereSQL)", arguments: countArgs) ?? 0
            var rows: [FeatureListRow] = []
            for r in try Row.fetchAll(db, sql: pageSQL, arguments: pageArgs) {
                let id: String = r["id"]
                let d = try Row.fetchOne(db, sql: """
                    SELECT method, text, (SELECT count(*) FROM descriptions WHERE feature_id = ?1) AS n
                    FROM descriptions WHERE feature_id = ?1 ORDER BY rowid LIMIT 1
                    """, arguments: [id])
                let isScore: Bool = if case .score = query.sort { true } else { false }
                rows.append(FeatureListRow(id: id, kind: r["kind"], density: r["density"], maxActivation: r["max_activation"],
                                           description: d.map { (method: $0["method"], text: $0["text"]) },
                                           sortScore: isScore ? r["sort_key"] : nil, descriptionCount: d?["n"] ?? 0))
            }
            return FeatureListPage(rows: rows, total: total)
        }
    }

    /// Every score with its feature's kind, in the order stored (failed scores have no value).
    public func scoreSamples() throws(RunStoreError) -> [ScoreSample] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.feature_id, f.kind, s.method, s.explainer, s.scorer, s.value, s.failed
                FROM scores s LEFT JOIN features f ON f.id = s.feature_id ORDER BY s.rowid
                """).map { r in
                let failed: Bool = r["failed"]
                return ScoreSample(featureID: r["feature_id"], kind: r["kind"], method: r["method"], explainer: r["explainer"],
                                   scorer: r["scorer"], value: failed ? nil : r["value"])
            }
        }
    }

    /// The cause recorded for each failed score of a feature, keyed by (method, explainer, scorer).
    public func scoreFailureCauses(featureID: String) throws(RunStoreError) -> [ScoreKey: String] {
        try read { db in
            var out: [ScoreKey: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT method, explainer, scorer, cause FROM failures WHERE feature_id = ? AND stage = ?",
                                      arguments: [featureID, Self.scoreStage]) {
                out[ScoreKey(featureID: featureID, method: r["method"], explainer: r["explainer"], scorer: r["scorer"])] = r["cause"]
            }
            return out
        }
    }

    /// The ids of the `limit` features with the highest `scorer` score (best over methods, or of
    /// `method`), highest first.
    public func topFeatureIDs(scorer: String, method: String? = nil, limit: Int) throws(RunStoreError) -> [String] {
        try featureList(FeatureListQuery(sort: .score(scorer: scorer, method: method), pageSize: limit)).rows
            .filter { $0.sortScore != nil }.map(\.id)
    }
}

extension RunStore {
    /// Stores many descriptions and scores in one transaction: bulk loading, e.g. of a generated
    /// benchmark store (``record(_:)`` and ``recordScore(_:value:detailsJSON:)`` commit one at a time).
    /// A score without a value is stored as failed with `failureCause`.
    public func bulkRecord(descriptions: [ExplanationSuccess], scores: [(key: ScoreKey, value: Double?)],
                           failureCause: String = "scoring failed") throws(RunStoreError) {
        var rows: [(ExplanationSuccess, String, String, String)] = []
        for s in descriptions {
            rows.append((s, try encode(s.messages, column: "descriptions.prompt"), try encode(s.shown, column: "descriptions.evidence_shown"),
                         try encode(s.rawReplies, column: "descriptions.raw_replies")))
        }
        let now = Date()
        try write { db in
            for (s, prompt, shown, replies) in rows {
                try db.execute(sql: "INSERT OR IGNORE INTO features (id) VALUES (?)", arguments: [s.featureID])
                try db.execute(sql: """
                    INSERT OR REPLACE INTO descriptions (feature_id, method, explainer, text, prompt, evidence_shown, raw_reply, raw_replies,
                        seconds, prompt_tokens, cached_prompt_tokens, completion_tokens, created)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [s.featureID, s.description.method, s.explainer, s.description.text, prompt, shown, s.rawReply,
                                     replies, s.seconds, s.usage.promptTokens, s.usage.cachedPromptTokens, s.usage.completionTokens, now])
            }
            for (key, value) in scores {
                try db.execute(sql: "INSERT OR IGNORE INTO features (id) VALUES (?)", arguments: [key.featureID])
                try db.execute(sql: """
                    INSERT OR REPLACE INTO scores (feature_id, method, explainer, scorer, value, failed, details, created)
                    VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
                    """, arguments: [key.featureID, key.method, key.explainer, key.scorer, value, value == nil, now])
                if value == nil {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO failures (feature_id, stage, method, explainer, scorer, cause, raw, attempts, created)
                        VALUES (?, ?, ?, ?, ?, ?, '', 1, ?)
                        """, arguments: [key.featureID, Self.scoreStage, key.method, key.explainer, key.scorer, failureCause, now])
                }
            }
        }
    }
}

extension RunStore {
    /// Adds `copies` copies of every cache feature (with its descriptions, scores and failures) in
    /// one transaction, the copy k of latent L becoming latent L + k × `stride` of the same hook. For
    /// benchmarks that need many features fast (encoding each feature's evidence dominates a build).
    public func replicateFeatures(copies: Int, stride: Int) throws(RunStoreError) {
        guard copies > 0 else { return }
        try write { db in
            for k in 1...copies {
                let shift = k * stride
                try db.execute(sql: """
                    INSERT OR IGNORE INTO features (id, hook, latent, density, max_activation, evidence, kind, histogram, mean_activation)
                    SELECT hook || '/' || (latent + ?1), hook, latent + ?1, density, max_activation, evidence, kind, histogram, mean_activation
                    FROM features WHERE hook IS NOT NULL AND latent IS NOT NULL AND latent < ?2
                    """, arguments: [shift, stride])
                try db.execute(sql: """
                    INSERT OR IGNORE INTO descriptions (feature_id, method, explainer, text, prompt, evidence_shown, raw_reply, raw_replies,
                        seconds, prompt_tokens, cached_prompt_tokens, completion_tokens, created)
                    SELECT f.hook || '/' || (f.latent + ?1), d.method, d.explainer, d.text, d.prompt, d.evidence_shown, d.raw_reply,
                        d.raw_replies, d.seconds, d.prompt_tokens, d.cached_prompt_tokens, d.completion_tokens, d.created
                    FROM descriptions d JOIN features f ON f.id = d.feature_id WHERE f.latent < ?2
                    """, arguments: [shift, stride])
                try db.execute(sql: """
                    INSERT OR IGNORE INTO scores (feature_id, method, explainer, scorer, value, failed, details, created)
                    SELECT f.hook || '/' || (f.latent + ?1), s.method, s.explainer, s.scorer, s.value, s.failed, s.details, s.created
                    FROM scores s JOIN features f ON f.id = s.feature_id WHERE f.latent < ?2
                    """, arguments: [shift, stride])
                try db.execute(sql: """
                    INSERT OR IGNORE INTO failures (feature_id, stage, method, explainer, scorer, cause, raw, attempts, created)
                    SELECT f.hook || '/' || (f.latent + ?1), x.stage, x.method, x.explainer, x.scorer, x.cause, x.raw, x.attempts, x.created
                    FROM failures x JOIN features f ON f.id = x.feature_id WHERE f.latent < ?2
                    """, arguments: [shift, stride])
            }
        }
    }
}
