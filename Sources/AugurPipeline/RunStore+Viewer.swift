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
                CREATE INDEX IF NOT EXISTS viewer_features_max ON features(max_activation);
                """)
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
