import AugurInterp
import Foundation
import GRDB

/// What went wrong with a run's store.
public enum RunStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database file could not be opened or created.
    case cannotOpen(path: String, detail: String)
    /// A query or a write failed.
    case database(path: String, detail: String)
    /// The run directory was made with a different configuration.
    case configMismatch(path: String, stored: String, given: String)
    /// A stored JSON column could not be encoded or decoded.
    case badJSON(path: String, column: String, detail: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, d): return "cannot open the run store \(path): \(d)"
        case let .database(path, d): return "run store \(path): \(d)"
        case let .configMismatch(path, stored, given):
            return "run store \(path) was created with another configuration (stored \(stored.prefix(300)); given \(given.prefix(300))); "
                + "use a new run directory or the same configuration"
        case let .badJSON(path, column, d): return "run store \(path): column \(column): \(d)"
        }
    }
}

/// The run a store belongs to.
public struct RunInfo: Sendable, Equatable {
    /// The run's configuration, as JSON.
    public var configJSON: String
    /// When the run was created.
    public var created: Date
    /// The Augur version that created it.
    public var augurVersion: String
}

/// A feature of the run and what is known about it.
public struct FeatureRecord: Sendable, Equatable {
    /// `HOOK/LATENT`, or a records file's id.
    public var id: String
    /// The hook point, for cache latents.
    public var hook: String?
    /// The latent (or neuron) index, for cache latents.
    public var latent: Int?
    /// Fraction of tokens the feature fires on, when known.
    public var density: Double?
    /// Its largest activation, when known.
    public var maxActivation: Double?
    /// The evidence explainers and scorers use.
    public var evidence: FeatureEvidence?
    /// Where the feature comes from: `sae`, `neurons`, `records` (nil when not recorded).
    public var kind: String?
    /// Histogram of its non-zero activations over [0, maxActivation] in equal bins, when known.
    public var histogram: [Int]?
    /// Mean of its non-zero activations, when known.
    public var meanActivation: Double?

    public init(id: String, hook: String? = nil, latent: Int? = nil, density: Double? = nil, maxActivation: Double? = nil,
                evidence: FeatureEvidence? = nil, kind: String? = nil, histogram: [Int]? = nil, meanActivation: Double? = nil) {
        self.id = id
        self.hook = hook
        self.latent = latent
        self.density = density
        self.maxActivation = maxActivation
        self.evidence = evidence
        self.kind = kind
        self.histogram = histogram
        self.meanActivation = meanActivation
    }
}

/// A run's results in SQLite (`RUN/augur.sqlite`, WAL mode): the run's configuration, its features,
/// descriptions, failures and scores. Every write is one transaction, so a run killed at any point
/// (even `kill -9`) leaves a consistent database, and a rerun asks the store what is left to do.
public final class RunStore: Sendable {
    /// The database's file name inside the run directory.
    public static let fileName = "augur.sqlite"
    /// The database file.
    public let path: String
    let pool: DatabasePool

    /// Opens the store in `directory` (created if needed), creating or migrating its tables.
    public init(directory: URL) throws(RunStoreError) {
        let file = directory.appendingPathComponent(Self.fileName).path
        path = file
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.foreignKeysEnabled = true
            pool = try DatabasePool(path: file, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw .cannotOpen(path: file, detail: "\(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    config TEXT NOT NULL,
                    created DATETIME NOT NULL,
                    augur_version TEXT NOT NULL);
                CREATE TABLE features (
                    id TEXT PRIMARY KEY NOT NULL,
                    hook TEXT, latent INTEGER, density REAL, max_activation REAL,
                    evidence TEXT);
                CREATE TABLE descriptions (
                    feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
                    method TEXT NOT NULL,
                    explainer TEXT NOT NULL,
                    text TEXT NOT NULL,
                    prompt TEXT NOT NULL,
                    evidence_shown TEXT NOT NULL,
                    raw_reply TEXT NOT NULL,
                    raw_replies TEXT NOT NULL,
                    seconds REAL NOT NULL,
                    prompt_tokens INTEGER NOT NULL,
                    cached_prompt_tokens INTEGER NOT NULL,
                    completion_tokens INTEGER NOT NULL,
                    created DATETIME NOT NULL,
                    UNIQUE (feature_id, method, explainer));
                CREATE TABLE failures (
                    feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
                    stage TEXT NOT NULL,
                    method TEXT NOT NULL,
                    explainer TEXT NOT NULL DEFAULT '',
                    scorer TEXT NOT NULL DEFAULT '',
                    cause TEXT NOT NULL,
                    raw TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 1,
                    created DATETIME NOT NULL,
                    UNIQUE (feature_id, stage, method, explainer, scorer));
                CREATE TABLE scores (
                    feature_id TEXT NOT NULL REFERENCES features(id) ON DELETE CASCADE,
                    method TEXT NOT NULL,
                    explainer TEXT NOT NULL DEFAULT '',
                    scorer TEXT NOT NULL,
                    value REAL,
                    failed INTEGER NOT NULL DEFAULT 0,
                    details TEXT,
                    created DATETIME NOT NULL,
                    UNIQUE (feature_id, method, explainer, scorer));
                """)
        }
        // v2: where a feature comes from and its activation histogram; named JSON artifacts of the
        // run (SAE metrics, stage timings, summaries) that the viewer and the report read.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE features ADD COLUMN kind TEXT;
                ALTER TABLE features ADD COLUMN histogram TEXT;
                ALTER TABLE features ADD COLUMN mean_activation REAL;
                CREATE INDEX features_kind ON features(kind);
                CREATE INDEX scores_scorer ON scores(scorer, method);
                CREATE TABLE artifacts (
                    name TEXT PRIMARY KEY NOT NULL,
                    json TEXT NOT NULL,
                    created DATETIME NOT NULL);
                """)
        }
        return m
    }

    // MARK: - Plumbing

    func write<T>(_ body: (Database) throws -> T) throws(RunStoreError) -> T {
        do { return try pool.write(body) } catch let e as RunStoreError { throw e } catch {
            throw .database(path: path, detail: "\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(RunStoreError) -> T {
        do { return try pool.read(body) } catch let e as RunStoreError { throw e } catch {
            throw .database(path: path, detail: "\(error)")
        }
    }

    func encode<T: Encodable>(_ value: T, column: String) throws(RunStoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return String(decoding: try encoder.encode(value), as: UTF8.self) } catch {
            throw .badJSON(path: path, column: column, detail: "\(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws(RunStoreError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch {
            throw .badJSON(path: path, column: column, detail: "\(error)")
        }
    }

    /// SQLite's journal mode for the store: `wal`, so that a killed writer leaves the last committed state.
    public func journalMode() throws(RunStoreError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: - Run

    /// The run's configuration, or nil before ``recordRun(configJSON:augurVersion:replace:)``.
    public func runInfo() throws(RunStoreError) -> RunInfo? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT config, created, augur_version FROM run WHERE id = 1").map {
                RunInfo(configJSON: $0["config"], created: $0["created"], augurVersion: $0["augur_version"])
            }
        }
    }

    /// Records the run's configuration the first time; later, returns the stored run if its
    /// configuration is the same, and refuses a different one unless `replace` is set.
    @discardableResult
    public func recordRun(configJSON: String, augurVersion: String, replace: Bool = false) throws(RunStoreError) -> RunInfo {
        let file = path
        return try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT config, created, augur_version FROM run WHERE id = 1") {
                let stored: String = row["config"]
                if stored == configJSON || !replace && Self.sameJSON(stored, configJSON) {
                    return RunInfo(configJSON: stored, created: row["created"], augurVersion: row["augur_version"])
                }
                guard replace else { throw RunStoreError.configMismatch(path: file, stored: stored, given: configJSON) }
            }
            try db.execute(sql: """
                INSERT INTO run (id, config, created, augur_version) VALUES (1, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET config = excluded.config, augur_version = excluded.augur_version
                """, arguments: [configJSON, Date(), augurVersion])
            // Read back, so the date has the precision it is stored with.
            guard let row = try Row.fetchOne(db, sql: "SELECT config, created, augur_version FROM run WHERE id = 1") else {
                throw RunStoreError.database(path: file, detail: "the run row vanished after it was written")
            }
            return RunInfo(configJSON: row["config"], created: row["created"], augurVersion: row["augur_version"])
        }
    }

    /// Whether two JSON texts hold the same value (key order and spacing aside).
    static func sameJSON(_ a: String, _ b: String) -> Bool {
        guard let x = try? JSONSerialization.jsonObject(with: Data(a.utf8), options: [.fragmentsAllowed]),
              let y = try? JSONSerialization.jsonObject(with: Data(b.utf8), options: [.fragmentsAllowed]),
              let dx = try? JSONSerialization.data(withJSONObject: x, options: [.sortedKeys, .fragmentsAllowed]),
              let dy = try? JSONSerialization.data(withJSONObject: y, options: [.sortedKeys, .fragmentsAllowed]) else { return false }
        return dx == dy
    }

    // MARK: - Features

    /// Inserts or replaces the features (all in one transaction), keeping their descriptions and scores.
    public func upsertFeatures(_ features: [FeatureRecord]) throws(RunStoreError) {
        var rows: [(FeatureRecord, String?, String?)] = []
        for f in features {
            rows.append((f, try f.evidence.map { e throws(RunStoreError) in try encode(e, column: "features.evidence") },
                         try f.histogram.map { h throws(RunStoreError) in try encode(h, column: "features.histogram") }))
        }
        try write { db in
            for (f, evidence, histogram) in rows {
                try db.execute(sql: """
                    INSERT INTO features (id, hook, latent, density, max_activation, evidence, kind, histogram, mean_activation)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET hook = excluded.hook, latent = excluded.latent, density = excluded.density,
                        max_activation = excluded.max_activation, evidence = coalesce(excluded.evidence, features.evidence),
                        kind = excluded.kind, histogram = excluded.histogram, mean_activation = excluded.mean_activation
                    """, arguments: [f.id, f.hook, f.latent, f.density, f.maxActivation, evidence, f.kind, histogram, f.meanActivation])
            }
        }
    }

    /// Stores each feature's evidence, adding the feature if it is new and keeping its other columns.
    public func saveEvidence(_ evidence: [FeatureEvidence]) throws(RunStoreError) {
        var rows: [(String, String)] = []
        for e in evidence { rows.append((e.id, try encode(e, column: "features.evidence"))) }
        try write { db in
            for (id, json) in rows {
                try db.execute(sql: """
                    INSERT INTO features (id, evidence) VALUES (?, ?)
                    ON CONFLICT(id) DO UPDATE SET evidence = excluded.evidence
                    """, arguments: [id, json])
            }
        }
    }

    /// The feature with `id`, or nil.
    public func feature(id: String) throws(RunStoreError) -> FeatureRecord? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM features WHERE id = ?", arguments: [id]) }
        return try row.map { r throws(RunStoreError) in try featureRecord(r) }
    }

    /// Every feature, in the order they were first stored.
    public func features() throws(RunStoreError) -> [FeatureRecord] {
        let rows = try read { db in try Row.fetchAll(db, sql: "SELECT * FROM features ORDER BY rowid") }
        var out: [FeatureRecord] = []
        for r in rows { out.append(try featureRecord(r)) }
        return out
    }

    func featureRecord(_ r: Row) throws(RunStoreError) -> FeatureRecord {
        let json: String? = r["evidence"]
        let histogram: String? = r["histogram"]
        return FeatureRecord(id: r["id"], hook: r["hook"], latent: r["latent"], density: r["density"],
                             maxActivation: r["max_activation"],
                             evidence: try json.map { s throws(RunStoreError) in try decode(FeatureEvidence.self, s, column: "features.evidence") },
                             kind: r["kind"],
                             histogram: try histogram.map { s throws(RunStoreError) in try decode([Int].self, s, column: "features.histogram") },
                             meanActivation: r["mean_activation"])
    }
}
