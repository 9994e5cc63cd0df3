import Foundation
import GRDB

extension RunStore {
    /// Well-known artifact names.
    public enum Artifact {
        /// The SAE's training metrics (`metrics.json` of `augur train-sae`).
        public static let saeMetrics = "sae_metrics"
        /// Wall time per pipeline stage.
        public static let stageTimings = "stage_timings"
        /// The method × scorer summary table.
        public static let scoreSummary = "score_summary"
        /// Correlations between scorers across features.
        public static let scorerCorrelations = "scorer_correlations"
        /// The latent caches the run's features come from: `{"sae": PATH, "neurons": PATH}` (feature
        /// kind → absolute cache directory). Runs made by `augur explain --cache` have the path
        /// under the `cache` key of their configuration instead.
        public static let caches = "caches"
    }

    /// Stores (or replaces) a named JSON artifact of the run, in one transaction.
    public func saveArtifact<T: Encodable>(_ name: String, _ value: T) throws(RunStoreError) {
        let json = try encode(value, column: "artifacts.\(name)")
        try saveArtifactJSON(name, json)
    }

    /// Stores (or replaces) a named artifact given as JSON text.
    public func saveArtifactJSON(_ name: String, _ json: String) throws(RunStoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO artifacts (name, json, created) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET json = excluded.json, created = excluded.created
                """, arguments: [name, json, Date()])
        }
    }

    /// The artifact `name` decoded as `T`, or nil when the run has none.
    public func artifact<T: Decodable>(_ name: String, as type: T.Type) throws(RunStoreError) -> T? {
        guard let json = try artifactJSON(name) else { return nil }
        return try decode(type, json, column: "artifacts.\(name)")
    }

    /// The artifact `name` as JSON text, or nil.
    public func artifactJSON(_ name: String) throws(RunStoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT json FROM artifacts WHERE name = ?", arguments: [name]) }
    }

    /// The names of the run's artifacts, sorted.
    public func artifactNames() throws(RunStoreError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM artifacts ORDER BY name") }
    }
}
