import Foundation
import GRDB

/// One line of a run's JSONL export: a feature, its descriptions and its scores.
public struct ExportedFeature: Codable, Sendable, Equatable {
    public struct Description: Codable, Sendable, Equatable {
        public var method: String
        public var text: String
        public var explainer: String
    }

    public struct Score: Codable, Sendable, Equatable {
        public var method: String
        public var explainer: String?
        public var scorer: String
        /// Absent when scoring failed.
        public var value: Double?
        /// Present (true) only when scoring failed.
        public var failed: Bool?
    }

    public var id: String
    public var hook: String?
    public var latent: Int?
    public var density: Double?
    public var maxActivation: Double?
    public var descriptions: [Description]
    /// Absent when the feature has no scores.
    public var scores: [Score]?

    enum CodingKeys: String, CodingKey {
        case id, hook, latent, density, descriptions, scores
        case maxActivation = "max_activation"
    }
}

extension RunStore {
    /// The export, one feature per element in the order features were first stored, read from one
    /// consistent snapshot of the database.
    public func exportFeatures() throws(RunStoreError) -> [ExportedFeature] {
        try read { db in
            var byID: [String: ExportedFeature] = [:]
            var order: [String] = []
            for r in try Row.fetchAll(db, sql: "SELECT id, hook, latent, density, max_activation FROM features ORDER BY rowid") {
                let id: String = r["id"]
                order.append(id)
                byID[id] = ExportedFeature(id: id, hook: r["hook"], latent: r["latent"], density: r["density"],
                                           maxActivation: r["max_activation"], descriptions: [], scores: nil)
            }
            for r in try Row.fetchAll(db, sql: "SELECT feature_id, method, explainer, text FROM descriptions ORDER BY rowid") {
                let id: String = r["feature_id"]
                byID[id]?.descriptions.append(.init(method: r["method"], text: r["text"], explainer: r["explainer"]))
            }
            for r in try Row.fetchAll(db, sql: "SELECT feature_id, method, explainer, scorer, value, failed FROM scores ORDER BY rowid") {
                let id: String = r["feature_id"]
                let explainer: String = r["explainer"]
                let failed: Bool = r["failed"]
                let value: Double? = r["value"]
                let score = ExportedFeature.Score(method: r["method"], explainer: explainer.isEmpty ? nil : explainer, scorer: r["scorer"],
                                                  value: failed ? nil : value, failed: failed ? true : nil)
                let existing = byID[id]?.scores ?? []
                byID[id]?.scores = existing + [score]
            }
            return order.compactMap { byID[$0] }
        }
    }

    /// The export as JSON Lines: one object per feature with `id`, `descriptions` `[{method, text,
    /// explainer}]`, `scores` `[{method, scorer, value | failed}]` when present, and `hook`,
    /// `latent`, `density`, `max_activation` when known. Keys are sorted.
    public func exportLines() throws(RunStoreError) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [String] = []
        for f in try exportFeatures() {
            do { lines.append(String(decoding: try encoder.encode(f), as: UTF8.self)) } catch {
                throw .badJSON(path: path, column: "export of feature \(f.id)", detail: "\(error)")
            }
        }
        return lines
    }

    /// Writes ``exportLines()`` to `handle`, a newline after each.
    public func exportJSONL(to handle: FileHandle) throws(RunStoreError) {
        let text = try exportLines().map { $0 + "\n" }.joined()
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            throw .database(path: path, detail: "cannot write the export: \(error)")
        }
    }
}
